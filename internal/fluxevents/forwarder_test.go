package fluxevents

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// receiver is a test event receiver that keeps what it is posted.
type receiver struct {
	mu     sync.Mutex
	bodies []map[string]any
	got    chan struct{}
}

func newReceiver(t *testing.T) (*receiver, *httptest.Server) {
	rcv := &receiver{got: make(chan struct{}, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("got %s with Content-Type %q, want a JSON POST", r.Method, r.Header.Get("Content-Type"))
		}
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("body %q: %v", b, err)
		}
		rcv.mu.Lock()
		rcv.bodies = append(rcv.bodies, body)
		rcv.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		rcv.got <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return rcv, srv
}

// wait waits for n posts.
func (r *receiver) wait(t *testing.T, n int) []map[string]any {
	t.Helper()
	for range n {
		select {
		case <-r.got:
		case <-time.After(30 * time.Second):
			t.Fatalf("timed out waiting for %d events", n)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.bodies...)
}

func testScheme(t *testing.T) *runtime.Scheme {
	s := runtime.NewScheme()
	if err := imsv1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

var testNow = time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)

func newForwarder(t *testing.T, addr string, mod func(*Config)) *Forwarder {
	t.Helper()
	cfg := Config{Address: addr, Controller: "ims-operator", Scheme: testScheme(t), Revision: ImageQueryRevision,
		Clock: clocktesting.NewFakePassiveClock(testNow), Log: logr.Discard()}
	if mod != nil {
		mod(&cfg)
	}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// start runs f until the test ends and waits for Start to return.
func start(t *testing.T, f *Forwarder) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = f.Start(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return cancel
}

func query(latest string) *imsv1.ImageQuery {
	q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "ubuntu", UID: "0d9e6c1a-uid"}}
	if latest != "" {
		q.Status.LatestImage = &imsv1.ImageSummary{ID: latest, Name: "ubuntu-24.04"}
	}
	return q
}

// TestEventFormat: a recorded event is recorded as before and posted in Flux's format, with
// the severity of its type and the latest image as its revision.
func TestEventFormat(t *testing.T) {
	rcv, srv := newReceiver(t)
	f := newForwarder(t, srv.URL, nil)
	start(t, f)
	inner := events.NewFakeRecorder(10)
	rec := f.Wrap(inner)

	rec.Eventf(query("img-2"), nil, corev1.EventTypeNormal, imsv1.EventLatestImageChanged, "Sync", "Latest image changed from %s to %s", "img-1", "img-2")
	rec.AnnotatedEventf(query(""), nil, map[string]string{"a": "b"}, corev1.EventTypeWarning, "AuthFailed", "Sync", "IMS refused the credentials")
	bodies := rcv.wait(t, 2)

	if got := <-inner.Events; got != "Normal LatestImageChanged Latest image changed from img-1 to img-2" {
		t.Errorf("the wrapped recorder recorded %q", got)
	}
	want := map[string]any{
		"involvedObject": map[string]any{"kind": "ImageQuery", "apiVersion": "ims.imagecatalog.io/v1alpha1",
			"namespace": "team-a", "name": "ubuntu", "uid": "0d9e6c1a-uid"},
		"severity":            "info",
		"timestamp":           "2026-12-01T10:30:00Z",
		"message":             "Latest image changed from img-1 to img-2",
		"reason":              "LatestImageChanged",
		"reportingController": "ims-operator",
		"metadata":            map[string]any{"ims.imagecatalog.io/revision": "img-2"},
	}
	assertJSON(t, bodies[0], want)
	want["severity"], want["reason"], want["message"] = "error", "AuthFailed", "IMS refused the credentials"
	delete(want, "metadata") // no latest image, no revision
	assertJSON(t, bodies[1], want)
}

func assertJSON(t *testing.T, got, want map[string]any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("posted\n%s\nwant\n%s", g, w)
	}
}

// TestUnknownKindNotForwarded: an object the scheme does not know is recorded but not posted.
func TestUnknownKindNotForwarded(t *testing.T) {
	rcv, srv := newReceiver(t)
	f := newForwarder(t, srv.URL, nil)
	start(t, f)
	rec := f.Wrap(events.NewFakeRecorder(10))
	rec.Eventf(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}}, nil, corev1.EventTypeNormal, "X", "Sync", "not an ImageQuery")
	rec.Eventf(query(""), nil, corev1.EventTypeNormal, imsv1.EventSynced, "Sync", "First sync")
	if b := rcv.wait(t, 1); b[0]["reason"] != imsv1.EventSynced {
		t.Errorf("posted %v first, want only the ImageQuery's event", b[0])
	}
}

// TestStuckReceiverNeverBlocks: a receiver that never answers blocks the one post in flight
// and no Eventf: the queue fills, and every event beyond it is dropped and counted.
func TestStuckReceiverNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	const queue, recorded = 3, 50
	f := newForwarder(t, srv.URL, func(c *Config) { c.QueueSize, c.PostTimeout, c.DrainTimeout = queue, time.Hour, 100*time.Millisecond })
	start(t, f)
	rec := f.Wrap(events.NewFakeRecorder(recorded + 1))

	rec.Eventf(query(""), nil, corev1.EventTypeNormal, imsv1.EventSynced, "Sync", "in flight")
	<-entered // the sender is stuck on this one
	before := testutil.ToFloat64(dropped)
	done := make(chan struct{})
	go func() {
		for i := range recorded {
			rec.Eventf(query(""), nil, corev1.EventTypeWarning, "AuthFailed", "Sync", "sync %d", i)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Eventf blocked on a receiver that never answers")
	}
	if got := testutil.ToFloat64(dropped) - before; got != recorded-queue {
		t.Errorf("%v events dropped, want %d (%d recorded, the queue holds %d)", got, recorded-queue, recorded, queue)
	}
}

// TestDownReceiverCountsFailures: a receiver that is down fails each post once, no retries.
func TestDownReceiverCountsFailures(t *testing.T) {
	var posts int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		posts++
		mu.Unlock()
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	f := newForwarder(t, srv.URL, nil)
	before := testutil.ToFloat64(failed)
	for i := range 5 {
		f.Wrap(events.NewFakeRecorder(10)).Eventf(query(""), nil, corev1.EventTypeWarning, "AuthFailed", "Sync", "sync %d", i)
	}
	cancel := start(t, f)
	cancel() // Start drains the queue before it returns
	waitFor(t, func() bool { return testutil.ToFloat64(failed)-before == 5 })
	mu.Lock()
	defer mu.Unlock()
	if posts != 5 {
		t.Errorf("%d posts for 5 events, want one each (no retries)", posts)
	}
}

// TestShutdownDrains: events queued when the manager stops are still posted.
func TestShutdownDrains(t *testing.T) {
	rcv, srv := newReceiver(t)
	f := newForwarder(t, srv.URL, nil)
	rec := f.Wrap(events.NewFakeRecorder(10))
	for i := range 5 {
		rec.Eventf(query(""), nil, corev1.EventTypeNormal, imsv1.EventSynced, "Sync", "event %d", i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(rcv.wait(t, 5)); got != 5 {
		t.Errorf("%d events posted, want the 5 queued", got)
	}
}

// TestShutdownStopsOnStuckReceiver: a receiver that never answers delays the manager's stop
// by the drain timeout at most; what is left is dropped and counted.
func TestShutdownStopsOnStuckReceiver(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	f := newForwarder(t, srv.URL, func(c *Config) { c.PostTimeout, c.DrainTimeout = time.Hour, 100*time.Millisecond })
	rec := f.Wrap(events.NewFakeRecorder(10))
	for i := range 4 {
		rec.Eventf(query(""), nil, corev1.EventTypeNormal, imsv1.EventSynced, "Sync", "event %d", i)
	}
	beforeDropped, beforeFailed := testutil.ToFloat64(dropped), testutil.ToFloat64(failed)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	go func() { _ = f.Start(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Start did not return after its context ended")
	}
	if d, fl := testutil.ToFloat64(dropped)-beforeDropped, testutil.ToFloat64(failed)-beforeFailed; d+fl != 4 || fl != 1 {
		t.Errorf("%v dropped and %v failed, want the post in flight failed and the other 3 dropped", d, fl)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNewRefusesBadAddresses: a bad --events-addr is refused at start, without its password.
func TestNewRefusesBadAddresses(t *testing.T) {
	for _, addr := range []string{"", "notification-controller:9090", "ftp://x/", "http://", "http://user:s3cret@:80/%zz"} {
		_, err := New(Config{Address: addr, Controller: "ims-operator", Scheme: testScheme(t)})
		if err == nil {
			t.Errorf("%q accepted", addr)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
