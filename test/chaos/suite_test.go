// Package chaos holds the crash and outage tests: the manager binary killed with SIGKILL in the
// middle of mirroring, and kube-apiserver taken down in the middle of a sync. They run on a
// control plane of their own (real etcd and kube-apiserver from bin/k8s), because they break
// it on purpose, with the IMS simulator and the manager built from this repository.
package chaos

import (
	"os"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagecatalog/ims-operator/internal/chaosenv"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/testenv"
)

const (
	testAK = "CHAOSACCESSKEY000001"
	testSK = "chaos-secret-key-do-not-print-01"
)

var (
	k8s     client.Client
	sim     *imssim.Simulator
	simURL  string
	harness *chaosenv.Cluster
)

func TestMain(m *testing.M) {
	os.Exit(chaosenv.Main(m, imssim.Options{Credentials: map[string]string{testAK: testSK}}, func(s *chaosenv.Suite) {
		if s != nil {
			harness, k8s, sim, simURL = s.Cluster, s.Cluster.Client, s.Sim, s.SimURL
		}
	}))
}

// cluster skips a test when the suite runs without a control plane.
func cluster(t *testing.T) {
	t.Helper()
	if k8s == nil {
		t.Skip(testenv.SkipMessage)
	}
}
