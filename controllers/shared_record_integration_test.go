package controllers

import (
	"maps"
	"testing"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// A requested sync of a query that co-claims a CloudImage, but is not its oldest claimant,
// shows a rename in that sync: the record is not left as the first query last listed it
// until that query's next scheduled sync.
func TestRequestedSyncOfACoClaimantWritesTheRecord(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	owner := "shared-record-" + ns
	ids := ownImages(t, 3, 61, owner)
	spec := imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Owner: imsv1.PlainText(owner)}}
	createQuery(t, newQuery(ns, "first", spec))
	waitReady(t, ns, "first")
	createQuery(t, newQuery(ns, "second", spec))
	waitReady(t, ns, "second")
	firstSynced := getQuery(t, ns, "first").Status.LastSyncTime

	for _, img := range sim.Catalog() {
		if img.ID() == ids[0] {
			renamed := maps.Clone(img)
			renamed["name"] = "renamed after both synced"
			sim.PutImage(renamed)
		}
	}
	requestSync(t, ns, "second")
	ci := cloudImages(t, ns)[ids[0]]
	if ci.Image.Name != "renamed after both synced" {
		t.Errorf("after a requested sync of the second claimant the record's name is %q, want the name IMS lists now", ci.Image.Name)
	}
	if synced := getQuery(t, ns, "first").Status.LastSyncTime; !synced.Equal(firstSynced) {
		t.Fatal("the first query synced meanwhile: the test proves nothing")
	}
}
