package controllers

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/listing"
)

// testSchedule is the schedule as the reconciler uses it: each query's jitter derives from
// its listing.Target, as a reconciler with the manager's default region computes it.
type testSchedule struct{ schedule }

var testCloud = &listing.Cloud{DefaultRegion: "cn-north-4"}

func (s testSchedule) jitterSeed(q *imsv1.ImageQuery) string {
	return testCloud.Target(q, "secret:"+q.Namespace+"/ims-credentials").Key()
}

func (s testSchedule) untilDue(q *imsv1.ImageQuery, secretVersion string, now time.Time) time.Duration {
	return s.schedule.untilDue(q, s.jitterSeed(q), secretVersion, now)
}

func TestUntilDue(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	r := testSchedule{schedule: schedule{defaultInterval: 10 * time.Minute}}
	synced := func() *imsv1.ImageQuery {
		q := &imsv1.ImageQuery{}
		q.UID = types.UID("3f1e0a6c-1d4e-4b51-8f0e-5c1b2a3d4e5f")
		q.Generation = 3
		last := metav1.NewTime(now.Add(-4 * time.Minute))
		q.Status.LastSyncTime = &last
		q.Status.SecretResourceVersion = "7"
		markSynced(q, "ok")
		return q
	}
	wait := r.untilDue(synced(), "7", now)
	if due := now.Add(wait); wait < time.Minute || wait >= 11*time.Minute || slot(r.jitterSeed(synced()), 10*time.Minute, due) != due {
		t.Errorf("steady state: due in %v, want the query's next slot, half to one and a half intervals after the last sync", wait)
	}

	// Identical listings fall due together, so one IMS listing serves them all, even when
	// their last syncs were minutes apart (created at different times, a sync asked for): at
	// the same slots, from the first one both reach; others spread.
	twin, other := synced(), synced()
	twin.UID = "another-uid"
	twin.Status.LastSyncTime.Time = now.Add(-2*time.Minute - 17*time.Second)
	other.Spec.Filter.Platform = "Ubuntu"
	if apart := r.untilDue(twin, "7", now) - wait; apart%(10*time.Minute) != 0 || r.jitterSeed(other) == r.jitterSeed(twin) {
		t.Errorf("the twin is due %v after the query: the schedule must follow the listing, not the query's last sync", apart)
	}
	twin.Status.LastSyncTime.Time = now.Add(-4*time.Minute + 3*time.Second) // one sync, a busy round's seconds later
	if r.untilDue(twin, "7", now) != wait {
		t.Errorf("twins synced 3s apart are due %v apart", r.untilDue(twin, "7", now)-wait)
	}

	cases := map[string]func(*imsv1.ImageQuery) string{
		"spec changed": func(q *imsv1.ImageQuery) string { q.Generation++; return "7" },
		"sync requested": func(q *imsv1.ImageQuery) string {
			q.Annotations = map[string]string{imsv1.RequestedAtAnnotation: "x"}
			return "7"
		},
		"secret rotated": func(q *imsv1.ImageQuery) string { return "8" },
		"slot passed":    func(q *imsv1.ImageQuery) string { q.Status.LastSyncTime.Time = now.Add(-15 * time.Minute); return "7" },
		"last sync failed": func(q *imsv1.ImageQuery) string {
			markFailed(q, &failure.Error{Reason: imsv1.ReasonThrottled})
			return "7"
		},
	}
	for name, change := range cases {
		q := synced()
		secret := change(q)
		if wait := r.untilDue(q, secret, now); wait > 0 {
			t.Errorf("%s: due in %v, want now", name, wait)
		}
	}

	// After a restart, overdue queries are spread over the first 10% of their interval.
	restarted := testSchedule{schedule: schedule{defaultInterval: 10 * time.Minute, started: now.Add(-10 * time.Second)}}
	overdue := synced()
	overdue.Status.LastSyncTime.Time = now.Add(-3 * time.Hour)
	j := jitter(r.jitterSeed(overdue), 10*time.Minute)
	if wait := restarted.untilDue(overdue, "7", now); wait != j-10*time.Second {
		t.Errorf("overdue after restart: due in %v, want %v (jitter from the start)", wait, j-10*time.Second)
	}

	long := synced()
	long.Annotations = map[string]string{imsv1.RequestedAtAnnotation: strings.Repeat("x", 300)}
	long.Status.LastHandledRequestedAt = requestedAt(long)
	if wait := r.untilDue(long, "7", now); wait <= 0 {
		t.Errorf("an overlong requested-at that was handled keeps the query due")
	}

	q := synced()
	q.Spec.RefreshInterval = &metav1.Duration{Duration: time.Hour}
	if wait := r.untilDue(q, "7", now); wait < 26*time.Minute || wait >= 86*time.Minute {
		t.Errorf("refreshInterval 1h, synced 4m ago: due in %v, want the slot between 30m and 90m after the sync", wait)
	}

	// minAge: an image too young at the last sync comes of age before the interval is up.
	q.Status.NextComingOfAgeTime = &metav1.Time{Time: now.Add(5 * time.Minute)}
	if wait := r.untilDue(q, "7", now); wait != 5*time.Minute {
		t.Errorf("an image comes of age in 5m: due in %v", wait)
	}
	q.Status.NextComingOfAgeTime = &metav1.Time{Time: now.Add(-time.Second)}
	if wait := r.untilDue(q, "7", now); wait > 0 {
		t.Errorf("an image came of age: due in %v, want now", wait)
	}
	// Just after a restart, an image coming of age in 5s is not pushed back by the restart's
	// spreading, which is for syncs that fell due while the operator was down.
	q.Status.NextComingOfAgeTime = &metav1.Time{Time: now.Add(5 * time.Second)}
	if wait := restarted.untilDue(q, "7", now); wait != 5*time.Second {
		t.Errorf("an image comes of age 15s after a restart: due in %v, want 5s", wait)
	}
	q.Status.NextComingOfAgeTime = &metav1.Time{Time: now.Add(3 * time.Hour)}
	if wait := r.untilDue(q, "7", now); wait > time.Hour {
		t.Errorf("an image comes of age after the interval: due in %v, want the interval", wait)
	}
}

// A seed's slots are an interval apart, stable, and the first one at or after a time is no
// more than an interval after it; different seeds get different phases.
func TestSlots(t *testing.T) {
	at := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	phases := map[time.Duration]bool{}
	for _, seed := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		s := slot(seed, time.Minute, at)
		if s.Before(at) || !s.Before(at.Add(time.Minute)) {
			t.Errorf("slot(%s) at %v is %v, want within the next minute", seed, at, s)
		}
		if slot(seed, time.Minute, s) != s || slot(seed, time.Minute, s.Add(time.Nanosecond)) != s.Add(time.Minute) {
			t.Errorf("slot(%s): a slot is its own first slot, the next one is a minute later", seed)
		}
		if slot(seed, time.Minute, at.Add(-time.Hour)) != s.Add(-time.Hour) {
			t.Errorf("slot(%s): slots are the same every hour", seed)
		}
		phases[s.Sub(at)] = true
	}
	if len(phases) < 4 {
		t.Errorf("8 seeds got only %d distinct phases", len(phases))
	}
}

// Jitter spreads queries over the first 10% of the interval, stably per query.
func TestJitterIsStableAndBounded(t *testing.T) {
	seen := map[time.Duration]bool{}
	for _, uid := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		j := jitter(uid, time.Hour)
		if j < 0 || j >= 6*time.Minute || j != jitter(uid, time.Hour) {
			t.Errorf("jitter(%s) = %v", uid, j)
		}
		seen[j] = true
	}
	if len(seen) < 4 {
		t.Errorf("8 queries got only %d distinct jitters", len(seen))
	}
}
