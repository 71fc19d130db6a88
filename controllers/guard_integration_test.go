package controllers

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// ownImages puts n generated images owned by a project of the test's own into the simulator,
// so that a query filtering on owner sees only them; they go when the test ends.
func ownImages(t *testing.T, n int, seed int64, owner string) []string {
	t.Helper()
	var ids []string
	for _, img := range imssim.GenerateCatalog(n, seed) {
		img["owner"] = owner
		img["__imagetype"], img["visibility"] = "private", "private"
		sim.PutImage(img)
		ids = append(ids, img["id"].(string))
	}
	t.Cleanup(func() {
		for _, id := range ids {
			sim.DeleteImage(id)
		}
	})
	slices.Sort(ids)
	return ids
}

// shrinkWatch records, while a test runs, every CloudImage deleted in ns and the smallest
// status.matchedImages of one query: what consumers would have seen.
type shrinkWatch struct {
	mu         sync.Mutex
	deleted    []string
	minMatched int32
	stop       func()
}

func watchShrink(t *testing.T, ns, query string, matched int32) *shrinkWatch {
	t.Helper()
	w := &shrinkWatch{minMatched: matched}
	ctx, cancel := context.WithCancel(context.Background())
	images, err := k8s.Watch(ctx, &imsv1.CloudImageList{}, client.InNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	queries, err := k8s.Watch(ctx, &imsv1.ImageQueryList{}, client.InNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for ev := range images.ResultChan() {
			if ci, ok := ev.Object.(*imsv1.CloudImage); ok && ev.Type == watch.Deleted {
				w.mu.Lock()
				w.deleted = append(w.deleted, ci.Name)
				w.mu.Unlock()
			}
		}
	}()
	go func() {
		defer wg.Done()
		for ev := range queries.ResultChan() {
			if q, ok := ev.Object.(*imsv1.ImageQuery); ok && q.Name == query {
				w.mu.Lock()
				w.minMatched = min(w.minMatched, q.Status.MatchedImages)
				w.mu.Unlock()
			}
		}
	}()
	w.stop = func() { images.Stop(); queries.Stop(); cancel(); wg.Wait() }
	t.Cleanup(w.stop)
	return w
}

// A one-off bad answer, an empty first page or a short middle page, deletes nothing: the
// second listing disagrees, the sync changes nothing and says ListingUnstable, and the retry
// finds the catalog whole. A real 80% shrink is applied in one sync, confirmed by a second
// listing; small removals need no second listing.
func TestDeletionGuard(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	owner := "deletion-guard-" + ns
	ids := ownImages(t, 50, 12, owner)
	createQuery(t, newQuery(ns, "guarded", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Owner: imsv1.PlainText(owner)}, PageSize: 10}))
	if q := waitReady(t, ns, "guarded"); q.Status.MatchedImages != 50 {
		t.Fatalf("matched %d, want 50", q.Status.MatchedImages)
	}

	for _, tc := range []struct {
		name  string
		fault imssim.Fault
	}{
		{"empty first page", imssim.Fault{OnPage: 1, Drop: 10, Times: 1}},
		{"short middle page", imssim.Fault{OnPage: 3, Drop: 6, Times: 1}}, // 24 of 50 listed
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := cloudImages(t, ns)
			w := watchShrink(t, ns, "guarded", 50)
			sim.ResetRequests()
			sim.AddFault(tc.fault)
			requestSync(t, ns, "guarded")
			unstable := waitCondition(t, ns, "guarded", metav1.ConditionFalse, imsv1.ReasonListingUnstable)
			if c := findCondition(unstable, imsv1.ConditionReconciling); c == nil || c.Status != metav1.ConditionTrue {
				t.Errorf("Reconciling is %+v, want True while retrying", c)
			}
			q := waitReady(t, ns, "guarded") // the retry, with backoff
			w.stop()
			if len(w.deleted) > 0 || w.minMatched != 50 || q.Status.MatchedImages != 50 {
				t.Errorf("consumers saw a shrink: deleted %v, matchedImages down to %d", w.deleted, w.minMatched)
			}
			for name, ci := range cloudImages(t, ns) {
				if before[name].UID != ci.UID {
					t.Errorf("CloudImage %s was deleted or replaced", name)
				}
			}
			t.Logf("%s: %d IMS requests for the refused sync and its retry (a plain sync of 50 images in pages of 10: 6)", tc.name, sim.RequestCount())
		})
	}

	t.Run("real 80% shrink", func(t *testing.T) {
		for _, id := range ids[10:] {
			sim.DeleteImage(id)
		}
		sim.ResetRequests()
		q := requestSync(t, ns, "guarded")
		if c := findCondition(q, imsv1.ConditionReady); c == nil || c.Reason != imsv1.ReasonSynced || q.Status.MatchedImages != 10 {
			t.Fatalf("the shrink was not applied in one sync: Ready %+v, matched %d", c, q.Status.MatchedImages)
		}
		eventually(t, "the CloudImages of the removed images to go", func() error {
			if got := claimedIDs(t, ns, "guarded"); !slices.Equal(got, ids[:10]) {
				return fmt.Errorf("%d claimed", len(got))
			}
			return nil
		})
		// Two listings of 10 images in pages of 10: 2 requests each.
		if n := sim.RequestCount(); n != 4 {
			t.Errorf("the confirmed shrink took %d IMS requests, want 4 (two listings)", n)
		}
	})

	t.Run("small removal needs no second listing", func(t *testing.T) {
		for _, id := range ids[5:10] { // half of 10, but only 5: a handful
			sim.DeleteImage(id)
		}
		sim.ResetRequests()
		q := requestSync(t, ns, "guarded")
		if q.Status.MatchedImages != 5 {
			t.Fatalf("matched %d, want 5", q.Status.MatchedImages)
		}
		if n := sim.RequestCount(); n != 1 {
			t.Errorf("a small removal took %d IMS requests, want 1 (one listing)", n)
		}
	})
}
