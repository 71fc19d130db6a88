package controllers

import (
	"context"
	"fmt"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// DeletionGuard keeps one bad answer from wiping a mirror. IMS answering an empty first page,
// or a short page in the middle of a listing, looks exactly like a catalog that shrank; so a
// complete listing that would remove more than Ratio of a query's CloudImages, and more than
// MinRemovals of them, is confirmed by a second, fresh listing before anything changes. A
// shrink that both listings see is applied in that sync; otherwise nothing changes and the
// sync is retried with backoff. Small catalogs and small changes prune at once, for free.
type DeletionGuard struct {
	Ratio       float64 // --deletion-guard-ratio
	MinRemovals int     // --deletion-guard-min-removals
}

// DefaultDeletionGuard confirms removing more than half of a query's images, and more than 5.
var DefaultDeletionGuard = DeletionGuard{Ratio: 0.5, MinRemovals: 5}

// suspicious tells whether removing removed of current images needs a second listing.
func (g DeletionGuard) suspicious(current, removed int) bool {
	return removed > g.MinRemovals && float64(removed) > g.Ratio*float64(current)
}

// confirmRemovals returns the matches to apply: matched itself unless they would remove a
// suspicious share of what q mirrors; then the matches of a second listing that bypasses any
// shared one, if they remove exactly the same images, or a ListingUnstable failure.
func (r *ImageQueryReconciler) confirmRemovals(ctx context.Context, q *imsv1.ImageQuery, matched matchResult) (matchResult, error) {
	claimed, err := r.claimedNames(ctx, q)
	if err != nil {
		return matchResult{}, &syncFailure{Reason: imsv1.ReasonMirrorFailed, Message: err.Error(), Err: err}
	}
	gone := removals(claimed, matched.Images)
	if !r.Guard.suspicious(len(claimed), len(gone)) {
		return matched, nil
	}
	listing, _, err := r.listing(ctx, q, true)
	if err != nil {
		return matchResult{}, err
	}
	again, mf := match(&q.Spec, listing, r.Clock.Now())
	if mf != nil {
		return matchResult{}, mf
	}
	goneAgain := removals(claimed, again.Images)
	if !slices.Equal(gone, goneAgain) {
		msg := fmt.Sprintf("a listing would have removed %d of the %d mirrored images, a second listing %d: "+
			"nothing was changed; retrying", len(gone), len(claimed), len(goneAgain))
		return matchResult{}, &syncFailure{Reason: imsv1.ReasonListingUnstable, Message: msg, Err: errListingUnstable}
	}
	logf.FromContext(ctx).Info("a second listing confirmed a large removal", "removed", len(gone), "of", len(claimed))
	return again, nil
}

var errListingUnstable = fmt.Errorf("two listings disagree on what to remove")

// claimedNames are the names of the CloudImages q claims, from the cache. It reads metadata:
// listing full CloudImages from the cached client would start a second informer holding every
// full record, next to the metadata one (tens of MiB for 10,000 images).
func (r *ImageQueryReconciler) claimedNames(ctx context.Context, q *imsv1.ImageQuery) ([]string, error) {
	claimed := cloudImageMetaList()
	if err := r.Client.List(ctx, claimed, client.InNamespace(q.Namespace),
		client.MatchingLabels{imsv1.QueryLabel(q.Name): "true"}); err != nil {
		return nil, fmt.Errorf("listing CloudImages: %w", err)
	}
	names := make([]string, 0, len(claimed.Items))
	for i := range claimed.Items {
		names = append(names, claimed.Items[i].Name)
	}
	return names, nil
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
