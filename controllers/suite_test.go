package controllers

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/controlplane"
	"github.com/imagecatalog/ims-operator/internal/guard"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/listing"
	"github.com/imagecatalog/ims-operator/internal/loopback"
	"github.com/imagecatalog/ims-operator/internal/mirror"
	"github.com/imagecatalog/ims-operator/internal/testenv"
)

// The integration suite: a real etcd, kube-apiserver and kube-controller-manager (for garbage
// collection), the IMS simulator on loopback, and the manager's controllers as main.go wires
// them. Tests run one after another: they share the simulator's catalog and faults.
var (
	k8s client.WithWatch // the test's own client, uncached
	// kubectlPath and kubeconfigPath let tests run kubectl as a user would.
	kubectlPath, kubeconfigPath string
	sim                         *imssim.Simulator
	simURL                      string
	scheme                      = runtime.NewScheme()
	// queries is the manager's ImageQuery reconciler, for benchmarks that call it directly.
	queries *ImageQueryReconciler
	// listings are the shared listings the suite's reconciler uses.
	listings *listing.Listings
	// probeAddr serves the manager's /healthz and /readyz.
	probeAddr string
)

const (
	testAK = "TESTACCESSKEY0000001"
	testSK = "test-secret-key-do-not-print-0001"
)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

// integration skips an integration test when the suite runs without a control plane.
func integration(t testing.TB) {
	t.Helper()
	if k8s == nil {
		t.Skip(testenv.SkipMessage)
	}
}

func runSuite(m *testing.M) int {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(false), zap.Level(zapLevel())))
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(imsv1.AddToScheme(scheme))

	assets, err := testenv.Assets()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if assets == "" {
		return m.Run() // the fast tier: pure tests run, integration tests skip (see integration)
	}
	env := controlplane.Environment(assets, filepath.Join("..", "config", "crd", "bases"))
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting envtest: %v\n", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	restConfig = cfg

	kubectlPath = filepath.Join(assets, "kubectl")
	kubeconfigPath, err = writeAdminKubeconfig(env)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubeconfig: %v\n", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(filepath.Dir(kubeconfigPath)) }()

	stopKCM, err := startControllerManager(kubeconfigPath, assets)
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting kube-controller-manager: %v\n", err)
		return 1
	}
	defer stopKCM()

	k8s, err = client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintf(os.Stderr, "client: %v\n", err)
		return 1
	}

	if err := enforceReadOnlyPolicy(); err != nil {
		fmt.Fprintf(os.Stderr, "read-only policy: %v\n", err)
		return 1
	}

	sim = imssim.New(imssim.Options{Credentials: map[string]string{testAK: testSK}})
	server := httptest.NewServer(sim)
	defer server.Close()
	simURL = server.URL

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if probeAddr, err = loopback.FreeAddr(); err != nil {
		fmt.Fprintf(os.Stderr, "probe address: %v\n", err)
		return 1
	}
	mgrCfg := rest.CopyConfig(cfg)
	mgrCfg.QPS, mgrCfg.Burst = 500, 1000 // as --kube-api-qps would: large listings mirror quickly
	mgr, err := ctrl.NewManager(mgrCfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  CacheOptions(nil),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: probeAddr,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "manager: %v\n", err)
		return 1
	}
	// Listings are shared while in flight only: tests change the simulator's catalog
	// between syncs, and a kept listing would hide that. Sharing tests set a window.
	listings = &listing.Listings{QPS: listing.DefaultIMSQPS, Burst: listing.DefaultIMSBurst}
	queries = NewImageQueryReconciler(ImageQueryConfig{
		Client:    countingClient{mgr.GetClient()},
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("ims-operator"),
		Clock:     clock.RealClock{},
		Cloud: listing.Cloud{
			Endpoint:      simURL,
			DefaultRegion: "cn-north-4",
			HTTPClient:    ims.NewHTTPClient(),
			NewClient:     fastRetryClient,
		},
		DefaultRefreshInterval: 10 * time.Minute,
		Credentials:            testCredentialSettings(),
		Listings:               listings,
		MirrorWorkers:          mirror.DefaultMirrorWorkers,
		// No delay: the guard tests confirm with a second listing at once (the delay has
		// its own tests, on a fake clock).
		Guard: guard.Config{Ratio: guard.Default.Ratio, MinRemovals: guard.Default.MinRemovals},
	})
	if err := queries.SetupWithManager(mgr, 2); err != nil {
		fmt.Fprintf(os.Stderr, "setup: %v\n", err)
		return 1
	}
	images := &CloudImageReconciler{Client: countingClient{mgr.GetClient()}, APIReader: mgr.GetAPIReader()}
	if err := images.SetupWithManager(mgr, 2); err != nil {
		fmt.Fprintf(os.Stderr, "setup: %v\n", err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	code := m.Run()
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintf(os.Stderr, "manager: %v\n", err)
		return 1
	}
	return code
}

// fastRetryClient is the real client with short backoffs, so fault tests take seconds.
func fastRetryClient(cfg ims.Config) (listing.ImageClient, error) {
	cfg.BaseDelay, cfg.MaxDelay, cfg.MaxAttempts = 50*time.Millisecond, 200*time.Millisecond, 2
	return ims.New(cfg)
}

func zapLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE") != "" {
		return -1
	}
	return zapcore.DPanicLevel // quiet: failed syncs are expected here; TEST_VERBOSE=1 shows all
}

// writeAdminKubeconfig writes a kubeconfig of a cluster admin for kubectl.
func writeAdminKubeconfig(env *envtest.Environment) (string, error) {
	dir, err := os.MkdirTemp("", "ims-kubeconfig-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "kubeconfig")
	return path, controlplane.WriteAdminKubeconfig(env, path)
}

// startControllerManager runs kube-controller-manager against envtest's API server, so that
// ownerReferences are garbage-collected as in a real cluster.
func startControllerManager(kubeconfig, assets string) (func(), error) {
	dir, err := os.MkdirTemp("", "ims-kcm-")
	if err != nil {
		return nil, err
	}
	args, err := controlplane.ControllerManagerArgs(kubeconfig, dir)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(assets, "kube-controller-manager"), args...)
	cmd.SysProcAttr = controlplane.ProcAttr() // gone with the test binary, even on -timeout
	logFile, err := os.Create(filepath.Join(dir, "kcm.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logFile.Close()
		_ = os.RemoveAll(dir)
	}, nil
}

// newNamespace gives a test a namespace of its own, with the credentials Secret.
func newNamespace(t testing.TB) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "iq-test-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	// Deleting the namespace deletes the test's ImageQueries, so they never sync in a later test.
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), ns) })
	createSecret(t, ns.Name, "ims-credentials", map[string]string{"accessKey": testAK, "secretKey": testSK})
	return ns.Name
}

func createSecret(t testing.TB, ns, name string, data map[string]string) *corev1.Secret {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: data}
	if err := k8s.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}
