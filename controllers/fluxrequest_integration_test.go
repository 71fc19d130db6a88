package controllers

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// annotate sets one annotation of a query and waits until a sync handled want.
func annotate(t *testing.T, ns, name, key, value, want string) *imsv1.ImageQuery {
	t.Helper()
	q := getQuery(t, ns, name)
	patch := client.MergeFrom(q.DeepCopy())
	if q.Annotations == nil {
		q.Annotations = map[string]string{}
	}
	q.Annotations[key] = value
	if err := k8s.Patch(context.Background(), q, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, fmt.Sprintf("a sync answering %s=%s", key, value), func() error {
		q = getQuery(t, ns, name)
		if q.Status.LastHandledRequestedAt != want {
			return fmt.Errorf("lastHandledRequestedAt is %q, want %q", q.Status.LastHandledRequestedAt, want)
		}
		return nil
	})
	return q
}

// Flux's reconcile.fluxcd.io/requestedAt (what a Flux Receiver sets) asks for a sync as
// requested-at does, and a fresh one: an image uploaded right after another query's sync,
// whose listing is kept for sharing, is seen. With both annotations set, a change of either
// asks for a sync.
func TestFluxRequestedAtAsksForASync(t *testing.T) {
	integration(t)
	shareListings(t, time.Minute)
	ns := newNamespace(t)
	owner := "flux-" + ns
	ownImages(t, 5, 43, owner)
	spec := imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Owner: imsv1.PlainText(owner)}}
	createQuery(t, newQuery(ns, "a", spec))
	createQuery(t, newQuery(ns, "b", spec))
	waitReady(t, ns, "a")
	waitReady(t, ns, "b")

	requestSync(t, ns, "a") // a listing of a moment ago, kept for sharing
	uploaded := imssim.GenerateCatalog(1, 44)[0]
	uploaded["owner"] = owner
	uploaded["__imagetype"], uploaded["visibility"] = "private", "private"
	sim.PutImage(uploaded)
	t.Cleanup(func() { sim.DeleteImage(uploaded.ID()) })
	stamp := time.Now().UTC().String() // the form a Receiver writes
	annotate(t, ns, "b", imsv1.FluxRequestedAtAnnotation, stamp, stamp)
	if got := claimedIDs(t, ns, "b"); !slices.Contains(got, uploaded.ID()) {
		t.Errorf("an image uploaded after another query's sync is missing after a sync asked for by Flux (%d claimed)", len(got))
	}

	annotate(t, ns, "b", imsv1.RequestedAtAnnotation, "1", "1, reconcile.fluxcd.io/requestedAt="+stamp)
	q := annotate(t, ns, "b", imsv1.FluxRequestedAtAnnotation, "again", "1, reconcile.fluxcd.io/requestedAt=again")
	if c := findCondition(q, imsv1.ConditionReady); c == nil || c.Reason != imsv1.ReasonSynced {
		t.Errorf("Ready = %+v after the syncs asked for", c)
	}
}
