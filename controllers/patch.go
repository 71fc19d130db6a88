package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// statusPatcher writes an ImageQuery's status in steps during one reconcile (the shape of
// Flux's runtime/patch SerialPatcher): each patch is computed against what the previous one
// wrote, so a reconcile can say "first sync running" early and the result at the end without
// threading a copy of the object through every function.
type statusPatcher struct {
	client client.Client
	before *imsv1.ImageQuery // the object as last read or written
}

func newStatusPatcher(c client.Client, q *imsv1.ImageQuery) *statusPatcher {
	return &statusPatcher{client: c, before: q.DeepCopy()}
}

// patch writes q's status when it differs from what was last written.
func (p *statusPatcher) patch(ctx context.Context, q *imsv1.ImageQuery) error {
	if equality.Semantic.DeepEqual(p.before.Status, q.Status) {
		return nil
	}
	// Optimistic lock: a patch computed against a stale copy must not mix two syncs' results.
	// A query deleted meanwhile has no status to write.
	err := p.client.Status().Patch(ctx, q, client.MergeFromWithOptions(p.before, client.MergeFromWithOptimisticLock{}))
	if err != nil {
		return client.IgnoreNotFound(err)
	}
	p.before = q.DeepCopy() // q now carries the new resourceVersion for the next step's lock
	return nil
}
