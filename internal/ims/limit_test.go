package ims

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Every request waits for the limiter, and cancelling during that wait ends the listing at
// once, without the request it was waiting to send.
func TestCancelDuringRateLimitWait(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(pagingHandler(&rec, makeIDs(5)))
	defer srv.Close()
	limiter := rate.NewLimiter(rate.Every(time.Hour), 1) // one request now, the next in an hour
	c, _ := testClient(t, srv.URL, func(cfg *Config) { cfg.Limiter = limiter })

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := Collect(c.ListImages(ctx, ListImagesRequest{Limit: 2})) // 3 pages
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v", d)
	}
	if ClassOf(err) != ClassCanceled || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v (class %q), want Canceled", err, ClassOf(err))
	}
	if rec.count() != 1 {
		t.Errorf("%d requests, want 1: the second page waits for the limiter", rec.count())
	}
}

// Identity tells accounts apart and Fingerprint tells credentials apart, and neither shows a
// secret (the access key is not one).
func TestCredentialsIdentityAndFingerprint(t *testing.T) {
	a := Credentials{AccessKey: testAK, SecretKey: testSK}
	rotated := Credentials{AccessKey: testAK, SecretKey: testSK + "2"}
	other := Credentials{AccessKey: testAK + "2", SecretKey: testSK}
	token := Credentials{Token: testToken}
	if a.Identity() != rotated.Identity() {
		t.Error("a new secret key for the same access key must keep the account's identity")
	}
	if a.Identity() == other.Identity() || a.Identity() == token.Identity() {
		t.Error("different accounts share an identity")
	}
	if a.Fingerprint() == rotated.Fingerprint() || a.Fingerprint() == other.Fingerprint() {
		t.Error("different credentials share a fingerprint")
	}
	withToken := a
	withToken.SecurityToken = testSTS
	if a.Fingerprint() == withToken.Fingerprint() {
		t.Error("a security token must change the fingerprint")
	}
	for _, s := range []string{a.Identity(), a.Fingerprint(), withToken.Fingerprint(), token.Identity()} {
		for _, secret := range []string{testSK, testSTS, testToken} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows a credential", s)
			}
		}
	}
}
