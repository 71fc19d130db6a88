package controllers

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imagecatalog/ims-operator/internal/ims"
)

// reset forgets every kept listing and rate limiter, so a test starts from nothing.
func (l *Listings) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flights, l.limiters = nil, nil
}

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
		wg.Go(func() { _, errs[i] = l.list(context.Background(), "k", false, run) })
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
	if _, err := l.list(context.Background(), "k", false, func(context.Context) ([]*ims.Image, error) { return nil, nil }); err != nil {
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
	go func() { _, err := l.list(ctx, "k", false, run); first <- err }()
	second := make(chan []*ims.Image, 1)
	time.Sleep(20 * time.Millisecond)
	go func() { images, _ := l.list(context.Background(), "k", false, run); second <- images }()
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
	if _, err := l.list(context.Background(), "k", true, run); err != nil || runs.Load() != 2 {
		t.Errorf("fresh reused the kept listing (runs %d, err %v)", runs.Load(), err)
	}
	if _, ok := l.peek("other"); ok {
		t.Error("another key found a listing")
	}
}
