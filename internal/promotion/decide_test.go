package promotion

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

var (
	now    = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	old    = &ims.Image{ID: "11111111-0000-0000-0000-000000000001", Name: "ubuntu-old", Status: "active"}
	mid    = &ims.Image{ID: "11111111-0000-0000-0000-000000000002", Name: "ubuntu-mid", Status: "active"}
	newest = &ims.Image{ID: "11111111-0000-0000-0000-000000000003", Name: "ubuntu-new", Status: "active"}
	queued = &ims.Image{ID: "11111111-0000-0000-0000-000000000004", Name: "ubuntu-upload", Status: "queued"}
)

// in is one sync that picked newest among old, mid, newest (usable) and queued.
func in(state State) Input {
	return Input{State: state, Picked: newest, Usable: []*ims.Image{newest, mid, old},
		Matched: []*ims.Image{queued, newest, mid, old}, Now: now}
}

func id(img *ims.Image) string {
	if img == nil {
		return ""
	}
	return img.ID
}

func TestAutomaticFollowsTheCandidate(t *testing.T) {
	d := Decide(in(State{Latest: mid.ID, Candidate: mid.ID}))
	if id(d.Candidate) != newest.ID || id(d.Latest) != newest.ID || !d.Follows || d.Promoted || d.Refusal != "" || d.Hold != nil {
		t.Errorf("got candidate %s latest %s follows %v promoted %v refusal %q hold %v", id(d.Candidate), id(d.Latest), d.Follows, d.Promoted, d.Refusal, d.Hold)
	}
}

func TestManualStaysUntilPromoted(t *testing.T) {
	i := in(State{Latest: mid.ID, Candidate: mid.ID})
	i.Manual = true
	d := Decide(i)
	if id(d.Candidate) != newest.ID || id(d.Latest) != mid.ID || d.Follows {
		t.Fatalf("manual moved: candidate %s latest %s follows %v", id(d.Candidate), id(d.Latest), d.Follows)
	}
	// A first Manual sync has nothing to boot until a person promotes.
	i.State = State{}
	if d := Decide(i); d.Latest != nil || id(d.Candidate) != newest.ID {
		t.Errorf("a new Manual query picked %s by itself", id(d.Latest))
	}
	i.State = State{Latest: mid.ID, Promote: "latest"}
	if d := Decide(i); id(d.Latest) != newest.ID || !d.Promoted || d.Handled != "latest" || d.Hold != nil {
		t.Errorf("promote latest: latest %s promoted %v handled %q hold %v", id(d.Latest), d.Promoted, d.Handled, d.Hold)
	}
	i.State = State{Latest: mid.ID, Promote: old.ID}
	if d := Decide(i); id(d.Latest) != old.ID || d.Hold != nil {
		t.Errorf("promote an ID in Manual: latest %s, hold %v (Manual needs no hold)", id(d.Latest), d.Hold)
	}
	// A promoted image that stops being usable is not replaced in the person's place.
	i.State = State{Latest: queued.ID}
	if d := Decide(i); d.Latest != nil {
		t.Errorf("Manual replaced a withdrawn image by %s", id(d.Latest))
	}
}

func TestHoldIsARollbackUntilPromoteLatest(t *testing.T) {
	d := Decide(in(State{Latest: newest.ID, Candidate: newest.ID, Promote: old.ID}))
	if id(d.Latest) != old.ID || d.Hold == nil || d.Hold.ImageID != old.ID || !d.Hold.Since.Equal(&metav1.Time{Time: now}) || d.Follows {
		t.Fatalf("rollback: latest %s hold %+v follows %v", id(d.Latest), d.Hold, d.Follows)
	}
	held := State{Latest: old.ID, Candidate: newest.ID, Hold: d.Hold, Handled: d.Handled, Promote: old.ID}
	if d := Decide(in(held)); id(d.Latest) != old.ID || d.Hold == nil || d.Refusal != "" {
		t.Errorf("a held query moved (or re-handled its value): latest %s hold %v refusal %q", id(d.Latest), d.Hold, d.Refusal)
	}
	held.Promote = "latest"
	if d := Decide(in(held)); id(d.Latest) != newest.ID || d.Hold != nil || !d.Follows || !d.Promoted {
		t.Errorf("promote latest did not end the hold: latest %s hold %v", id(d.Latest), d.Hold)
	}
	// Promoting the candidate by its ID is following it again, not a hold.
	if d := Decide(in(State{Latest: old.ID, Hold: &imsv1.PromotionHold{ImageID: old.ID}, Promote: newest.ID})); d.Hold != nil || id(d.Latest) != newest.ID {
		t.Errorf("promoting the candidate's ID kept a hold: %+v", d.Hold)
	}
	// A held image that is withdrawn leaves latestImage empty, the hold in place.
	if d := Decide(in(State{Latest: queued.ID, Hold: &imsv1.PromotionHold{ImageID: queued.ID}})); d.Latest != nil || d.Hold == nil {
		t.Errorf("withdrawn held image: latest %s hold %v", id(d.Latest), d.Hold)
	}
}

func TestRefusedPromotionsChangeNothing(t *testing.T) {
	for _, tc := range []struct{ value, says string }{
		{"22222222-0000-0000-0000-000000000009", "not among the query's 4 current matches"},
		{queued.ID, "is not usable (status queued"},
		{"a b; rm -rf /", "is not an image ID"},
		{strings.Repeat("x", 300), "is not an image ID"},
	} {
		d := Decide(in(State{Latest: mid.ID, Candidate: mid.ID, Hold: &imsv1.PromotionHold{ImageID: mid.ID}, Promote: tc.value}))
		if !strings.Contains(d.Refusal, tc.says) || id(d.Latest) != mid.ID || d.Hold == nil || d.Promoted {
			t.Errorf("%.20q: refusal %q, latest %s, hold %v", tc.value, d.Refusal, id(d.Latest), d.Hold)
		}
		if d.Handled != HandledValue(tc.value) || len(d.Handled) > 256 {
			t.Errorf("%.20q: handled %q: a refused value is handled once", tc.value, d.Handled)
		}
		// Reported once: the next sync with the same value refuses nothing.
		again := Decide(in(State{Latest: mid.ID, Hold: d.Hold, Handled: d.Handled, Promote: tc.value}))
		if again.Refusal != "" {
			t.Errorf("%.20q refused twice", tc.value)
		}
	}
	i := in(State{Promote: "latest"})
	i.Picked, i.Usable = nil, nil
	if d := Decide(i); !strings.Contains(d.Refusal, "no candidate") || d.Latest != nil {
		t.Errorf("promote latest with no candidate: %q", d.Refusal)
	}
}

func TestUpstreamSoak(t *testing.T) {
	up := &Upstream{Key: "staging/ubuntu", LatestID: newest.ID, Since: now.Add(-47 * time.Hour), MinSoak: 48 * time.Hour}
	i := in(State{Latest: mid.ID, Candidate: mid.ID})
	i.Upstream = up
	d := Decide(i)
	if id(d.Candidate) != mid.ID || id(d.Latest) != mid.ID {
		t.Fatalf("unsoaked upstream image taken: candidate %s latest %s", id(d.Candidate), id(d.Latest))
	}
	if ends := up.SoakEnds(); !ends.Equal(now.Add(time.Hour)) {
		t.Errorf("soak ends %v, want an hour from now", ends)
	}
	i.Now = now.Add(time.Hour)
	if d := Decide(i); id(d.Candidate) != newest.ID || id(d.Latest) != newest.ID {
		t.Errorf("soaked upstream image not taken: candidate %s latest %s", id(d.Candidate), id(d.Latest))
	}
	// The upstream's image must also be a usable match here (production's own filter).
	up.LatestID = queued.ID
	if d := Decide(i); id(d.Candidate) != mid.ID {
		t.Errorf("an image not usable here became the candidate: %s", id(d.Candidate))
	}
	up.LatestID = "33333333-0000-0000-0000-000000000000"
	if d := Decide(i); id(d.Candidate) != mid.ID {
		t.Errorf("an image not matched here became the candidate: %s", id(d.Candidate))
	}
	// Not even the newest image here is a candidate without the upstream: nothing before it.
	i.State = State{}
	if d := Decide(i); d.Candidate != nil || d.Latest != nil {
		t.Errorf("a new downstream took %s before its upstream had anything soaked", id(d.Latest))
	}
	// An upstream that never said since when is not soaked.
	up.LatestID, up.Since = newest.ID, time.Time{}
	if d := Decide(i); d.Candidate != nil || !up.SoakEnds().IsZero() {
		t.Errorf("an upstream without latestImageSince counted as soaked")
	}
}

func TestPending(t *testing.T) {
	q := &imsv1.ImageQuery{}
	if _, ok := Pending(q); ok {
		t.Error("no annotation is pending")
	}
	q.Annotations = map[string]string{imsv1.PromoteAnnotation: strings.Repeat("y", 400)}
	if _, ok := Pending(q); !ok {
		t.Error("a new value is pending")
	}
	q.Status.LastHandledPromote = HandledValue(q.Annotations[imsv1.PromoteAnnotation])
	if _, ok := Pending(q); ok {
		t.Error("a long value, once handled (bounded), is pending again: it would sync forever")
	}
}
