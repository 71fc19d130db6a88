// Package soak is the chaos soak (`make soak`, and its short form in `make test`): 50
// ImageQueries over 10 namespaces against the IMS simulator, with the catalog churning, IMS
// faults, kube-apiserver restarts, etcd pauses and the manager killed with SIGKILL, all at
// random moments from a printed seed, while an auditor watches every write and checks the
// invariants users rely on (invariants_test.go). It runs on a control plane of its own
// (real etcd and kube-apiserver from bin/k8s) with the manager binary built from this
// repository.
package soak

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/chaosenv"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/testenv"
)

var (
	cluster *chaosenv.Cluster
	k8s     client.Client
	cfg     *rest.Config
	scheme  = runtime.NewScheme()
	sim     *imssim.Simulator
	simURL  string
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
		return m.Run() // the soak skips (see TestSoak)
	}
	if cluster, err = chaosenv.Start(filepath.Join("..", ".."), assets, scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cluster.Stop()
	k8s, cfg = cluster.Client, cluster.Config

	sim = imssim.New(imssim.Options{
		Catalog:           imssim.GenerateCatalog(catalogSize, 20),
		IdentityProviders: []imssim.IdentityProvider{{ID: idpID, Audience: audience}},
		// Temporary credentials that expire during the soak, so that the keyless tenants
		// go back to IAM now and then.
		CredentialLifetime: 5 * time.Minute,
	})
	server := httptest.NewServer(sim)
	defer server.Close()
	simURL = server.URL
	return m.Run()
}
