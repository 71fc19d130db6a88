package dist

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/imagecatalog/ims-operator/internal/controlplane"
	"github.com/imagecatalog/ims-operator/internal/testenv"
)

// The control plane of the install tests: etcd and kube-apiserver of bin/k8s with RBAC and
// service-account tokens, no CRDs (the tests install them as users do). Garbage collection is
// not needed here, so no kube-controller-manager.
var (
	cluster        *rest.Config // cluster admin
	kubeconfigPath string       // the admin's kubeconfig, for kubectl and helm
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	defer removeBuilds()
	assets, err := testenv.Assets()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if assets == "" {
		return m.Run() // the pure tests run; those that need the control plane skip
	}
	env := controlplane.Environment(assets, "")
	env.CRDDirectoryPaths, env.ErrorIfCRDPathMissing = nil, false
	// A machine busy with builds can take longer than envtest's 20 s to start kube-apiserver.
	env.ControlPlane.GetAPIServer().StartTimeout = 2 * time.Minute
	if cluster, err = env.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "starting the control plane: %v\n", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	code, err := withKubeconfig(env, m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return code
}

func withKubeconfig(env *envtest.Environment, m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "ims-dist-kubeconfig-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	kubeconfigPath = filepath.Join(dir, "kubeconfig")
	if err := controlplane.WriteAdminKubeconfig(env, kubeconfigPath); err != nil {
		return 0, fmt.Errorf("kubeconfig: %w", err)
	}
	return m.Run(), nil
}

// needCluster skips (or, under `make test`, fails) a test that needs the control plane.
func needCluster(t testing.TB) {
	t.Helper()
	testenv.Integration(t)
	if cluster == nil {
		t.Fatal("the control plane did not start")
	}
}
