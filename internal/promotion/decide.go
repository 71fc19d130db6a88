// Package promotion decides which usable match is an ImageQuery's latest image: the candidate
// (what latestBy picks now, or an upstream query's soaked latest image), a person's
// promotion through the promote annotation, and a hold that keeps a rolled-back image. Decide
// is pure: it is handed the sync's selection, what the status said before, the annotation and
// the upstream as read, and a time; Sources reads the upstream.
package promotion

import (
	"fmt"
	"regexp"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/bound"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// Upstream is what a downstream query reads of its spec.promotion.from.
type Upstream struct {
	// Key names the upstream ("namespace/name"), for messages.
	Key string
	// LatestID is the upstream's status.latestImage ID, "" for none.
	LatestID string
	// Since is the upstream's status.latestImageSince; zero when it has not said yet.
	Since time.Time
	// MinSoak is the downstream's spec.promotion.minSoak.
	MinSoak time.Duration
	// Variants are the upstream's status.latestImages: variant name to image ID.
	Variants map[string]string
}

// SoakEnds is when the upstream's latest image will have been held for MinSoak; zero when the
// upstream has no latest image or has not said since when.
func (u *Upstream) SoakEnds() time.Time {
	if u == nil || u.LatestID == "" || u.Since.IsZero() {
		return time.Time{}
	}
	return u.Since.Add(u.MinSoak)
}

// soaked tells whether the upstream's latest image has been held long enough at now.
func (u *Upstream) soaked(now time.Time) bool {
	ends := u.SoakEnds()
	return !ends.IsZero() && !now.Before(ends)
}

// State is what a query's status and annotations said before this sync.
type State struct {
	Latest    string               // status.latestImage ID, "" for none
	Candidate string               // status.candidateImage ID, "" for none
	Hold      *imsv1.PromotionHold // status.hold
	Handled   string               // status.lastHandledPromote
	Promote   string               // the promote annotation, "" when absent
}

// Input is one sync's facts.
type Input struct {
	Manual   bool
	State    State
	Picked   *ims.Image   // the selection's latest (latestBy among the usable matches)
	Usable   []*ims.Image // the usable matches
	Matched  []*ims.Image // every match
	Upstream *Upstream    // nil without spec.promotion.from
	Now      time.Time
}

// Decision is what a sync makes of them.
type Decision struct {
	// Candidate is what latestImage would follow; nil for none.
	Candidate *ims.Image
	// Latest is the image to record as latestImage; nil for none.
	Latest *ims.Image
	// Hold is the hold to record; nil for none.
	Hold *imsv1.PromotionHold
	// Handled is the promote value to record as handled.
	Handled string
	// Refusal says why the promote value was not applied; "" when it was, or none was new.
	Refusal string
	// Promoted is true when a person's promotion moved latestImage this sync.
	Promoted bool
	// Follows is true when latestImage follows the candidate (Automatic, not held): the
	// variants then follow theirs too.
	Follows bool
}

// HandledValue is the form of a promote value kept in status.lastHandledPromote (bounded).
func HandledValue(v string) string { return bound.String(v, 256) }

// Pending is the promote annotation's value on q when it has not been handled yet.
func Pending(q *imsv1.ImageQuery) (string, bool) {
	v := q.GetAnnotations()[imsv1.PromoteAnnotation]
	return v, v != "" && HandledValue(v) != q.Status.LastHandledPromote
}

// Quoted is a promote value for a message: quoted and bounded (it is whatever a person typed).
func Quoted(v string) string { return fmt.Sprintf("%q", bound.String(v, 64)) }

// imageID is what an IMS image ID can look like (IMS uses UUIDs; older images other forms).
var imageID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Decide applies the promotion rules of one sync.
func Decide(in Input) Decision {
	d := Decision{Candidate: candidate(in), Hold: in.State.Hold, Handled: in.State.Handled}
	switch {
	case in.Manual:
		d.Latest = find(in.Usable, in.State.Latest) // moves only when a person promotes
	case d.Hold != nil:
		d.Latest = find(in.Usable, d.Hold.ImageID) // a rollback stays until promote: latest
	default:
		d.Latest = d.Candidate
	}
	if v := in.State.Promote; v != "" && HandledValue(v) != in.State.Handled {
		d.Handled = HandledValue(v)
		d.promote(in, v)
	}
	d.Follows = !in.Manual && d.Hold == nil
	return d
}

// candidate is what latestBy picks now; with an upstream, its latest image once soaked and
// if it is a usable match here, else the previous candidate while it is still usable.
func candidate(in Input) *ims.Image {
	if in.Upstream == nil {
		return in.Picked
	}
	if in.Upstream.soaked(in.Now) {
		if img := find(in.Usable, in.Upstream.LatestID); img != nil {
			return img
		}
	}
	return find(in.Usable, in.State.Candidate)
}

// promote applies a person's promote value v, or says why not.
func (d *Decision) promote(in Input, v string) {
	if v == imsv1.PromoteLatest {
		if d.Candidate == nil {
			d.Refusal = "promote: latest, but there is no candidate image (no usable match" + upstreamNote(in.Upstream) + ")"
			return
		}
		d.Latest, d.Hold, d.Promoted = d.Candidate, nil, true
		return
	}
	if !imageID.MatchString(v) {
		d.Refusal = fmt.Sprintf("promote: %s is not an image ID or %q", Quoted(v), imsv1.PromoteLatest)
		return
	}
	img := find(in.Matched, v)
	switch {
	case img == nil:
		d.Refusal = fmt.Sprintf("promote: image %s is not among the query's %d current matches", v, len(in.Matched))
		return
	case !img.Usable():
		d.Refusal = fmt.Sprintf("promote: image %s (%s) is not usable (status %s%s)", v, bound.String(img.Name, 128),
			bound.String(img.Status, 32), offshelvedNote(img))
		return
	}
	d.Latest, d.Promoted = img, true
	switch {
	case in.Manual, d.Candidate != nil && d.Candidate.ID == v:
		d.Hold = nil // promoting the candidate is following it again
	default:
		d.Hold = &imsv1.PromotionHold{ImageID: v, Since: metav1.NewTime(in.Now.Truncate(time.Second))}
	}
}

func upstreamNote(u *Upstream) string {
	if u == nil {
		return ""
	}
	return " that upstream " + u.Key + " has held for its soak time"
}

func offshelvedNote(img *ims.Image) string {
	if img.Status == "active" {
		return ", off-shelved"
	}
	return ""
}

// find is the image with id among images; nil when id is "" or absent.
func find(images []*ims.Image, id string) *ims.Image {
	if id == "" {
		return nil
	}
	for _, img := range images {
		if img.ID == id {
			return img
		}
	}
	return nil
}
