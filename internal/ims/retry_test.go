package ims

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// failingThen answers the first len(fail) requests with fail[i] and then
// serves one image.
func failingThen(rec *recorder, fail ...func(w http.ResponseWriter)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := rec.add(r)
		if n <= len(fail) {
			fail[n-1](w)
			return
		}
		writePage(w, []string{"ok"})
	}
}

func status(code int, header ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

func body(s string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { _, _ = w.Write([]byte(s)) }
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name      string
		fail      []func(http.ResponseWriter)
		wantSlept []time.Duration
	}{
		{"503 twice: exponential backoff", []func(http.ResponseWriter){status(503), status(500)}, []time.Duration{500 * time.Millisecond, time.Second}},
		{"429 Retry-After seconds", []func(http.ResponseWriter){status(429, "Retry-After", "7")}, []time.Duration{7 * time.Second}},
		{"503 Retry-After HTTP date", []func(http.ResponseWriter){status(503, "Retry-After", testNow.Add(20*time.Second).Format(http.TimeFormat))}, []time.Duration{20 * time.Second}},
		{"Retry-After capped at MaxDelay", []func(http.ResponseWriter){status(429, "Retry-After", "3600")}, []time.Duration{30 * time.Second}},
		{"Retry-After in the past: backoff", []func(http.ResponseWriter){status(429, "Retry-After", "Mon, 02 Jan 2006 15:04:05 GMT")}, []time.Duration{500 * time.Millisecond}},
		{"malformed page", []func(http.ResponseWriter){body(`{"images":[{"id":"a"`)}, []time.Duration{500 * time.Millisecond}},
		{"connection dropped", []func(http.ResponseWriter){hangUp}, []time.Duration{500 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec recorder
			srv := httptest.NewServer(failingThen(&rec, tc.fail...))
			defer srv.Close()
			c, slept := testClient(t, srv.URL, nil)
			got, err := Collect(c.ListImages(context.Background(), ListImagesRequest{}))
			if err != nil || len(got) != 1 {
				t.Fatalf("got %d images, %v", len(got), err)
			}
			if rec.count() != len(tc.fail)+1 {
				t.Errorf("%d requests, want %d", rec.count(), len(tc.fail)+1)
			}
			if !slices.Equal(*slept, tc.wantSlept) {
				t.Errorf("slept %v, want %v", *slept, tc.wantSlept)
			}
		})
	}
}

func TestRetryGivesUp(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, slept := testClient(t, srv.URL, nil)
	_, err := Collect(c.ListImages(context.Background(), ListImagesRequest{}))
	if ClassOf(err) != ClassUnavailable || !strings.Contains(err.Error(), "after 4 attempts") {
		t.Errorf("err = %v", err)
	}
	if rec.count() != 4 {
		t.Errorf("%d requests, want MaxAttempts = 4", rec.count())
	}
	if want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}; !slices.Equal(*slept, want) {
		t.Errorf("slept %v, want %v", *slept, want)
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404} {
		var rec recorder
		srv := httptest.NewServer(failingThen(&rec, status(code, "Retry-After", "1"), status(code)))
		c, slept := testClient(t, srv.URL, nil)
		_, err := Collect(c.ListImages(context.Background(), ListImagesRequest{}))
		srv.Close()
		if err == nil || rec.count() != 1 || len(*slept) != 0 {
			t.Errorf("%d: err %v after %d requests, %d waits; want one request", code, err, rec.count(), len(*slept))
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	b := newBackoff(time.Second, 10*time.Second)
	b.jitter = func(n int64) int64 { return n - 1 }
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 60: 10 * time.Second} {
		if got := b.delay(attempt, 0); got != want {
			t.Errorf("delay(%d) = %v, want the ceiling %v", attempt, got, want)
		}
	}
	b.jitter = func(int64) int64 { return 0 }
	if got := b.delay(3, 0); got != 0 {
		t.Errorf("full jitter reaches 0: got %v", got)
	}
	// The real jitter stays in range.
	b = newBackoff(time.Second, 10*time.Second)
	for range 100 {
		if d := b.delay(2, 0); d < 0 || d > 2*time.Second {
			t.Fatalf("delay(2) = %v, outside [0, 2s]", d)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"":              0,
		"12":            12 * time.Second,
		" 3 ":           3 * time.Second,
		"0":             0,
		"-5":            0,
		"soon":          0,
		"9999999999999": 365 * 24 * time.Hour,
		testNow.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		testNow.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		if got := parseRetryAfter(in, testNow); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
