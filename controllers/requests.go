package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/bound"
	"github.com/imagecatalog/ims-operator/internal/promotion"
)

// Freshness: a sync that somebody asked for (a new query, a spec change, a requested-at
// annotation or Flux's reconcile.fluxcd.io/requestedAt, a promote annotation, a Secret change)
// lists IMS afresh. It may share a listing only with syncs that
// IMS was asked for after it was asked, never one fetched before: a user who uploads an image
// and asks for a sync sees it, one who deleted images sees them gone. Scheduled syncs share
// freely. The moment of asking is when the controller saw the change (its watch event), so
// that many queries asked for at once (a batch apply, a Receiver annotating them all) still
// share one new listing.

// requests remember when the controller saw each query asked for.
type requests struct {
	clock clock.PassiveClock
	mu    sync.Mutex
	seen  map[types.NamespacedName]time.Time
}

func newRequests(c clock.PassiveClock) *requests {
	return &requests{clock: c, seen: map[types.NamespacedName]time.Time{}}
}

// observe records that key was asked for now.
func (r *requests) observe(key types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[key] = r.clock.Now()
}

// forget drops a deleted query.
func (r *requests) forget(key types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.seen, key)
}

// notBefore is the earliest moment at which IMS may have been asked for the listing that
// serves q's sync: zero for a scheduled sync, when the ask was seen for one asked for (now
// when it was not seen, e.g. a watch event the controller missed). A new query's ask is its
// creation: the API server stamps it in whole seconds, so the second it names and the one
// before count (queries applied together across a second's turn still share one listing),
// or when it was seen if that is earlier, against clock skew.
func (r *requests) notBefore(q *imsv1.ImageQuery, secretVersion string, now time.Time) time.Time {
	if !askedFor(q, secretVersion) {
		return time.Time{}
	}
	r.mu.Lock()
	seen, ok := r.seen[types.NamespacedName{Namespace: q.Namespace, Name: q.Name}]
	r.mu.Unlock()
	if !ok || seen.After(now) {
		seen = now
	}
	if created := q.CreationTimestamp.Add(-time.Second); q.Status.LastSyncTime == nil && !q.CreationTimestamp.IsZero() && created.Before(seen) {
		return created
	}
	return seen
}

// askedFor tells whether q's next sync was asked for rather than scheduled: a query never
// synced, a spec it has not synced, a requested-at or promote value it has not handled, a
// Secret that changed. (A promotion is decided on a fresh listing: the image a person names
// was just seen in IMS.)
func askedFor(q *imsv1.ImageQuery, secretVersion string) bool {
	ready := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady)
	_, promote := promotion.Pending(q)
	return q.Status.LastSyncTime == nil || ready == nil || ready.ObservedGeneration != q.Generation ||
		requestedAt(q) != q.Status.LastHandledRequestedAt || secretVersion != q.Status.SecretResourceVersion || promote
}

// requestedAt is what the query's sync-now annotations ask for, as status.lastHandledRequestedAt
// holds it: a sync is asked for when it differs from that. Two annotations ask: the
// operator's requested-at and Flux's reconcile.fluxcd.io/requestedAt (which a Flux Receiver
// sets). With one of them set, the value is that annotation's, so a person or a script that
// sets requested-at finds exactly its value in lastHandledRequestedAt; with both, the pair is
// compared as a whole ("<requested-at>, reconcile.fluxcd.io/requestedAt=<value>"), so that a
// change of either asks for a sync and neither hides the other.
func requestedAt(q *imsv1.ImageQuery) string {
	own, flux := q.Annotations[imsv1.RequestedAtAnnotation], q.Annotations[imsv1.FluxRequestedAtAnnotation]
	switch {
	case flux == "":
		return bound.String(own, maxRequestedAt)
	case own == "":
		return bound.String(flux, maxRequestedAt)
	}
	// Each part bounded so that the pair fits the status and a change of either shows.
	return bound.String(own, maxRequestedAt/2-20) + ", " + imsv1.FluxRequestedAtAnnotation + "=" + bound.String(flux, maxRequestedAt/2-20)
}

// maxRequestedAt is the schema's bound on status.lastHandledRequestedAt.
const maxRequestedAt = 256

// requestChanged tells whether an update changed one of the sync-now annotations.
func requestChanged(old, new map[string]string) bool {
	return old[imsv1.RequestedAtAnnotation] != new[imsv1.RequestedAtAnnotation] ||
		old[imsv1.FluxRequestedAtAnnotation] != new[imsv1.FluxRequestedAtAnnotation]
}

// predicate records the ImageQuery events that ask for a sync, passing every event on.
func (r *requests) predicate() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool {
			r.observe(types.NamespacedName{Namespace: e.Object.GetNamespace(), Name: e.Object.GetName()})
			return true
		},
		UpdateFunc: func(e event.UpdateEvent) bool {
			if e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() ||
				requestChanged(e.ObjectOld.GetAnnotations(), e.ObjectNew.GetAnnotations()) ||
				e.ObjectOld.GetAnnotations()[imsv1.PromoteAnnotation] != e.ObjectNew.GetAnnotations()[imsv1.PromoteAnnotation] {
				r.observe(types.NamespacedName{Namespace: e.ObjectNew.GetNamespace(), Name: e.ObjectNew.GetName()})
			}
			return true
		},
	}
}
