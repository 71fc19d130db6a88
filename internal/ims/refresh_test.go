package ims

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// countingFetch issues credentials numbered by fetch, living lifetime from clock's now.
func countingFetch(clock *clocktesting.FakeClock, lifetime time.Duration, fail *atomic.Bool, n *atomic.Int32) fetchFunc {
	return func(context.Context) (Credentials, time.Time, error) {
		i := n.Add(1)
		if fail != nil && fail.Load() {
			return Credentials{}, time.Time{}, &CredentialError{Kind: KindUnavailable, Msg: "IAM answered 503"}
		}
		return Credentials{AccessKey: string('A' + i - 1), SecretKey: "sk", SecurityToken: "st"}, clock.Now().Add(lifetime), nil
	}
}

func TestRefreshBeforeExpiry(t *testing.T) {
	for _, tc := range []struct {
		lifetime, refreshAfter time.Duration
	}{
		{6 * time.Hour, 6*time.Hour - 40*time.Minute}, // the SDK's 40 minutes
		{time.Hour, 30 * time.Minute},                 // half of a short lifetime
		{15 * time.Minute, 450 * time.Second},
	} {
		t.Run(tc.lifetime.String(), func(t *testing.T) {
			clock := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			var n atomic.Int32
			r := newRefreshing("id", clock.Now, 0, countingFetch(clock, tc.lifetime, nil, &n))
			get := func() string {
				t.Helper()
				c, err := r.Credentials(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				return c.AccessKey
			}
			if get() != "A" {
				t.Fatal("first call did not fetch")
			}
			clock.Step(tc.refreshAfter - time.Second)
			if got := get(); got != "A" || n.Load() != 1 {
				t.Fatalf("refreshed too early: %s after %d fetches", got, n.Load())
			}
			clock.Step(time.Second)
			if got := get(); got != "B" || n.Load() != 2 {
				t.Fatalf("not refreshed when due: %s after %d fetches", got, n.Load())
			}
		})
	}
}

func TestNeverExpiredCredentials(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Now())
	var n atomic.Int32
	var fail atomic.Bool
	r := newRefreshing("id", clock.Now, 0, countingFetch(clock, time.Hour, &fail, &n))
	if _, err := r.Credentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	clock.Step(45 * time.Minute) // due for refresh, 15 minutes left: a failed refresh keeps them
	if c, err := r.Credentials(context.Background()); err != nil || c.AccessKey != "A" {
		t.Fatalf("valid credentials not kept over a failed refresh: %v %v", c, err)
	}
	clock.Step(15 * time.Minute) // expired now
	c, err := r.Credentials(context.Background())
	var ce *CredentialError
	if err == nil || !errors.As(err, &ce) || ce.Kind != KindUnavailable || c.AccessKey != "" {
		t.Fatalf("after expiry: %v, %v; want the refresh error and no credentials", c, err)
	}
	fail.Store(false)
	if c, err := r.Credentials(context.Background()); err != nil || c.AccessKey == "A" {
		t.Fatalf("recovery: %v %v", c, err)
	}
}

func TestOneFetchForConcurrentCallers(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Now())
	release := make(chan struct{})
	var n atomic.Int32
	r := newRefreshing("id", clock.Now, 0, func(ctx context.Context) (Credentials, time.Time, error) {
		n.Add(1)
		<-release
		return Credentials{AccessKey: "AK", SecretKey: "sk"}, clock.Now().Add(time.Hour), nil
	})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			c, err := r.Credentials(context.Background())
			if err == nil && c.AccessKey != "AK" {
				err = errors.New("wrong credentials")
			}
			errs <- err
		})
	}
	for n.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the other callers pile up behind the fetch
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := n.Load(); got != 1 {
		t.Fatalf("%d fetches for 20 concurrent callers, want 1", got)
	}
}

func TestFailedFetchSharedAndSpaced(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Now())
	var n atomic.Int32
	var fail atomic.Bool
	fail.Store(true)
	r := newRefreshing("id", clock.Now, 30*time.Second, countingFetch(clock, time.Hour, &fail, &n))
	for range 5 {
		if _, err := r.Credentials(context.Background()); err == nil {
			t.Fatal("no error from a failing source")
		}
	}
	if n.Load() != 1 {
		t.Fatalf("%d fetches within the poll interval, want 1", n.Load())
	}
	clock.Step(30 * time.Second)
	_, _ = r.Credentials(context.Background())
	if n.Load() != 2 {
		t.Fatalf("%d fetches after the poll interval, want 2", n.Load())
	}
}

func TestCallerCancellationDoesNotFailTheFetch(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Now())
	release := make(chan struct{})
	r := newRefreshing("id", clock.Now, 0, func(ctx context.Context) (Credentials, time.Time, error) {
		<-release
		return Credentials{AccessKey: "AK", SecretKey: "sk"}, clock.Now().Add(time.Hour), ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := r.Credentials(ctx); done <- err }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled caller got %v", err)
	}
	close(release)
	if c, err := r.Credentials(context.Background()); err != nil || c.AccessKey != "AK" {
		t.Fatalf("the fetch started by a canceled caller failed: %v %v", c, err)
	}
}
