package controllers

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// DefaultMaxStatusImages is how many summaries status.images holds when the spec does not say.
const DefaultMaxStatusImages = 100

// recordListing writes a complete listing into the status: the count, the first
// maxStatusImages summaries in the query's sort order, and the newest image.
func recordListing(q *imsv1.ImageQuery, images []*ims.Image, now time.Time) {
	limit := DefaultMaxStatusImages
	if q.Spec.MaxStatusImages != nil {
		limit = int(*q.Spec.MaxStatusImages)
	}
	var summaries []imsv1.ImageSummary
	for _, img := range images[:min(limit, len(images))] {
		summaries = append(summaries, summary(img))
	}
	q.Status.MatchedImages = int32(len(images))
	q.Status.Images = summaries
	q.Status.LatestImage = nil
	if latest := newest(images); latest != nil {
		s := summary(latest)
		q.Status.LatestImage = &s
	}
	t := metav1.NewTime(now.Truncate(time.Second))
	q.Status.LastSyncTime = &t
}

func parseIMSTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
