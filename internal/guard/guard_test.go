package guard

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/selection"
)

var query = types.NamespacedName{Namespace: "ns", Name: "q"}

// catalog is n images a..; claimed are their IDs.
func catalog(n int) ([]*ims.Image, []string) {
	var images []*ims.Image
	var ids []string
	for i := range n {
		id := fmt.Sprintf("img-%02d", i)
		images = append(images, &ims.Image{ID: id})
		ids = append(ids, id)
	}
	return images, ids
}

// lister answers relists with whatever listing is current, and counts them.
type lister struct {
	images    []*ims.Image
	calls     int
	notBefore []time.Time
}

func (l *lister) relist(_ context.Context, notBefore time.Time) (selection.Result, error) {
	l.calls++
	l.notBefore = append(l.notBefore, notBefore)
	return selection.Result{Images: l.images}, nil
}

// A glitch that repeats on every request (IMS lists nothing) for 90 s removes nothing: each
// sync within the delay is pending, and the first sync after it ends applies the full
// listing. A real 80% shrink is applied once a listing the delay after the first still shows
// it.
func TestDelayConfirmsOnlyWithALaterListing(t *testing.T) {
	all, claimed := catalog(10)
	g := New(Config{Ratio: 0.5, MinRemovals: 5, Delay: 2 * time.Minute})
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	l := &lister{}
	for s := 0; s <= 90; s += 30 {
		now := start.Add(time.Duration(s) * time.Second)
		_, err := g.Confirm(context.Background(), query, now, claimed, selection.Result{}, l.relist)
		var p *Pending
		if !errors.As(err, &p) || p.Removed != 10 || !p.Until.Equal(start.Add(2*time.Minute)) {
			t.Fatalf("glitch at %ds: got %v, want a removal of 10 pending until 2m after the first", s, err)
		}
	}
	if until, ok := g.PendingUntil(query); !ok || !until.Equal(start.Add(2*time.Minute)) {
		t.Errorf("PendingUntil = %v, %v", until, ok)
	}
	res, err := g.Confirm(context.Background(), query, start.Add(100*time.Second), claimed, selection.Result{Images: all}, l.relist)
	if err != nil || len(res.Images) != 10 || l.calls != 0 {
		t.Fatalf("after the glitch: %v, %d images, %d relists; want the listing as it is", err, len(res.Images), l.calls)
	}
	if _, ok := g.PendingUntil(query); ok {
		t.Error("the pending removal outlived the glitch")
	}

	// A real shrink to 2 of 10.
	shrunk := selection.Result{Images: all[:2]}
	l.images = all[:2]
	if _, err := g.Confirm(context.Background(), query, start.Add(3*time.Minute), claimed, shrunk, l.relist); err == nil {
		t.Fatal("a large shrink was applied without waiting")
	}
	res, err = g.Confirm(context.Background(), query, start.Add(5*time.Minute), claimed, shrunk, l.relist)
	if err != nil || len(res.Images) != 2 {
		t.Fatalf("after the delay: %v, %d images; want the shrink applied", err, len(res.Images))
	}
	if l.calls != 1 || !l.notBefore[0].Equal(start.Add(5*time.Minute)) {
		t.Errorf("relists %d with notBefore %v; want one listing asked for the delay after the first sighting", l.calls, l.notBefore)
	}
}

// Images that come back restart the wait: the removal seen after the delay is not the one
// seen first.
func TestDelayRestartsWhenTheRemovalChanges(t *testing.T) {
	all, claimed := catalog(20)
	g := New(Config{Ratio: 0.5, MinRemovals: 5, Delay: time.Minute})
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	l := &lister{images: all[2:4]} // at the delay two that were gone are back, two listed are gone
	if _, err := g.Confirm(context.Background(), query, start, claimed, selection.Result{Images: all[:2]}, l.relist); err == nil {
		t.Fatal("not pending")
	}
	_, err := g.Confirm(context.Background(), query, start.Add(time.Minute), claimed, selection.Result{Images: all[2:4]}, l.relist)
	var p *Pending
	if !errors.As(err, &p) || !p.Until.Equal(start.Add(2*time.Minute)) {
		t.Fatalf("got %v, want the wait to start again", err)
	}
}

// Without a delay the guard confirms at once: the same removal is applied, another is
// ListingUnstable; small removals pass without a second listing.
func TestNoDelayConfirmsWithASecondListing(t *testing.T) {
	all, claimed := catalog(10)
	g := New(Config{Ratio: 0.5, MinRemovals: 5})
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	l := &lister{images: all[:2]}
	res, err := g.Confirm(context.Background(), query, now, claimed, selection.Result{Images: all[:2]}, l.relist)
	if err != nil || len(res.Images) != 2 || l.calls != 1 || !l.notBefore[0].Equal(now) {
		t.Fatalf("a confirmed shrink: %v, %d images, %d relists", err, len(res.Images), l.calls)
	}
	l.images = all
	_, err = g.Confirm(context.Background(), query, now, claimed, selection.Result{Images: all[:2]}, l.relist)
	if f, ok := failure.As(err); !ok || f.Reason != imsv1.ReasonListingUnstable || f.Terminal {
		t.Fatalf("two listings that disagree: %v, want a transient ListingUnstable", err)
	}
	l.calls = 0
	if res, err := g.Confirm(context.Background(), query, now, claimed, selection.Result{Images: all[5:]}, l.relist); err != nil || len(res.Images) != 5 || l.calls != 0 {
		t.Errorf("a removal of 5 needed a second listing or failed: %v, %d relists", err, l.calls)
	}
}

func TestContains(t *testing.T) {
	for _, tc := range []struct {
		set, sub []string
		want     bool
	}{
		{[]string{"a", "b", "c"}, []string{"a", "c"}, true},
		{[]string{"a", "b", "c"}, nil, true},
		{[]string{"a", "c"}, []string{"b"}, false},
		{nil, []string{"a"}, false},
	} {
		if got := contains(tc.set, tc.sub); got != tc.want {
			t.Errorf("contains(%v, %v) = %v", tc.set, tc.sub, got)
		}
	}
}
