package controllers

import (
	"hash/fnv"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// scheduledPriority is the work queue priority of a sync the schedule brings back (or a
// removal's confirmation, a refused status's retry), below the default (0) of a sync a change
// brings: a query created, edited or asked for a sync (the requested-at annotation, a Secret)
// goes before the queries whose slot came. With 1,000 queries syncing every minute on 2
// workers, a new query otherwise waits behind every slot that fell due, and the first mirror
// of many queries slows as more of them are done. It is below the priority of the cache's
// initial listing too (handler.LowPriority): after a restart, a query edited while the manager
// was down is in that listing, and must not wait behind the slots that come due meanwhile.
const scheduledPriority = 2 * handler.LowPriority

// next is the result that brings q back in wait, as a scheduled sync.
func next(wait time.Duration) ctrl.Result {
	priority := scheduledPriority
	return ctrl.Result{RequeueAfter: wait, Priority: &priority}
}

// schedule says when a query syncs next.
type schedule struct {
	// started is when the controller was set up; it spreads overdue syncs after a restart.
	started         time.Time
	defaultInterval time.Duration // --default-refresh-interval
}

// untilDue is how long until q's next sync; zero or less means now. A sync is due when the
// spec, the requested-at annotation or the Secret changed, after a failure, and at q's next
// slot, or sooner when an image that was too young for minAge comes of age. A query's slots
// are every refreshInterval at a phase derived from listingKey (the query's listing.Target
// key): queries with identical listings fall due at the same moments, however far apart their
// last syncs were (created at different times, asked for syncs of their own, delayed by a
// busy round), and share one listing per round, while queries with other listings spread
// over the interval. The next slot is the first one at least half an interval after the last
// sync: an interval apart in a steady state, between half and one and a half after a sync
// that was asked for.
func (s schedule) untilDue(q *imsv1.ImageQuery, listingKey, secretVersion string, now time.Time) time.Duration {
	ready := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady)
	switch {
	case ready == nil || ready.Status != metav1.ConditionTrue,
		ready.ObservedGeneration != q.Generation,
		requestedAt(q) != q.Status.LastHandledRequestedAt,
		secretVersion != q.Status.SecretResourceVersion,
		q.Status.LastSyncTime == nil:
		return 0
	}
	interval := s.interval(q)
	next := slot(listingKey, interval, q.Status.LastSyncTime.Add(interval/2))
	// minAge: an image listed too young is picked up when it comes of age.
	if t := q.Status.NextComingOfAgeTime; t != nil && t.Time.Before(next) {
		next = t.Time
	}
	// Queries that fell due while the operator was down are spread over the first 10% of their
	// interval after it starts, not fired all at once (identical listings together); later due
	// times (an image coming of age a few seconds after the start) are kept.
	if next.Before(s.started) {
		next = s.started.Add(jitter(listingKey, interval))
	}
	return next.Sub(now)
}

// slot is the first of seed's slots at or after t: the moments interval apart whose phase
// (their offset from the Unix epoch, modulo interval) derives from seed.
func slot(seed string, interval time.Duration, t time.Time) time.Time {
	phase := time.Duration(hashOf(seed) % uint64(interval))
	since := t.Sub(time.Unix(0, 0).Add(phase)) % interval // Go's %: negative before the epoch
	if since < 0 {
		since += interval
	}
	if since == 0 {
		return t
	}
	return t.Add(interval - since)
}

// interval is spec.refreshInterval, or the manager's default.
func (s schedule) interval(q *imsv1.ImageQuery) time.Duration {
	if q.Spec.RefreshInterval != nil && q.Spec.RefreshInterval.Duration >= time.Minute {
		return q.Spec.RefreshInterval.Duration
	}
	return s.defaultInterval
}

// jitter is a stable fraction (0-10%) of interval derived from seed.
func jitter(seed string, interval time.Duration) time.Duration {
	return time.Duration(uint64(interval) / 10 * (hashOf(seed) % 1000) / 1000)
}

// hashOf is a stable hash of seed.
func hashOf(seed string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(seed))
	return h.Sum64()
}
