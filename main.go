// Command manager runs ims-operator: it syncs ImageQueries against Huawei Cloud IMS and
// mirrors the matching images as CloudImages.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/controllers"
	"github.com/imagecatalog/ims-operator/internal/credentials"
	"github.com/imagecatalog/ims-operator/internal/fluxevents"
	"github.com/imagecatalog/ims-operator/internal/guard"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/listing"
	"github.com/imagecatalog/ims-operator/internal/mirror"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(imsv1.AddToScheme(scheme))
}

// options are the manager's flags.
type options struct {
	endpoint, region                   string
	refresh                            time.Duration
	metricsAddr, probeAddr, pprofAddr  string
	leaderElect                        bool
	leaderElectionNS, leaderElectionID string
	namespaceSelector                  string
	secureMetrics                      bool
	qps                                float64
	burst, maxConcurrent               int

	managerCredsEverywhere bool
	allowSecretRefs        bool
	secretNamespaces       []string
	wiIdP, wiAudience      string
	ecsMetadata            bool
	ecsMetadataEndpoint    string
	mirrorWorkers          int
	imsQPS                 float64
	imsBurst               int
	guard                  guard.Config
	eventsAddr             string
	eventsQueue            int
}

func main() {
	var o options
	flag.StringVar(&o.endpoint, "ims-endpoint", "", "One IMS URL for every query, overriding the region's https://ims.{region}.myhuaweicloud.com (private deployments, tests).")
	flag.StringVar(&o.region, "default-region", "cn-north-4", "IMS region of ImageQueries that set no spec.region.")
	flag.DurationVar(&o.refresh, "default-refresh-interval", 10*time.Minute, "Sync interval of ImageQueries that set no spec.refreshInterval (at least 1m).")
	flag.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; 0 disables it.")
	flag.BoolVar(&o.secureMetrics, "metrics-secure", false, "Serve metrics over HTTPS, only to callers allowed to get /metrics (RBAC); config/default turns this on.")
	flag.StringVar(&o.pprofAddr, "pprof-bind-address", "", "Address of Go's /debug/pprof profiles (heap, CPU) for diagnosing the manager; empty (the default) serves none.")
	flag.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz probes.")
	flag.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader, so that only one of several replicas syncs.")
	flag.StringVar(&o.leaderElectionNS, "leader-election-namespace", "", "Namespace of the leader-election Lease; default: the Pod's own namespace in a cluster, else the kubeconfig context's namespace.")
	flag.StringVar(&o.leaderElectionID, "leader-election-id", "", "Name of the leader-election Lease; default: ims-operator.ims.imagecatalog.io, or with --namespace-selector one derived from the selector, so that each shard elects its own leader.")
	flag.StringVar(&o.namespaceSelector, "namespace-selector", "", "Sync only the namespaces whose labels match this label selector (e.g. shard=a), for running several managers on disjoint sets of namespaces; a namespace whose labels change is taken up or left at once. Empty (the default): every namespace.")
	flag.Float64Var(&o.qps, "kube-api-qps", 500, "Queries per second to the Kubernetes API server (API Priority and Fairness queues them fairly with other clients).")
	flag.IntVar(&o.burst, "kube-api-burst", 1000, "Burst of queries to the Kubernetes API server.")
	flag.IntVar(&o.mirrorWorkers, "mirror-workers", mirror.DefaultMirrorWorkers, "CloudImage writes one ImageQuery sync has in flight at once.")
	flag.Float64Var(&o.imsQPS, "ims-qps", listing.DefaultIMSQPS, "Most IMS requests per second for one set of credentials at one endpoint, shared by every query using them; 0 means no limit.")
	flag.IntVar(&o.imsBurst, "ims-burst", listing.DefaultIMSBurst, "IMS requests one set of credentials may send at once before --ims-qps paces them.")
	flag.Float64Var(&o.guard.Ratio, "deletion-guard-ratio", guard.Default.Ratio, "A listing that would remove more than this share of a query's CloudImages (and more than --deletion-guard-min-removals) is confirmed by a later listing before anything changes; 1 turns the guard off.")
	flag.DurationVar(&o.guard.Delay, "deletion-guard-delay", guard.Default.Delay, "A large removal (see --deletion-guard-ratio) is applied only when a listing taken at least this long after the first still shows it; until then nothing is removed (Ready reason RemovalPending). 0 confirms with a second listing at once.")
	flag.IntVar(&o.guard.MinRemovals, "deletion-guard-min-removals", guard.Default.MinRemovals, "Removals up to this many are applied without a second listing, whatever their share.")
	flag.IntVar(&o.maxConcurrent, "max-concurrent-reconciles", 2, "ImageQueries (and CloudImages) reconciled at once.")
	flag.BoolVar(&o.managerCredsEverywhere, "manager-credentials-in-all-namespaces", false, "Let ImageQueries in every namespace use the manager's own credentials; by default only namespaces labelled ims.imagecatalog.io/manager-credentials=allowed may.")
	flag.BoolVar(&o.allowSecretRefs, "allow-credentials-secret-ref", true, "Honour spec.credentialsSecretRef; false (the keyless install) reads no Secrets at all and stalls queries that name one.")
	flag.Func("credentials-secret-namespaces", "Comma-separated namespaces whose Secrets ImageQueries may name in credentialsSecretRef: the manager reads and watches Secrets only there (the chart's Roles allow no more); a query elsewhere that names one stalls. Empty (the default): every namespace.", func(v string) error {
		for _, ns := range strings.Split(v, ",") {
			if ns = strings.TrimSpace(ns); ns != "" {
				o.secretNamespaces = append(o.secretNamespaces, ns)
			}
		}
		return nil
	})
	flag.StringVar(&o.wiIdP, "workload-identity-idp-id", "", "IAM identity provider that exchanges ServiceAccount tokens for spec.serviceAccountName.")
	flag.StringVar(&o.wiAudience, "workload-identity-audience", "", "Audience of the ServiceAccount tokens requested for spec.serviceAccountName (the identity provider's client ID).")
	flag.BoolVar(&o.ecsMetadata, "ecs-metadata-credentials", false, "Use the ECS metadata service's agency credentials when the environment has none (every pod on the node shares the agency).")
	flag.StringVar(&o.ecsMetadataEndpoint, "ecs-metadata-endpoint", ims.DefaultMetadataEndpoint, "The ECS metadata service for --ecs-metadata-credentials.")
	flag.StringVar(&o.eventsAddr, "events-addr", "", "URL that every ImageQuery event is also posted to, in Flux's event format (Flux's notification-controller: http://notification-controller.flux-system.svc.cluster.local./); empty (the default) posts none.")
	flag.IntVar(&o.eventsQueue, "events-queue-size", fluxevents.DefaultQueueSize, "Events for --events-addr held while one is posted; when the queue is full (the receiver is down or slow) further events are dropped and counted (ims_operator_events_dropped_total).")
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	if err := run(o); err != nil {
		ctrl.Log.WithName("setup").Error(err, "manager stopped")
		os.Exit(1)
	}
}

// flagValue is the value of a flag that a library registered (controller-runtime's --kubeconfig).
func flagValue(name string) string {
	if f := flag.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
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
	if (o.wiIdP == "") != (o.wiAudience == "") {
		return fmt.Errorf("--workload-identity-idp-id and --workload-identity-audience go together")
	}
	if o.guard.Ratio < 0 || o.guard.Ratio > 1 || o.guard.MinRemovals < 0 || o.guard.Delay < 0 {
		return fmt.Errorf("--deletion-guard-ratio must be within [0, 1], --deletion-guard-min-removals and --deletion-guard-delay at least 0")
	}
	if o.maxConcurrent < 1 {
		return fmt.Errorf("--max-concurrent-reconciles must be at least 1, got %d", o.maxConcurrent)
	}
	if o.imsQPS < 0 || o.imsBurst < 1 {
		return fmt.Errorf("--ims-qps must be at least 0 and --ims-burst at least 1, got %g and %d", o.imsQPS, o.imsBurst)
	}
	if len(o.secretNamespaces) > 0 && !o.allowSecretRefs {
		return fmt.Errorf("--credentials-secret-namespaces names where Secrets are read, but --allow-credentials-secret-ref=false reads none")
	}
	if o.eventsQueue < 1 {
		return fmt.Errorf("--events-queue-size must be at least 1, got %d", o.eventsQueue)
	}
	if o.mirrorWorkers < 1 {
		return fmt.Errorf("--mirror-workers must be at least 1, got %d", o.mirrorWorkers)
	}
	shardSelector, err := labels.Parse(o.namespaceSelector)
	if err != nil {
		return fmt.Errorf("--namespace-selector: %w", err)
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
		Cache:                  controllers.CacheOptions(o.secretNamespaces),
		Metrics:                metrics,
		HealthProbeBindAddress: o.probeAddr,
		PprofBindAddress:       o.pprofAddr,
		LeaderElection:         o.leaderElect,
		LeaderElectionID:       leaderElectionID(o.leaderElectionID, shardSelector),
		LeaderElectionNamespace: leaderElectionNamespace(o.leaderElectionNS, inClusterNamespaceFile,
			flagValue("kubeconfig")),
		// Stop quickly on SIGTERM: in-flight IMS calls are cancelled with the context.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}

	httpClient := ims.NewHTTPClient()
	httpClient.Transport = ims.InstrumentTransport(httpClient.Transport)
	endpoints, err := ims.NewEndpoints(os.Getenv)
	if err != nil {
		return err
	}
	creds := credentialSettings(o)
	queryEvents, err := eventRecorder(mgr, o.eventsAddr, o.eventsQueue)
	if err != nil {
		return err
	}
	shard := controllers.NewShard(mgr.GetClient(), shardSelector)
	queries := controllers.NewImageQueryReconciler(controllers.ImageQueryConfig{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  queryEvents,
		Clock:     clock.RealClock{},
		Cloud: listing.Cloud{
			Endpoint:      o.endpoint,
			DefaultRegion: o.region,
			Endpoints:     endpoints,
			HTTPClient:    httpClient,
			NewClient:     listing.NewImageClient,
		},
		DefaultRefreshInterval: o.refresh,
		Credentials:            creds,
		Listings:               &listing.Listings{QPS: o.imsQPS, Burst: o.imsBurst, Window: listing.DefaultListingWindow},
		MirrorWorkers:          o.mirrorWorkers,
		Guard:                  o.guard,
		Shard:                  shard,
	})
	if err := queries.SetupWithManager(mgr, o.maxConcurrent); err != nil {
		return fmt.Errorf("setting up the ImageQuery controller: %w", err)
	}
	images := &controllers.CloudImageReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Shard: shard}
	if err := images.SetupWithManager(mgr, o.maxConcurrent); err != nil {
		return fmt.Errorf("setting up the CloudImage controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	// /readyz: each controller's SetupWithManager adds a check that its informers have synced.
	ctrl.Log.WithName("setup").Info("starting manager", "imsEndpoint", o.endpoint, "defaultRegion", o.region,
		"managerCredentials", creds.ManagerSource, "managerCredentialsInAllNamespaces", o.managerCredsEverywhere,
		"credentialsSecretRef", o.allowSecretRefs, "workloadIdentity", creds.WorkloadIdentity != nil,
		"eventsForwarded", o.eventsAddr != "", "namespaceSelector", shardSelector.String())
	return mgr.Start(ctrl.SetupSignalHandler())
}

// eventRecorder is the ImageQuery controller's event recorder: the manager's, and with
// --events-addr one that also posts each event to that address (a Runnable of the manager).
func eventRecorder(mgr ctrl.Manager, eventsAddr string, queue int) (recorder.EventRecorder, error) {
	r := mgr.GetEventRecorder(ims.UserAgent)
	if eventsAddr == "" {
		return r, nil
	}
	f, err := fluxevents.New(fluxevents.Config{
		Address:    eventsAddr,
		Controller: ims.UserAgent,
		Scheme:     mgr.GetScheme(),
		Revision:   fluxevents.ImageQueryRevision,
		Log:        ctrl.Log.WithName("events"),
		QueueSize:  queue,
	})
	if err != nil {
		return nil, err
	}
	if err := mgr.Add(f); err != nil {
		return nil, err
	}
	return f.Wrap(r), nil
}

// credentialSettings builds the credential chain and policies from the flags and the
// environment. The IAM and metadata calls go through their own HTTP client: the IMS one
// counts IMS requests.
func credentialSettings(o options) credentials.Settings {
	manager, source := ims.ManagerChain(os.Getenv, ims.ChainOptions{
		ECSMetadata:      o.ecsMetadata,
		MetadataEndpoint: o.ecsMetadataEndpoint,
	})
	s := credentials.Settings{
		Manager:                manager,
		ManagerSource:          source,
		ManagerInAllNamespaces: o.managerCredsEverywhere,
		SecretRefsDisabled:     !o.allowSecretRefs,
		SecretNamespaces:       o.secretNamespaces,
	}
	if o.wiIdP != "" {
		s.WorkloadIdentity = &credentials.WorkloadIdentity{
			IdPID:       o.wiIdP,
			Audience:    o.wiAudience,
			IAMEndpoint: os.Getenv("HUAWEICLOUD_SDK_IAM_ENDPOINT"),
			ProjectID:   os.Getenv("HUAWEICLOUD_SDK_PROJECT_ID"),
		}
	}
	return s
}
