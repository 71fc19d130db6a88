package controllers

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// The operator's own metrics, served beside controller-runtime's on the manager's metrics
// endpoint. Labels never carry credentials.
var (
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
	metrics.Registry.MustRegister(ims.RequestsTotal, syncDuration, matchedImages)
}

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
