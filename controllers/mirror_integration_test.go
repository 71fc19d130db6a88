package controllers

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// Images removed from the catalog are pruned on the next complete sync.
func TestRemovedImagesArePruned(t *testing.T) {
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "suse", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "SUSE"}}))
	waitReady(t, ns, "suse")
	ids := claimedIDs(t, ns, "suse")
	if len(ids) < 2 {
		t.Fatalf("need at least 2 SUSE images, have %d", len(ids))
	}
	gone := catalogImage(t, ids[0])
	sim.DeleteImage(ids[0])
	defer sim.PutImage(gone)

	q := requestSync(t, ns, "suse")
	if got := claimedIDs(t, ns, "suse"); !slices.Equal(got, ids[1:]) {
		t.Errorf("after removal: %v, want %v", got, ids[1:])
	}
	if _, ok := cloudImages(t, ns)[ids[0]]; ok {
		t.Errorf("CloudImage %s of the removed image still exists", ids[0])
	}
	if int(q.Status.MatchedImages) != len(ids)-1 {
		t.Errorf("matchedImages = %d, want %d", q.Status.MatchedImages, len(ids)-1)
	}
}

// Two queries claiming one image share one CloudImage; each claim comes and goes with its
// query.
func TestTwoQueriesShareOneCloudImage(t *testing.T) {
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "all-debian", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "Debian"}}))
	createQuery(t, newQuery(ns, "debian-64", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "Debian", OSBit: "64"}}))
	waitReady(t, ns, "all-debian")
	narrow := waitReady(t, ns, "debian-64")
	shared := claimedIDs(t, ns, "debian-64")
	only := difference(claimedIDs(t, ns, "all-debian"), shared)
	if len(shared) == 0 {
		t.Fatal("no 64-bit Debian image in the catalog")
	}
	ci := cloudImages(t, ns)[shared[0]]
	if len(ci.OwnerReferences) != 2 || ci.Labels[imsv1.QueryLabel("all-debian")] != "true" || ci.Labels[imsv1.QueryLabel("debian-64")] != "true" {
		t.Fatalf("shared CloudImage: owners %+v, labels %v", ci.OwnerReferences, ci.Labels)
	}

	deleteAndWaitGone(t, narrow)
	eventually(t, "the deleted query's claims to go", func() error {
		for _, id := range shared {
			ci, ok := cloudImages(t, ns)[id]
			if !ok {
				t.Fatalf("CloudImage %s was deleted though all-debian still claims it", id)
			}
			if len(ci.OwnerReferences) != 1 || ci.Labels[imsv1.QueryLabel("debian-64")] != "" {
				return errNotYet
			}
		}
		return nil
	})
	if got := claimedIDs(t, ns, "all-debian"); len(got) != len(shared)+len(only) {
		t.Errorf("all-debian claims %d images, want %d", len(got), len(shared)+len(only))
	}

	deleteAndWaitGone(t, getQuery(t, ns, "all-debian"))
	eventually(t, "the last query's CloudImages to go", func() error {
		if n := len(cloudImages(t, ns)); n != 0 {
			return errNotYet
		}
		return nil
	})
}

func difference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// A second sync of an unchanged catalog writes no CloudImage, and one status update at most.
func TestIdenticalSyncWritesNoCloudImage(t *testing.T) {
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "windows", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{OSType: "Windows"}}))
	waitReady(t, ns, "windows")
	if len(claimedIDs(t, ns, "windows")) == 0 {
		t.Fatal("no Windows images")
	}
	w, err := k8sWatch(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	requestSync(t, ns, "windows")
	requestSync(t, ns, "windows")
	time.Sleep(time.Second)
	w.Stop()
	for ev := range w.ResultChan() {
		if ev.Type != watch.Bookmark {
			t.Errorf("CloudImage %s event after an identical sync", ev.Type)
		}
	}
}

func k8sWatch(ns string) (watch.Interface, error) {
	return k8s.Watch(context.Background(), &imsv1.CloudImageList{}, client.InNamespace(ns))
}

// kube-controller-manager's garbage collector honours the operator's ownerReferences: a
// CloudImage whose ImageQuery is deleted goes, even one the operator does not manage.
func TestGarbageCollectorHonoursOwnerReferences(t *testing.T) {
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "owner", imsv1.ImageQuerySpec{Suspend: true}))
	q := getQuery(t, ns, "owner")
	orphan := &imsv1.CloudImage{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "0e0e0e0e-0000-4000-8000-000000000001",
			OwnerReferences: []metav1.OwnerReference{ownerRef(q)}},
		Region: "cn-north-4",
		Image:  imsv1.ImageRecord{ID: "0e0e0e0e-0000-4000-8000-000000000001"},
	}
	if err := k8s.Create(context.Background(), orphan); err != nil {
		t.Fatal(err)
	}
	deleteAndWaitGone(t, q)
	eventually(t, "garbage collection", func() error {
		if _, ok := cloudImages(t, ns)[orphan.Name]; ok {
			return errNotYet
		}
		return nil
	})
}
