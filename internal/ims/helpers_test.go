package ims

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Secrets with distinctive text, so a leak is easy to spot.
const (
	testAK    = "AKTESTACCESSKEY"
	testSK    = "SK-secret-4f9c2d71"
	testSTS   = "STS-secret-8a1e5b90"
	testToken = "IAM-secret-c37d0e22"
)

var testNow = time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)

// recorder remembers the requests a test server saw.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) add(req *http.Request) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req.Clone(context.Background()))
	return len(r.reqs)
}

func (r *recorder) all() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func (r *recorder) count() int { return len(r.all()) }

// markers lists the marker of each recorded request.
func (r *recorder) markers() []string {
	var m []string
	for _, req := range r.all() {
		m = append(m, req.URL.Query().Get("marker"))
	}
	return m
}

// pagingHandler serves ids with the API's marker/limit semantics.
func pagingHandler(rec *recorder, ids []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		q := r.URL.Query()
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit <= 0 {
			http.Error(w, `{"error_code":"IMS.0001","error_msg":"bad limit"}`, http.StatusBadRequest)
			return
		}
		start := 0
		if m := q.Get("marker"); m != "" {
			start = slices.Index(ids, m) + 1
		}
		end := min(start+limit, len(ids))
		writePage(w, ids[start:end])
	}
}

func writePage(w http.ResponseWriter, ids []string) {
	var b strings.Builder
	b.WriteString(`{"images":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%q,"name":"image %s"}`, id, id)
	}
	b.WriteString("]}")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(b.String()))
}

func makeIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("img-%05d", i+1)
	}
	return ids
}

// testClient returns a client of endpoint whose backoff records its waits
// instead of sleeping and always picks the top of the jitter range.
func testClient(t *testing.T, endpoint string, mod func(*Config)) (*Client, *[]time.Duration) {
	t.Helper()
	cfg := Config{
		Endpoint:    endpoint,
		Credentials: Credentials{AccessKey: testAK, SecretKey: testSK},
		Now:         func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var slept []time.Duration
	c.backoff.sleep = func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		return ctx.Err()
	}
	c.backoff.jitter = func(n int64) int64 { return n - 1 }
	return c, &slept
}

func ids(images []*Image) []string {
	var out []string
	for _, im := range images {
		out = append(out, im.ID)
	}
	return out
}

func query(r *http.Request) url.Values { return r.URL.Query() }
