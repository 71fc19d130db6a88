// Package node runs the operator the way users run it: its image, pushed by `make image-push`,
// as Pods that a real kubelet starts (internal/testnode), installed by the chart. `make
// test-node` runs these tests; they need root, bin/k8s and bin/node, and skip without
// IMS_OPERATOR_NODE_BIN (they fail instead when IMS_OPERATOR_REQUIRE_NODE is set).
package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imagecatalog/ims-operator/internal/testnode"
)

const (
	nodeBinEnv     = "IMS_OPERATOR_NODE_BIN"
	requireNodeEnv = "IMS_OPERATOR_REQUIRE_NODE"
	// keepEnv keeps the run's folder (every component's log, the Pods' logs) after a pass too.
	keepEnv = "IMS_OPERATOR_NODE_KEEP"
)

// root is the repository, from this package's folder.
const root = "../.."

// node is the node of every test in this package, started once: it takes about a minute.
var node *testnode.Node

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	nodeBin := os.Getenv(nodeBinEnv)
	if nodeBin == "" {
		if os.Getenv(requireNodeEnv) != "" {
			fmt.Fprintf(os.Stderr, "%s is set but %s is not: the node tests would be skipped\n", requireNodeEnv, nodeBinEnv)
			return 1
		}
		return m.Run() // every test skips
	}
	controlPlane := os.Getenv("KUBEBUILDER_ASSETS")
	repo, err := filepath.Abs(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "ims-node-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	start := time.Now()
	node, err = testnode.Start(context.Background(), testnode.Options{
		RepoDir: repo, ControlPlaneDir: abs(controlPlane), NodeDir: abs(nodeBin), Dir: dir,
		Logf: func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) },
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting the node: %v\nlogs: %s\n", err, filepath.Join(dir, "logs"))
		return 1
	}
	fmt.Fprintf(os.Stderr, "node %s started in %s; logs in %s\n", node.Name, time.Since(start).Round(time.Second), node.LogDir)
	code := m.Run()
	if err := node.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping the node: %v\n", err)
		code = 1
	}
	if code == 0 && os.Getenv(keepEnv) == "" {
		_ = os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "the node's folder is kept: %s (logs/: kubelet, containerd, kube-apiserver, ...; pod-logs/: the Pods')\n", dir)
	}
	return code
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// needNode skips (or, under `make test-node`, fails) a test when no node runs.
func needNode(t testing.TB) *testnode.Node {
	t.Helper()
	if node == nil {
		if os.Getenv(requireNodeEnv) != "" {
			t.Fatal("the node did not start")
		}
		t.Skipf("node test skipped: %s is unset (`make test-node` sets it)", nodeBinEnv)
	}
	return node
}
