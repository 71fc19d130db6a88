package controllers

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/credentials"
	"github.com/imagecatalog/ims-operator/internal/export"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/guard"
	"github.com/imagecatalog/ims-operator/internal/listing"
	"github.com/imagecatalog/ims-operator/internal/memory"
	"github.com/imagecatalog/ims-operator/internal/mirror"
	"github.com/imagecatalog/ims-operator/internal/promotion"
)

// ImageQueryConfig wires an ImageQueryReconciler: the manager's clients and settings.
type ImageQueryConfig struct {
	Client    client.Client
	APIReader client.Reader // uncached reads: Secrets are never cached
	Recorder  recorder.EventRecorder
	Clock     clock.PassiveClock
	// Cloud is where queries' IMS requests go (--ims-endpoint, --default-region, the SDK's
	// per-region endpoints) and how an endpoint's client is built.
	Cloud listing.Cloud
	// DefaultRefreshInterval is used when spec.refreshInterval is empty.
	DefaultRefreshInterval time.Duration
	// Credentials say where queries' credentials may come from.
	Credentials credentials.Settings
	// Listings shares identical listings and paces IMS requests per account; nil does neither.
	Listings *listing.Listings
	// MirrorWorkers bounds the CloudImage writes one sync has in flight (--mirror-workers).
	MirrorWorkers int
	// Guard confirms large removals with a later listing.
	Guard guard.Config
	// Shard is the namespaces this manager syncs (--namespace-selector); nil: all of them.
	Shard *Shard
}

// ImageQueryReconciler syncs an ImageQuery: when a sync is due it lists the matching images
// from IMS, mirrors them as CloudImages and writes the status once. Each step is a
// collaborator that holds only what it uses; the reconciler decides when they run and
// records what they found.
type ImageQueryReconciler struct {
	client   client.Client
	clock    clock.PassiveClock
	cloud    *listing.Cloud
	listings *listing.Listings
	creds    *credentials.Resolver
	guard    *guard.Guard
	writer   *mirror.Writer
	exports  *export.Exporter
	sources  *promotion.Sources
	events   announcer
	requests *requests
	metrics  *queryMetrics
	memory   *memory.Releaser
	schedule schedule
	shard    *Shard
}

// NewImageQueryReconciler builds the reconciler and its steps from cfg.
func NewImageQueryReconciler(cfg ImageQueryConfig) *ImageQueryReconciler {
	cloud := cfg.Cloud
	return &ImageQueryReconciler{
		client:   cfg.Client,
		clock:    cfg.Clock,
		cloud:    &cloud,
		listings: cfg.Listings,
		creds:    &credentials.Resolver{Client: cfg.Client, APIReader: cfg.APIReader, Settings: cfg.Credentials},
		guard:    guard.New(cfg.Guard),
		writer:   &mirror.Writer{Client: cfg.Client, Live: cfg.APIReader, Workers: cfg.MirrorWorkers},
		exports:  &export.Exporter{Client: cfg.Client, APIReader: cfg.APIReader},
		sources:  &promotion.Sources{Client: cfg.Client},
		events:   announcer{cfg.Recorder},
		requests: newRequests(cfg.Clock),
		metrics:  newQueryMetrics(),
		memory:   &memory.Releaser{},
		schedule: schedule{defaultInterval: cfg.DefaultRefreshInterval},
		shard:    cfg.Shard,
	}
}

// +kubebuilder:rbac:groups=ims.imagecatalog.io,resources=imagequeries,verbs=get;list;watch
// +kubebuilder:rbac:groups=ims.imagecatalog.io,resources=imagequeries/status,verbs=get;patch
// CloudImages: the mirror creates them, rewrites a changed record (update), merge-patches
// claims alone (patch: the cache holds only their metadata) and deletes unclaimed ones.
// +kubebuilder:rbac:groups=ims.imagecatalog.io,resources=cloudimages,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile syncs one ImageQuery if a sync is due and schedules the next one.
func (r *ImageQueryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if !r.shard.Owns(ctx, req.Namespace) {
		// Another shard's namespace (or it left this one): keep nothing of it, write nothing.
		r.forget(req.NamespacedName)
		return ctrl.Result{}, nil
	}
	q := &imsv1.ImageQuery{}
	if err := r.client.Get(ctx, req.NamespacedName, q); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !q.DeletionTimestamp.IsZero() {
		r.writer.Forget(req.NamespacedName)
		return ctrl.Result{}, nil // the garbage collector and the CloudImage controller clean up
	}
	status := newStatusPatcher(r.client, q)
	result, err := r.reconcile(ctx, q, status)
	if perr := status.patch(ctx, q); perr != nil {
		if apierrors.IsConflict(perr) && err == nil {
			// The cache was behind a status this controller just wrote; look again shortly.
			return ctrl.Result{RequeueAfter: time.Second}, nil
		}
		if mirror.RefusedForSize(perr) || apierrors.IsInvalid(perr) {
			return r.statusRefused(ctx, status, perr)
		}
		return ctrl.Result{}, errors.Join(err, perr)
	}
	return result, err
}

// forget drops what the reconciler keeps of a query it no longer syncs.
func (r *ImageQueryReconciler) forget(key types.NamespacedName) {
	r.metrics.forget(key.Namespace, key.Name)
	r.writer.Forget(key)
	r.requests.forget(key)
	r.guard.Forget(key)
}

// reconcile decides whether q syncs now. It changes q's status in memory; Reconcile writes it.
func (r *ImageQueryReconciler) reconcile(ctx context.Context, q *imsv1.ImageQuery, status *statusPatcher) (ctrl.Result, error) {
	if q.Spec.Suspend {
		if v, ok := promotion.Pending(q); ok {
			q.Status.LastHandledPromote = promotion.HandledValue(v)
			r.events.promotionRefused(q, "promote: "+promotion.Quoted(v)+" refused: the query is suspended (spec.suspend), nothing changes")
		}
		r.metrics.suspended(q.Namespace, q.Name)
		q.Status.ObservedGeneration = q.Generation
		meta.RemoveStatusCondition(&q.Status.Conditions, imsv1.ConditionReconciling)
		return ctrl.Result{}, nil
	}
	secretVersion, err := r.creds.SecretVersion(ctx, q)
	if err != nil {
		return ctrl.Result{}, err
	}
	up, err := r.sources.Resolve(ctx, q)
	if err != nil {
		// The upstream is missing, not allowed or part of a cycle: nothing is listed, the latest
		// image stays; the upstream's watch brings the query back when that changes.
		return r.failed(ctx, q, meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady).DeepCopy(), err)
	}
	if wait := r.untilDue(q, secretVersion, up); wait > 0 {
		// Not due, but the last sync's result stands: its metrics are published (after a
		// restart too) and an export ConfigMap edited or deleted by hand is put back now.
		r.metrics.matched(q)
		r.metrics.latest(q)
		switch err := r.exports.Keep(ctx, q, nil); {
		case errors.Is(err, export.ErrNeedsSelection):
			// The allow list of a ConfigMap deleted by hand comes from a sync: run one now.
		case err != nil:
			return r.failed(ctx, q, meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady).DeepCopy(), err)
		default:
			return next(wait), nil
		}
	}
	if meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady) == nil {
		// A first sync can take a while: say so now, so that kstatus reads InProgress.
		markProgressing(q)
		if err := status.patch(ctx, q); err != nil {
			return ctrl.Result{}, err
		}
	}
	return r.sync(ctx, q, r.requests.notBefore(q, secretVersion, r.clock.Now()), up)
}

// sync runs the steps and records what they found; its listing was asked of IMS no earlier
// than notBefore. On failure the status lists and the CloudImages stay as they were; only the
// conditions change.
func (r *ImageQueryReconciler) sync(ctx context.Context, q *imsv1.ImageQuery, notBefore time.Time, up *promotion.Upstream) (ctrl.Result, error) {
	start := r.clock.Now()
	prevReady := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady).DeepCopy()
	firstSync := q.Status.LastSyncTime == nil
	q.Status.LastHandledRequestedAt = requestedAt(q)

	res, err := r.run(ctx, q, notBefore, up)
	// The release holds the listing's length, not the listing: the collection it runs can
	// only free a listing nothing refers to any more, so it waits for this sync to end.
	defer r.memory.AfterSync(res.listed)
	var pending *guard.Pending
	if errors.As(err, &pending) {
		observeSync(r.clock.Since(start), &failure.Error{Reason: imsv1.ReasonRemovalPending})
		markRemovalPending(q, pending.Error())
		if xerr := r.exports.Keep(ctx, q, nil); xerr != nil && !errors.Is(xerr, export.ErrNeedsSelection) {
			return r.failed(ctx, q, prevReady, xerr)
		}
		logf.FromContext(ctx).Info("large removal pending", "removed", pending.Removed, "of", pending.Of, "until", pending.Until)
		return next(pending.Until.Sub(r.clock.Now())), nil
	}
	f, explained := failure.As(err)
	if errors.Is(err, context.Canceled) || (err != nil && !explained) {
		// Shutting down (or an error no step explained): leave the status alone.
		return ctrl.Result{}, err
	}
	observeSync(r.clock.Since(start), f)
	if f != nil {
		// The last latest image still stands: its export is kept (put back if deleted).
		if xerr := r.exports.Keep(ctx, q, nil); xerr != nil {
			logf.FromContext(ctx).Info("export not kept", "error", xerr.Error())
		}
		return r.failed(ctx, q, prevReady, f)
	}

	prevLatest := q.Status.LatestImage
	news := recordListing(q, res.matched, res.decision, up, r.clock.Now())
	q.Status.Region = res.region
	r.metrics.matched(q)
	r.metrics.latest(q)
	r.events.latest(q, news, prevLatest, prevReady)
	r.events.promotion(q, news)
	allowed := export.AllowList(res.matched.Usable)
	if allowed.Truncated && q.Spec.Export != nil && q.Spec.Export.AllowedImageIDs {
		r.events.allowListTruncated(q, len(res.matched.Usable))
	}
	if err := r.exports.Keep(ctx, q, &allowed); err != nil {
		return r.failed(ctx, q, prevReady, err)
	}
	summary := imagesMatched(len(res.matched.Images)) + statusImagesNote(q, len(res.matched.Images)) + rejectedNote(res.mirrored)
	markSynced(q, summary)
	markLatest(q)
	observeStatus(q, r.schedule.interval(q))
	r.events.synced(q, prevReady, firstSync, summary, res.mirrored)
	logf.FromContext(ctx).Info("synced", "matched", len(res.matched.Images), "added", res.mirrored.Added,
		"removed", res.mirrored.Removed, "writes", res.mirrored.Written)
	return next(r.untilDue(q, q.Status.SecretResourceVersion, up)), nil
}

// untilDue is how long until q's next sync (see schedule.untilDue): now for a promote value
// not handled yet; sooner than scheduled when its pending large removal may be confirmed or
// when its upstream's latest image ends its soak.
func (r *ImageQueryReconciler) untilDue(q *imsv1.ImageQuery, secretVersion string, up *promotion.Upstream) time.Duration {
	if _, ok := promotion.Pending(q); ok {
		return 0
	}
	now := r.clock.Now()
	wait := r.schedule.untilDue(q, r.target(q).Key(), secretVersion, now)
	if until, ok := r.guard.PendingUntil(client.ObjectKeyFromObject(q)); ok && until.Sub(now) < wait {
		wait = until.Sub(now)
	}
	if ends, ok := soakToEvaluate(q, up); ok && ends.Sub(now) < wait {
		wait = ends.Sub(now)
	}
	return wait
}

// soakToEvaluate is when q's upstream's latest image, which q has not taken as candidate,
// ends its soak, if no sync of q has looked at it since then. The end is read from the
// upstream's latestImageSince, so a restarted manager resumes a soak where it was.
func soakToEvaluate(q *imsv1.ImageQuery, up *promotion.Upstream) (time.Time, bool) {
	ends := up.SoakEnds()
	if ends.IsZero() || (q.Status.CandidateImage != nil && q.Status.CandidateImage.ID == up.LatestID) {
		return time.Time{}, false
	}
	// Status times are whole seconds: a sync in the second the soak ended may have been early.
	if last := q.Status.LastSyncTime; last != nil && last.After(ends) {
		return time.Time{}, false
	}
	return ends, true
}

// failed records a failed sync or export. A terminal failure waits for a change (or the
// next interval); a transient one comes back through the controller's rate limiter.
func (r *ImageQueryReconciler) failed(ctx context.Context, q *imsv1.ImageQuery, prevReady *metav1.Condition, err error) (ctrl.Result, error) {
	f, ok := failure.As(err)
	if !ok {
		return ctrl.Result{}, err
	}
	markFailed(q, f)
	observeStatus(q, r.schedule.interval(q))
	r.events.failed(q, prevReady, f)
	logf.FromContext(ctx).Info("sync failed", "reason", f.Reason, "terminal", f.Terminal, "error", f.Message)
	if f.Terminal {
		return next(r.schedule.interval(q)), nil
	}
	return ctrl.Result{}, f // the controller's rate limiter backs off
}

// target is where and as whom q lists: computed from the spec and the manager's settings
// alone, for any query, due or not.
func (r *ImageQueryReconciler) target(q *imsv1.ImageQuery) listing.Target {
	return r.cloud.Target(q, r.creds.Identity(q))
}
