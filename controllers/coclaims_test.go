package controllers

import (
	"context"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/listing"
)

// Two queries with the same listing: the first sync writes each CloudImage once with both
// claims, the second is served the shared listing and writes nothing. A third query with
// another filter is not known to them and gets no claim from their syncs.
func TestSameListingClaimsLandInOneWrite(t *testing.T) {
	q := decisionQuery(nil)
	rig := newDecisionRig(t, q, twoImages...)
	rig.r.listings = &listing.Listings{Window: time.Minute}
	ctx := context.Background()
	b := decisionQuery(func(b *imsv1.ImageQuery) { b.Name, b.UID = "b", "uid-b" })
	other := decisionQuery(func(o *imsv1.ImageQuery) { o.Name, o.UID, o.Spec.Filter.Platform = "other", "uid-other", "Ubuntu" })
	for _, obj := range []client.Object{b, other} {
		b.ResourceVersion, other.ResourceVersion = "", ""
		if err := rig.r.client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rig.reconcile(t); err != nil {
		t.Fatal(err)
	}
	if rig.imageWrites != len(twoImages) {
		t.Errorf("first sync: %d CloudImage writes for %d images, want one each", rig.imageWrites, len(twoImages))
	}
	for _, img := range twoImages {
		ci := &imsv1.CloudImage{}
		if err := rig.r.client.Get(ctx, client.ObjectKey{Namespace: "ns", Name: img.ID}, ci); err != nil {
			t.Fatal(err)
		}
		if ci.Labels[imsv1.QueryLabel("q")] != "true" || ci.Labels[imsv1.QueryLabel("b")] != "true" || len(ci.OwnerReferences) != 2 {
			t.Errorf("%s: labels %v, owners %d; want the claims of q and b", img.ID, ci.Labels, len(ci.OwnerReferences))
		}
		if ci.Labels[imsv1.QueryLabel("other")] != "" {
			t.Errorf("%s was claimed for a query with another listing", img.ID)
		}
	}
	rig.imageWrites = 0
	if _, err := rig.r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(b)}); err != nil {
		t.Fatal(err)
	}
	// Its claims are there: it writes only its own latest label, on its latest image.
	if rig.imageWrites != 1 || rig.cloud.calls != 1 {
		t.Errorf("second query: %d CloudImage writes and %d IMS listings in all, want 1 (its latest label) and 1", rig.imageWrites, rig.cloud.calls)
	}
	latest := &imsv1.CloudImage{}
	if err := rig.r.client.Get(ctx, client.ObjectKey{Namespace: "ns", Name: twoImages[1].ID}, latest); err != nil {
		t.Fatal(err)
	}
	if latest.Labels[imsv1.LatestLabel("b")] != "true" || latest.Labels[imsv1.LatestLabel("q")] != "true" {
		t.Errorf("the latest image's labels %v, want the latest labels of q and b", latest.Labels)
	}
}
