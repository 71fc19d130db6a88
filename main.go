// Command manager runs ims-operator: it syncs ImageQueries against Huawei Cloud IMS and
// mirrors the matching images as CloudImages.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/controllers"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(imsv1.AddToScheme(scheme))
}

func main() {
	var (
		endpoint, region       string
		refresh                time.Duration
		metricsAddr, probeAddr string
		leaderElect            bool
		qps                    float64
		burst, maxConcurrent   int
	)
	flag.StringVar(&endpoint, "ims-endpoint", "", "One IMS URL for every query, overriding the region's https://ims.{region}.myhuaweicloud.com (private deployments, tests).")
	flag.StringVar(&region, "default-region", "cn-north-4", "IMS region of ImageQueries that set no spec.region.")
	flag.DurationVar(&refresh, "default-refresh-interval", 10*time.Minute, "Sync interval of ImageQueries that set no spec.refreshInterval (at least 1m).")
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; 0 disables it.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz probes.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader, so that only one of several replicas syncs.")
	flag.Float64Var(&qps, "kube-api-qps", 50, "Queries per second to the Kubernetes API server.")
	flag.IntVar(&burst, "kube-api-burst", 100, "Burst of queries to the Kubernetes API server.")
	flag.IntVar(&maxConcurrent, "max-concurrent-reconciles", 2, "ImageQueries (and CloudImages) reconciled at once.")
	opts := zap.Options{Development: false}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")

	if err := run(endpoint, region, refresh, metricsAddr, probeAddr, leaderElect, qps, burst, maxConcurrent); err != nil {
		log.Error(err, "manager stopped")
		os.Exit(1)
	}
}

func run(endpoint, region string, refresh time.Duration, metricsAddr, probeAddr string,
	leaderElect bool, qps float64, burst, maxConcurrent int) error {
	if refresh < time.Minute {
		return fmt.Errorf("--default-refresh-interval must be at least 1m, got %s", refresh)
	}
	if endpoint != "" {
		// Fail fast on a bad --ims-endpoint rather than fail every query later.
		if _, err := ims.New(ims.Config{Endpoint: endpoint, Credentials: ims.Credentials{Token: "startup-check"}}); err != nil {
			return fmt.Errorf("--ims-endpoint: %w", err)
		}
	}
	if maxConcurrent < 1 {
		return fmt.Errorf("--max-concurrent-reconciles must be at least 1, got %d", maxConcurrent)
	}
	cfg := ctrl.GetConfigOrDie()
	cfg.QPS, cfg.Burst = float32(qps), burst
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cache.Options{DefaultTransform: controllers.CacheTransform},
		Metrics:                metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         leaderElect,
		LeaderElectionID:       "ims-operator.ims.imagecatalog.io",
		// Stop quickly on SIGTERM: in-flight IMS calls are cancelled with the context.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}

	httpClient := ims.NewHTTPClient()
	httpClient.Transport = controllers.InstrumentTransport(httpClient.Transport)
	queries := &controllers.ImageQueryReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("ims-operator"),
		Clock:     clock.RealClock{},
		IMS: controllers.IMSSettings{
			Endpoint:               endpoint,
			DefaultRegion:          region,
			DefaultRefreshInterval: refresh,
			Credentials:            ims.CredentialsFromEnv(),
			HTTPClient:             httpClient,
		},
		NewLister: controllers.NewIMSLister,
	}
	if err := queries.SetupWithManager(mgr, maxConcurrent); err != nil {
		return fmt.Errorf("setting up the ImageQuery controller: %w", err)
	}
	images := &controllers.CloudImageReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader()}
	if err := images.SetupWithManager(mgr, maxConcurrent); err != nil {
		return fmt.Errorf("setting up the CloudImage controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	ctrl.Log.WithName("setup").Info("starting manager", "imsEndpoint", endpoint, "defaultRegion", region)
	return mgr.Start(ctrl.SetupSignalHandler())
}
