package controllers

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/listing"
	"github.com/imagecatalog/ims-operator/internal/mirror"
	"github.com/imagecatalog/ims-operator/internal/promotion"
	"github.com/imagecatalog/ims-operator/internal/selection"
)

// syncResult is what a complete sync found and wrote.
type syncResult struct {
	region   string
	listed   int // images IMS listed, before selection
	matched  selection.Result
	decision promotion.Decision // the candidate, the latest image, the hold
	mirrored mirror.Result
}

// run is one sync's steps, each handed what it needs: the credentials, the selection compiled
// from the spec, one listing source (where and as whom) built once, the deletion guard
// with a way to list again, and the mirror. Any error is a *failure.Error unless the context
// ended; nothing is written before every step before the mirror succeeded. The promotion
// step decides the latest image from the confirmed matches, q's status and its upstream.
func (r *ImageQueryReconciler) run(ctx context.Context, q *imsv1.ImageQuery, notBefore time.Time, up *promotion.Upstream) (syncResult, error) {
	var res syncResult
	creds, secretVersion, err := r.creds.Resolve(ctx, q)
	if err != nil {
		return res, err
	}
	q.Status.SecretResourceVersion = secretVersion
	sel, err := selection.FromSpec(&q.Spec)
	if err != nil {
		return res, err // before any request: a query that cannot select lists nothing
	}
	target := r.target(q)
	res.region = target.Region
	src := r.cloud.Source(target, creds, r.listings)
	images, release, err := src.List(ctx, notBefore, r.hasTwin(ctx, q, target))
	defer release()
	if err != nil {
		return res, err
	}
	res.listed = len(images)
	res.matched = sel.Select(images, r.clock.Now())

	claimed, err := mirror.Claimed(ctx, r.client, q)
	if err != nil {
		return res, failure.Wrap(imsv1.ReasonMirrorFailed, err)
	}
	res.matched, err = r.guard.Confirm(ctx, client.ObjectKeyFromObject(q), r.clock.Now(), claimed, res.matched, func(ctx context.Context, notBefore time.Time) (selection.Result, error) {
		again, release, err := src.List(ctx, notBefore, false)
		defer release()
		if err != nil {
			return selection.Result{}, err
		}
		return sel.Select(again, r.clock.Now()), nil
	})
	if err != nil {
		return res, err
	}
	res.decision = promotion.Decide(promotionInput(q, res.matched, up, r.clock.Now()))
	latest := ""
	if res.decision.Latest != nil {
		latest = res.decision.Latest.ID
	}
	res.mirrored, err = r.write(ctx, q, src, res.matched.Images, latest, !notBefore.IsZero())
	return res, err
}

// write mirrors q's matches, with the claims of the queries whose listing is known; a fresh
// (asked-for) sync writes the records of shared CloudImages too. Syncs of one listing in one
// namespace mirror one after another: the later ones then find the earlier one's writes
// instead of racing it to create the same objects.
func (r *ImageQueryReconciler) write(ctx context.Context, q *imsv1.ImageQuery, src *listing.Source, images []*ims.Image, latest string, fresh bool) (mirror.Result, error) {
	leave, err := src.Turn(ctx, q.Namespace)
	if err != nil {
		return mirror.Result{}, fmt.Errorf("%w: %w", context.Canceled, err)
	}
	defer leave()
	claims := r.claims(ctx, q, src, latest)
	claims.Fresh = fresh
	return r.writer.Apply(ctx, q, src.Target.Region, images, claims)
}

// claims are what q's mirror writes besides its own claim: the claims of the other queries
// of q's namespace whose listing is known — the same target's identity and region as q's, a
// listing completed within the sharing window, each one's own selection deciding what it
// matches —, the namespace's tagLabels by query, and q's latest image. Claims are only ever
// added this way; each query releases its own claims in its own sync, and a query whose
// listing is not known keeps its claims as they are.
func (r *ImageQueryReconciler) claims(ctx context.Context, q *imsv1.ImageQuery, src *listing.Source, latest string) mirror.Claims {
	out := mirror.Claims{Latest: latest, TagKeys: map[types.UID][]string{q.UID: tagKeys(q)}}
	var list imsv1.ImageQueryList
	// Read only, so the cache's objects are not copied (statuses of up to 1,000 summaries).
	if err := r.client.List(ctx, &list, client.InNamespace(q.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		// Other claimers are unknown, so tag labels are only added; co-claims are only an
		// optimisation: each query still claims for itself.
		return out
	}
	for i := range list.Items {
		b := &list.Items[i]
		if b.UID != q.UID {
			out.TagKeys[b.UID] = tagKeys(b)
		}
		if b.UID == q.UID || b.Spec.Suspend || !b.DeletionTimestamp.IsZero() {
			continue
		}
		t := r.target(b)
		if t.Identity != src.Target.Identity || t.Region != src.Target.Region {
			continue
		}
		out.SameView = append(out.SameView, b.UID)
		raw, ok := src.Known(t)
		if !ok {
			continue
		}
		matched, err := selection.Select(&b.Spec, raw, r.clock.Now())
		if err != nil {
			continue
		}
		out.Others = append(out.Others, mirror.NewCoClaim(b, matched.Images))
	}
	return out
}

// tagKeys are q's spec.tagLabels as strings.
func tagKeys(q *imsv1.ImageQuery) []string {
	keys := make([]string, 0, len(q.Spec.TagLabels))
	for _, k := range q.Spec.TagLabels {
		keys = append(keys, string(k))
	}
	return keys
}

// hasTwin tells whether another ImageQuery (in any namespace) has q's target, so that q's
// listing is worth keeping for it a while. The cache's target index answers it.
func (r *ImageQueryReconciler) hasTwin(ctx context.Context, q *imsv1.ImageQuery, t listing.Target) bool {
	var twins imsv1.ImageQueryList
	// Read only (UIDs and suspend), so the cache's objects are not copied: a listing shared by
	// 100 namespaces' queries would copy 100 statuses on every sync.
	if err := r.client.List(ctx, &twins, client.MatchingFields{targetIndex: t.Key()}, client.UnsafeDisableDeepCopy); err != nil {
		return true // keeping costs memory for a while; not keeping costs a listing
	}
	for i := range twins.Items {
		if b := &twins.Items[i]; b.UID != q.UID && !b.Spec.Suspend {
			return true
		}
	}
	return false
}

func imagesMatched(n int) string {
	if n == 1 {
		return "1 image matched"
	}
	return fmt.Sprintf("%d images matched", n)
}
