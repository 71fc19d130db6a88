package ims

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Cancelling while the server is slow to answer ends the listing at once.
func TestCancelDuringSlowResponse(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)

	c, _ := testClient(t, srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := Collect(c.ListImages(ctx, ListImagesRequest{}))
	if ClassOf(err) != ClassCanceled || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v (class %q), want Canceled", err, ClassOf(err))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v", d)
	}
}

// Cancelling while the body streams in ends the listing too.
func TestCancelDuringBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"images":[`))
		w.(http.Flusher).Flush()
		<-release
	}))
	defer srv.Close()
	defer close(release)

	c, _ := testClient(t, srv.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Collect(c.ListImages(ctx, ListImagesRequest{}))
	if ClassOf(err) != ClassCanceled || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v (class %q), want Canceled by the deadline", err, ClassOf(err))
	}
}

// Cancelling during a long backoff wait does not wait it out. This uses
// the real sleep.
func TestCancelDuringBackoff(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()

	c, err := New(Config{Endpoint: srv.URL, Credentials: Credentials{Token: testToken}, MaxDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = Collect(c.ListImages(ctx, ListImagesRequest{}))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v", d)
	}
	if ClassOf(err) != ClassCanceled || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v (class %q), want Canceled", err, ClassOf(err))
	}
	if rec.count() != 1 {
		t.Errorf("%d requests, want 1", rec.count())
	}
}

// An already-cancelled context sends nothing.
func TestCancelledBeforeStart(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(pagingHandler(&rec, makeIDs(3)))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Collect(c.ListImages(ctx, ListImagesRequest{})); ClassOf(err) != ClassCanceled {
		t.Errorf("err = %v, want Canceled", err)
	}
	if rec.count() != 0 {
		t.Errorf("%d requests sent", rec.count())
	}
}
