// Command manager runs ims-operator: it syncs ImageQueries against Huawei Cloud IMS and
// mirrors the matching images as CloudImages.
package main

import (
	"crypto/tls"
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
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
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

// options are the manager's flags.
type options struct {
	endpoint, region       string
	refresh                time.Duration
	metricsAddr, probeAddr string
	leaderElect            bool
	secureMetrics          bool
	qps                    float64
	burst, maxConcurrent   int
}

func main() {
	var o options
	flag.StringVar(&o.endpoint, "ims-endpoint", "", "One IMS URL for every query, overriding the region's https://ims.{region}.myhuaweicloud.com (private deployments, tests).")
	flag.StringVar(&o.region, "default-region", "cn-north-4", "IMS region of ImageQueries that set no spec.region.")
	flag.DurationVar(&o.refresh, "default-refresh-interval", 10*time.Minute, "Sync interval of ImageQueries that set no spec.refreshInterval (at least 1m).")
	flag.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; 0 disables it.")
	flag.BoolVar(&o.secureMetrics, "metrics-secure", false, "Serve metrics over HTTPS, only to callers allowed to get /metrics (RBAC); config/default turns this on.")
	flag.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz probes.")
	flag.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader, so that only one of several replicas syncs.")
	flag.Float64Var(&o.qps, "kube-api-qps", 50, "Queries per second to the Kubernetes API server.")
	flag.IntVar(&o.burst, "kube-api-burst", 100, "Burst of queries to the Kubernetes API server.")
	flag.IntVar(&o.maxConcurrent, "max-concurrent-reconciles", 2, "ImageQueries (and CloudImages) reconciled at once.")
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	if err := run(o); err != nil {
		ctrl.Log.WithName("setup").Error(err, "manager stopped")
		os.Exit(1)
	}
}

func run(o options) error {
	if o.refresh < time.Minute {
		return fmt.Errorf("--default-refresh-interval must be at least 1m, got %s", o.refresh)
	}
	if o.endpoint != "" {
		// Fail fast on a bad --ims-endpoint rather than fail every query later.
		if _, err := ims.New(ims.Config{Endpoint: o.endpoint, Credentials: ims.Credentials{Token: "startup-check"}}); err != nil {
			return fmt.Errorf("--ims-endpoint: %w", err)
		}
	}
	if o.maxConcurrent < 1 {
		return fmt.Errorf("--max-concurrent-reconciles must be at least 1, got %d", o.maxConcurrent)
	}
	cfg := ctrl.GetConfigOrDie()
	cfg.QPS, cfg.Burst = float32(o.qps), o.burst
	metrics := metricsserver.Options{
		BindAddress:   o.metricsAddr,
		SecureServing: o.secureMetrics,
		// HTTP/2 stays off: it is exposed to the HTTP/2 Stream Cancellation and Rapid Reset CVEs.
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }},
	}
	if o.secureMetrics {
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cache.Options{DefaultTransform: controllers.CacheTransform},
		Metrics:                metrics,
		HealthProbeBindAddress: o.probeAddr,
		LeaderElection:         o.leaderElect,
		LeaderElectionID:       "ims-operator.ims.imagecatalog.io",
		// Stop quickly on SIGTERM: in-flight IMS calls are cancelled with the context.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}

	httpClient := ims.NewHTTPClient()
	httpClient.Transport = ims.InstrumentTransport(httpClient.Transport)
	queries := &controllers.ImageQueryReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("ims-operator"),
		Clock:     clock.RealClock{},
		IMS: controllers.IMSSettings{
			Endpoint:               o.endpoint,
			DefaultRegion:          o.region,
			DefaultRefreshInterval: o.refresh,
			Credentials:            ims.CredentialsFromEnv(),
			HTTPClient:             httpClient,
		},
		NewImageClient: controllers.NewImageClient,
	}
	if err := queries.SetupWithManager(mgr, o.maxConcurrent); err != nil {
		return fmt.Errorf("setting up the ImageQuery controller: %w", err)
	}
	images := &controllers.CloudImageReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader()}
	if err := images.SetupWithManager(mgr, o.maxConcurrent); err != nil {
		return fmt.Errorf("setting up the CloudImage controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	ctrl.Log.WithName("setup").Info("starting manager", "imsEndpoint", o.endpoint, "defaultRegion", o.region)
	return mgr.Start(ctrl.SetupSignalHandler())
}
