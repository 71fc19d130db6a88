package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

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

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	flights  map[string]*flight
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

// flight is one IMS listing and its result, shared by the syncs that wait for it.
type flight struct {
	done    chan struct{} // closed when images and err are set
	images  []*ims.Image  // shared: callers must not modify
	err     error
	waiters int                // syncs still waiting; the listing is cancelled when none is left
	cancel  context.CancelFunc // cancels the listing
}

// limiter is the token bucket of one identity at one endpoint, nil without a limit.
func (l *Listings) limiter(identity, endpoint string) ims.Limiter {
	if l == nil || l.QPS <= 0 {
		return nil
	}
	key := identity + " " + endpoint
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limiters == nil {
		l.limiters = map[string]*rate.Limiter{}
	}
	lim, ok := l.limiters[key]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(l.QPS), max(l.Burst, 1))
		l.limiters[key] = lim
	}
	return lim
}

// listingKey identifies a listing: what is asked, where, and by whom.
func listingKey(endpoint, region string, creds ims.Credentials, req ims.ListImagesRequest) string {
	h := sha256.New()
	for _, part := range []string{endpoint, region, creds.Fingerprint(), req.Values().Encode()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// list returns the listing for key: the one in flight or completed within the window, or a
// new one made by run. fresh always makes a new one (and later requests share that), for a
// caller that must not act on an earlier answer. A failed listing fails every sync that waited
// for it, with the same error, and is not kept. A sync whose ctx ends stops waiting at once;
// the listing itself is cancelled when nobody waits for it any more.
func (l *Listings) list(ctx context.Context, key string, fresh bool, run func(context.Context) ([]*ims.Image, error)) ([]*ims.Image, error) {
	if l == nil {
		return run(ctx)
	}
	l.mu.Lock()
	if l.flights == nil {
		l.flights = map[string]*flight{}
	}
	f, ok := l.flights[key]
	if !ok || fresh {
		f = l.start(key, run)
	} else {
		f.waiters++
	}
	l.mu.Unlock()

	select {
	case <-f.done:
		return f.images, f.err
	case <-ctx.Done():
		l.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			f.cancel()
			l.forget(key, f) // a sync that comes later starts afresh
		}
		l.mu.Unlock()
		return nil, ctx.Err()
	}
}

// start runs a new listing for key and registers it; l.mu is held.
func (l *Listings) start(key string, run func(context.Context) ([]*ims.Image, error)) *flight {
	// The listing belongs to no single sync: one sync giving up must not fail the others.
	ctx, cancel := context.WithCancel(context.Background())
	f := &flight{done: make(chan struct{}), waiters: 1, cancel: cancel}
	l.flights[key] = f
	go func() {
		images, err := run(ctx)
		cancel()
		l.mu.Lock()
		f.images, f.err = images, err
		close(f.done)
		if err != nil || l.Window <= 0 {
			l.forget(key, f)
		}
		l.mu.Unlock()
		if err == nil && l.Window > 0 {
			time.AfterFunc(l.Window, func() {
				l.mu.Lock()
				l.forget(key, f)
				l.mu.Unlock()
			})
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
