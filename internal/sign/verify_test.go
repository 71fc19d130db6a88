package sign

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var signTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

const testSK = "sk-Very-Secret-1234"

func secrets(ak string) (string, bool) {
	if ak == "AK1" {
		return testSK, true
	}
	return "", false
}

// signedRequest returns a request as the server sees it after the client
// signed it: host moved to req.Host, as net/http does on the server side.
func signedRequest(t *testing.T, sk string) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080/v2/cloudimages?__platform=Oracle+Linux&tag=a%3Db&limit=2", nil)
	req.Header.Set("Host", req.URL.Host)
	req.Header.Set("X-Security-Token", "token-Secret")
	if err := Sign(req, nil, "AK1", sk, signTime); err != nil {
		t.Fatal(err)
	}
	req.Header.Del("Host")
	return req
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*http.Request)
		sk     string
		now    time.Time
		ok     bool
	}{
		{name: "good", ok: true},
		{name: "good at the edge of the skew", now: signTime.Add(-15 * time.Minute), ok: true},
		{name: "tampered query", mutate: func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "limit=2", "limit=3", 1) }},
		{name: "tampered signed header", mutate: func(r *http.Request) { r.Header.Set("X-Security-Token", "other") }},
		{name: "other host", mutate: func(r *http.Request) { r.Host = "evil.example.com" }},
		{name: "tampered path", mutate: func(r *http.Request) { r.URL.Path = "/v2/images" }},
		{name: "wrong SK", sk: "not-the-sk"},
		{name: "unknown AK", mutate: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Access=AK1", "Access=AK2", 1))
		}},
		{name: "skew ahead", now: signTime.Add(15*time.Minute + time.Second)},
		{name: "skew behind", now: signTime.Add(-16 * time.Minute)},
		{name: "no authorization", mutate: func(r *http.Request) { r.Header.Del("Authorization") }},
		{name: "other algorithm", mutate: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), Algorithm, "SDK-HMAC-SHA1", 1))
		}},
		{name: "garbage authorization", mutate: func(r *http.Request) { r.Header.Set("Authorization", Algorithm+" nonsense") }},
		{name: "date not signed", mutate: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-sdk-date", "", 1))
		}},
		{name: "missing date", mutate: func(r *http.Request) { r.Header.Del(HeaderDate) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sk := tc.sk
			if sk == "" {
				sk = testSK
			}
			req := signedRequest(t, sk)
			if tc.mutate != nil {
				tc.mutate(req)
			}
			now := tc.now
			if now.IsZero() {
				now = signTime.Add(time.Minute)
			}
			err := Verify(req, nil, secrets, now, 15*time.Minute)
			if tc.ok && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !tc.ok && err == nil {
				t.Fatal("Verify accepted a bad request")
			}
			if err != nil {
				for _, s := range []string{testSK, "token-Secret", "not-the-sk"} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("Verify's error reveals a secret") // which one is not printed
					}
				}
			}
		})
	}
}

// A body is part of the signature.
func TestVerifyBody(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://h/x", nil)
	if err := Sign(req, []byte(`{"a":1}`), "AK1", testSK, signTime); err != nil {
		t.Fatal(err)
	}
	if err := Verify(req, []byte(`{"a":1}`), secrets, signTime, time.Minute); err != nil {
		t.Errorf("same body: %v", err)
	}
	if err := Verify(req, []byte(`{"a":2}`), secrets, signTime, time.Minute); err == nil {
		t.Error("changed body accepted")
	}
}

// End to end through net/http: what the client signs, the server verifies,
// whether the space travels as '+' or %20.
func TestVerifyOverHTTP(t *testing.T) {
	var got error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = Verify(r, nil, secrets, signTime, 15*time.Minute)
	}))
	defer srv.Close()
	for _, q := range []string{"__platform=Oracle+Linux&limit=1", "__platform=Oracle%20Linux&created_at=gt%3A2018-10-28T10%3A00%3A00Z"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/cloudimages?"+q, nil)
		req.Header.Set("Host", req.URL.Host)
		if err := Sign(req, nil, "AK1", testSK, signTime); err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got != nil {
			t.Errorf("%s: server rejected the signature: %v", q, got)
		}
	}
}
