package controllers

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"sigs.k8s.io/controller-runtime/pkg/recorder"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/bound"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/mirror"
)

// Events mark state changes only, so that `kubectl describe` tells a story rather than repeat
// every sync: the first sync, a new kind of failure, recovery, images added or removed, and
// images that could not be mirrored.

// Event actions (events.k8s.io): what the operator was doing when it noticed.
const (
	actionSync    = "Sync"
	actionMirror  = "Mirror"
	actionPromote = "Promote"
)

// announcer records an ImageQuery's events.
type announcer struct {
	recorder recorder.EventRecorder
}

// failed says a sync failed, once per kind of failure.
func (a announcer) failed(q *imsv1.ImageQuery, prevReady *metav1.Condition, f *failure.Error) {
	if prevReady == nil || prevReady.Reason != f.Reason {
		a.recorder.Eventf(q, nil, corev1.EventTypeWarning, f.Reason, actionSync, "%s", bound.String(f.Message, 1024))
	}
}

// synced tells the story of a complete sync: the first one, a recovery, images added or
// removed, images that could not be mirrored.
func (a announcer) synced(q *imsv1.ImageQuery, prevReady *metav1.Condition, firstSync bool, matched string, m mirror.Result) {
	switch {
	case firstSync:
		a.recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventSynced, actionSync, "First sync: %s", matched)
	case prevReady != nil && prevReady.Status != metav1.ConditionTrue:
		a.recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventRecovered, actionSync, "Sync succeeded again: %s", matched)
	}
	if !firstSync && (m.Added > 0 || m.Removed > 0) {
		a.recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventImagesChanged, actionSync, "%d images added, %d removed", m.Added, m.Removed)
	}
	if len(m.Rejected) > m.Remembered { // some were refused this sync, not just remembered
		a.recorder.Eventf(q, nil, corev1.EventTypeWarning, imsv1.EventCloudImageRejected, actionMirror,
			"%d CloudImages were refused by the API server, e.g. %s", len(m.Rejected), bound.String(m.Rejected[0], 512))
	}
	if len(m.InvalidIDs) > 0 {
		a.recorder.Eventf(q, nil, corev1.EventTypeWarning, imsv1.EventInvalidImageID, actionMirror,
			"%d images have IDs that are not valid object names and were not mirrored, e.g. %q",
			len(m.InvalidIDs), bound.String(m.InvalidIDs[0], 64))
	}
}

// latest says when the latest image was withdrawn (it left the usable matches), when it or a
// variant's changed to another image (old → new, ID and name), and, for a query that exports
// it, when a sync has no latest image: the export keeps its last values. That warning comes
// once per spell without one, and again after a spec change.
func (a announcer) latest(q *imsv1.ImageQuery, news latestNews, prevLatest *imsv1.ImageSummary, prevReady *metav1.Condition) {
	if w := news.withdrawn; w != nil {
		a.recorder.Eventf(q, nil, corev1.EventTypeWarning, imsv1.EventLatestImageWithdrawn, actionSync,
			"Latest image %s (%s) is no longer a usable match (gone, not active, or off-shelved)", w.ID, w.Name)
	}
	how := ""
	if news.promoted {
		how = " (promoted with " + imsv1.PromoteAnnotation + ")"
	}
	switch l := q.Status.LatestImage; {
	case news.changed != nil:
		c := news.changed
		a.recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventLatestImageChanged, actionSync,
			"Latest image changed from %s (%s) to %s (%s)%s", c.From.ID, c.From.Name, c.To.ID, c.To.Name, how)
	case news.promoted && l != nil && (prevLatest == nil || prevLatest.ID != l.ID):
		// A person's first promotion (or of the image it had before a spell without one) is
		// news too: it is what a Manual query's consumers wait for.
		a.recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventLatestImageChanged, actionSync,
			"Latest image set to %s (%s)%s", l.ID, l.Name, how)
	}
	for _, c := range news.variants {
		a.recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventLatestImageChanged, actionSync,
			"Latest image of variant %s changed from %s (%s) to %s (%s)", c.Variant, c.From.ID, c.From.Name, c.To.ID, c.To.Name)
	}
	specChanged := prevReady == nil || prevReady.ObservedGeneration != q.Generation
	if q.Status.LatestImage == nil && q.Spec.Export != nil && (prevLatest != nil || specChanged) {
		a.recorder.Eventf(q, nil, corev1.EventTypeWarning, imsv1.EventNoLatestImage, actionSync,
			"No usable image matched: ConfigMap %s keeps its last values", q.Spec.Export.ConfigMapName)
	}
}

// allowListTruncated warns that the export's allow list holds only the first 1000 of the
// usable matches, in latestBy order.
func (a announcer) allowListTruncated(q *imsv1.ImageQuery, usable int) {
	a.recorder.Eventf(q, nil, corev1.EventTypeWarning, imsv1.EventAllowListTruncated, actionSync,
		"%d usable images matched; ConfigMap %s's allowedImageIDs holds the first 1000 in latestBy order", usable, q.Spec.Export.ConfigMapName)
}

// promotion says what a sync made of a person's promote value (refused: why) and of a new
// candidate that the latest image does not follow (Manual, or held).
func (a announcer) promotion(q *imsv1.ImageQuery, news latestNews) {
	if news.refusal != "" {
		a.promotionRefused(q, news.refusal)
	}
	if c := news.candidate; c != nil {
		stays := "none"
		if l := q.Status.LatestImage; l != nil {
			stays = l.ID + " (" + l.Name + ")"
		}
		a.recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventCandidateImageAvailable, actionPromote,
			"Candidate image %s (%s) is available; the latest image stays %s until promoted (annotation %s: %s or latest)",
			c.ID, c.Name, stays, imsv1.PromoteAnnotation, c.ID)
	}
}

// promotionRefused says why a promote value changed nothing, once per value (the caller
// records it as handled).
func (a announcer) promotionRefused(q *imsv1.ImageQuery, why string) {
	a.recorder.Eventf(q, nil, corev1.EventTypeWarning, imsv1.EventPromotionRefused, actionPromote, "%s", bound.String(why, 1024))
}
