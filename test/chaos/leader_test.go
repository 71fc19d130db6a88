package chaos

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// `--leader-elect` works outside a cluster (`make run ARGS=--leader-elect`): without
// --leader-election-namespace the lease goes to the kubeconfig context's namespace, here
// "default", and the elected manager syncs.
func TestLeaderElectionOutsideACluster(t *testing.T) {
	cluster(t)
	sim.SetCatalog(imssim.GenerateCatalog(20, 44))
	want := expectedIDs(t)
	ns := newNamespace(t)
	q := createQuery(t, ns, "all")
	m := startManager(t, "--leader-elect")
	waitFor(t, "the leader-election lease in namespace default", time.Minute, func() bool {
		var lease coordinationv1.Lease
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: "ims-operator.ims.imagecatalog.io"}, &lease)
		return (err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "") || m.Exited()
	})
	if m.Exited() {
		t.Fatalf("the manager exited:\n%s", m.LogTail(40))
	}
	assertConverged(t, q, want)
}
