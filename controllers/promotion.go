package controllers

import (
	"context"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/promotion"
	"github.com/imagecatalog/ims-operator/internal/selection"
)

// promotionSourceIndex indexes ImageQueries by the upstream they follow ("namespace/name"),
// so that a change of an upstream's latest image wakes its downstreams without polling.
const promotionSourceIndex = "spec.promotion.from"

func indexPromotionSource(obj client.Object) []string {
	if key, ok := promotion.SourceKey(obj.(*imsv1.ImageQuery)); ok {
		return []string{key.String()}
	}
	return nil
}

// downstreamsOf maps an ImageQuery to the queries that follow it.
func downstreamsOf(c client.Client) handler.MapFunc {
	return func(ctx context.Context, up client.Object) []reconcile.Request {
		var list imsv1.ImageQueryList
		key := client.ObjectKeyFromObject(up).String()
		if err := c.List(ctx, &list, client.MatchingFields{promotionSourceIndex: key}); err != nil {
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(list.Items))
		for i := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
		return reqs
	}
}

// upstreamChanged passes what a downstream must see of its upstream: its creation and
// deletion, a new latest image or latestImageSince, and a new accessFrom or promotion.from
// (the grant and the chain), not every status write.
func upstreamChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			before, after := e.ObjectOld.(*imsv1.ImageQuery), e.ObjectNew.(*imsv1.ImageQuery)
			return before.Generation != after.Generation ||
				summaryID(before.Status.LatestImage) != summaryID(after.Status.LatestImage) ||
				!before.Status.LatestImageSince.Equal(after.Status.LatestImageSince)
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// summaryID is s's image ID, "" for none.
func summaryID(s *imsv1.ImageSummary) string {
	if s == nil {
		return ""
	}
	return s.ID
}

// promotionInput gathers what promotion.Decide needs from one sync.
func promotionInput(q *imsv1.ImageQuery, res selection.Result, up *promotion.Upstream, now time.Time) promotion.Input {
	in := promotion.Input{
		Picked: res.Latest, Usable: res.Usable, Matched: res.Images, Upstream: up, Now: now,
		State: promotion.State{
			Latest: summaryID(q.Status.LatestImage), Candidate: summaryID(q.Status.CandidateImage),
			Hold: q.Status.Hold, Handled: q.Status.LastHandledPromote,
			Promote: q.GetAnnotations()[imsv1.PromoteAnnotation],
		},
	}
	in.Manual = q.Spec.Promotion != nil && q.Spec.Promotion.Policy == imsv1.PromotionManual
	return in
}

// recordPromotion writes the decision's candidate, hold and handled value, and returns the
// candidate if it is new and latestImage does not follow it (CandidateImageAvailable).
func recordPromotion(st *imsv1.ImageQueryStatus, d promotion.Decision) *imsv1.ImageSummary {
	prev := st.CandidateImage
	st.CandidateImage = nil
	if d.Candidate != nil {
		s := summary(d.Candidate)
		st.CandidateImage = &s
	}
	st.Hold = d.Hold
	st.LastHandledPromote = d.Handled
	if c := st.CandidateImage; c != nil && (prev == nil || prev.ID != c.ID) && (d.Latest == nil || d.Latest.ID != c.ID) {
		return c
	}
	return nil
}

// recordHistory keeps latestImageSince and latestHistory for the latest image s: a new
// entry when it is another image than the history's newest (the same image back after a
// spell without one is not a change), at most MaxLatestHistory.
func recordHistory(st *imsv1.ImageQueryStatus, s imsv1.ImageSummary, now time.Time) {
	if len(st.LatestHistory) == 0 || st.LatestHistory[0].ID != s.ID {
		entry := imsv1.LatestHistoryEntry{ID: s.ID, Name: s.Name, Since: metav1.NewTime(now.Truncate(time.Second))}
		st.LatestHistory = append([]imsv1.LatestHistoryEntry{entry}, st.LatestHistory...)
		st.LatestHistory = st.LatestHistory[:min(len(st.LatestHistory), imsv1.MaxLatestHistory)]
	}
	since := st.LatestHistory[0].Since
	st.LatestImageSince = &since
}

// variantsFor is what status.latestImages becomes. The variants follow their own picks while
// the overall latest image follows its candidate (Automatic, not held, no upstream). Otherwise
// they stay where they were (those still usable) until the overall latest image moves — a
// person's promotion, or an upstream's soaked image —, and then take their picks: this
// query's own, or with an upstream its variants' images that are usable here.
func variantsFor(st *imsv1.ImageQueryStatus, res selection.Result, d promotion.Decision, up *promotion.Upstream) []selection.Variant {
	moved := d.Latest != nil && summaryID(st.LatestImage) != d.Latest.ID
	switch {
	case up == nil && (d.Follows || moved || d.Promoted):
		return res.Variants
	case up != nil && (moved || d.Promoted):
		return usableVariants(up.Variants, res.Usable)
	}
	kept := make(map[string]string, len(st.LatestImages))
	for _, v := range st.LatestImages {
		kept[v.Variant] = v.Image.ID
	}
	return usableVariants(kept, res.Usable)
}

// usableVariants are the variants whose image (by ID) is among usable, sorted by name.
func usableVariants(ids map[string]string, usable []*ims.Image) []selection.Variant {
	byID := make(map[string]*ims.Image, len(usable))
	for _, img := range usable {
		byID[img.ID] = img
	}
	var out []selection.Variant
	for name, id := range ids {
		if img := byID[id]; img != nil {
			out = append(out, selection.Variant{Name: name, Latest: img})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
