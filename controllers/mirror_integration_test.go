package controllers

import (
	"context"
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
	"github.com/imagecatalog/ims-operator/internal/mirror"
)

// Images removed from the catalog are pruned on the next complete sync.
func TestRemovedImagesArePruned(t *testing.T) {
	integration(t)
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
	waitEvent(t, ns, imsv1.EventImagesChanged, "0 images added, 1 removed")
}

// Two queries claiming one image share one CloudImage; each claim comes and goes with its
// query.
func TestTwoQueriesShareOneCloudImage(t *testing.T) {
	integration(t)
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
	waitClaimDropped(t, ns, shared, "debian-64", 1) // all-debian still claims them
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

// A second sync of an unchanged catalog writes no CloudImage.
func TestIdenticalSyncWritesNoCloudImage(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "windows", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{OSType: "Windows"}}))
	waitReady(t, ns, "windows")
	before, writes := resourceVersions(t, ns), cloudImageWrites.Load()
	if len(before) == 0 {
		t.Fatal("no Windows images")
	}
	requestSync(t, ns, "windows") // returns once the sync, mirroring included, is done
	requestSync(t, ns, "windows")
	assertNotWritten(t, before, resourceVersions(t, ns))
	if n := cloudImageWrites.Load() - writes; n != 0 {
		t.Errorf("two identical syncs made %d CloudImage write calls", n)
	}
}

// resourceVersions maps each CloudImage of ns to its resourceVersion, which every write changes.
func resourceVersions(t *testing.T, ns string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, ci := range cloudImages(t, ns) {
		out[name] = ci.ResourceVersion
	}
	return out
}

func assertNotWritten(t *testing.T, before, after map[string]string) {
	t.Helper()
	if len(after) != len(before) {
		t.Errorf("%d CloudImages before, %d after", len(before), len(after))
	}
	for name, rv := range before {
		if after[name] != rv {
			t.Errorf("CloudImage %s was written (resourceVersion %s → %s)", name, rv, after[name])
		}
	}
}

// kube-controller-manager's garbage collector honours the operator's ownerReferences: a
// CloudImage whose ImageQuery is deleted goes, even one the operator does not manage.
func TestGarbageCollectorHonoursOwnerReferences(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "owner", imsv1.ImageQuerySpec{Suspend: true}))
	q := getQuery(t, ns, "owner")
	orphan := &imsv1.CloudImage{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "0e0e0e0e-0000-4000-8000-000000000001",
			OwnerReferences: []metav1.OwnerReference{mirror.OwnerRef(q)}},
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

// Two queries that see one image differently (here: two regions behind one endpoint) do not
// rewrite it in turn: the oldest claim writes the record, the other only adds its claim.
func TestTwoViewsOfOneImageDoNotFight(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "north", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "EulerOS"}, Region: "cn-north-4"}))
	waitReady(t, ns, "north")
	createQuery(t, newQuery(ns, "south", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "EulerOS"}, Region: "cn-south-1"}))
	waitReady(t, ns, "south")
	ids := claimedIDs(t, ns, "south")
	if len(ids) == 0 || !slices.Equal(ids, claimedIDs(t, ns, "north")) {
		t.Fatalf("claims differ: north %v, south %v", claimedIDs(t, ns, "north"), ids)
	}
	for _, ci := range cloudImages(t, ns) {
		if ci.Region != "cn-north-4" || ci.Labels[imsv1.LabelRegion] != "cn-north-4" {
			t.Errorf("%s: region %q / label %q, want the oldest claim's cn-north-4", ci.Name, ci.Region, ci.Labels[imsv1.LabelRegion])
		}
	}
	before, writes := resourceVersions(t, ns), cloudImageWrites.Load()
	requestSync(t, ns, "south")
	requestSync(t, ns, "north")
	assertNotWritten(t, before, resourceVersions(t, ns))
	if n := cloudImageWrites.Load() - writes; n != 0 {
		t.Errorf("re-syncing both queries made %d CloudImage write calls", n)
	}
}

// `kubectl delete --cascade=orphan` keeps the CloudImages, as Kubernetes users expect; only
// the deleted query's label goes.
func TestOrphanDeletionKeepsCloudImages(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "keep", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "CoreOS"}}))
	waitReady(t, ns, "keep")
	ids := claimedIDs(t, ns, "keep")
	if len(ids) == 0 {
		t.Fatal("no CoreOS image")
	}
	q := getQuery(t, ns, "keep")
	if err := k8s.Delete(context.Background(), q, client.PropagationPolicy(metav1.DeletePropagationOrphan)); err != nil {
		t.Fatal(err)
	}
	deleteAndWaitGone(t, q)
	waitClaimDropped(t, ns, ids, "keep", 0) // orphaned: kept, without the claim
	settle()
	if n := len(cloudImages(t, ns)); n != len(ids) {
		t.Errorf("%d CloudImages left, want %d", n, len(ids))
	}
}

// waitClaimDropped waits until the CloudImages ids no longer carry the deleted query's claim
// (label and ownerReference) and are left with owners ownerReferences; none may be deleted.
func waitClaimDropped(t *testing.T, ns string, ids []string, query string, owners int) {
	t.Helper()
	eventually(t, "the claims of "+query+" to go", func() error {
		for _, id := range ids {
			ci, ok := cloudImages(t, ns)[id]
			if !ok {
				t.Fatalf("CloudImage %s was deleted with %s, though it should be kept", id, query)
			}
			if len(ci.OwnerReferences) != owners || ci.Labels[imsv1.QueryLabel(query)] != "" {
				return errNotYet
			}
		}
		return nil
	})
}

// The manager caches only CloudImages with its managed-by label. Ones without it (written
// before the read-only policy was installed) under the IDs of listed images are not in the
// cache; the mirror's create finds them, reads them live and takes them over: the record (when
// no other query's claim came first), the managed-by label and the claim are written, and the
// next sync writes nothing.
func TestUnlabelledCloudImagesAreTakenOver(t *testing.T) {
	integration(t)
	ctx := context.Background()
	ns := newNamespace(t)
	ids := expectedIDs(func(img imssim.Image) bool { return str(img, "__os_type") == "Windows" })
	if len(ids) < 2 {
		t.Fatalf("%d Windows images in the catalog, want 2", len(ids))
	}
	createQuery(t, newQuery(ns, "other", imsv1.ImageQuerySpec{Suspend: true}))
	other := getQuery(t, ns, "other")
	unowned := &imsv1.CloudImage{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ids[0]},
		Region:     "cn-north-4",
		Image:      imsv1.ImageRecord{ID: ids[0], Name: "written by hand"},
	}
	owned := &imsv1.CloudImage{ // the other query's claim, without its labels
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ids[1], OwnerReferences: []metav1.OwnerReference{mirror.OwnerRef(other)}},
		Region:     "cn-north-4",
		Image:      imsv1.ImageRecord{ID: ids[1], Name: "written by hand"},
	}
	for _, ci := range []*imsv1.CloudImage{unowned, owned} {
		if err := k8s.Create(ctx, ci); err != nil {
			t.Fatal(err)
		}
	}

	// A sync in another namespace: the cache sees its writes after the two objects above.
	later := newNamespace(t)
	createQuery(t, newQuery(later, "windows", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{OSType: "Windows"}}))
	waitReady(t, later, "windows")
	for _, id := range ids[:2] {
		err := queries.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: id}, metaonly.CloudImage())
		if !apierrors.IsNotFound(err) {
			t.Errorf("unlabelled CloudImage %s in the manager's cache (Get: %v)", id, err)
		}
	}

	createQuery(t, newQuery(ns, "windows", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{OSType: "Windows"}}))
	waitReady(t, ns, "windows")
	if got := claimedIDs(t, ns, "windows"); !slices.Equal(got, ids) {
		t.Fatalf("claimed %v, want %v", got, ids)
	}
	mirrored := cloudImages(t, ns)
	for _, id := range ids[:2] {
		if l := mirrored[id].Labels[imsv1.LabelManagedBy]; l != imsv1.ManagedByValue {
			t.Errorf("%s: managed-by label %q after the take-over", id, l)
		}
	}
	if mirrored[ids[0]].Image.Name == "written by hand" {
		t.Errorf("%s: record not rewritten", ids[0])
	}
	if refs := mirrored[ids[1]].OwnerReferences; len(refs) != 2 || refs[0].UID != other.UID {
		t.Errorf("%s: owners %v, want the other query's first and this one's", ids[1], refs)
	}
	before, writes := resourceVersions(t, ns), cloudImageWrites.Load()
	requestSync(t, ns, "windows")
	assertNotWritten(t, before, resourceVersions(t, ns))
	if n := cloudImageWrites.Load() - writes; n != 0 {
		t.Errorf("the sync after the take-over made %d CloudImage write calls", n)
	}
}
