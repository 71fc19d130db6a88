package controllers

import (
	"slices"
	"testing"
	"time"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/promotion"
	"github.com/imagecatalog/ims-operator/internal/selection"
)

// A sync's selection with an overall latest image and an arm and an x86 one.
func variantSync(overall, arm, x86 *ims.Image) selection.Result {
	return selection.Result{Images: []*ims.Image{overall, arm, x86}, Usable: []*ims.Image{overall, arm, x86}, Latest: overall,
		Variants: []selection.Variant{{Name: "arm", Latest: arm}, {Name: "x86", Latest: x86}}}
}

func variantIDs(q *imsv1.ImageQuery) []string {
	var ids []string
	for _, v := range q.Status.LatestImages {
		ids = append(ids, v.Variant+"="+v.Image.ID)
	}
	return ids
}

func img(id string) *ims.Image { return &ims.Image{ID: id, Name: id, Status: "active"} }

func syncWith(q *imsv1.ImageQuery, res selection.Result, up *promotion.Upstream, now time.Time) latestNews {
	return recordListing(q, res, promotion.Decide(promotionInput(q, res, up, now)), up, now)
}

// Variants follow their own picks while the overall latest image follows its candidate; in
// Manual they hold until a person promotes, and then all move at once.
func TestVariantsFollowThePromotion(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	q := &imsv1.ImageQuery{}
	syncWith(q, variantSync(img("o1"), img("arm1"), img("x861")), nil, now)
	if got := variantIDs(q); !slices.Equal(got, []string{"arm=arm1", "x86=x861"}) {
		t.Fatalf("Automatic: variants %v", got)
	}

	q.Spec.Promotion = &imsv1.PromotionSpec{Policy: imsv1.PromotionManual}
	next := variantSync(img("o2"), img("arm2"), img("x862"))
	next.Images = append(next.Images, img("o1"), img("arm1"), img("x861"))
	next.Usable = next.Images
	syncWith(q, next, nil, now.Add(time.Minute))
	if got := variantIDs(q); latestID(q) != "o1" || !slices.Equal(got, []string{"arm=arm1", "x86=x861"}) {
		t.Errorf("Manual moved: latest %s, variants %v", latestID(q), got)
	}
	q.Annotations = map[string]string{imsv1.PromoteAnnotation: imsv1.PromoteLatest}
	syncWith(q, next, nil, now.Add(2*time.Minute))
	if got := variantIDs(q); latestID(q) != "o2" || !slices.Equal(got, []string{"arm=arm2", "x86=x862"}) {
		t.Errorf("after promote latest: latest %s, variants %v", latestID(q), got)
	}
	if h := historyIDs(q); !slices.Equal(h, []string{"o2", "o1"}) || !q.Status.LatestImageSince.Equal(&q.Status.LatestHistory[0].Since) {
		t.Errorf("history %v, since %v", h, q.Status.LatestImageSince)
	}

	// A held variant image that stops being usable leaves its variant, not replaced.
	q.Status.LatestImages[0].Image.ID = "gone"
	syncWith(q, next, nil, now.Add(3*time.Minute))
	if got := variantIDs(q); !slices.Equal(got, []string{"x86=x862"}) {
		t.Errorf("a withdrawn held variant: %v", got)
	}
}

// With an upstream, the variants take the upstream's variant images that are usable here,
// when the overall latest image moves.
func TestVariantsFromTheUpstream(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	q := &imsv1.ImageQuery{Spec: imsv1.ImageQuerySpec{Promotion: &imsv1.PromotionSpec{From: &imsv1.PromotionSource{Name: "staging"}}}}
	res := variantSync(img("o2"), img("arm2"), img("x862"))
	res.Images = append(res.Images, img("o1"), img("arm1"))
	res.Usable = res.Images
	up := &promotion.Upstream{LatestID: "o1", Since: now.Add(-time.Hour), Variants: map[string]string{"arm": "arm1", "x86": "x86-not-here"}}
	syncWith(q, res, up, now)
	if got := variantIDs(q); latestID(q) != "o1" || !slices.Equal(got, []string{"arm=arm1"}) {
		t.Errorf("latest %s, variants %v; want o1 and the upstream's arm image (its x86 one is not a match here)", latestID(q), got)
	}
}
