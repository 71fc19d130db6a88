package controllers

import (
	"context"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
	"github.com/imagecatalog/ims-operator/internal/mirror"
)

// CloudImageReconciler keeps CloudImages' claims honest after an ImageQuery is deleted: it
// drops claims (query label and ownerReference) of queries that no longer exist and deletes a
// CloudImage that no query claims. The garbage collector does part of this when
// kube-controller-manager runs, but it leaves the query labels behind, which would make
// label selectors lie.
type CloudImageReconciler struct {
	Client    client.Client
	APIReader client.Reader
	Shard     *Shard // the namespaces this manager syncs; nil: all of them
}

// Reconcile checks one CloudImage's claims.
func (r *CloudImageReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if !r.Shard.Owns(ctx, req.Namespace) {
		return ctrl.Result{}, nil // another shard's
	}
	ci := metaonly.CloudImage() // claims are metadata: the cache holds nothing more
	if err := r.Client.Get(ctx, req.NamespacedName, ci); err != nil || !ci.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	updated := ci.DeepCopy()
	updated.OwnerReferences = updated.OwnerReferences[:0]
	claims := map[string]bool{}
	dropped := false
	for _, ref := range ci.OwnerReferences {
		if mirror.IsQueryOwner(ref) {
			exists, err := r.queryExists(ctx, ci.Namespace, ref.Name, ref.UID)
			if err != nil {
				return ctrl.Result{}, err
			}
			if !exists {
				dropped = true
				continue
			}
			claims[imsv1.QueryLabel(ref.Name)] = true
		}
		updated.OwnerReferences = append(updated.OwnerReferences, ref)
	}
	for key := range ci.Labels {
		if imsv1.IsQueryLabel(key) && !claims[key] {
			delete(updated.Labels, key)
		}
		// A query's latest label goes with its claim.
		if name, ok := strings.CutPrefix(key, imsv1.LatestLabelPrefix); ok && !claims[imsv1.QueryLabelPrefix+name] {
			delete(updated.Labels, key)
		}
	}
	var err error
	if dropped {
		// This reconcile removed the claim of a deleted query: delete if it was the last one.
		err = mirror.ReleaseOrDelete(ctx, r.Client, ci, updated)
	} else if !mirror.SameClaims(ci, updated) {
		// No owner to drop, e.g. `kubectl delete --cascade=orphan`, where the garbage
		// collector removed the reference on purpose: keep the object, drop stale labels.
		err = mirror.PatchClaims(ctx, r.Client, ci, updated)
	}
	if apierrors.IsConflict(err) {
		return ctrl.Result{}, nil // a newer version exists; its watch event brings it back here
	}
	return ctrl.Result{}, err
}

// queryExists asks the cache first and confirms a miss live, so that a query created a moment
// ago (not yet in the cache) never loses its claims.
func (r *CloudImageReconciler) queryExists(ctx context.Context, namespace, name string, uid types.UID) (bool, error) {
	key := types.NamespacedName{Namespace: namespace, Name: name}
	q := &imsv1.ImageQuery{}
	// A terminating query still exists: the garbage collector decides (foreground, orphan).
	err := r.Client.Get(ctx, key, q)
	if err == nil && q.UID == uid {
		return true, nil
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return false, err
	}
	err = r.APIReader.Get(ctx, key, q)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return q.UID == uid, nil
}

// SetupWithManager registers the controller: it looks at the operator's CloudImages, and at the
// CloudImages a deleted ImageQuery claimed.
func (r *CloudImageReconciler) SetupWithManager(mgr ctrl.Manager, maxConcurrent int) error {
	managed := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetLabels()[imsv1.LabelManagedBy] == imsv1.ManagedByValue
	})
	var w watched
	b := ctrl.NewControllerManagedBy(mgr).
		Named("cloudimage").
		For(w.add(metaonly.CloudImage()), builder.WithPredicates(r.Shard.predicate(), managed)).
		Watches(w.add(&imsv1.ImageQuery{}), handler.Funcs{DeleteFunc: r.claimsOfDeletedQuery},
			builder.WithPredicates(r.Shard.predicate()))
	// A namespace that joins the shard: its claims are checked (a query deleted meanwhile).
	err := r.Shard.watchNamespaces(b, &w, r.cloudImagesOfNamespace).
		WithOptions(controller.Options{MaxConcurrentReconciles: maxConcurrent}).
		Complete(r)
	if err != nil {
		return err
	}
	return w.readyWhenSynced(mgr, "cloudimage")
}

// cloudImagesOfNamespace maps a namespace to the operator's CloudImages in it.
func (r *CloudImageReconciler) cloudImagesOfNamespace(ctx context.Context, namespace string) []reconcile.Request {
	list := metaonly.CloudImageList()
	if err := r.Client.List(ctx, list, client.InNamespace(namespace)); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}

func (r *CloudImageReconciler) claimsOfDeletedQuery(ctx context.Context, e event.TypedDeleteEvent[client.Object], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	claimed := metaonly.CloudImageList()
	err := r.Client.List(ctx, claimed, client.InNamespace(e.Object.GetNamespace()),
		client.MatchingLabels{imsv1.QueryLabel(e.Object.GetName()): "true"})
	if err != nil {
		return
	}
	for i := range claimed.Items {
		q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&claimed.Items[i])})
	}
}
