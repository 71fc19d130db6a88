package controllers

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// coClaim is another ImageQuery's claim that a sync writes along with its own, so that
// queries matching the same images cost one write per CloudImage rather than one each.
type coClaim struct {
	ref   metav1.OwnerReference
	label string
	ids   map[string]bool // the images it matches
}

// coClaims are the claims of the other queries of q's namespace whose listing is known: the
// same listing as far as Listings is concerned (same endpoint, region, credentials source,
// filter, sort and page size), completed within its window. Each one's own matching step
// (match: nameRegex, exclude, minAge) decides what it matches. Claims are only ever added this way; each query releases its own claims in
// its own sync, and a query whose listing is not known keeps its claims as they are.
func (r *ImageQueryReconciler) coClaims(ctx context.Context, q *imsv1.ImageQuery, src listSource) []coClaim {
	var list imsv1.ImageQueryList
	if err := r.Client.List(ctx, &list, client.InNamespace(q.Namespace)); err != nil {
		return nil // only an optimisation: each query still claims for itself
	}
	var out []coClaim
	for i := range list.Items {
		b := &list.Items[i]
		if b.UID == q.UID || b.Spec.Suspend || !b.DeletionTimestamp.IsZero() ||
			!sameCredentialSource(q, b) || r.region(b) != src.region {
			continue
		}
		raw, ok := r.Listings.peek(src.keyFor(r.endpointOf(src.region), &b.Spec))
		if !ok {
			continue
		}
		matched, f := match(&b.Spec, raw, r.Clock.Now())
		if f != nil {
			continue
		}
		ids := make(map[string]bool, len(matched.Images))
		for _, img := range matched.Images {
			ids[img.ID] = true
		}
		out = append(out, coClaim{ref: ownerRef(b), label: imsv1.QueryLabel(b.Name), ids: ids})
	}
	return out
}

// sameCredentialSource tells whether two queries of one namespace list with the same
// credentials, so that one's credentials stand for the other's in a listing key.
func sameCredentialSource(a, b *imsv1.ImageQuery) bool {
	ra, rb := a.Spec.CredentialsSecretRef, b.Spec.CredentialsSecretRef
	if ra == nil || rb == nil {
		return ra == nil && rb == nil
	}
	return ra.Name == rb.Name
}

// addCoClaims adds to obj the claims of the other queries that match it.
func addCoClaims(obj metav1.Object, others []coClaim) {
	for _, o := range others {
		if !o.ids[obj.GetName()] {
			continue
		}
		obj.SetOwnerReferences(withOwner(obj.GetOwnerReferences(), o.ref))
		labels := obj.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[o.label] = "true"
		obj.SetLabels(labels)
	}
}
