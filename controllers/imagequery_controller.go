package controllers

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// userAgent names the operator in IMS's access logs.
const userAgent = "ims-operator"

// IMSSettings are the manager-wide IMS settings that ImageQueries fall back on.
type IMSSettings struct {
	// Endpoint, when set, receives every query's requests (--ims-endpoint).
	Endpoint string
	// DefaultRegion is used when spec.region is empty (--default-region).
	DefaultRegion string
	// DefaultRefreshInterval is used when spec.refreshInterval is empty.
	DefaultRefreshInterval time.Duration
	// Endpoints resolves a region's IMS endpoints (HUAWEICLOUD_SDK_REGION_IMS_<REGION>, the
	// regions file, the public pattern); nil: the public pattern. Endpoint wins over it.
	Endpoints *ims.Endpoints
	// HTTPClient is shared by every query's IMS client (connection reuse, metrics).
	HTTPClient *http.Client
}

// ImageQueryReconciler syncs an ImageQuery: when a sync is due it lists the matching images
// from IMS, mirrors them as CloudImages and writes the status once.
type ImageQueryReconciler struct {
	Client    client.Client
	APIReader client.Reader // uncached reads: Secrets are never cached
	Recorder  recorder.EventRecorder
	Clock     clock.PassiveClock
	IMS       IMSSettings
	// Credentials say where queries' credentials may come from (credentials.go).
	Credentials CredentialSettings
	// NewImageClient builds the IMS client for one sync: NewImageClient, or a fake in tests.
	NewImageClient func(ims.Config) (ImageClient, error)
	// Listings shares identical listings and paces IMS requests per account; nil does neither.
	Listings *Listings
	// MirrorWorkers bounds the CloudImage writes one sync has in flight (--mirror-workers).
	MirrorWorkers int
	// Guard confirms large removals with a second listing.
	Guard DeletionGuard

	started time.Time // when the controller was set up; spreads overdue syncs after a restart
	// refusals are the records the API server refused for their size, per query.
	refusals refusalMemory
}

// +kubebuilder:rbac:groups=ims.imagecatalog.io,resources=imagequeries,verbs=get;list;watch
// +kubebuilder:rbac:groups=ims.imagecatalog.io,resources=imagequeries/status,verbs=get;patch
// CloudImages: the mirror creates them, rewrites a changed record (update), merge-patches
// claims alone (patch: the cache holds only their metadata) and deletes unclaimed ones.
// +kubebuilder:rbac:groups=ims.imagecatalog.io,resources=cloudimages,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile syncs one ImageQuery if a sync is due and schedules the next one.
func (r *ImageQueryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	q := &imsv1.ImageQuery{}
	if err := r.Client.Get(ctx, req.NamespacedName, q); err != nil {
		if client.IgnoreNotFound(err) == nil {
			forgetQueryMetrics(req.Namespace, req.Name)
			r.refusals.forgetQuery(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !q.DeletionTimestamp.IsZero() {
		r.refusals.forgetQuery(req.NamespacedName)
		return ctrl.Result{}, nil // the garbage collector and the CloudImage controller clean up
	}
	status := newStatusPatcher(r.Client, q)
	result, err := r.reconcile(ctx, q, status)
	if perr := status.patch(ctx, q); perr != nil {
		if apierrors.IsConflict(perr) && err == nil {
			// The cache was behind a status this controller just wrote; look again shortly.
			return ctrl.Result{RequeueAfter: time.Second}, nil
		}
		if refusedForSize(perr) || apierrors.IsInvalid(perr) {
			return r.statusRefused(ctx, status, perr)
		}
		return ctrl.Result{}, errors.Join(err, perr)
	}
	return result, err
}

// reconcile decides whether q syncs now. It changes q's status in memory; Reconcile writes it.
func (r *ImageQueryReconciler) reconcile(ctx context.Context, q *imsv1.ImageQuery, status *statusPatcher) (ctrl.Result, error) {
	if q.Spec.Suspend {
		observeSuspended(q.Namespace, q.Name)
		q.Status.ObservedGeneration = q.Generation
		meta.RemoveStatusCondition(&q.Status.Conditions, imsv1.ConditionReconciling)
		return ctrl.Result{}, nil
	}
	secretVersion, err := r.secretVersion(ctx, q)
	if err != nil {
		return ctrl.Result{}, err
	}
	now := r.Clock.Now()
	if wait := r.untilDue(q, secretVersion, now); wait > 0 {
		// Not due, but the last sync's result stands: its metrics are published (after a
		// restart too) and an export ConfigMap edited or deleted by hand is put back now.
		observeMatched(q)
		observeLatest(q)
		if f := r.export(ctx, q); f != nil {
			return r.failed(ctx, q, meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady).DeepCopy(), f)
		}
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	if meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady) == nil {
		// A first sync can take a while: say so now, so that kstatus reads InProgress.
		markProgressing(q)
		if err := status.patch(ctx, q); err != nil {
			return ctrl.Result{}, err
		}
	}
	return r.sync(ctx, q)
}

// sync lists, mirrors and records. On failure the status lists and the CloudImages stay as
// they were; only the conditions change.
func (r *ImageQueryReconciler) sync(ctx context.Context, q *imsv1.ImageQuery) (ctrl.Result, error) {
	log := logf.FromContext(ctx)
	start := r.Clock.Now()
	prevReady := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady).DeepCopy()
	firstSync := q.Status.LastSyncTime == nil
	q.Status.LastHandledRequestedAt = requestedAt(q)

	listing, src, err := r.listing(ctx, q, false)
	// The deferred release holds the listing's length, not the listing: the collection it
	// runs can only free a listing nothing refers to any more.
	listed := len(listing)
	defer func() { src.done(); releaseMemory(listed) }()
	region := src.region
	var matched matchResult
	if err == nil {
		var mf *syncFailure
		if matched, mf = match(&q.Spec, listing, r.Clock.Now()); mf != nil {
			err = mf
		}
	}
	if err == nil {
		matched, err = r.confirmRemovals(ctx, q, matched)
	}
	var mirrored mirrorResult
	if err == nil {
		mirrored, err = r.mirror(ctx, q, src, matched.Images)
	}
	var f *syncFailure
	if errors.Is(err, context.Canceled) || (err != nil && !errors.As(err, &f)) {
		// Shutting down (or an error no step explained): leave the status alone.
		return ctrl.Result{}, err
	}
	observeSync(r.Clock.Since(start), f)

	if f != nil {
		// The last latest image still stands: its export is kept (put back if deleted).
		if xf := r.export(ctx, q); xf != nil {
			log.Info("export not kept", "reason", xf.Reason, "error", xf.Message)
		}
		return r.failed(ctx, q, prevReady, f)
	}

	prevLatest := q.Status.LatestImage
	change := recordListing(q, matched, r.Clock.Now())
	q.Status.Region = region
	observeMatched(q)
	observeLatest(q)
	r.announceLatest(q, change, prevLatest, prevReady)
	if f := r.export(ctx, q); f != nil {
		return r.failed(ctx, q, prevReady, f)
	}
	summary := imagesMatched(len(matched.Images)) + statusImagesNote(q, len(matched.Images)) + rejectedNote(mirrored)
	markSynced(q, summary)
	observeStatus(q, r.interval(q))
	r.announce(q, prevReady, firstSync, summary, mirrored)
	log.Info("synced", "matched", len(matched.Images), "added", mirrored.Added, "removed", mirrored.Removed, "writes", mirrored.Written)
	return ctrl.Result{RequeueAfter: r.untilDue(q, q.Status.SecretResourceVersion, r.Clock.Now())}, nil
}

// mirror writes q's matches, with the claims of the queries whose listing it knows. Syncs of
// one listing in one namespace mirror one after another: the later ones then find the
// earlier one's writes instead of racing it to create the same objects.
func (r *ImageQueryReconciler) mirror(ctx context.Context, q *imsv1.ImageQuery, src listSource, images []*ims.Image) (mirrorResult, error) {
	leave, err := r.Listings.turn(ctx, q.Namespace+"/"+src.key)
	if err != nil {
		return mirrorResult{}, fmt.Errorf("%w: %w", context.Canceled, err)
	}
	defer leave()
	m := &mirror{client: r.Client, live: r.APIReader, workers: r.MirrorWorkers, others: r.coClaims(ctx, q, src),
		refused: r.refusals.of(q)}
	res, err := m.apply(ctx, q, src.region, images)
	r.refusals.keep(q, res.Refused, err == nil)
	if err != nil && ctx.Err() == nil {
		err = &syncFailure{Reason: imsv1.ReasonMirrorFailed, Message: err.Error(), Err: err}
	}
	return res, err
}

// failed records a failed sync or export. A terminal failure waits for a change (or the
// next interval); a transient one comes back through the controller's rate limiter.
func (r *ImageQueryReconciler) failed(ctx context.Context, q *imsv1.ImageQuery, prevReady *metav1.Condition, f *syncFailure) (ctrl.Result, error) {
	markFailed(q, f)
	observeStatus(q, r.interval(q))
	r.announceFailure(q, prevReady, f)
	logf.FromContext(ctx).Info("sync failed", "reason", f.Reason, "terminal", f.Terminal, "error", f.Message)
	if f.Terminal {
		return ctrl.Result{RequeueAfter: r.interval(q)}, nil
	}
	return ctrl.Result{}, f // the controller's rate limiter backs off
}

func imagesMatched(n int) string {
	if n == 1 {
		return "1 image matched"
	}
	return fmt.Sprintf("%d images matched", n)
}

// list runs the whole IMS listing, unfiltered by the operator (match does that), or joins an
// identical one (see Listings). Any error means no result at all; it is a *syncFailure unless
// the context ended. The listing may be shared: never modify it.
func (r *ImageQueryReconciler) list(ctx context.Context, q *imsv1.ImageQuery) ([]*ims.Image, string, error) {
	images, src, err := r.listing(ctx, q, false)
	src.done()
	return images, src.region, err
}

// listSource is where and as whom a query listed, and its hold on a shared listing.
type listSource struct {
	region  string
	creds   ims.Credentials
	key     string // of the query's own listing
	release func()
}

// done ends the sync's use of a shared listing (which is kept for a while after the last).
func (s listSource) done() {
	if s.release != nil {
		s.release()
	}
}

// keyFor is the listing of spec from this source, as Listings shares them.
func (s listSource) keyFor(endpoint string, spec *imsv1.ImageQuerySpec) string {
	return listingKey(endpoint, s.region, s.creds, listRequest(spec))
}

// listing is list; with fresh it never uses a listing made before this call (nor one in
// flight), for a decision that must rest on a new answer, such as confirming deletions. The
// caller calls src.done() when it no longer needs the listing.
func (r *ImageQueryReconciler) listing(ctx context.Context, q *imsv1.ImageQuery, fresh bool) ([]*ims.Image, listSource, error) {
	src := listSource{region: r.region(q)}
	creds, secretVersion, err := r.credentials(ctx, q)
	if err != nil {
		return nil, src, err
	}
	src.creds = creds
	q.Status.SecretResourceVersion = secretVersion
	cloud, err := r.regionClient(src.region, creds, r.Listings.limiter(creds.Identity(), r.endpointOf(src.region)))
	if err != nil {
		return nil, src, &syncFailure{Reason: imsv1.ReasonInvalidCredentials, Message: err.Error(), Terminal: true, Err: err}
	}
	req := listRequest(&q.Spec)
	src.key = src.keyFor(r.endpointOf(src.region), &q.Spec)
	images, release, err := r.Listings.list(ctx, src.key, fresh, r.hasTwin(ctx, q), func(ctx context.Context) ([]*ims.Image, error) {
		return collect(cloud.ListImages(ctx, req))
	})
	src.release = release
	if err != nil {
		if ctx.Err() != nil {
			return nil, src, fmt.Errorf("%w: %w", context.Canceled, err)
		}
		return nil, src, listFailure(err)
	}
	return images, src, nil
}

// hasTwin tells whether another ImageQuery (in any namespace) asks IMS the same in the same
// region, so that q's listing is worth keeping for it a while.
func (r *ImageQueryReconciler) hasTwin(ctx context.Context, q *imsv1.ImageQuery) bool {
	var all imsv1.ImageQueryList
	if err := r.Client.List(ctx, &all); err != nil {
		return true // keeping costs memory for a while; not keeping costs a listing
	}
	want := listRequest(&q.Spec).Values().Encode()
	for i := range all.Items {
		b := &all.Items[i]
		if b.UID != q.UID && !b.Spec.Suspend && r.region(b) == r.region(q) &&
			listRequest(&b.Spec).Values().Encode() == want {
			return true
		}
	}
	return false
}

// endpointOf names where a region's requests go, for rate limits and shared listings: the
// --ims-endpoint, or the region (whose endpoints, fall-backs included, count as one).
func (r *ImageQueryReconciler) endpointOf(region string) string {
	if r.IMS.Endpoint != "" {
		return r.IMS.Endpoint
	}
	return "region:" + region
}

// collect gathers a whole listing; any error means no images at all.
func collect(seq iter.Seq2[*ims.Image, error]) ([]*ims.Image, error) {
	var images []*ims.Image
	for img, err := range seq {
		if err != nil {
			return nil, err
		}
		images = append(images, img)
	}
	return images, nil
}

func (r *ImageQueryReconciler) region(q *imsv1.ImageQuery) string {
	if q.Spec.Region != "" {
		return q.Spec.Region
	}
	return r.IMS.DefaultRegion
}

// untilDue is how long until q's next sync; zero or less means now. A sync is due when the
// spec, the requested-at annotation or the Secret changed, after a failure, and every
// refreshInterval after the last sync, plus a fixed jitter of up to 10% per listing so that a
// restart does not fire every query at once, or sooner when an image that was too young for
// minAge comes of age.
func (r *ImageQueryReconciler) untilDue(q *imsv1.ImageQuery, secretVersion string, now time.Time) time.Duration {
	ready := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady)
	switch {
	case ready == nil || ready.Status != metav1.ConditionTrue,
		ready.ObservedGeneration != q.Generation,
		requestedAt(q) != q.Status.LastHandledRequestedAt,
		secretVersion != q.Status.SecretResourceVersion,
		q.Status.LastSyncTime == nil:
		return 0
	}
	interval := r.interval(q)
	j := jitter(r.jitterSeed(q), interval)
	next := q.Status.LastSyncTime.Add(interval + j)
	// minAge: an image listed too young is picked up when it comes of age.
	if t := q.Status.NextComingOfAgeTime; t != nil && t.Time.Before(next) {
		next = t.Time
	}
	// Queries that fell due while the operator was down are spread over the first 10% of their
	// interval after it starts, not fired all at once; later due times (an image coming of age
	// a few seconds after the start) are kept.
	if next.Before(r.started) {
		next = r.started.Add(j)
	}
	return next.Sub(now)
}

// jitterSeed is what a query's jitter derives from: what it lists, where and as whom, so that
// queries with identical listings fall due together and share one listing per round, while
// other queries spread out.
func (r *ImageQueryReconciler) jitterSeed(q *imsv1.ImageQuery) string {
	secret := ""
	if q.Spec.CredentialsSecretRef != nil {
		secret = q.Spec.CredentialsSecretRef.Name
	}
	return q.Namespace + "/" + secret + "/" + r.region(q) + "?" + listRequest(&q.Spec).Values().Encode()
}

// requestedAt is the requested-at annotation as the status can hold it.
func requestedAt(q *imsv1.ImageQuery) string {
	return truncate(q.Annotations[imsv1.RequestedAtAnnotation], maxRequestedAt)
}

// maxRequestedAt is the schema's bound on status.lastHandledRequestedAt.
const maxRequestedAt = 256

func (r *ImageQueryReconciler) interval(q *imsv1.ImageQuery) time.Duration {
	if q.Spec.RefreshInterval != nil && q.Spec.RefreshInterval.Duration >= time.Minute {
		return q.Spec.RefreshInterval.Duration
	}
	return r.IMS.DefaultRefreshInterval
}

// jitter is a stable fraction (0-10%) of interval derived from the query's UID.
func jitter(uid string, interval time.Duration) time.Duration {
	h := fnv.New32a()
	h.Write([]byte(uid))
	return time.Duration(uint64(interval) / 10 * uint64(h.Sum32()%1000) / 1000)
}
