package controllers

import (
	"context"
	"iter"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/credentials"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/listing"
	"github.com/imagecatalog/ims-operator/internal/mirror"
)

// The sync decisions of one Reconcile, with the controller-runtime fake client and a
// slice-backed IMS client: what is written, what is returned, and whether IMS is asked at all.
// The integration suite covers the same ground against a real API server; these run in
// milliseconds on a fresh clone.

// sliceImages is an ImageClient that answers from a slice, or fails with err.
type sliceImages struct {
	images []*ims.Image
	err    error
	calls  int
}

func (s *sliceImages) ListImages(context.Context, ims.ListImagesRequest) iter.Seq2[*ims.Image, error] {
	s.calls++
	return func(yield func(*ims.Image, error) bool) {
		if s.err != nil {
			yield(nil, s.err)
			return
		}
		for _, img := range s.images {
			if !yield(img, nil) {
				return
			}
		}
	}
}

// decisionRig is one reconciler on a fake client, with its writes counted.
type decisionRig struct {
	r             *ImageQueryReconciler
	cloud         *sliceImages
	events        *events.FakeRecorder
	statusPatches int
	imageWrites   int
	// fullImageReads counts reads of whole CloudImages: from the manager's cached client they
	// would start an informer caching every full record next to the metadata one.
	fullImageReads int
	statusErr      error // returned by the next status patch, then cleared
	// refuse, when set, answers each CloudImage create and update before the fake client does:
	// a non-nil error refuses the write.
	refuse func(client.Object) error
}

var decisionNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func newDecisionRig(t *testing.T, q *imsv1.ImageQuery, images ...*ims.Image) *decisionRig {
	t.Helper()
	s := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(s))
	utilruntime.Must(imsv1.AddToScheme(s))
	rig := &decisionRig{cloud: &sliceImages{images: images}, events: events.NewFakeRecorder(100)}
	countImage := func(obj client.Object) {
		if gvk, _ := apiutil.GVKForObject(obj, s); gvk.Kind == "CloudImage" { // typed or metadata
			rig.imageWrites++
		}
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(q).WithStatusSubresource(&imsv1.ImageQuery{}).
		WithInterceptorFuncs(interceptor.Funcs{
			Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				if _, full := obj.(*imsv1.CloudImage); full {
					rig.fullImageReads++
				}
				return c.Get(ctx, key, obj, opts...)
			},
			List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
				if _, full := list.(*imsv1.CloudImageList); full {
					rig.fullImageReads++
				}
				return c.List(ctx, list, opts...)
			},
			Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
				countImage(obj)
				if err := rig.refused(obj); err != nil {
					return err
				}
				return c.Create(ctx, obj, opts...)
			},
			Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
				countImage(obj)
				if err := rig.refused(obj); err != nil {
					return err
				}
				return c.Update(ctx, obj, opts...)
			},
			Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
				countImage(obj)
				return c.Delete(ctx, obj, opts...)
			},
			Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
				countImage(obj)
				return c.Patch(ctx, obj, p, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
				rig.statusPatches++
				if err := rig.statusErr; err != nil {
					rig.statusErr = nil
					return err
				}
				return c.SubResource(sub).Patch(ctx, obj, p, opts...)
			},
		}).Build()
	rig.r = NewImageQueryReconciler(ImageQueryConfig{
		Client:    c,
		APIReader: c,
		Recorder:  rig.events,
		Clock:     clocktesting.NewFakeClock(decisionNow),
		Cloud: listing.Cloud{
			DefaultRegion: "cn-north-4",
			NewClient:     func(ims.Config) (listing.ImageClient, error) { return rig.cloud, nil },
		},
		DefaultRefreshInterval: 10 * time.Minute,
		Credentials: credentials.Settings{ // the manager's credentials, for a query without a ref
			Manager:                ims.Static{Creds: ims.Credentials{AccessKey: "AK", SecretKey: "SK"}},
			ManagerInAllNamespaces: true,
		},
	})
	return rig
}

func (rig *decisionRig) refused(obj client.Object) error {
	if rig.refuse == nil {
		return nil
	}
	return rig.refuse(obj)
}

func (rig *decisionRig) reconcile(t *testing.T) (ctrl.Result, error) {
	t.Helper()
	rig.statusPatches, rig.imageWrites, rig.fullImageReads = 0, 0, 0
	res, err := rig.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKey{Namespace: "ns", Name: "q"}})
	if rig.fullImageReads > 0 {
		t.Errorf("the sync read whole CloudImages %d times; the cache holds them as metadata only", rig.fullImageReads)
	}
	return res, err
}

func (rig *decisionRig) query(t *testing.T) *imsv1.ImageQuery {
	t.Helper()
	q := &imsv1.ImageQuery{}
	if err := rig.r.client.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "q"}, q); err != nil {
		t.Fatal(err)
	}
	return q
}

func (rig *decisionRig) drainEvents() []string {
	var out []string
	for {
		select {
		case e := <-rig.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func decisionQuery(mutate func(*imsv1.ImageQuery)) *imsv1.ImageQuery {
	q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "q", UID: "uid-q", Generation: 1}}
	if mutate != nil {
		mutate(q)
	}
	return q
}

// syncedAt makes q look synced at t for its current generation.
func syncedAt(q *imsv1.ImageQuery, t time.Time) {
	last := metav1.NewTime(t)
	q.Status.LastSyncTime = &last
	markSynced(q, "1 image matched")
}

var twoImages = []*ims.Image{
	{ID: "0e358453-0d26-44cc-80c3-57e0edd81dfe", Name: "a", Status: "active", CreatedAt: "2024-01-01T00:00:00Z"},
	{ID: "18ca00b8-f145-44e0-8b3f-627fc7a25f84", Name: "b", Status: "active", CreatedAt: "2025-01-01T00:00:00Z"},
}

func TestSyncDecisions(t *testing.T) {
	cases := []struct {
		name  string
		query func(*imsv1.ImageQuery)
		fail  error // the IMS client's answer, nil for twoImages
		// want
		asksIMS       bool
		statusPatches int
		imageWrites   int
		ready         metav1.ConditionStatus
		reason        string
		stalled       bool
		requeue       time.Duration // RequeueAfter, -1 for "more than zero"
		err           bool          // returned to the rate limiter
		events        []string
	}{{
		name:  "suspended: nothing is listed, the generation is observed",
		query: func(q *imsv1.ImageQuery) { q.Spec.Suspend = true },
		// only observedGeneration changes
		statusPatches: 1,
	}, {
		name:  "not due: synced a minute ago, nothing is listed or written",
		query: func(q *imsv1.ImageQuery) { syncedAt(q, decisionNow.Add(-time.Minute)) },
		ready: metav1.ConditionTrue, reason: imsv1.ReasonSynced, requeue: -1,
	}, {
		name:    "first sync: Progressing is written first, then the result",
		asksIMS: true, statusPatches: 2, imageWrites: 2,
		ready: metav1.ConditionTrue, reason: imsv1.ReasonSynced, requeue: -1,
		events: []string{"Normal " + imsv1.EventSynced + " First sync: 2 images matched"},
	}, {
		name:  "due again: an identical listing writes no CloudImage",
		query: func(q *imsv1.ImageQuery) { syncedAt(q, decisionNow.Add(-time.Hour)) },
		// the CloudImages already exist (see below): only lastSyncTime moves
		asksIMS: true, statusPatches: 1,
		ready: metav1.ConditionTrue, reason: imsv1.ReasonSynced, requeue: -1,
	}, {
		name:    "transient failure: retried through the rate limiter, nothing mirrored",
		fail:    &ims.Error{StatusCode: http.StatusTooManyRequests},
		asksIMS: true, statusPatches: 2,
		ready: metav1.ConditionFalse, reason: imsv1.ReasonThrottled, err: true,
		events: []string{"Warning " + imsv1.ReasonThrottled + " listing images failed"},
	}, {
		name:    "terminal failure: Stalled, retried every refreshInterval",
		fail:    &ims.Error{StatusCode: http.StatusUnauthorized},
		asksIMS: true, statusPatches: 2,
		ready: metav1.ConditionFalse, reason: imsv1.ReasonCredentialsRejected, stalled: true, requeue: 10 * time.Minute,
		events: []string{"Warning " + imsv1.ReasonCredentialsRejected + " IMS rejected the credentials"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := decisionQuery(tc.query)
			rig := newDecisionRig(t, q, twoImages...)
			rig.cloud.err = tc.fail
			if strings.HasPrefix(tc.name, "due again") {
				for _, img := range twoImages { // as the last sync left them
					ci := mirror.DesiredRecord("cn-north-4", img)
					ci.Namespace = "ns"
					ci.Labels[imsv1.QueryLabel("q")] = "true"
					if img == twoImages[1] { // the newer one: q's latest image
						ci.Labels[imsv1.LatestLabel("q")] = "true"
					}
					ci.OwnerReferences = []metav1.OwnerReference{mirror.OwnerRef(q)}
					ci.Annotations = map[string]string{imsv1.ContentHashAnnotation: mirror.ContentHash(&ci)}
					if err := rig.r.client.Create(context.Background(), &ci); err != nil {
						t.Fatal(err)
					}
				}
			}
			res, err := rig.reconcile(t)
			if (err != nil) != tc.err {
				t.Errorf("error %v, want error: %v", err, tc.err)
			}
			if got := rig.cloud.calls > 0; got != tc.asksIMS {
				t.Errorf("asked IMS: %v, want %v", got, tc.asksIMS)
			}
			if rig.statusPatches != tc.statusPatches || rig.imageWrites != tc.imageWrites {
				t.Errorf("%d status patches and %d CloudImage writes, want %d and %d",
					rig.statusPatches, rig.imageWrites, tc.statusPatches, tc.imageWrites)
			}
			switch {
			case tc.requeue == -1 && res.RequeueAfter <= 0, tc.requeue >= 0 && res.RequeueAfter != tc.requeue:
				t.Errorf("RequeueAfter %v, want %v (-1: any wait)", res.RequeueAfter, tc.requeue)
			}
			// A sync the schedule brings back queues behind those a change brings (priority 0)
			// and those of the cache's initial listing after a restart.
			if res.RequeueAfter > 0 && (res.Priority == nil || *res.Priority >= handler.LowPriority) {
				t.Errorf("a scheduled sync queued at priority %v (nil: the item's own), want below %d", ptrValue(res.Priority), handler.LowPriority)
			}
			got := rig.query(t)
			if got.Status.ObservedGeneration != 1 && (tc.asksIMS || q.Spec.Suspend) {
				t.Errorf("observedGeneration %d, want 1", got.Status.ObservedGeneration)
			}
			if tc.reason != "" {
				ready := meta.FindStatusCondition(got.Status.Conditions, imsv1.ConditionReady)
				if ready == nil || ready.Status != tc.ready || ready.Reason != tc.reason {
					t.Errorf("Ready = %+v, want %s %s", ready, tc.ready, tc.reason)
				}
			}
			if s := meta.IsStatusConditionTrue(got.Status.Conditions, imsv1.ConditionStalled); s != tc.stalled {
				t.Errorf("Stalled %v, want %v", s, tc.stalled)
			}
			if tc.fail != nil && got.Status.MatchedImages != 0 {
				t.Errorf("a failed sync recorded %d matches", got.Status.MatchedImages)
			}
			evs := rig.drainEvents()
			if len(evs) != len(tc.events) {
				t.Fatalf("events %q, want %q", evs, tc.events)
			}
			for i, want := range tc.events {
				if !strings.HasPrefix(evs[i], want) {
					t.Errorf("event %q, want it to start with %q", evs[i], want)
				}
			}
		})
	}
}

// A conflict on the status write means the cache was behind this controller's own last
// write: look again shortly, without an error (which would back off) and without losing the
// sync's result, which the next look recomputes.
func TestStatusConflictRequeuesShortly(t *testing.T) {
	rig := newDecisionRig(t, decisionQuery(func(q *imsv1.ImageQuery) { syncedAt(q, decisionNow.Add(-time.Hour)) }), twoImages...)
	rig.statusErr = apierrors.NewConflict(imsv1.GroupVersion.WithResource("imagequeries").GroupResource(), "q", nil)
	res, err := rig.reconcile(t)
	if err != nil || res.RequeueAfter != time.Second {
		t.Errorf("got %+v, %v; want RequeueAfter 1s and no error", res, err)
	}
}

// A failure after a failure of the same reason announces nothing new.
func TestRepeatedFailureIsAnnouncedOnce(t *testing.T) {
	rig := newDecisionRig(t, decisionQuery(nil))
	rig.cloud.err = &ims.Error{StatusCode: http.StatusServiceUnavailable}
	for range 2 {
		if _, err := rig.reconcile(t); err == nil {
			t.Fatal("a 503 was not returned for backoff")
		}
	}
	if evs := rig.drainEvents(); len(evs) != 1 || !strings.Contains(evs[0], imsv1.ReasonServiceUnavailable) {
		t.Errorf("events %q, want one %s warning", evs, imsv1.ReasonServiceUnavailable)
	}
}

// ptrValue is *p, or nil.
func ptrValue[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
