package controllers

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/bound"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/promotion"
	"github.com/imagecatalog/ims-operator/internal/selection"
)

// DefaultMaxStatusImages is how many summaries status.images holds when the spec does not say.
const DefaultMaxStatusImages = 100

// recordListing writes a complete sync's matches into the status: the count, the first
// maxStatusImages summaries in the query's sort order, the promotion's decision (candidate,
// latest image and the previous one when it changed, its history, the hold), each variant's
// latest image, and when the next too-young image comes of age. It returns what changed
// about the latest images, for the events.
func recordListing(q *imsv1.ImageQuery, res selection.Result, d promotion.Decision, up *promotion.Upstream, now time.Time) latestNews {
	var summaries []imsv1.ImageSummary
	for _, img := range res.Images[:min(maxStatusImages(q), len(res.Images))] {
		summaries = append(summaries, summary(img))
	}
	q.Status.MatchedImages = int32(len(res.Images))
	q.Status.Images = fitStatusImages(summaries, maxStatusImagesBytes)
	news := latestNews{withdrawn: withdrawn(q.Status.LatestImage, res.Usable), refusal: d.Refusal, promoted: d.Promoted}
	variants := variantsFor(&q.Status, res, d, up) // before latestImage changes: it asks whether it moved
	news.candidate = recordPromotion(&q.Status, d)
	news.changed = recordLatest(&q.Status, d.Latest)
	if l := q.Status.LatestImage; l != nil {
		recordHistory(&q.Status, *l, now)
	}
	news.variants = recordVariants(&q.Status, variants)
	q.Status.NextComingOfAgeTime = nil
	if !res.ComesOfAge.IsZero() {
		// Rounded up: the status keeps whole seconds, and a sync a hair early would find the
		// image still too young.
		t := metav1.NewTime(res.ComesOfAge.Add(time.Second - 1).Truncate(time.Second))
		q.Status.NextComingOfAgeTime = &t
	}
	t := metav1.NewTime(now.Truncate(time.Second))
	q.Status.LastSyncTime = &t
	return news
}

// latestNews is what a sync changed about a query's latest images.
type latestNews struct {
	changed   *latestChange       // the latest image became another one
	withdrawn *imsv1.ImageSummary // the latest image is no longer a usable match
	variants  []variantChange     // a variant's latest image became another one
	candidate *imsv1.ImageSummary // a new candidate that latestImage does not follow
	refusal   string              // why a promote value was refused
	promoted  bool                // a person's promotion moved the latest image
}

// latestChange is a change of latest image to another image ID.
type latestChange struct{ From, To imsv1.ImageSummary }

// variantChange is a change of a variant's latest image to another image ID.
type variantChange struct {
	Variant  string
	From, To imsv1.ImageSummary
}

// withdrawn is the latest image if it is no longer among the usable matches: it left the
// listing, or it is not active or off-shelved any more.
func withdrawn(latest *imsv1.ImageSummary, usable []*ims.Image) *imsv1.ImageSummary {
	if latest == nil {
		return nil
	}
	for _, img := range usable {
		if img.ID == latest.ID {
			return nil
		}
	}
	return latest
}

// recordVariants sets latestImages from the selection's variants, and returns the variants
// whose image changed (a new variant's first pick is not a change).
func recordVariants(st *imsv1.ImageQueryStatus, variants []selection.Variant) []variantChange {
	before := make(map[string]imsv1.ImageSummary, len(st.LatestImages))
	for _, v := range st.LatestImages {
		before[v.Variant] = v.Image
	}
	st.LatestImages = nil
	var changes []variantChange
	for _, v := range variants {
		s := summary(v.Latest)
		st.LatestImages = append(st.LatestImages, imsv1.VariantLatest{Variant: v.Name, Image: s})
		if old, ok := before[v.Name]; ok && old.ID != s.ID {
			changes = append(changes, variantChange{Variant: v.Name, From: old, To: s})
		}
	}
	return changes
}

// recordLatest sets latestImage and keeps previousLatestImage: the image consumers saw before
// the latest one. While nothing matches, latestImage is empty and previousLatestImage holds
// the last latest image (the export keeps its values too), so that the next match is
// announced as a change from it.
func recordLatest(st *imsv1.ImageQueryStatus, img *ims.Image) *latestChange {
	old := st.LatestImage
	if img == nil {
		if old != nil {
			st.PreviousLatestImage = old
		}
		st.LatestImage = nil
		return nil
	}
	s := summary(img)
	st.LatestImage = &s
	seen := old
	if seen == nil {
		seen = st.PreviousLatestImage
	}
	if seen == nil || seen.ID == s.ID {
		return nil // the first pick, the same image, or the same image back
	}
	st.PreviousLatestImage = seen.DeepCopy()
	return &latestChange{From: *seen, To: s}
}

// summary is the short form of an image kept in ImageQuery status.
func summary(img *ims.Image) imsv1.ImageSummary {
	return imsv1.ImageSummary{
		ID:           bound.String(img.ID, 64),
		Name:         bound.String(img.Name, imsv1.MaxShortString),
		Status:       bound.String(img.Status, 32),
		Platform:     bound.String(img.Platform, 64),
		OSVersion:    bound.String(img.OSVersion, imsv1.MaxShortString),
		Architecture: img.Architecture(),
		CreatedAt:    bound.String(img.CreatedAt, 64),
	}
}
