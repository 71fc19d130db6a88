package listing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/imagecatalog/ims-operator/internal/ims"
)

// A listing that fails fails every sync that waited for it, with the same error, and is not
// kept: the next request lists again.
func TestSharedListingFailureReachesEveryWaiter(t *testing.T) {
	l := &Listings{Window: time.Minute}
	release := make(chan struct{})
	boom := errors.New("IMS 503")
	var runs atomic.Int32
	run := func(ctx context.Context) ([]*ims.Image, error) {
		runs.Add(1)
		<-release
		return nil, boom
	}
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { _, _, errs[i] = l.list(context.Background(), "k", time.Time{}, true, run) })
	}
	time.Sleep(50 * time.Millisecond) // let them all join the one listing
	close(release)
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, boom) {
			t.Errorf("waiter %d: err = %v, want the listing's error", i, err)
		}
	}
	if runs.Load() != 1 {
		t.Errorf("%d listings for 5 identical requests, want 1", runs.Load())
	}
	if _, _, err := l.list(context.Background(), "k", time.Time{}, true, func(context.Context) ([]*ims.Image, error) { return nil, nil }); err != nil {
		t.Errorf("a failed listing was kept: %v", err)
	}
}

// One sync giving up does not cancel the listing for the others; fresh never reuses a kept
// answer, and keys never mix.
func TestSharedListingOutlivesOneWaiter(t *testing.T) {
	l := &Listings{Window: time.Minute}
	release := make(chan struct{})
	img := &ims.Image{ID: "a"}
	var runs atomic.Int32
	run := func(ctx context.Context) ([]*ims.Image, error) {
		runs.Add(1)
		select {
		case <-release:
			return []*ims.Image{img}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, _, err := l.list(ctx, "k", time.Time{}, true, run); first <- err }()
	second := make(chan []*ims.Image, 1)
	time.Sleep(20 * time.Millisecond)
	go func() {
		images, release, _ := l.list(context.Background(), "k", time.Time{}, true, run)
		release()
		second <- images
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled waiter got %v", err)
	}
	close(release)
	if images := <-second; len(images) != 1 || images[0] != img {
		t.Errorf("the other waiter got %v", images)
	}
	if images, ok := l.peek("k"); !ok || len(images) != 1 {
		t.Error("a completed listing is not kept for the window")
	}
	if _, _, err := l.list(context.Background(), "k", time.Now(), true, run); err != nil || runs.Load() != 2 {
		t.Errorf("fresh reused the kept listing (runs %d, err %v)", runs.Load(), err)
	}
	if _, ok := l.peek("other"); ok {
		t.Error("another key found a listing")
	}
}

// A listing stays shared while a sync still works with it, however long that takes, and
// goes the window after the last one is done.
func TestSharedListingKeptWhileInUse(t *testing.T) {
	l := &Listings{Window: 50 * time.Millisecond}
	var runs atomic.Int32
	run := func(context.Context) ([]*ims.Image, error) { runs.Add(1); return []*ims.Image{{ID: "a"}}, nil }
	_, release, _ := l.list(context.Background(), "k", time.Time{}, true, run)
	time.Sleep(150 * time.Millisecond) // a long mirror: three windows
	_, release2, _ := l.list(context.Background(), "k", time.Time{}, true, run)
	if runs.Load() != 1 {
		t.Errorf("a listing in use was not shared: %d listings", runs.Load())
	}
	release()
	release2()
	release2() // idempotent
	time.Sleep(150 * time.Millisecond)
	if _, ok := l.peek("k"); ok {
		t.Error("the listing outlived its window after the last release")
	}
}

// Turns on one key are taken one at a time; waiting ends with the context.
func TestTurnsAreTakenOneAtATime(t *testing.T) {
	l := &Listings{}
	leave, err := l.turn(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.turn(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a second holder got through: %v", err)
	}
	if other, err := l.turn(context.Background(), "other"); err != nil {
		t.Error(err)
	} else {
		other()
	}
	leave()
	again, err := l.turn(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	again()
	if len(l.turns) != 0 {
		t.Errorf("%d turnstiles left", len(l.turns))
	}
}

// A listing nobody else is expected to ask for goes with its last user.
func TestUnwantedListingIsNotKept(t *testing.T) {
	l := &Listings{Window: time.Minute}
	run := func(context.Context) ([]*ims.Image, error) { return []*ims.Image{{ID: "a"}}, nil }
	_, release, _ := l.list(context.Background(), "k", time.Time{}, false, run)
	if _, ok := l.peek("k"); !ok {
		t.Error("a listing in use must stay visible")
	}
	release()
	if _, ok := l.peek("k"); ok {
		t.Error("an unwanted listing was kept after its last user")
	}
}

// A sync that was asked for never gets a listing IMS was asked for before it (in flight or
// kept), while later syncs share the one it started: the freshness rule, on the Listings'
// clock.
func TestAskedForSyncGetsOnlyALaterListing(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	fc := clocktesting.NewFakePassiveClock(at)
	l := &Listings{Window: time.Minute, Clock: fc}
	var runs atomic.Int32
	run := func(context.Context) ([]*ims.Image, error) {
		return []*ims.Image{{ID: fmt.Sprint(runs.Add(1))}}, nil
	}
	first, release, err := l.list(context.Background(), "k", time.Time{}, true, run)
	if err != nil {
		t.Fatal(err)
	}
	release()
	if again, _, _ := l.list(context.Background(), "k", time.Time{}, true, run); again[0] != first[0] {
		t.Error("a scheduled sync did not share the kept listing")
	}
	fc.SetTime(at.Add(5 * time.Second)) // someone asks for a sync
	asked := fc.Now()
	fresh, _, _ := l.list(context.Background(), "k", asked, true, run)
	if fresh[0] == first[0] || runs.Load() != 2 {
		t.Fatalf("an asked-for sync got the listing from before it was asked (runs %d)", runs.Load())
	}
	fc.SetTime(at.Add(6 * time.Second))
	if later, _, _ := l.list(context.Background(), "k", asked, true, run); later[0] != fresh[0] {
		t.Error("a sync asked for at the same moment did not share the listing made after it")
	}
	if runs.Load() != 2 {
		t.Errorf("%d listings, want 2", runs.Load())
	}
}

// A token bucket nobody took for idleLimiter is forgotten once it is full again (a new one
// would be the same), so that identities no query uses any more are not kept for ever; a
// bucket in use, or one still paying back its requests, is kept.
func TestIdleLimitersAreForgotten(t *testing.T) {
	clock := clocktesting.NewFakePassiveClock(time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC))
	l := &Listings{QPS: 0.001, Burst: 2, Clock: clock}
	old := l.limiter("secret:tenant-a/ims-credentials", "region:cn-north-4")
	owing := l.limiter("secret:tenant-b/ims-credentials", "region:cn-north-4").(*rate.Limiter)
	owing.AllowN(time.Now(), 2) // at 0.001 per second it refills in half an hour of real time
	clock.SetTime(clock.Now().Add(idleLimiter / 2))
	l.limiter("manager:ak", "region:cn-north-4")
	if n := l.buckets(); n != 3 {
		t.Fatalf("%d buckets before any was idle for %v, want 3", n, idleLimiter)
	}
	clock.SetTime(clock.Now().Add(idleLimiter/2 + time.Second))
	used := l.limiter("manager:ak", "region:cn-north-4") // a sync of the identity still in use
	if n := l.buckets(); n != 2 {
		t.Errorf("%d buckets after tenant-a's was idle for %v, want 2 (tenant-b's still owes tokens)", n, idleLimiter)
	}
	if used != l.limiter("manager:ak", "region:cn-north-4") {
		t.Error("the bucket in use was replaced")
	}
	if l.limiter("secret:tenant-a/ims-credentials", "region:cn-north-4") == old {
		t.Error("tenant-a's idle bucket was kept")
	}
}
