// Package chaos holds the crash and outage tests: the manager binary killed with SIGKILL in the
// middle of mirroring, and kube-apiserver taken down in the middle of a sync. They run on a
// control plane of their own (real etcd and kube-apiserver from bin/k8s), because they break
// it on purpose, with the IMS simulator and the manager built from this repository.
package chaos

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
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
	scheme  = runtime.NewScheme()
	sim     *imssim.Simulator
	simURL  string
	harness *chaosenv.Cluster
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.DPanicLevel)))
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(imsv1.AddToScheme(scheme))
	assets, err := testenv.Assets()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if assets == "" {
		return m.Run() // every test here skips (see cluster)
	}
	if harness, err = chaosenv.Start(filepath.Join("..", ".."), assets, scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer harness.Stop()
	k8s = harness.Client

	sim = imssim.New(imssim.Options{Credentials: map[string]string{testAK: testSK}})
	server := httptest.NewServer(sim)
	defer server.Close()
	simURL = server.URL
	return m.Run()
}

// cluster skips a test when the suite runs without a control plane.
func cluster(t *testing.T) {
	t.Helper()
	if k8s == nil {
		t.Skip(testenv.SkipMessage)
	}
}
