package controllers

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// Events mark state changes only, so that `kubectl describe` tells a story rather than repeat
// every sync: the first sync, a new kind of failure, recovery, images added or removed, and
// images that could not be mirrored.

// Event actions (events.k8s.io): what the operator was doing when it noticed.
const (
	actionSync   = "Sync"
	actionMirror = "Mirror"
)

func (r *ImageQueryReconciler) announceFailure(q *imsv1.ImageQuery, prevReady *metav1.Condition, f *syncFailure) {
	if prevReady == nil || prevReady.Reason != f.Reason {
		r.Recorder.Eventf(q, nil, corev1.EventTypeWarning, f.Reason, actionSync, "%s", truncate(f.Message, 1024))
	}
}

func (r *ImageQueryReconciler) announce(q *imsv1.ImageQuery, prevReady *metav1.Condition, firstSync bool, matched string, m mirrorResult) {
	switch {
	case firstSync:
		r.Recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventSynced, actionSync, "First sync: %s", matched)
	case prevReady != nil && prevReady.Status != metav1.ConditionTrue:
		r.Recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventRecovered, actionSync, "Sync succeeded again: %s", matched)
	}
	if !firstSync && (m.Added > 0 || m.Removed > 0) {
		r.Recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventImagesChanged, actionSync, "%d images added, %d removed", m.Added, m.Removed)
	}
	if len(m.Rejected) > m.Remembered { // some were refused this sync, not just remembered
		r.Recorder.Eventf(q, nil, corev1.EventTypeWarning, imsv1.EventCloudImageRejected, actionMirror,
			"%d CloudImages were refused by the API server, e.g. %s", len(m.Rejected), truncate(m.Rejected[0], 512))
	}
	if len(m.InvalidIDs) > 0 {
		r.Recorder.Eventf(q, nil, corev1.EventTypeWarning, imsv1.EventInvalidImageID, actionMirror,
			"%d images have IDs that are not valid object names and were not mirrored, e.g. %q",
			len(m.InvalidIDs), truncate(m.InvalidIDs[0], 64))
	}
}

// announceLatest says when the latest image changed to another one (old → new, ID and name),
// and, for a query that exports it, when a sync matched nothing: the export keeps its last
// values. That warning comes once per spell of no match, and again after a spec change.
func (r *ImageQueryReconciler) announceLatest(q *imsv1.ImageQuery, change *latestChange, prevLatest *imsv1.ImageSummary, prevReady *metav1.Condition) {
	if change != nil {
		r.Recorder.Eventf(q, nil, corev1.EventTypeNormal, imsv1.EventLatestImageChanged, "Sync",
			"Latest image changed from %s (%s) to %s (%s)", change.From.ID, change.From.Name, change.To.ID, change.To.Name)
	}
	specChanged := prevReady == nil || prevReady.ObservedGeneration != q.Generation
	if q.Status.LatestImage == nil && q.Spec.Export != nil && (prevLatest != nil || specChanged) {
		r.Recorder.Eventf(q, nil, corev1.EventTypeWarning, imsv1.EventNoLatestImage, "Sync",
			"No image matched: ConfigMap %s keeps its last values", q.Spec.Export.ConfigMapName)
	}
}
