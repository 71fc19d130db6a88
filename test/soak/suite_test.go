// Package soak is the chaos soak (`make soak`, and its short form in `make test`): 50
// ImageQueries over 10 namespaces against the IMS simulator, with the catalog churning, IMS
// faults, kube-apiserver restarts, etcd pauses and the manager killed with SIGKILL, all at
// random moments from a printed seed, while an auditor watches every write and checks the
// invariants users rely on (invariants_test.go). It runs on a control plane of its own
// (real etcd and kube-apiserver from bin/k8s) with the manager binary built from this
// repository.
package soak

import (
	"os"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagecatalog/ims-operator/internal/chaosenv"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

var (
	cluster *chaosenv.Cluster
	k8s     client.Client
	cfg     *rest.Config
	scheme  *runtime.Scheme
	sim     *imssim.Simulator
	simURL  string
)

func TestMain(m *testing.M) {
	os.Exit(chaosenv.Main(m, imssim.Options{
		Catalog:           imssim.GenerateCatalog(catalogSize, 20),
		IdentityProviders: []imssim.IdentityProvider{{ID: idpID, Audience: audience}},
		// Temporary credentials that expire during the soak, so that the keyless tenants
		// go back to IAM now and then.
		CredentialLifetime: 5 * time.Minute,
	}, func(s *chaosenv.Suite) {
		if s != nil { // else the soak skips (see TestSoak)
			cluster, k8s, cfg, scheme, sim, simURL = s.Cluster, s.Cluster.Client, s.Cluster.Config, s.Scheme, s.Sim, s.SimURL
		}
	}))
}
