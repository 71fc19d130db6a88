package ims

import (
	"context"
	"sync"
	"time"
)

// Temporary credentials are refreshed when less than min(refreshMargin, half their lifetime)
// remains, as the SDK does with its 40 minutes (../shared/huawei-credentials.md §2, §3).
const refreshMargin = 40 * time.Minute

// fetchTimeout bounds one exchange, which runs on behalf of every caller waiting for it.
const fetchTimeout = 2 * time.Minute

// fetchFunc obtains temporary credentials and when they expire.
type fetchFunc func(ctx context.Context) (Credentials, time.Time, error)

// Refreshing is a CredentialSource that caches temporary credentials and fetches new ones
// before they expire, one fetch at a time however many callers need them.
type Refreshing struct {
	fetch    fetchFunc
	identity string
	now      func() time.Time
	// minInterval spaces fetches (the metadata service is polled at most once per 30 s);
	// within it, a failed fetch's error is returned again.
	minInterval time.Duration

	mu          sync.Mutex
	creds       Credentials
	expires     time.Time // zero: nothing cached
	refreshAt   time.Time
	lastAttempt time.Time
	lastErr     error
	inflight    chan struct{} // closed when the running fetch ends
}

func newRefreshing(identity string, now func() time.Time, minInterval time.Duration, fetch fetchFunc) *Refreshing {
	if now == nil {
		now = time.Now
	}
	return &Refreshing{fetch: fetch, identity: identity, now: now, minInterval: minInterval}
}

// Identity is the source's non-secret key.
func (r *Refreshing) Identity() string { return r.identity }

// Credentials returns the cached credentials while they are fresh, else waits for (or runs)
// the one fetch that replaces them. Credentials past their expiry are never returned; ones
// merely due for refresh are, when a refresh fails or was tried too recently.
func (r *Refreshing) Credentials(ctx context.Context) (Credentials, error) {
	r.mu.Lock()
	now := r.now()
	if !r.expires.IsZero() && now.Before(r.refreshAt) {
		c := r.creds
		r.mu.Unlock()
		return c, nil
	}
	wait := r.inflight
	if wait == nil && !r.lastAttempt.IsZero() && now.Sub(r.lastAttempt) < r.minInterval {
		c, err := r.cachedLocked(now)
		r.mu.Unlock()
		return c, err
	}
	if wait == nil {
		wait = make(chan struct{})
		r.inflight = wait
		r.lastAttempt = now
		go r.runFetch(ctx, wait)
	}
	r.mu.Unlock()

	// Every caller, the one that started the fetch included, takes that fetch's result.
	select {
	case <-wait:
	case <-ctx.Done():
		return Credentials{}, ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cachedLocked(r.now())
}

// cachedLocked is what a caller gets without a new fetch: unexpired credentials, else the
// last fetch's error.
func (r *Refreshing) cachedLocked(now time.Time) (Credentials, error) {
	if !r.expires.IsZero() && now.Before(r.expires) && (r.lastErr == nil || r.expires.Sub(now) > time.Minute) {
		return r.creds, nil
	}
	if r.lastErr != nil {
		return Credentials{}, r.lastErr
	}
	return Credentials{}, &CredentialError{Kind: KindUnavailable, Msg: "temporary credentials expired and were not refreshed yet"}
}

// runFetch fetches on behalf of every waiter and closes done: the first caller's
// cancellation must not fail the others, so the fetch has its own deadline.
func (r *Refreshing) runFetch(ctx context.Context, done chan struct{}) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	creds, expires, err := r.fetch(fctx)

	r.mu.Lock()
	defer r.mu.Unlock()
	defer close(done)
	r.inflight = nil
	now := r.now()
	if err == nil && !expires.After(now) {
		err = &CredentialError{Kind: KindUnavailable, Msg: "the temporary credentials handed out have already expired (check the clock)"}
	}
	if err != nil {
		r.lastErr = err
		return
	}
	r.creds, r.expires, r.lastErr = creds, expires, nil
	r.refreshAt = expires.Add(-min(refreshMargin, expires.Sub(now)/2))
}
