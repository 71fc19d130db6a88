package controllers

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// secretRefIndex indexes ImageQueries by the name of their credentials Secret.
const secretRefIndex = "spec.credentialsSecretRef.name"

// SetupWithManager registers the controller. It reacts to spec and annotation changes (not to
// its own status writes), to changes of a referenced Secret, whose metadata alone is watched,
// and to changes of the export ConfigMaps it owns.
func (r *ImageQueryReconciler) SetupWithManager(mgr ctrl.Manager, maxConcurrent int) error {
	r.started = r.Clock.Now()
	err := mgr.GetFieldIndexer().IndexField(context.Background(), &imsv1.ImageQuery{}, secretRefIndex,
		func(obj client.Object) []string {
			if ref := obj.(*imsv1.ImageQuery).Spec.CredentialsSecretRef; ref != nil {
				return []string{ref.Name}
			}
			return nil
		})
	if err != nil {
		return err
	}
	var w watched
	b := ctrl.NewControllerManagedBy(mgr).
		Named("imagequery").
		For(w.add(&imsv1.ImageQuery{}), builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})))
	if !r.Credentials.SecretRefsDisabled { // keyless: no Secret access at all, not even metadata
		b = b.Watches(w.add(metadataOnly(corev1.SchemeGroupVersion.WithKind("Secret"))),
			handler.EnqueueRequestsFromMapFunc(r.queriesForSecret))
	}
	if !r.Credentials.ManagerInAllNamespaces { // a namespace's label decides: see it change
		b = b.Watches(w.add(metadataOnly(corev1.SchemeGroupVersion.WithKind("Namespace"))),
			handler.EnqueueRequestsFromMapFunc(r.queriesInNamespace),
			builder.WithPredicates(predicate.LabelChangedPredicate{}))
	}
	err = b.
		// The export ConfigMaps: one edited or deleted by hand is put back.
		Owns(w.add(&corev1.ConfigMap{})).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: maxConcurrent,
			// Transient IMS errors come back here, after the client's own retries: back off
			// from 5s to 10m per query.
			RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Second, 10*time.Minute),
		}).
		Complete(r)
	if err != nil {
		return err
	}
	return w.readyWhenSynced(mgr, "imagequery")
}

func (r *ImageQueryReconciler) queriesForSecret(ctx context.Context, secret client.Object) []reconcile.Request {
	var queries imsv1.ImageQueryList
	if err := r.Client.List(ctx, &queries, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{secretRefIndex: secret.GetName()}); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(queries.Items))
	for _, q := range queries.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&q)})
	}
	return reqs
}
