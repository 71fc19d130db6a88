package controllers

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/bound"
	"github.com/imagecatalog/ims-operator/internal/failure"
)

// setCondition is the one place conditions are written: it stamps the generation the
// condition describes, and keeps lastTransitionTime when the status did not flip.
func setCondition(q *imsv1.ImageQuery, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&q.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            bound.String(message, 1024),
		ObservedGeneration: q.Generation,
	})
}

// markProgressing says a first sync is under way (kstatus: InProgress).
func markProgressing(q *imsv1.ImageQuery) {
	setCondition(q, imsv1.ConditionReady, metav1.ConditionUnknown, imsv1.ReasonProgressing, "Listing images from IMS")
	setCondition(q, imsv1.ConditionReconciling, metav1.ConditionTrue, imsv1.ReasonProgressing, "Listing images from IMS")
}

// markSynced records a complete sync (kstatus: Current).
func markSynced(q *imsv1.ImageQuery, message string) {
	setCondition(q, imsv1.ConditionReady, metav1.ConditionTrue, imsv1.ReasonSynced, message)
	meta.RemoveStatusCondition(&q.Status.Conditions, imsv1.ConditionReconciling)
	meta.RemoveStatusCondition(&q.Status.Conditions, imsv1.ConditionStalled)
	q.Status.ObservedGeneration = q.Generation
}

// markLatest says whether a usable image was chosen as latestImage: LatestImageReady. Ready
// says only whether the last sync succeeded; a query whose matches are all queued, saving or
// withdrawn syncs fine and has nothing to boot.
func markLatest(q *imsv1.ImageQuery) {
	if l := q.Status.LatestImage; l != nil {
		setCondition(q, imsv1.ConditionLatestImageReady, metav1.ConditionTrue, imsv1.ReasonLatestImageChosen,
			fmt.Sprintf("latest image %s (%s)", l.ID, l.Name))
		return
	}
	if c := q.Status.CandidateImage; c != nil {
		setCondition(q, imsv1.ConditionLatestImageReady, metav1.ConditionFalse, imsv1.ReasonAwaitingPromotion,
			fmt.Sprintf("no image is promoted: candidate %s (%s) waits for annotation %s", c.ID, c.Name, imsv1.PromoteAnnotation))
		return
	}
	if q.Spec.Promotion != nil && q.Spec.Promotion.From != nil && q.Status.MatchedImages > 0 {
		setCondition(q, imsv1.ConditionLatestImageReady, metav1.ConditionFalse, imsv1.ReasonAwaitingPromotion,
			"no candidate yet: the upstream's latest image has not soaked (spec.promotion.minSoak) or is not a usable match here")
		return
	}
	setCondition(q, imsv1.ConditionLatestImageReady, metav1.ConditionFalse, imsv1.ReasonNoUsableImage,
		fmt.Sprintf("none of the %d matched images is usable (active and not off-shelved)", q.Status.MatchedImages))
}

// markRemovalPending records a sync that changed nothing because a large removal waits for
// its confirming listing: Ready stays True (the last good sync's status stands), the reason
// and message say what waits (kstatus: Current).
func markRemovalPending(q *imsv1.ImageQuery, message string) {
	setCondition(q, imsv1.ConditionReady, metav1.ConditionTrue, imsv1.ReasonRemovalPending, message)
	meta.RemoveStatusCondition(&q.Status.Conditions, imsv1.ConditionReconciling)
	meta.RemoveStatusCondition(&q.Status.Conditions, imsv1.ConditionStalled)
	q.Status.ObservedGeneration = q.Generation
}

// markFailed records a failed sync. A terminal failure (kstatus: Failed) needs a change by the
// user; a transient one (kstatus: InProgress) is being retried.
func markFailed(q *imsv1.ImageQuery, f *failure.Error) {
	setCondition(q, imsv1.ConditionReady, metav1.ConditionFalse, f.Reason, f.Message)
	if f.Terminal {
		setCondition(q, imsv1.ConditionStalled, metav1.ConditionTrue, f.Reason, f.Message)
		meta.RemoveStatusCondition(&q.Status.Conditions, imsv1.ConditionReconciling)
	} else {
		setCondition(q, imsv1.ConditionReconciling, metav1.ConditionTrue, imsv1.ReasonRetryingAfterError, f.Message)
		meta.RemoveStatusCondition(&q.Status.Conditions, imsv1.ConditionStalled)
	}
	q.Status.ObservedGeneration = q.Generation
}
