package ims

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imagecatalog/ims-operator/internal/sign"
)

func TestAuthHeaders(t *testing.T) {
	tests := []struct {
		name  string
		creds Credentials
		check func(t *testing.T, r *http.Request)
	}{
		{
			name:  "AK/SK",
			creds: Credentials{AccessKey: testAK, SecretKey: testSK},
			check: func(t *testing.T, r *http.Request) {
				mustVerify(t, r)
				if got := r.Header.Get("Authorization"); !strings.Contains(got, "SignedHeaders=accept;host;x-sdk-date,") {
					t.Errorf("Authorization = %s", got)
				}
				for _, h := range []string{"X-Auth-Token", "X-Security-Token", "X-Project-Id"} {
					if r.Header.Get(h) != "" {
						t.Errorf("%s sent", h)
					}
				}
			},
		},
		{
			name:  "AK/SK with security token and project",
			creds: Credentials{AccessKey: testAK, SecretKey: testSK, SecurityToken: testSTS, ProjectID: "proj-1"},
			check: func(t *testing.T, r *http.Request) {
				mustVerify(t, r)
				if r.Header.Get("X-Security-Token") != testSTS || r.Header.Get("X-Project-Id") != "proj-1" {
					t.Errorf("X-Security-Token or X-Project-Id missing or wrong (header names: %v)", headerNames(r))
				}
				if got := r.Header.Get("Authorization"); !strings.Contains(got, "SignedHeaders=accept;host;x-project-id;x-sdk-date;x-security-token,") {
					t.Errorf("security token and project id are not signed: %s", got)
				}
			},
		},
		{
			name:  "IAM token",
			creds: Credentials{Token: testToken, ProjectID: "proj-1"},
			check: func(t *testing.T, r *http.Request) {
				if r.Header.Get("X-Auth-Token") != testToken || r.Header.Get("X-Project-Id") != "proj-1" {
					t.Errorf("X-Auth-Token or X-Project-Id missing or wrong (header names: %v)", headerNames(r))
				}
				if r.Header.Get("Authorization") != "" || r.Header.Get(sign.HeaderDate) != "" {
					t.Errorf("a token request is signed (header names: %v)", headerNames(r))
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec recorder
			srv := httptest.NewServer(pagingHandler(&rec, makeIDs(1)))
			defer srv.Close()
			c, _ := testClient(t, srv.URL, func(c *Config) { c.Credentials = tc.creds })
			if _, err := Collect(c.ListImages(context.Background(), ListImagesRequest{Platform: "Oracle Linux", Tag: "a=b"})); err != nil {
				t.Fatal(err)
			}
			tc.check(t, rec.all()[0])
		})
	}
}

func mustVerify(t *testing.T, r *http.Request) {
	t.Helper()
	secretFor := func(ak string) (string, bool) { return testSK, ak == testAK }
	if err := sign.Verify(r, nil, secretFor, testNow, 15*time.Minute); err != nil {
		t.Errorf("signature rejected: %v", err)
	}
	if got := r.Header.Get(sign.HeaderDate); got != "20240304T050607Z" {
		t.Errorf("X-Sdk-Date = %s, want Config.Now", got)
	}
}

func TestUserAgent(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(pagingHandler(&rec, nil))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, func(c *Config) { c.UserAgent = "ims-operator/test" })
	if _, err := Collect(c.ListImages(context.Background(), ListImagesRequest{})); err != nil {
		t.Fatal(err)
	}
	if got := rec.all()[0].UserAgent(); got != "ims-operator/test" {
		t.Errorf("User-Agent = %q", got)
	}
}

func TestEndpoint(t *testing.T) {
	if got := EndpointForRegion("cn-north-4"); got != "https://ims.cn-north-4.myhuaweicloud.com" {
		t.Errorf("EndpointForRegion = %s", got)
	}
	creds := Credentials{Token: testToken}
	c, err := New(Config{Region: "cn-north-4", Credentials: creds})
	if err != nil || c.listURL.String() != "https://ims.cn-north-4.myhuaweicloud.com/v2/cloudimages" {
		t.Errorf("region URL = %v, %v", c, err)
	}
	c, err = New(Config{Endpoint: "http://127.0.0.1:8080/prefix/", Region: "ignored", Credentials: creds})
	if err != nil || c.listURL.String() != "http://127.0.0.1:8080/prefix/v2/cloudimages" {
		t.Errorf("override URL = %v, %v", c, err)
	}
	for i, cfg := range []Config{
		{},                             // neither
		{Region: "evil.com/x#"},        // a region must not pick the host
		{Region: "cn-north-4.evil.io"}, // nor a subdomain
		{Endpoint: "ftp://h"},
		{Endpoint: "http://user:" + testSK + "@h"},
		{Endpoint: "http://h/?q=1"},
		{Endpoint: "://" + testSK},
	} {
		cfg.Credentials = creds
		_, err := New(cfg)
		if err == nil {
			t.Errorf("New accepted endpoint #%d", i) // the endpoint may hold a secret: not printed
			continue
		}
		if strings.Contains(err.Error(), testSK) {
			t.Errorf("New's error for endpoint #%d reveals a secret", i)
		}
	}
}

// headerNames lists a request's header names: test failures show them, never their values,
// some of which are secrets.
func headerNames(r *http.Request) []string {
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
