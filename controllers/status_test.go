package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/promotion"
	"github.com/imagecatalog/ims-operator/internal/selection"
)

func TestRecordListing(t *testing.T) {
	images := []*ims.Image{
		{ID: "a", Name: "A", Status: "active", CreatedAt: "2020-01-01T00:00:00Z"},
		{ID: "b", Name: "B", Status: "active", CreatedAt: "2023-05-01 10:00:00"}, // the API's other layout
		{ID: "c", Name: "C", Status: "active", CreatedAt: "2021-01-01T00:00:00Z"},
		{ID: "d", Name: "D", Status: "active", CreatedAt: "garbage"},
	}
	q := &imsv1.ImageQuery{Spec: imsv1.ImageQuerySpec{MaxStatusImages: ptr(int32(2))}}
	now := time.Date(2026, 11, 27, 10, 0, 0, 123, time.UTC)
	recordSync(q, selection.Result{Images: images, Latest: latestOf(images)}, now)
	if q.Status.MatchedImages != 4 || len(q.Status.Images) != 2 || q.Status.Images[0].ID != "a" || q.Status.Images[1].ID != "b" {
		t.Errorf("status: matched %d, images %+v", q.Status.MatchedImages, q.Status.Images)
	}
	if q.Status.LatestImage == nil || q.Status.LatestImage.ID != "b" {
		t.Errorf("latestImage = %+v, want b", q.Status.LatestImage)
	}
	if !q.Status.LastSyncTime.Equal(&metav1.Time{Time: now.Truncate(time.Second)}) {
		t.Errorf("lastSyncTime = %v", q.Status.LastSyncTime)
	}

	q.Spec.MaxStatusImages = ptr(int32(0))
	recordSync(q, selection.Result{}, now)
	if q.Status.MatchedImages != 0 || q.Status.Images != nil || q.Status.LatestImage != nil {
		t.Errorf("empty listing left %+v", q.Status)
	}
}

// previousLatestImage holds the image consumers saw before the latest one; a change is
// announced only when the latest image becomes another image ID.
func TestRecordLatest(t *testing.T) {
	a := &ims.Image{ID: "a", Name: "A 1.0", Status: "active", CreatedAt: "2026-01-01T00:00:00Z"}
	aRenamed := &ims.Image{ID: "a", Name: "A 1.0 (renamed)", Status: "active", CreatedAt: "2026-01-01T00:00:00Z"}
	b := &ims.Image{ID: "b", Name: "B 2.0", Status: "active", CreatedAt: "2026-02-01T00:00:00Z"}
	c := &ims.Image{ID: "c", Name: "C 3.0", Status: "active", CreatedAt: "2026-03-01T00:00:00Z"}
	var st imsv1.ImageQueryStatus
	steps := []struct {
		name             string
		latest           *ims.Image
		wantLatest, prev string // IDs, "" for none
		wantChange       string // "from→to", "" for no change announced
	}{
		{"first pick is not a change", a, "a", "", ""},
		{"same image", a, "a", "", ""},
		{"same ID, new name", aRenamed, "a", "", ""},
		{"another image", b, "b", "a", "a→b"},
		{"unchanged again", b, "b", "a", ""},
		{"nothing matches: the last latest is kept as previous", nil, "", "b", ""},
		{"still nothing", nil, "", "b", ""},
		{"a match again is a change from the last one seen", c, "c", "b", "b→c"},
		{"nothing, then the same image back", nil, "", "c", ""},
		{"the same image back is no change", c, "c", "c", ""},
		{"rollback", b, "b", "c", "c→b"},
	}
	for _, s := range steps {
		change := recordLatest(&st, s.latest)
		if got := summaryID(st.LatestImage); got != s.wantLatest {
			t.Errorf("%s: latest %q, want %q", s.name, got, s.wantLatest)
		}
		if got := summaryID(st.PreviousLatestImage); got != s.prev {
			t.Errorf("%s: previous %q, want %q", s.name, got, s.prev)
		}
		got := ""
		if change != nil {
			got = change.From.ID + "→" + change.To.ID
		}
		if got != s.wantChange {
			t.Errorf("%s: change %q, want %q", s.name, got, s.wantChange)
		}
	}
	if st.LatestImage.Name != "B 2.0" {
		t.Errorf("latest summary %+v", st.LatestImage)
	}
}

// The next coming of age is kept in whole seconds, rounded up, so that the sync it schedules
// never finds the image a hair too young.
func TestRecordListingComingOfAge(t *testing.T) {
	q := &imsv1.ImageQuery{}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	recordSync(q, selection.Result{ComesOfAge: now.Add(90*time.Minute + 300*time.Millisecond)}, now)
	if want := now.Add(90*time.Minute + time.Second); q.Status.NextComingOfAgeTime == nil || !q.Status.NextComingOfAgeTime.Time.Equal(want) {
		t.Errorf("nextComingOfAgeTime %v, want %v", q.Status.NextComingOfAgeTime, want)
	}
	recordSync(q, selection.Result{ComesOfAge: now.Add(time.Hour)}, now)
	if want := now.Add(time.Hour); !q.Status.NextComingOfAgeTime.Time.Equal(want) {
		t.Errorf("nextComingOfAgeTime %v, want %v (a whole second stays)", q.Status.NextComingOfAgeTime, want)
	}
	recordSync(q, selection.Result{}, now)
	if q.Status.NextComingOfAgeTime != nil {
		t.Errorf("nextComingOfAgeTime %v, want none", q.Status.NextComingOfAgeTime)
	}
}

// recordSync records res as a sync of q without an upstream would: promotion decided first.
func recordSync(q *imsv1.ImageQuery, res selection.Result, now time.Time) latestNews {
	return recordListing(q, res, promotion.Decide(promotionInput(q, res, nil, now)), nil, now)
}
