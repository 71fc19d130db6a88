package ims

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var allSecrets = []string{testSK, testSTS, testToken}

func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range allSecrets {
		if strings.Contains(s, secret) {
			t.Errorf("%s reveals a secret", what) // the text itself is not printed: it holds the secret
		}
	}
}

func TestCredentialsNeverPrinted(t *testing.T) {
	creds := Credentials{AccessKey: testAK, SecretKey: testSK, SecurityToken: testSTS, ProjectID: "proj-1", Token: testToken}
	cfg := Config{Endpoint: "http://h", Credentials: creds}
	for _, v := range []any{creds, &creds, cfg, &cfg, []Credentials{creds}, map[string]any{"c": creds}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			assertNoSecret(t, fmt.Sprintf("%s of %T", verb, v), fmt.Sprintf(verb, v))
		}
	}
	for _, v := range []any{creds, &creds, struct{ C Credentials }{creds}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Errorf("json.Marshal(%T): %v", v, err)
		}
		assertNoSecret(t, fmt.Sprintf("JSON of %T", v), string(b))
	}
	s := creds.String()
	if !strings.Contains(s, testAK) || !strings.Contains(s, "proj-1") || !strings.Contains(s, "<redacted>") {
		t.Errorf("String() = %s, want the access key, the project and redaction marks", s)
	}
	if got := (Credentials{AccessKey: "a"}).String(); !strings.Contains(got, `SecretKey:""`) {
		t.Errorf("an unset secret should show as empty: %s", got)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		creds Credentials
		ok    bool
	}{
		{Credentials{AccessKey: "a", SecretKey: "s"}, true},
		{Credentials{AccessKey: "a", SecretKey: "s", SecurityToken: "t", ProjectID: "p"}, true},
		{Credentials{Token: "t"}, true},
		{Credentials{Token: "t", ProjectID: "p"}, true},
		{Credentials{}, false},
		{Credentials{ProjectID: "p"}, false},
		{Credentials{AccessKey: "a"}, false},
		{Credentials{SecretKey: testSK}, false},
		{Credentials{SecurityToken: testSTS}, false},
		{Credentials{AccessKey: "a", SecretKey: testSK, Token: testToken}, false},
		{Credentials{SecurityToken: testSTS, Token: testToken}, false},
		{Credentials{AccessKey: "a", SecretKey: testSK + "\n"}, false},
		{Credentials{Token: testToken + "\r\n"}, false},
		{Credentials{AccessKey: "a\tb", SecretKey: testSK}, false},
	} {
		err := tc.creds.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("Validate(%v) = %v", tc.creds, err)
		}
		if err != nil {
			assertNoSecret(t, "Validate error", err.Error())
			if _, nerr := New(Config{Region: "cn-north-4", Credentials: tc.creds}); nerr == nil {
				t.Errorf("New accepted %v", tc.creds)
			}
		}
	}
}

// A server that echoes the secrets a request carried in its error body does not get them
// into the error.
func TestSecretsNotInErrors(t *testing.T) {
	for _, creds := range []Credentials{
		{AccessKey: testAK, SecretKey: testSK, SecurityToken: testSTS},
		{Token: testToken},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", r.Header.Get("X-Auth-Token"))
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error_code":%q,"error_msg":"rejected %s %s"}`,
				r.Header.Get("X-Security-Token"), r.Header.Get("X-Security-Token"), r.Header.Get("X-Auth-Token"))
		}))
		c, _ := testClient(t, srv.URL, func(c *Config) { c.Credentials = creds })
		_, err := Collect(c.ListImages(context.Background(), ListImagesRequest{}))
		srv.Close()
		if ClassOf(err) != ClassUnauthorized {
			t.Fatalf("err class = %q", ClassOf(err))
		}
		assertNoSecret(t, "error", err.Error())
		assertNoSecret(t, "error %+v", fmt.Sprintf("%+v", err))
	}
}
