package ims

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/imagecatalog/ims-operator/internal/sign"
)

// The core serves calls other than the list: a signed POST with a body, an answer the caller
// accepts although it is not 2xx, secrets echoed in a refused answer, an oversized answer.

func testCaller(srv *httptest.Server) *caller {
	return &caller{http: srv.Client(), backoff: backoff{base: time.Millisecond, max: time.Millisecond,
		sleep: func(context.Context, time.Duration) error { return nil }, jitter: func(int64) int64 { return 0 }},
		maxAttempts: 3, now: time.Now, userAgent: "core-test"}
}

func mustURL(t *testing.T, s string) url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return *u
}

func TestCoreSignsABody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		secret := func(ak string) (string, bool) { return testSK, ak == testAK }
		if err := sign.Verify(r, body, secret, time.Now(), time.Minute); err != nil || r.Header.Get("X-Security-Token") != testSTS {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	creds := Credentials{AccessKey: testAK, SecretKey: testSK, SecurityToken: testSTS}
	var got string
	err := testCaller(srv).do(context.Background(), &request{
		name: "signed post", method: http.MethodPost, url: mustURL(t, srv.URL+"/v3/x"),
		header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{"a":1}`), creds: &creds,
		decode: func(a *answer) error { got = string(a.body); return nil },
	})
	if err != nil || got != `{"ok":true}` {
		t.Fatalf("signed POST: %v, body %q", err, got)
	}
}

func TestCoreAcceptAndScrub(t *testing.T) {
	const bodyToken = "id-token-that-must-never-show"
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("X-Request-Id", "req-1")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error_code":"IAM.0001","error_msg":"bad token ` + bodyToken + `"}`))
	}))
	defer srv.Close()
	req := func(accept func(int) bool, decode func(*answer) error) *request {
		return &request{name: "iam", api: "IAM step A", method: http.MethodPost, url: mustURL(t, srv.URL),
			body: []byte(bodyToken), secrets: []string{bodyToken}, accept: accept, decode: decode}
	}

	status := 0
	err := testCaller(srv).do(context.Background(), req(func(int) bool { return true }, func(a *answer) error {
		status = a.status
		return nil
	}))
	if err != nil || status != http.StatusForbidden {
		t.Errorf("accepted 403: err %v, status %d", err, status)
	}

	err = testCaller(srv).do(context.Background(), req(nil, nil))
	he, ok := err.(*Error)
	if !ok || he.StatusCode != http.StatusForbidden || ClassOf(err) != ClassForbidden || he.RequestID != "req-1" {
		t.Fatalf("refused 403: %T %v", err, err)
	}
	if strings.Contains(err.Error(), bodyToken) || !strings.HasPrefix(err.Error(), "IAM step A answered 403 IAM.0001") {
		t.Errorf("refused 403 reads %q without the token", strings.ReplaceAll(err.Error(), bodyToken, "<token>"))
	}
	if calls != 2 {
		t.Errorf("%d requests, want 2: a 403 is not retried", calls)
	}
}

func TestCoreRetriesAndBoundsTheBody(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		_, _ = w.Write([]byte(strings.Repeat("x", 100)))
	}))
	defer srv.Close()
	err := testCaller(srv).do(context.Background(), &request{name: "big", method: http.MethodGet,
		url: mustURL(t, srv.URL), maxBody: 10})
	// The same request would bring the same body again: not retried (the lister asks a smaller
	// page instead, see TestOversizedPageIsAskedAgainSmaller).
	if ClassOf(err) != ClassIncomplete || calls != 1 || !errors.Is(err, errBodyTooLarge) {
		t.Errorf("oversized answer: %v after %d requests, want IncompleteListing (too large) after 1", err, calls)
	}
}
