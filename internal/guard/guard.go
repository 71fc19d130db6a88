// Package guard keeps one bad answer from wiping a mirror. IMS answering an empty first page,
// or a short page in the middle of a listing, looks exactly like a catalog that shrank; and a
// glitch on IMS's side (a permissions change, a bad deploy) can repeat on every request for
// minutes. So a complete listing that would remove more than Ratio of a query's CloudImages,
// and more than MinRemovals of them, is confirmed before anything changes: by a listing taken
// at least Delay after the first one that still shows the removal. Until then nothing changes
// and the sync says the removal is pending; a shrink that is still there after the delay is
// applied. With Delay 0 the confirming listing is taken at once, and a shrink that both
// listings see alike is applied in that sync. Small catalogs and small changes prune at once.
package guard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/selection"
)

// Config is the deletion guard's configuration.
type Config struct {
	Ratio       float64       // --deletion-guard-ratio
	MinRemovals int           // --deletion-guard-min-removals
	Delay       time.Duration // --deletion-guard-delay
}

// Default confirms removing more than half of a query's images, and more than 5, with a
// listing taken two minutes after the first.
var Default = Config{Ratio: 0.5, MinRemovals: 5, Delay: 2 * time.Minute}

// Guard confirms large removals. It remembers, per query, a removal waiting for its delay;
// the memory is the process's own: after a restart the wait starts again, the safe side.
type Guard struct {
	cfg     Config
	mu      sync.Mutex
	pending map[types.NamespacedName]pendingRemoval
}

// pendingRemoval is a large removal first seen at since.
type pendingRemoval struct {
	since time.Time
	gone  []string // sorted
}

// New is a Guard with cfg.
func New(cfg Config) *Guard {
	return &Guard{cfg: cfg, pending: map[types.NamespacedName]pendingRemoval{}}
}

// Pending is the outcome of a large removal that waits for its confirming listing: not a
// failure (the last good state stands, and Ready says so), but nothing may change yet.
type Pending struct {
	Removed, Of int
	Until       time.Time // when a listing may confirm it
}

func (p *Pending) Error() string {
	return fmt.Sprintf("a listing would remove %d of the %d mirrored images: nothing is removed until a listing at %s or later shows the same (--deletion-guard-delay)",
		p.Removed, p.Of, p.Until.UTC().Format(time.RFC3339))
}

// suspicious tells whether removing removed of current images needs confirming.
func (g *Guard) suspicious(current, removed int) bool {
	return removed > g.cfg.MinRemovals && float64(removed) > g.cfg.Ratio*float64(current)
}

// Relist lists again with a listing that IMS was asked for no earlier than notBefore.
type Relist func(ctx context.Context, notBefore time.Time) (selection.Result, error)

// Confirm returns the selection to apply for query, whose CloudImages are claimed, at now:
// matched itself unless it would remove a suspicious share of them. Then, with a delay, a
// *Pending until a listing at least the delay after the first still shows every removal it
// showed (more may have gone since: they are part of the same shrink); with none, the
// selection of a listing taken at once if it removes exactly the same images, or a
// ListingUnstable failure.
func (g *Guard) Confirm(ctx context.Context, query types.NamespacedName, now time.Time, claimed []string,
	matched selection.Result, relist Relist) (selection.Result, error) {
	gone := removals(claimed, matched.Images)
	if !g.suspicious(len(claimed), len(gone)) {
		g.Forget(query)
		return matched, nil
	}
	if g.cfg.Delay <= 0 {
		return g.confirmNow(ctx, now, claimed, gone, relist)
	}
	g.mu.Lock()
	p, ok := g.pending[query]
	if !ok || !contains(gone, p.gone) { // a new shrink, or images came back: wait anew
		p = pendingRemoval{since: now, gone: gone}
		g.pending[query] = p
	}
	g.mu.Unlock()
	until := p.since.Add(g.cfg.Delay)
	if now.Before(until) {
		return selection.Result{}, &Pending{Removed: len(gone), Of: len(claimed), Until: until}
	}
	again, err := relist(ctx, until)
	if err != nil {
		return selection.Result{}, err
	}
	goneAgain := removals(claimed, again.Images)
	if !g.suspicious(len(claimed), len(goneAgain)) || contains(goneAgain, p.gone) {
		g.Forget(query)
		logf.FromContext(ctx).Info("a listing after the guard's delay confirmed a large removal", "removed", len(goneAgain), "of", len(claimed))
		return again, nil
	}
	g.mu.Lock()
	g.pending[query] = pendingRemoval{since: now, gone: goneAgain}
	g.mu.Unlock()
	return selection.Result{}, &Pending{Removed: len(goneAgain), Of: len(claimed), Until: now.Add(g.cfg.Delay)}
}

// confirmNow is the guard without a delay: a second listing, taken at once, must remove the
// same images.
func (g *Guard) confirmNow(ctx context.Context, now time.Time, claimed, gone []string, relist Relist) (selection.Result, error) {
	again, err := relist(ctx, now)
	if err != nil {
		return selection.Result{}, err
	}
	goneAgain := removals(claimed, again.Images)
	if !slices.Equal(gone, goneAgain) {
		msg := fmt.Sprintf("a listing would have removed %d of the %d mirrored images, a second listing %d: "+
			"nothing was changed; retrying", len(gone), len(claimed), len(goneAgain))
		return selection.Result{}, failure.Transient(imsv1.ReasonListingUnstable, msg, errListingUnstable)
	}
	logf.FromContext(ctx).Info("a second listing confirmed a large removal", "removed", len(gone), "of", len(claimed))
	return again, nil
}

// PendingUntil is when query's pending removal may be confirmed, if it has one: its next
// sync is due then, whatever its refresh interval.
func (g *Guard) PendingUntil(query types.NamespacedName) (time.Time, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.pending[query]
	return p.since.Add(g.cfg.Delay), ok
}

// Forget drops query's pending removal (it was applied, it went away, the query was deleted).
func (g *Guard) Forget(query types.NamespacedName) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.pending, query)
}

var errListingUnstable = errors.New("two listings disagree on what to remove")

// contains tells whether the sorted set has every element of the sorted sub.
func contains(set, sub []string) bool {
	i := 0
	for _, s := range sub {
		for i < len(set) && set[i] < s {
			i++
		}
		if i == len(set) || set[i] != s {
			return false
		}
	}
	return true
}

// removals are the claimed names a listing no longer holds, sorted.
func removals(claimed []string, listing []*ims.Image) []string {
	listed := make(map[string]bool, len(listing))
	for _, img := range listing {
		listed[img.ID] = true
	}
	var gone []string
	for _, name := range claimed {
		if !listed[name] {
			gone = append(gone, name)
		}
	}
	slices.Sort(gone)
	return gone
}
