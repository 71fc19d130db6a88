package controllers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// The operator's own metrics, served beside controller-runtime's on the manager's metrics
// endpoint. Labels never carry credentials.
var (
	imsRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ims_operator_ims_requests_total",
		Help: "Requests sent to IMS, by outcome: the HTTP status code, or \"error\" when no response came back.",
	}, []string{"outcome"})

	syncDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ims_operator_sync_duration_seconds",
		Help:    "Duration of ImageQuery syncs (listing and mirroring), by result: Synced or the failure reason.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
	}, []string{"result"})

	matchedImages = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ims_operator_matched_images",
		Help: "Images matched by an ImageQuery in its last complete sync.",
	}, []string{"namespace", "name"})
)

func init() {
	metrics.Registry.MustRegister(imsRequests, syncDuration, matchedImages)
}

// InstrumentTransport counts every IMS request by outcome.
func InstrumentTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		outcome := "error"
		if err == nil {
			outcome = strconv.Itoa(resp.StatusCode)
		}
		imsRequests.WithLabelValues(outcome).Inc()
		return resp, err
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func observeSync(d time.Duration, f *syncFailure) {
	result := imsv1.ReasonSynced
	if f != nil {
		result = f.Reason
	}
	syncDuration.WithLabelValues(result).Observe(d.Seconds())
}

func observeMatched(q *imsv1.ImageQuery) {
	matchedImages.WithLabelValues(q.Namespace, q.Name).Set(float64(q.Status.MatchedImages))
}

func forgetQueryMetrics(namespace, name string) {
	matchedImages.DeleteLabelValues(namespace, name)
}
