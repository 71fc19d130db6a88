// Package chaos holds the crash and outage tests: the manager binary killed with SIGKILL in the
// middle of mirroring, and kube-apiserver taken down in the middle of a sync. They run on a
// control plane of their own (real etcd and kube-apiserver from bin/k8s), because they break
// it on purpose, with the IMS simulator and the manager built from this repository.
package chaos

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
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
	"github.com/imagecatalog/ims-operator/internal/controlplane"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/testenv"
)

const (
	testAK = "CHAOSACCESSKEY000001"
	testSK = "chaos-secret-key-do-not-print-01"
)

var (
	k8s            client.Client
	scheme         = runtime.NewScheme()
	sim            *imssim.Simulator
	simURL         string
	kubeconfigPath string
	managerPath    string // the manager binary, built from this repository
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.DPanicLevel)))
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(imsv1.AddToScheme(scheme))
	root := filepath.Join("..", "..")
	assets, err := testenv.Assets()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if assets == "" {
		return m.Run() // every test here skips (see cluster)
	}
	dir, err := os.MkdirTemp("", "ims-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()

	// Build the manager while nothing else runs: the first build takes a while.
	managerPath = filepath.Join(dir, "manager")
	build := exec.Command("go", "build", "-o", managerPath, ".")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building the manager: %v\n", err)
		return 1
	}

	env := controlplane.Environment(assets, filepath.Join(root, "config", "crd", "bases"))
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting the control plane: %v\n", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	kubeconfigPath = filepath.Join(dir, "kubeconfig")
	if err := controlplane.WriteAdminKubeconfig(env, kubeconfigPath); err != nil {
		fmt.Fprintf(os.Stderr, "kubeconfig: %v\n", err)
		return 1
	}
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintf(os.Stderr, "client: %v\n", err)
		return 1
	}

	sim = imssim.New(imssim.Options{Credentials: map[string]string{testAK: testSK}})
	server := httptest.NewServer(sim)
	defer server.Close()
	simURL = server.URL
	defer stopOutages() // before the control plane's own stop: etcd goes last
	return m.Run()
}

// cluster skips a test when the suite runs without a control plane.
func cluster(t *testing.T) {
	t.Helper()
	if k8s == nil {
		t.Skip(testenv.SkipMessage)
	}
}
