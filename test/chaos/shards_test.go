package chaos

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/childproc"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// shardPrefix starts the name of each shard's manager binary: the API server records a
// writer by its user agent, the binary's name, in managedFields.
const shardPrefix = "manager-shard-"

// Two managers on one control plane, --namespace-selector shard=a and shard=b, each with its own
// leader election: each syncs only its namespaces, none syncs an unlabelled one, no object is
// written by both, and a namespace whose label is added, changed or removed later is taken
// up, handed over or left.
func TestShardsOwnDisjointNamespaces(t *testing.T) {
	cluster(t)
	catalog := imssim.GenerateCatalog(21, 45)
	sim.SetCatalog(catalog[:20])
	want := expectedIDs(t)
	a, b, none, moved := shardNamespace(t, "a"), shardNamespace(t, "b"), shardNamespace(t, ""), shardNamespace(t, "")
	qa, qb, qnone, qmoved := createQuery(t, a, "all"), createQuery(t, b, "all"), createQuery(t, none, "all"), createQuery(t, moved, "all")
	ma, mb := startShard(t, "a"), startShard(t, "b")

	waitFor(t, "both shards' leases", time.Minute, func() bool {
		return len(shardLeases(t)) == 2 || ma.Exited() || mb.Exited()
	})
	for _, m := range []*childproc.Proc{ma, mb} {
		if m.Exited() {
			t.Fatalf("%s exited:\n%s", m.Name, m.LogTail(40))
		}
	}
	assertConverged(t, qa, want)
	assertConverged(t, qb, want)
	assertUntouched(t, qnone)

	// A label added later: shard b takes the namespace up.
	setShardLabel(t, moved, "b")
	assertConverged(t, qmoved, want)
	assertWriters(t, moved, "b")

	// Changed: shard a takes over; a new image is written by a alone, b writes nothing more.
	setShardLabel(t, moved, "a")
	time.Sleep(time.Second) // managedFields count seconds: b's last write is before this
	handedOver := time.Now().Truncate(time.Second)
	sim.PutImage(catalog[20])
	waitHandled(t, qmoved, askSync(t, qmoved))
	want = expectedIDs(t)
	assertConverged(t, qmoved, want)
	newImage := &metav1.PartialObjectMetadata{}
	newImage.SetGroupVersionKind(imsv1.GroupVersion.WithKind("CloudImage"))
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: moved, Name: catalog[20].ID()}, newImage); err != nil {
		t.Fatalf("the image uploaded after the handover: %v", err)
	}
	if got := shardWriters(newImage.ManagedFields); len(got) != 1 || !got["a"] {
		t.Errorf("the CloudImage created after the handover was written by shards %v, want a alone", got)
	}
	assertNoWritesSince(t, moved, "b", handedOver)

	// Removed: neither shard syncs it any more, while both still sync their own.
	setShardLabel(t, moved, "")
	time.Sleep(time.Second)
	stamps := map[string]string{}
	for _, q := range []*imsv1.ImageQuery{qa, qb, qmoved} {
		stamps[q.Namespace] = askSync(t, q)
	}
	waitHandled(t, qa, stamps[a])
	waitHandled(t, qb, stamps[b])
	time.Sleep(2 * time.Second) // both shards are alive and quick: the one they ignored stays so
	if got := getQuery(t, qmoved).Status.LastHandledRequestedAt; got == stamps[moved] {
		t.Errorf("a requested sync in a namespace of no shard was handled")
	}

	// No object of a shard's namespaces was written by the other shard; none of the
	// unlabelled namespace by either.
	assertWriters(t, a, "a")
	assertWriters(t, b, "b")
	assertWriters(t, none)
	assertUntouched(t, qnone)
	for _, m := range []*childproc.Proc{ma, mb} {
		if m.Exited() {
			t.Fatalf("%s exited:\n%s", m.Name, m.LogTail(40))
		}
	}
}

// shardNamespace is a namespace with the credentials Secret, labelled shard=<shard> unless
// shard is empty.
func shardNamespace(t *testing.T, shard string) string {
	t.Helper()
	ns := newNamespace(t)
	if shard != "" {
		setShardLabel(t, ns, shard)
	}
	return ns
}

// setShardLabel sets (or, empty, removes) a namespace's shard label.
func setShardLabel(t *testing.T, namespace, shard string) {
	t.Helper()
	ns := &corev1.Namespace{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: namespace}, ns); err != nil {
		t.Fatal(err)
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	delete(ns.Labels, "shard")
	if shard != "" {
		ns.Labels["shard"] = shard
	}
	if err := k8s.Update(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
}

// startShard runs the manager for the namespaces labelled shard=<shard>, under a binary name of
// its own (see shardPrefix), with leader election.
func startShard(t *testing.T, shard string) *childproc.Proc {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, shardPrefix+shard)
	if err := os.Symlink(harness.Manager, bin); err != nil {
		t.Fatal(err)
	}
	m, err := childproc.Start(shardPrefix+shard, dir, childproc.CleanEnv("KUBECONFIG="+harness.Kubeconfig), bin,
		"--ims-endpoint="+simURL, "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--default-refresh-interval=1m", "--leader-elect", "--leader-election-namespace=default",
		"--namespace-selector=shard="+shard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Kill)
	return m
}

// shardLeases are the held leader-election Leases of shards in namespace default.
func shardLeases(t *testing.T) []string {
	t.Helper()
	var leases coordinationv1.LeaseList
	if err := k8s.List(context.Background(), &leases, client.InNamespace("default")); err != nil {
		t.Fatal(err)
	}
	var held []string
	for _, l := range leases.Items {
		if strings.HasPrefix(l.Name, "ims-operator-shard-") && l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity != "" {
			held = append(held, l.Name)
		}
	}
	return held
}

// askSync asks for an immediate sync of q and returns the annotation's value.
func askSync(t *testing.T, q *imsv1.ImageQuery) string {
	t.Helper()
	stamp := time.Now().Format(time.RFC3339Nano)
	cur := getQuery(t, q)
	if cur.Annotations == nil {
		cur.Annotations = map[string]string{}
	}
	cur.Annotations[imsv1.RequestedAtAnnotation] = stamp
	if err := k8s.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	return stamp
}

// waitHandled waits until q's requested sync of stamp was handled.
func waitHandled(t *testing.T, q *imsv1.ImageQuery, stamp string) {
	t.Helper()
	waitFor(t, "the requested sync of "+q.Namespace+"/"+q.Name, time.Minute, func() bool {
		return getQuery(t, q).Status.LastHandledRequestedAt == stamp
	})
}

func getQuery(t *testing.T, q *imsv1.ImageQuery) *imsv1.ImageQuery {
	t.Helper()
	cur := &imsv1.ImageQuery{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(q), cur); err != nil {
		t.Fatal(err)
	}
	return cur
}

// assertUntouched checks that no manager synced q: no status, no CloudImage.
func assertUntouched(t *testing.T, q *imsv1.ImageQuery) {
	t.Helper()
	if cur := getQuery(t, q); len(cur.Status.Conditions) > 0 || cur.Status.LastSyncTime != nil {
		t.Errorf("the query in %s, a namespace of no shard, has a status: %+v", q.Namespace, cur.Status)
	}
	if n := countCloudImages(t, q.Namespace); n != 0 {
		t.Errorf("%d CloudImages in %s, a namespace of no shard", n, q.Namespace)
	}
}

// shardWriters are the shards among an object's writers.
func shardWriters(fields []metav1.ManagedFieldsEntry) map[string]bool {
	shards := map[string]bool{}
	for _, f := range fields {
		if s, ok := strings.CutPrefix(f.Manager, shardPrefix); ok {
			shards[s] = true
		}
	}
	return shards
}

// namespaceObjects are the ImageQueries (status included), CloudImages and ConfigMaps of ns,
// with their managedFields.
func namespaceObjects(t *testing.T, ns string) []metav1.PartialObjectMetadata {
	t.Helper()
	var all []metav1.PartialObjectMetadata
	for _, gvk := range []string{"ImageQueryList", "CloudImageList"} {
		var list metav1.PartialObjectMetadataList
		list.SetGroupVersionKind(imsv1.GroupVersion.WithKind(gvk))
		if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		all = append(all, list.Items...)
	}
	var list metav1.PartialObjectMetadataList
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMapList"))
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	return append(all, list.Items...)
}

// assertWriters checks that the objects of ns were written by the given shard alone, or by
// none when no shard is given.
func assertWriters(t *testing.T, ns string, shard ...string) {
	t.Helper()
	objects := namespaceObjects(t, ns)
	for _, o := range objects {
		for s := range shardWriters(o.ManagedFields) {
			if len(shard) == 0 || s != shard[0] {
				t.Errorf("%s %s/%s was written by shard %s, want %v", o.Kind, ns, o.Name, s, shard)
			}
		}
	}
	if len(shard) > 0 && len(objects) < 2 {
		t.Errorf("%s holds %d objects: nothing to check", ns, len(objects))
	}
}

// assertNoWritesSince checks that no object of ns was written by shard at or after since.
func assertNoWritesSince(t *testing.T, ns, shard string, since time.Time) {
	t.Helper()
	for _, o := range namespaceObjects(t, ns) {
		for _, f := range o.ManagedFields {
			if f.Manager == shardPrefix+shard && f.Time != nil && !f.Time.Time.Before(since) {
				t.Errorf("%s %s/%s was written by shard %s at %s, after it left the namespace (%s)",
					o.Kind, ns, o.Name, shard, f.Time.Format(time.RFC3339), since.Format(time.RFC3339))
			}
		}
	}
}
