package controllers

import (
	"slices"
	"testing"
	"time"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// A requested sync lists IMS afresh: it never uses a listing fetched before it was asked for,
// even one that another query's sync made a moment ago and that is kept for sharing. Found as
// a user would: IMS really shrank by 30% (under the guard's share), and a requested sync right
// after another query's sync kept every CloudImage; an image uploaded right after another
// query's sync did not appear either.
func TestRequestedSyncListsAfresh(t *testing.T) {
	integration(t)
	shareListings(t, time.Minute)
	ns := newNamespace(t)
	owner := "fresh-" + ns
	ids := ownImages(t, 50, 41, owner)
	spec := imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Owner: imsv1.PlainText(owner)}}
	createQuery(t, newQuery(ns, "a", spec))
	createQuery(t, newQuery(ns, "b", spec)) // the same listing: shared, and worth keeping
	waitReady(t, ns, "a")
	waitReady(t, ns, "b")
	if got := claimedIDs(t, ns, "b"); !slices.Equal(got, ids) {
		t.Fatalf("b claims %d images, want the 50", len(got))
	}

	requestSync(t, ns, "a") // another query's sync a moment ago: its listing is kept
	gone, kept := ids[:15], ids[15:]
	for _, id := range gone {
		sim.DeleteImage(id)
	}
	q := requestSync(t, ns, "b")
	if got := claimedIDs(t, ns, "b"); !slices.Equal(got, kept) || q.Status.MatchedImages != int32(len(kept)) {
		t.Errorf("after a 30%% shrink, the requested sync left b with %d CloudImages (matched %d), want %d",
			len(got), q.Status.MatchedImages, len(kept))
	}

	requestSync(t, ns, "a")
	uploaded := imssim.GenerateCatalog(1, 42)[0]
	uploaded["owner"] = owner
	uploaded["__imagetype"], uploaded["visibility"] = "private", "private"
	sim.PutImage(uploaded)
	t.Cleanup(func() { sim.DeleteImage(uploaded.ID()) })
	requestSync(t, ns, "b")
	if got := claimedIDs(t, ns, "b"); !slices.Contains(got, uploaded.ID()) {
		t.Errorf("an image uploaded after another query's sync is missing after a requested sync (%d claimed)", len(got))
	}
}
