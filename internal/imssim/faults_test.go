package imssim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

func statuses(t *testing.T, f *fixture, n int, query string) []int {
	t.Helper()
	var out []int
	for range n {
		out = append(out, f.do(t, call{query: query}).status)
	}
	return out
}

func TestFaultThrottleOnceWithRetryAfter(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.AddFault(Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 1})
	res := f.do(t, call{})
	if res.status != 429 || res.header.Get("Retry-After") != "1" {
		t.Fatalf("status %d, Retry-After %q", res.status, res.header.Get("Retry-After"))
	}
	if e := decodeError(t, res.body); e.Code != "APIGW.0308" || e.RequestID != res.header.Get("X-Request-Id") {
		t.Errorf("429 body %s", res.body)
	}
	if res := f.do(t, call{}); res.status != 200 {
		t.Errorf("retry: status %d", res.status)
	}
}

func TestFaultOnRequestN(t *testing.T) {
	f := newFixture(t, nil)
	f.do(t, call{}) // requests before AddFault do not count
	f.sim.AddFault(Fault{OnRequest: 3, Status: 500})
	if got := statuses(t, f, 5, ""); !slices.Equal(got, []int{200, 200, 500, 200, 200}) {
		t.Errorf("statuses %v", got)
	}
}

// Refused requests neither trigger faults nor count towards OnRequest.
func TestFaultIgnoresRefusedRequests(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.AddFault(Fault{OnRequest: 2, Status: 503})
	f.do(t, call{})
	if res := f.do(t, call{noAuth: true}); res.status != 401 {
		t.Errorf("unauthenticated: %d", res.status)
	}
	if res := f.do(t, call{query: "limit=0"}); res.status != 400 {
		t.Errorf("bad limit: %d", res.status)
	}
	if res := f.do(t, call{}); res.status != 503 {
		t.Errorf("second listing request: %d, want 503", res.status)
	}
}

func TestFaultNestedErrorBody(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.AddFault(Fault{Status: 503, Times: 1})
	res := f.do(t, call{})
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(res.body, &body); err != nil || res.status != 503 || body.Error.Code != "SIM.0503" || body.Error.Message == "" {
		t.Errorf("status %d, body %s (%v)", res.status, res.body, err)
	}
}

func TestFaultOnPage(t *testing.T) {
	f := newFixture(t, GenerateCatalog(10, 1))
	full := f.list(t, "limit=1000")
	page2 := "limit=4&marker=" + full[3].ID()
	page3 := "limit=4&marker=" + full[7].ID()
	f.sim.AddFault(Fault{OnPage: 2, Status: 503})
	if got := statuses(t, f, 1, "limit=4"); got[0] != 200 {
		t.Errorf("page 1: %v", got)
	}
	if got := statuses(t, f, 3, page2); !slices.Equal(got, []int{503, 503, 503}) {
		t.Errorf("page 2 (Times 0 fires every time): %v", got)
	}
	if got := statuses(t, f, 1, page3); got[0] != 200 {
		t.Errorf("page 3: %v", got)
	}
}

func TestFaultTimes(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.AddFault(Fault{Status: 500, Times: 2})
	if got := statuses(t, f, 4, ""); !slices.Equal(got, []int{500, 500, 200, 200}) {
		t.Errorf("statuses %v", got)
	}
}

func TestFaultRemoveAndClear(t *testing.T) {
	f := newFixture(t, nil)
	a := f.sim.AddFault(Fault{Status: 500})
	b := f.sim.AddFault(Fault{Status: 503})
	if a == b {
		t.Fatal("fault ids collide")
	}
	if got := statuses(t, f, 1, ""); got[0] != 500 {
		t.Errorf("first installed fault fires first: %v", got)
	}
	if fired := f.sim.RemoveFault(a); fired != 1 {
		t.Errorf("RemoveFault: fired %d times, want 1", fired)
	}
	if got := statuses(t, f, 1, ""); got[0] != 503 {
		t.Errorf("after RemoveFault: %v", got)
	}
	f.sim.ClearFaults()
	if got := statuses(t, f, 1, ""); got[0] != 200 {
		t.Errorf("after ClearFaults: %v", got)
	}
}

func TestFaultBodies(t *testing.T) {
	f := newFixture(t, nil)
	normal := f.do(t, call{query: "limit=5"}).body

	f.sim.AddFault(Fault{Body: BodyTruncated, Times: 1})
	res := f.do(t, call{query: "limit=5"})
	if res.status != 200 || json.Valid(res.body) || len(res.body) != len(normal)/2 || !bytes.HasPrefix(normal, res.body) {
		t.Errorf("truncated: status %d, %d of %d bytes", res.status, len(res.body), len(normal))
	}

	f.sim.AddFault(Fault{Body: BodyMalformed, Times: 1})
	if res := f.do(t, call{query: "limit=5"}); res.status != 200 || json.Valid(res.body) {
		t.Errorf("malformed: status %d, body %s", res.status, res.body)
	}

	f.sim.AddFault(Fault{Body: BodyEmptyObject, Times: 1})
	if res := f.do(t, call{query: "limit=5"}); res.status != 200 || string(res.body) != "{}" {
		t.Errorf("empty-object: status %d, body %s", res.status, res.body)
	}

	f.sim.AddFault(Fault{Status: 500, Body: BodyTruncated, Times: 1})
	if res := f.do(t, call{query: "limit=5"}); res.status != 500 || json.Valid(res.body) {
		t.Errorf("truncated 500: status %d, body %s", res.status, res.body)
	}

	f.sim.AddFault(Fault{Body: `{"images":[{"id":null}]}`, Times: 1})
	if res := f.do(t, call{query: "limit=5"}); string(res.body) != `{"images":[{"id":null}]}` {
		t.Errorf("verbatim body: %s", res.body)
	}

	if res := f.do(t, call{query: "limit=5"}); !bytes.Equal(res.body, normal) {
		t.Errorf("after the faults: %s", res.body)
	}
}

func TestFaultDelay(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.AddFault(Fault{Delay: 150 * time.Millisecond, Times: 1})
	start := time.Now()
	if res := f.do(t, call{}); res.status != 200 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("status %d after %v", res.status, time.Since(start))
	}
}

// A client that gives up during a delay gets nothing; the simulator stops
// waiting and records the request with status 0.
func TestFaultDelayHonoursCancellation(t *testing.T) {
	sim := New(Options{Credentials: map[string]string{testAK: testSK}})
	arrived := make(chan struct{}, 1)
	// Cancel only once the request is in the handler, however slow the
	// machine: a request cancelled before it arrives tests nothing.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f := &fixture{sim: sim, srv: srv}
	sim.AddFault(Fault{Delay: time.Minute, Status: 500})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		time.Sleep(50 * time.Millisecond) // let the handler reach the delay
		cancel()
	}()
	start := time.Now()
	_, err := f.try(call{ctx: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context canceled", err)
	}
	for sim.RequestCount() == 0 {
		if time.Since(start) > 30*time.Second {
			t.Fatal("handler still waiting after the client left")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := sim.Requests()[0]; r.Status != 0 || r.Page != 1 {
		t.Errorf("recorded %+v", r)
	}
}

// Drop serves a short page: the listing ends early, as if the catalog had shrunk.
func TestFaultDropMakesAShortPage(t *testing.T) {
	f := newFixture(t, GenerateCatalog(10, 1))
	// pages lists as a client does: pages of 4, until a short one.
	pages := func() []Image {
		var all []Image
		for query := "limit=4"; ; {
			page := f.list(t, query)
			all = append(all, page...)
			if len(page) < 4 {
				return all
			}
			query = "limit=4&marker=" + page[3].ID()
		}
	}
	full := pages()
	f.sim.AddFault(Fault{OnPage: 2, Drop: 3, Times: 1})
	if got := pages(); len(got) != 5 || got[4].ID() != full[4].ID() {
		t.Errorf("with 3 of page 2 dropped: %d images, want 5", len(got))
	}
	f.sim.AddFault(Fault{OnPage: 1, Drop: 100, Times: 1})
	if got := pages(); len(got) != 0 {
		t.Errorf("with page 1 dropped whole: %d images, want an empty listing", len(got))
	}
	reqs := f.sim.Requests()
	if w := reqs[len(reqs)-1].Withheld; !slices.Equal(w, idsOf(full)) {
		t.Errorf("an empty first page withheld %v, want the whole listing", w)
	}
	if w := reqs[len(reqs)-2].Withheld; !slices.Equal(w, idsOf(full[5:])) {
		t.Errorf("a page 2 short by 3 withheld %v, want images 6 to 10", w)
	}
	if got := pages(); len(got) != len(full) || len(full) != 10 {
		t.Errorf("after the faults: %d images, want %d of 10", len(got), len(full))
	}
}

// Hangup closes the connection without an answer; the request is recorded with status 0 and
// its fault.
func TestFaultHangupDropsTheConnection(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.AddFault(Fault{Hangup: true, Times: 1})
	if _, err := f.try(call{}); err == nil {
		t.Fatal("a hung-up request got an answer")
	}
	if r := f.sim.Requests()[0]; r.Status != 0 || r.Fault == nil || !r.Fault.Hangup {
		t.Errorf("recorded %+v", r)
	}
	if res := f.do(t, call{}); res.status != 200 {
		t.Errorf("after the fault: %d", res.status)
	}
}

// BodyCut announces the whole body and sends half of it: the client reads an unexpected EOF.
func TestFaultBodyCutInTransit(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.AddFault(Fault{Body: BodyCut, Times: 1})
	_, err := f.try(call{query: "limit=5"})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want an unexpected EOF", err)
	}
	if r := f.sim.Requests()[0]; r.Status != 200 || r.Fault == nil || r.Fault.Body != BodyCut {
		t.Errorf("recorded %+v", r)
	}
}

// Every request records the fault that fired on it, and only that one.
func TestFaultIsRecorded(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.AddFault(Fault{OnRequest: 2, Status: 502})
	statuses(t, f, 3, "")
	reqs := f.sim.Requests()
	if reqs[0].Fault != nil || reqs[2].Fault != nil || reqs[1].Fault == nil || reqs[1].Fault.Status != 502 {
		t.Errorf("recorded faults %v %v %v", reqs[0].Fault, reqs[1].Fault, reqs[2].Fault)
	}
	reqs[1].Fault.Status = 1
	if f.sim.Requests()[1].Fault.Status != 502 {
		t.Error("Requests handed out the simulator's own fault")
	}
}
