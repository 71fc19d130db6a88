package soak

import (
	"fmt"
	"strings"
	"testing"
	"time"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// The auditor's rule for a lost image, on the case the 60-minute soak met: a short page
// withheld 8 of a query's 31 images (applied at once, as documented), the auditor's watch was
// down and saw the releases 45 s later, after an empty first page had withheld all 31 (a
// removal the guard holds). The loss is explained by the short page, not judged by the last
// cut; a loss that only large cuts less than the guard's delay apart explain is a violation.
func TestExplainLooksAtEveryCutInTheWindow(t *testing.T) {
	h := &history{since: []map[string]claim{{}}}
	var all []string
	for i := range 31 {
		id := fmt.Sprintf("img-%02d", i)
		h.since[0][id] = claim{}
		all = append(all, id)
	}
	now := time.Now()
	short := cut{at: now.Add(-45 * time.Second), withheld: all[:13], desc: "short"}
	empty := cut{at: now.Add(-5 * time.Second), withheld: all, desc: "empty"}

	if v, why, large := explain(h, 0, []cut{short, empty}, now); v != "" || why != "short" || large {
		t.Errorf("a short page then an empty one: violation %q, why %q, large %v; want the short page", v, why, large)
	}
	if v, _, _ := explain(h, 0, []cut{{at: now.Add(-45 * time.Second), withheld: all}, empty}, now); !strings.Contains(v, "did not wait") {
		t.Errorf("two empty pages 40 s apart: violation %q, want the guard's", v)
	}
	early := cut{at: now.Add(-2*time.Minute - 10*time.Second), withheld: all, desc: "early"}
	if v, why, large := explain(h, 0, []cut{early, empty}, now); v != "" || why != "empty" || !large {
		t.Errorf("two empty pages 2m05s apart: violation %q, why %q, large %v; want the confirmed removal", v, why, large)
	}
	if v, _, _ := explain(h, 0, nil, now); v == "" {
		t.Error("a loss without a cut listing is not a violation")
	}
}

// A deletion is judged for the claims the object still carried: query all had released the
// image on a short page (explained then) and could not sync for 12 minutes (IAM failing), and
// the last claimant then released it rightly. That deletion is no loss of all's.
func TestDeletionJudgesTheClaimsItTook(t *testing.T) {
	h := &history{tpls: []template{{name: "all"}, {name: "gold"}},
		since: []map[string]claim{{"img": {since: time.Now().Add(-time.Hour)}}, {}}}
	a := newAuditor(h, []tenant{{namespace: "ns"}})
	ci := &imsv1.CloudImage{}
	ci.Namespace, ci.Name = "ns", "img"
	ci.Labels = map[string]string{imsv1.QueryLabel("gold"): "true"} // gold no longer matches it
	a.deleted(ci, time.Now())
	if len(a.violations) != 0 || len(a.shortPage)+len(a.cutTwice) != 0 {
		t.Errorf("violations %v, explained %v %v; want none: the deletion took no claim of all's", a.violations, a.shortPage, a.cutTwice)
	}
}
