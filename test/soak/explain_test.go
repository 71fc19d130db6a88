package soak

import (
	"fmt"
	"strings"
	"testing"
	"time"
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
