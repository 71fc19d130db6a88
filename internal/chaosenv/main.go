package chaosenv

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
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/testenv"
)

// Suite is what a test package of this harness works with: its cluster, the scheme its
// client knows (Kubernetes' own types and the operator's), and the IMS simulator served on
// loopback at SimURL.
type Suite struct {
	Cluster *Cluster
	Scheme  *runtime.Scheme
	Sim     *imssim.Simulator
	SimURL  string
}

// Main is a test package's TestMain: it starts a cluster (the manager built from the module
// two folders up, as test/<package> is) and a simulator with sim, hands them to use, runs the
// tests and stops everything. Without control-plane assets use gets nil and the tests run
// alone (they skip). It returns the exit code.
func Main(m *testing.M, sim imssim.Options, use func(*Suite)) int {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.DPanicLevel)))
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(imsv1.AddToScheme(scheme))
	assets, err := testenv.Assets()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if assets == "" {
		use(nil)
		return m.Run()
	}
	s := &Suite{Scheme: scheme, Sim: imssim.New(sim)}
	if s.Cluster, err = Start(filepath.Join("..", ".."), assets, scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Cluster.Stop()
	server := httptest.NewServer(s.Sim)
	defer server.Close()
	s.SimURL = server.URL
	use(s)
	return m.Run()
}
