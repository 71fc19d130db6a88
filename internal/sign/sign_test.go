package sign

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The official SDK's published vectors (core/auth/signer/signer_test.go).
func TestSignSDKVectors(t *testing.T) {
	tests := []struct {
		name, method, query, body, contentType, want string
	}{
		{
			name: "GET", method: http.MethodGet, query: "limit=1",
			want: "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, " +
				"Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
		},
		{
			// The SDK's JSON encoder ends the body with a newline.
			name: "POST", method: http.MethodPost, query: "key=value",
			body: "{\"Name\":\"test\",\"Id\":1}\n", contentType: "application/json",
			want: "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, " +
				"Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, "https://example.huaweicloud.com/path?"+tc.query, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set(HeaderDate, "20060102T150405Z")
			req.Header["TEST_UNDERSCORE"] = []string{"TEST_VALUE"} // the SDK test sets it; never signed
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			// now is ignored: X-Sdk-Date is already set.
			if err := Sign(req, body, "AccessKey", "SecretKey", time.Now()); err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get("Authorization"); got != tc.want {
				t.Errorf("Authorization\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestSignSetsDateFromNow(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://example.huaweicloud.com/path?limit=1", nil)
	now := time.Date(2006, 1, 2, 23, 4, 5, 0, time.FixedZone("X", 8*3600))
	if err := Sign(req, nil, "AccessKey", "SecretKey", now); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get(HeaderDate); got != "20060102T150405Z" {
		t.Errorf("X-Sdk-Date = %q, want the UTC time 20060102T150405Z", got)
	}
	// Same inputs as the SDK's GET vector, so the same signature.
	if got := req.Header.Get("Authorization"); !strings.HasSuffix(got, "Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624") {
		t.Errorf("Authorization = %s", got)
	}
}

func TestSignHostWhenRequested(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://ims.example.com:8443/v2/cloudimages", nil)
	req.Header.Set("Host", "ignored-value")
	req.Header.Set("X-Project-Id", "p1")
	if err := Sign(req, nil, "AK", "SK", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); !strings.Contains(got, "SignedHeaders=host;x-project-id;x-sdk-date,") {
		t.Errorf("Authorization = %s, want host, x-project-id and x-sdk-date signed", got)
	}
	// The canonical host is what travels on the wire, not the header entry.
	canon, err := canonicalHeaders(req, []string{"host"})
	if err != nil || canon != "host:ims.example.com:8443\n" {
		t.Errorf("canonical host = %q, %v", canon, err)
	}
}

func TestCanonicalQueryMatchesSDK(t *testing.T) {
	// The SDK's own canonicalQueryString test, with the query as url.Values
	// would put it on the wire (space as '+').
	v := url.Values{}
	v.Set("limit", "1")
	v.Set("enable", "true")
	v.Set("test", "一 (&=?!#%.*)")
	v.Set("path", "/tmp/123")
	v["multi"] = []string{"3", "1", "2"}
	got, err := canonicalQuery(v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	want := "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestCanonicalURI(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "/",
		"/":                "/",
		"/path":            "/path/",
		"/v2/cloudimages/": "/v2/cloudimages/",
		"/a b/c":           "/a%20b/c/",
	} {
		if got := canonicalURI(in); got != want {
			t.Errorf("canonicalURI(%q) = %q, want %q", in, got, want)
		}
	}
}
