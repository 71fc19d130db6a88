package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	clocktesting "k8s.io/utils/clock/testing"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/guard"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// askSync sets the requested-at annotation to value and reconciles, as `kubectl annotate`
// and the watch event would.
func askSync(t *testing.T, rig *decisionRig, value string) time.Duration {
	t.Helper()
	q := rig.query(t)
	if q.Annotations == nil {
		q.Annotations = map[string]string{}
	}
	q.Annotations[imsv1.RequestedAtAnnotation] = value
	if err := rig.r.client.Update(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	res, err := rig.reconcile(t)
	if err != nil {
		t.Fatal(err)
	}
	return res.RequeueAfter
}

func readyOf(q *imsv1.ImageQuery) string {
	c := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady)
	if c == nil {
		return "none"
	}
	return string(c.Status) + "/" + c.Reason
}

// With --deletion-guard-delay, a glitch that repeats on every request (IMS answering every
// listing with nothing) removes nothing however often a sync is asked for, and Ready says the
// removal is pending while the last good status stands; when it ends, the next requested sync
// is whole again. A real 80% shrink is applied by the sync that the delay's end schedules.
func TestRepeatedGlitchWaitsForTheGuardsDelay(t *testing.T) {
	var images []*ims.Image
	for i := range 10 {
		images = append(images, &ims.Image{ID: fmt.Sprintf("5b1f0d1e-9c4b-4b7e-9f0a-2d6c3e8a7b%02d", i), Name: fmt.Sprint(i), Status: "active",
			CreatedAt: fmt.Sprintf("2025-01-%02dT00:00:00Z", i+1)})
	}
	rig := newDecisionRig(t, decisionQuery(nil), images...)
	const delay = 2 * time.Minute
	rig.r.guard = guard.New(guard.Config{Ratio: 0.5, MinRemovals: 5, Delay: delay})
	clk := rig.r.clock.(*clocktesting.FakeClock)
	if q := dueSync(t, rig); q.Status.MatchedImages != 10 {
		t.Fatalf("setup: matched %d", q.Status.MatchedImages)
	}
	all := cloudImageNames(t, rig)

	rig.cloud.images = nil
	for s := 0; s <= 90; s += 30 {
		wait := askSync(t, rig, fmt.Sprint("glitch-", s))
		q := rig.query(t)
		ready := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady)
		if readyOf(q) != "True/"+imsv1.ReasonRemovalPending || !strings.Contains(ready.Message, "remove 10 of the 10") {
			t.Fatalf("glitch at %ds: Ready %s %q, want True/RemovalPending naming the removal", s, readyOf(q), ready.Message)
		}
		if q.Status.MatchedImages != 10 || q.Status.LatestImage == nil || cloudImageNames(t, rig) != all {
			t.Fatalf("glitch at %ds: matched %d, CloudImages %q: the last good state must stand", s, q.Status.MatchedImages, cloudImageNames(t, rig))
		}
		if want := delay - time.Duration(s)*time.Second; wait != want {
			t.Errorf("glitch at %ds: next sync in %v, want %v (the delay's end)", s, wait, want)
		}
		clk.Step(30 * time.Second)
	}

	rig.cloud.images = images // the glitch ends
	askSync(t, rig, "recovered")
	if q := rig.query(t); readyOf(q) != "True/"+imsv1.ReasonSynced || q.Status.MatchedImages != 10 || cloudImageNames(t, rig) != all {
		t.Fatalf("after the glitch: Ready %s, matched %d", readyOf(q), q.Status.MatchedImages)
	}

	rig.cloud.images = images[:2] // a real shrink
	if wait := askSync(t, rig, "shrink"); wait != delay {
		t.Fatalf("a real shrink: next sync in %v, want the delay", wait)
	}
	clk.Step(delay)
	if _, err := rig.reconcile(t); err != nil { // the sync the delay's end scheduled
		t.Fatal(err)
	}
	q := rig.query(t)
	if readyOf(q) != "True/"+imsv1.ReasonSynced || q.Status.MatchedImages != 2 || cloudImageNames(t, rig) != images[0].ID+","+images[1].ID {
		t.Errorf("after the delay: Ready %s, matched %d, CloudImages %s; want the shrink applied", readyOf(q), q.Status.MatchedImages, cloudImageNames(t, rig))
	}
}
