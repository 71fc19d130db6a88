package controllers

import (
	"hash/fnv"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// schedule says when a query syncs next.
type schedule struct {
	// started is when the controller was set up; it spreads overdue syncs after a restart.
	started         time.Time
	defaultInterval time.Duration // --default-refresh-interval
}

// untilDue is how long until q's next sync; zero or less means now. A sync is due when the
// spec, the requested-at annotation or the Secret changed, after a failure, and every
// refreshInterval after the last sync, plus a fixed jitter of up to 10% derived from
// listingKey (the query's listing.Target key), so that queries with identical listings fall
// due together and share one listing per round while the others spread out, or sooner when
// an image that was too young for minAge comes of age.
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
	j := jitter(listingKey, interval)
	next := q.Status.LastSyncTime.Add(interval + j)
	// minAge: an image listed too young is picked up when it comes of age.
	if t := q.Status.NextComingOfAgeTime; t != nil && t.Time.Before(next) {
		next = t.Time
	}
	// Queries that fell due while the operator was down are spread over the first 10% of their
	// interval after it starts, not fired all at once; later due times (an image coming of age
	// a few seconds after the start) are kept.
	if next.Before(s.started) {
		next = s.started.Add(j)
	}
	return next.Sub(now)
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
	h := fnv.New32a()
	h.Write([]byte(seed))
	return time.Duration(uint64(interval) / 10 * uint64(h.Sum32()%1000) / 1000)
}
