package listing

import (
	"context"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"golang.org/x/time/rate"

	"github.com/imagecatalog/ims-operator/internal/ims"
)

// Listings is shared by every ImageQuery sync: it serves identical IMS listings requested
// within a short window from one listing, and paces IMS requests per account. A nil
// *Listings shares nothing and limits nothing.
//
// Identical means the same endpoint, region, credentials (all of them, by hash), filter, sort
// and page size: two Secrets with different keys never share a listing, even with identical
// filters. Each query still applies its own matching, status and events to the result.
type Listings struct {
	// QPS and Burst are the token bucket of one credentials identity at one endpoint
	// (--ims-qps, --ims-burst); QPS <= 0 means no limit.
	QPS   float64
	Burst int
	// Window is how long a completed listing serves identical requests.
	Window time.Duration
	// Clock stamps when listings start, against which a sync's freshness is measured; nil is
	// the real clock.
	Clock clock.PassiveClock

	mu       sync.Mutex
	limiters map[string]*bucket
	swept    time.Time // when idle limiters were last dropped
	flights  map[string]*flight
	turns    map[string]*turnstile
}

// bucket is one identity's token bucket at one endpoint, and when a sync last took it.
type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

// idleLimiter is how long a token bucket nobody took is kept: after that, a full one (no
// request for a while) is dropped, as a new one would be the same, so that identities no
// query uses any more (rotated keys, deleted Secrets and namespaces) are not kept forever.
// It is long enough that no listing still holding a bucket outlives it.
const idleLimiter = 30 * time.Minute

// turnstile lets one holder through at a time; n counts holders and waiters.
type turnstile struct {
	ch chan struct{}
	n  int
}

// Defaults of the manager's IMS pacing. IMS publishes no limit for List-images; API gateways
// commonly allow hundreds of requests per second per account. 10 per second with a burst of
// 20 keeps one account far below that while a 10,000-image listing (21 pages of 500) still
// takes about a second.
const (
	DefaultIMSQPS        = 10
	DefaultIMSBurst      = 20
	DefaultListingWindow = 15 * time.Second
)

// flight is one IMS listing and its result, shared by the syncs that use it.
type flight struct {
	done      chan struct{} // closed when images and err are set
	images    []*ims.Image  // shared: callers must not modify
	err       error
	started   time.Time // when the listing was asked of IMS
	completed time.Time
	// users are the syncs waiting for or still working with the result: the listing is
	// cancelled when all leave before it ends, and kept for the window after the last one
	// finished, so that queries synced one after another share it too.
	users  int
	cancel context.CancelFunc // cancels the listing
	expiry *time.Timer        // armed while nobody uses a kept result
	// wanted: some user expects another query to ask for the same listing soon. Otherwise
	// the result is dropped with its last user: a 10,000-image listing is tens of MiB.
	wanted bool
}

// maxShareAge bounds how long after it completed a listing may still be handed to a sync
// that starts, however busy it is kept.
const maxShareAge = 2 * time.Minute

// limiter is the token bucket of one identity at one endpoint, nil without a limit.
func (l *Listings) limiter(identity, endpoint string) ims.Limiter {
	if l == nil || l.QPS <= 0 {
		return nil
	}
	key := identity + " " + endpoint
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.limiters == nil {
		l.limiters = map[string]*bucket{}
	}
	l.dropIdleLimiters(now)
	b, ok := l.limiters[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.QPS), max(l.Burst, 1))}
		l.limiters[key] = b
	}
	b.used = now
	return b.lim
}

// dropIdleLimiters drops, at most once per idleLimiter, the buckets nobody took for that long
// and that are full again; l.mu is held.
func (l *Listings) dropIdleLimiters(now time.Time) {
	if now.Sub(l.swept) < idleLimiter {
		return
	}
	l.swept = now
	for key, b := range l.limiters {
		// The bucket's own clock is the real one (rate.Limiter.Wait reads time.Now).
		if now.Sub(b.used) >= idleLimiter && b.lim.TokensAt(time.Now()) >= float64(b.lim.Burst()) {
			delete(l.limiters, key)
		}
	}
}

// buckets is how many token buckets l holds.
func (l *Listings) buckets() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.limiters)
}

// list returns the listing for key: the one in flight or kept, or a new one made by run. A
// listing started before notBefore is never used: a sync that was asked for (a changed spec,
// annotation or Secret) gets an answer that IMS gave after it was asked (and later requests
// share that one); zero notBefore takes any. A failed listing fails every sync that waited
// for it, with the same error, and is not kept. A sync whose ctx ends stops waiting at once;
// the listing itself is cancelled when nobody waits for it any more. The caller calls release
// when done with the result; the listing is kept for the window after the last release.
// wanted says whether the caller knows of another query that may ask for the same listing.
func (l *Listings) list(ctx context.Context, key string, notBefore time.Time, wanted bool, run func(context.Context) ([]*ims.Image, error)) ([]*ims.Image, func(), error) {
	if l == nil {
		images, err := run(ctx)
		return images, func() {}, err
	}
	l.mu.Lock()
	if l.flights == nil {
		l.flights = map[string]*flight{}
	}
	f, ok := l.flights[key]
	if !ok || f.started.Before(notBefore) || (!f.completed.IsZero() && l.now().Sub(f.completed) > maxShareAge) {
		f = l.start(key, run)
		f.wanted = wanted
	} else {
		f.wanted = f.wanted || wanted
		f.users++
		if f.expiry != nil {
			f.expiry.Stop()
			f.expiry = nil
		}
	}
	l.mu.Unlock()

	var once sync.Once
	release := func() { once.Do(func() { l.release(key, f) }) }
	select {
	case <-f.done:
		if f.err != nil {
			release()
		}
		return f.images, release, f.err
	case <-ctx.Done():
		release()
		return nil, func() {}, ctx.Err()
	}
}

// release ends one sync's use of f: the last one leaving cancels an unfinished listing, or
// starts the window of a kept one.
func (l *Listings) release(key string, f *flight) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f.users--
	if f.users > 0 {
		return
	}
	select {
	case <-f.done:
		l.keep(key, f)
	default:
		f.cancel()
		l.forget(key, f) // a sync that comes later starts afresh
	}
}

// keep arms f's expiry, the window from now; l.mu is held.
func (l *Listings) keep(key string, f *flight) {
	if l.flights[key] != f || f.users > 0 {
		return
	}
	if !f.wanted {
		l.forget(key, f)
		return
	}
	f.expiry = time.AfterFunc(l.Window, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if f.users == 0 {
			l.forget(key, f)
		}
	})
}

// start runs a new listing for key and registers it; l.mu is held.
func (l *Listings) start(key string, run func(context.Context) ([]*ims.Image, error)) *flight {
	// The listing belongs to no single sync: one sync giving up must not fail the others.
	ctx, cancel := context.WithCancel(context.Background())
	f := &flight{done: make(chan struct{}), users: 1, cancel: cancel, started: l.now()}
	l.flights[key] = f
	go func() {
		images, err := run(ctx)
		cancel()
		l.mu.Lock()
		defer l.mu.Unlock()
		f.images, f.err, f.completed = images, err, l.now()
		close(f.done)
		if err != nil || l.Window <= 0 {
			l.forget(key, f)
		} else {
			l.keep(key, f)
		}
	}()
	return f
}

// forget drops key's flight if it is still f; l.mu is held.
func (l *Listings) forget(key string, f *flight) {
	if l.flights[key] == f {
		delete(l.flights, key)
	}
}

// peek returns the listing for key if one completed within the window, without waiting.
func (l *Listings) peek(key string) ([]*ims.Image, bool) {
	if l == nil {
		return nil, false
	}
	l.mu.Lock()
	f, ok := l.flights[key]
	l.mu.Unlock()
	if !ok {
		return nil, false
	}
	select {
	case <-f.done:
		return f.images, f.err == nil
	default:
		return nil, false
	}
}

// now is the Listings' clock's time.
func (l *Listings) now() time.Time {
	if l.Clock == nil {
		return time.Now()
	}
	return l.Clock.Now()
}

// Reset forgets every kept listing and rate limiter: the next request lists and paces from
// nothing (tests change the catalog and the limits between cases).
func (l *Listings) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flights, l.limiters = nil, nil
}

// turn waits until no other holder of key is through, and returns how to leave. It gives up
// when ctx ends. A nil *Listings lets everyone through at once.
func (l *Listings) turn(ctx context.Context, key string) (func(), error) {
	if l == nil {
		return func() {}, nil
	}
	l.mu.Lock()
	if l.turns == nil {
		l.turns = map[string]*turnstile{}
	}
	t, ok := l.turns[key]
	if !ok {
		t = &turnstile{ch: make(chan struct{}, 1)}
		l.turns[key] = t
	}
	t.n++
	l.mu.Unlock()
	drop := func() {
		l.mu.Lock()
		if t.n--; t.n == 0 {
			delete(l.turns, key)
		}
		l.mu.Unlock()
	}
	select {
	case t.ch <- struct{}{}:
		return func() { <-t.ch; drop() }, nil
	case <-ctx.Done():
		drop()
		return nil, ctx.Err()
	}
}
