package controllers

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
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

	latestImageInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ims_operator_latest_image_info",
		Help: "1 for the latest image of each ImageQuery that has one (status.latestImage).",
	}, []string{"namespace", "name", "image_id", "image_name"})

	variantLatestImageInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ims_operator_variant_latest_image_info",
		Help: "1 for the latest image of each variant (spec.latestPer) of each ImageQuery (status.latestImages).",
	}, []string{"namespace", "name", "variant", "image_id", "image_name"})

	latestImageCreated = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ims_operator_latest_image_created_timestamp_seconds",
		Help: "createdAt of the latest image of each ImageQuery, in seconds since the epoch.",
	}, []string{"namespace", "name"})

	// The schedule and health of each query, for alerts: a sync overdue by several intervals,
	// a query stalled for a while (config/prometheus/rules.yaml).
	lastSync = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ims_operator_last_sync_timestamp_seconds",
		Help: "When an ImageQuery last synced completely (status.lastSyncTime), in Unix seconds.",
	}, []string{"namespace", "name"})
	refreshInterval = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ims_operator_refresh_interval_seconds",
		Help: "How often an ImageQuery syncs; no series while it is suspended.",
	}, []string{"namespace", "name"})
	stalled = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ims_operator_stalled",
		Help: "1 while an ImageQuery is Stalled (a failure that needs a change), else 0.",
	}, []string{"namespace", "name"})
)

func init() {
	metrics.Registry.MustRegister(ims.RequestsTotal, syncDuration, matchedImages, latestImageInfo, variantLatestImageInfo, latestImageCreated,
		lastSync, refreshInterval, stalled)
}

func observeSync(d time.Duration, f *failure.Error) {
	result := imsv1.ReasonSynced
	if f != nil {
		result = f.Reason
	}
	syncDuration.WithLabelValues(result).Observe(d.Seconds())
}

// queryMetrics publishes each query's series. It remembers the image of each query's info
// series, so that a change swaps the series without a moment in which the query has none.
type queryMetrics struct {
	published sync.Map // types.NamespacedName -> [2]string{id, name}
	variants  sync.Map // types.NamespacedName -> map[[3]string{variant, id, name}]bool
}

func newQueryMetrics() *queryMetrics { return &queryMetrics{} }

// matched publishes how many images q matched in its last complete sync.
func (m *queryMetrics) matched(q *imsv1.ImageQuery) {
	matchedImages.WithLabelValues(q.Namespace, q.Name).Set(float64(q.Status.MatchedImages))
}

// latest publishes q's latest image: one info series per query, the old one deleted when the
// latest image changes (or goes), and its creation time.
func (m *queryMetrics) latest(q *imsv1.ImageQuery) {
	key := types.NamespacedName{Namespace: q.Namespace, Name: q.Name}
	latest := q.Status.LatestImage
	if latest == nil {
		m.forgetLatest(q.Namespace, q.Name)
		return
	}
	latestImageInfo.WithLabelValues(q.Namespace, q.Name, latest.ID, latest.Name).Set(1)
	if old, ok := m.published.Swap(key, [2]string{latest.ID, latest.Name}); ok && old != [2]string{latest.ID, latest.Name} {
		ids := old.([2]string)
		latestImageInfo.DeleteLabelValues(q.Namespace, q.Name, ids[0], ids[1])
	}
	m.variantsOf(q)
	if created, ok := ims.ParseTime(latest.CreatedAt); ok {
		latestImageCreated.WithLabelValues(q.Namespace, q.Name).Set(float64(created.Unix()))
	} else {
		latestImageCreated.DeleteLabelValues(q.Namespace, q.Name)
	}
}

// variantsOf publishes q's variants' latest images, dropping the series of variants whose
// image changed or that are gone.
func (m *queryMetrics) variantsOf(q *imsv1.ImageQuery) {
	key := types.NamespacedName{Namespace: q.Namespace, Name: q.Name}
	now := map[[3]string]bool{}
	for _, v := range q.Status.LatestImages {
		s := [3]string{v.Variant, v.Image.ID, v.Image.Name}
		now[s] = true
		variantLatestImageInfo.WithLabelValues(q.Namespace, q.Name, s[0], s[1], s[2]).Set(1)
	}
	if old, ok := m.variants.Swap(key, now); ok {
		for s := range old.(map[[3]string]bool) {
			if !now[s] {
				variantLatestImageInfo.DeleteLabelValues(q.Namespace, q.Name, s[0], s[1], s[2])
			}
		}
	}
}

func (m *queryMetrics) forgetLatest(namespace, name string) {
	m.published.Delete(types.NamespacedName{Namespace: namespace, Name: name})
	m.variants.Delete(types.NamespacedName{Namespace: namespace, Name: name})
	variantLatestImageInfo.DeletePartialMatch(prometheus.Labels{"namespace": namespace, "name": name})
	query := prometheus.Labels{"namespace": namespace, "name": name}
	latestImageInfo.DeletePartialMatch(query)
	latestImageCreated.DeletePartialMatch(query)
}

// suspended drops the schedule and health of a suspended query: it is not overdue, and not
// stalled, while nobody expects it to sync.
func (m *queryMetrics) suspended(namespace, name string) {
	refreshInterval.DeleteLabelValues(namespace, name)
	stalled.DeleteLabelValues(namespace, name)
}

// forget drops every series of a deleted query.
func (m *queryMetrics) forget(namespace, name string) {
	matchedImages.DeleteLabelValues(namespace, name)
	m.forgetLatest(namespace, name)
	lastSync.DeleteLabelValues(namespace, name)
	m.suspended(namespace, name)
}

// observeStatus records a query's schedule and health after a sync, successful or not.
func observeStatus(q *imsv1.ImageQuery, interval time.Duration) {
	refreshInterval.WithLabelValues(q.Namespace, q.Name).Set(interval.Seconds())
	if q.Status.LastSyncTime != nil {
		lastSync.WithLabelValues(q.Namespace, q.Name).Set(float64(q.Status.LastSyncTime.Unix()))
	}
	s := 0.0
	if meta.IsStatusConditionTrue(q.Status.Conditions, imsv1.ConditionStalled) {
		s = 1
	}
	stalled.WithLabelValues(q.Namespace, q.Name).Set(s)
}
