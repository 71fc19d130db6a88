// Package guard keeps one bad answer from wiping a mirror. IMS answering an empty first page,
// or a short page in the middle of a listing, looks exactly like a catalog that shrank; so a
// complete listing that would remove more than Ratio of a query's CloudImages, and more than
// MinRemovals of them, is confirmed by a second, fresh listing before anything changes. A
// shrink that both listings see is applied in that sync; otherwise nothing changes and the
// sync is retried with backoff. Small catalogs and small changes prune at once, for free.
package guard

import (
	"context"
	"errors"
	"fmt"
	"slices"

	logf "sigs.k8s.io/controller-runtime/pkg/log"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/selection"
)

// Guard is the deletion guard's configuration.
type Guard struct {
	Ratio       float64 // --deletion-guard-ratio
	MinRemovals int     // --deletion-guard-min-removals
}

// Default confirms removing more than half of a query's images, and more than 5.
var Default = Guard{Ratio: 0.5, MinRemovals: 5}

// suspicious tells whether removing removed of current images needs a second listing.
func (g Guard) suspicious(current, removed int) bool {
	return removed > g.MinRemovals && float64(removed) > g.Ratio*float64(current)
}

// Confirm returns the selection to apply: matched itself unless it would remove a suspicious
// share of claimed (the CloudImages the query claims); then the selection of a second
// listing, made by relist, if it removes exactly the same images, or a ListingUnstable
// failure.
func (g Guard) Confirm(ctx context.Context, claimed []string, matched selection.Result,
	relist func(context.Context) (selection.Result, error)) (selection.Result, error) {
	gone := Removals(claimed, matched.Images)
	if !g.suspicious(len(claimed), len(gone)) {
		return matched, nil
	}
	again, err := relist(ctx)
	if err != nil {
		return selection.Result{}, err
	}
	goneAgain := Removals(claimed, again.Images)
	if !slices.Equal(gone, goneAgain) {
		msg := fmt.Sprintf("a listing would have removed %d of the %d mirrored images, a second listing %d: "+
			"nothing was changed; retrying", len(gone), len(claimed), len(goneAgain))
		return selection.Result{}, failure.Transient(imsv1.ReasonListingUnstable, msg, errListingUnstable)
	}
	logf.FromContext(ctx).Info("a second listing confirmed a large removal", "removed", len(gone), "of", len(claimed))
	return again, nil
}

var errListingUnstable = errors.New("two listings disagree on what to remove")

// Removals are the claimed names a listing no longer holds, sorted.
func Removals(claimed []string, listing []*ims.Image) []string {
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
