// Package flux tests the operator with Flux's real notification-controller (built from the Go
// module proxy into bin/flux by hack/build-notification-controller.sh): its CRDs patched by
// dist/flux, its RBAC plus dist/flux's as its only rights, an Alert and a generic webhook
// Provider that forward the manager's --events-addr events to a test server, and a Receiver
// whose hook asks for a sync. The control plane is the chaos harness's (real etcd and
// kube-apiserver from bin/k8s, the manager built from this repository and run as a child).
package flux

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/chaosenv"
	"github.com/imagecatalog/ims-operator/internal/childproc"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/loopback"
	"github.com/imagecatalog/ims-operator/internal/testenv"
)

const (
	testAK = "FLUXACCESSKEY0000001"
	testSK = "flux-secret-key-do-not-print-001"
	// fluxBinEnv names the folder of hack/build-notification-controller.sh's output.
	fluxBinEnv = "IMS_OPERATOR_FLUX_BIN"
	// The notification-controller's identity, as a standard Flux install names it.
	fluxNamespace = "flux-system"
	fluxSA        = "notification-controller"
)

var (
	k8s     client.Client
	scheme  = runtime.NewScheme()
	sim     *imssim.Simulator
	simURL  string
	harness *chaosenv.Cluster
	kubectl string
	// The notification-controller's event server and webhook receiver.
	eventsURL, receiverURL string
	notifier               *childproc.Proc
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
	fluxBin, err := fluxBinaries()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if fluxBin == "" {
		return m.Run()
	}
	root := filepath.Join("..", "..")
	if harness, err = chaosenv.Start(root, assets, scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer harness.Stop()
	k8s = harness.Client
	kubectl = filepath.Join(assets, "kubectl")

	sim = imssim.New(imssim.Options{Credentials: map[string]string{testAK: testSK}, Catalog: []imssim.Image{}})
	server := httptest.NewServer(sim)
	defer server.Close()
	simURL = server.URL

	if err := installFlux(root, fluxBin); err != nil {
		fmt.Fprintln(os.Stderr, "installing the notification-controller's CRDs and RBAC:", err)
		return 1
	}
	logs, err := os.MkdirTemp("", "ims-flux-logs-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(logs)
	if notifier, err = startNotifier(fluxBin, logs); err != nil {
		fmt.Fprintln(os.Stderr, "starting the notification-controller:", err)
		return 1
	}
	defer notifier.Stop(10 * time.Second)
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "notification-controller's log (last 40 lines):\n%s\n", notifier.LogTail(40))
	}
	return code
}

// fluxBinaries is the folder of the notification-controller's binary, CRDs and RBAC, or ""
// when they are not built: then the tests skip, unless the integration tier is required.
func fluxBinaries() (string, error) {
	dir := os.Getenv(fluxBinEnv)
	if dir == "" {
		dir = filepath.Join("..", "..", "bin", "flux")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "notification-controller")); err != nil {
		if os.Getenv(testenv.RequireEnv) != "" {
			return "", fmt.Errorf("%s is set but the notification-controller is not built in %s: run `make notification-controller`", testenv.RequireEnv, dir)
		}
		fmt.Fprintf(os.Stderr, "test/flux skipped: no notification-controller in %s (`make notification-controller` builds it)\n", dir)
		return "", nil
	}
	return dir, nil
}

// cluster skips a test when the suite runs without a control plane or notification-controller.
func cluster(t *testing.T) {
	t.Helper()
	if k8s == nil || notifier == nil {
		t.Skip(testenv.SkipMessage)
	}
}

// kube runs kubectl as the cluster admin, with stdin.
func kube(stdin string, args ...string) (string, error) {
	cmd := exec.Command(kubectl, append([]string{"--kubeconfig=" + harness.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out.String(), nil
}

// apply applies YAML as the cluster admin.
func apply(manifests string) error {
	_, err := kube(manifests, "apply", "--server-side", "--force-conflicts", "-f", "-")
	return err
}

// installFlux applies the notification-controller's CRDs through dist/flux (the way a Flux
// user adds the Component to the flux-system kustomization), its namespace and
// ServiceAccount, and its own ClusterRole bound to that ServiceAccount.
func installFlux(root, fluxBin string) error {
	dir, err := os.MkdirTemp("", "ims-flux-kustomize-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	component, err := filepath.Abs(filepath.Join(root, "dist", "flux"))
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(dir, component)
	if err != nil {
		return err
	}
	crds, err := filepath.Glob(filepath.Join(fluxBin, "crd", "*.yaml"))
	if err != nil || len(crds) == 0 {
		return fmt.Errorf("no CRDs in %s/crd (%v)", fluxBin, err)
	}
	kustomization := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
	for _, crd := range crds {
		b, err := os.ReadFile(crd)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(crd)), b, 0o600); err != nil {
			return err
		}
		kustomization += "- " + filepath.Base(crd) + "\n"
	}
	kustomization += "components:\n- " + rel + "\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kustomization), 0o600); err != nil {
		return err
	}
	rendered, err := kube("", "kustomize", dir)
	if err != nil {
		return err
	}
	role, err := os.ReadFile(filepath.Join(fluxBin, "rbac", "role.yaml"))
	if err != nil {
		return err
	}
	if err := apply(rendered + "\n---\n" + string(role) + "\n---\n" + fluxIdentity); err != nil {
		return err
	}
	_, err = kube("", "wait", "--for=condition=Established", "--timeout=60s",
		"crd/alerts.notification.toolkit.fluxcd.io", "crd/providers.notification.toolkit.fluxcd.io", "crd/receivers.notification.toolkit.fluxcd.io")
	return err
}

// fluxIdentity is the notification-controller's namespace and ServiceAccount, and the binding
// of its own ClusterRole (manager-role, from its module's config/rbac).
const fluxIdentity = `apiVersion: v1
kind: Namespace
metadata: {name: flux-system}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: notification-controller, namespace: flux-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: notification-controller-own-rights}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: manager-role}
subjects:
- {kind: ServiceAccount, name: notification-controller, namespace: flux-system}
`

// startNotifier runs the notification-controller as its ServiceAccount (the admin's
// kubeconfig, impersonating it), so that it has only its own rights and dist/flux's, with its
// event server and receiver on loopback, and waits until the event server answers.
func startNotifier(fluxBin, logs string) (*childproc.Proc, error) {
	cfg, err := clientcmd.LoadFromFile(harness.Kubeconfig)
	if err != nil {
		return nil, err
	}
	for _, user := range cfg.AuthInfos {
		user.Impersonate = "system:serviceaccount:" + fluxNamespace + ":" + fluxSA
	}
	kubeconfig := filepath.Join(logs, "notification-controller.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		return nil, err
	}
	events, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	receiver, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	p, err := childproc.Start("notification-controller", logs, childproc.CleanEnv("KUBECONFIG="+kubeconfig, "RUNTIME_NAMESPACE="+fluxNamespace),
		filepath.Join(fluxBin, "notification-controller"),
		"--events-addr="+events, "--receiverAddr="+receiver, "--metrics-addr=0", "--health-addr=0",
		"--log-level=debug", "--watch-all-namespaces=true")
	if err != nil {
		return nil, err
	}
	eventsURL, receiverURL = "http://"+events+"/", "http://"+receiver
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if resp, err := http.Get(eventsURL); err == nil { // any answer: it listens
			_ = resp.Body.Close()
			return p, nil
		}
		if p.Exited() || time.Now().After(deadline) {
			p.Kill()
			return nil, fmt.Errorf("its event server never answered: %w; log:\n%s", errors.Join(p.Err()), p.LogTail(30))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitFor polls cond every 200ms until it returns nil or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
