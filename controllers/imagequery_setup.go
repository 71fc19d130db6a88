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
	"github.com/imagecatalog/ims-operator/internal/credentials"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
	"github.com/imagecatalog/ims-operator/internal/promotion"
)

// secretRefIndex indexes ImageQueries by the name of their credentials Secret.
const secretRefIndex = "spec.credentialsSecretRef.name"

// targetIndex indexes ImageQueries by their listing.Target's key, so that a sync finds the
// queries that share its listing without comparing it with every query in the cluster (a
// thousand queries would make that a million comparisons a round).
const targetIndex = "listing.target"

// SetupWithManager registers the controller. It reacts to spec and annotation changes (not to
// its own status writes), to an upstream's new latest image, to changes of a referenced Secret, whose metadata alone is watched,
// and to changes of the export ConfigMaps it owns.
func (r *ImageQueryReconciler) SetupWithManager(mgr ctrl.Manager, maxConcurrent int) error {
	r.schedule.started = r.clock.Now()
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
	err = mgr.GetFieldIndexer().IndexField(context.Background(), &imsv1.ImageQuery{}, promotionSourceIndex, indexPromotionSource)
	if err != nil {
		return err
	}
	err = mgr.GetFieldIndexer().IndexField(context.Background(), &imsv1.ImageQuery{}, targetIndex,
		func(obj client.Object) []string { return []string{r.target(obj.(*imsv1.ImageQuery)).Key()} })
	if err != nil {
		return err
	}
	var w watched
	b := ctrl.NewControllerManagedBy(mgr).
		Named("imagequery").
		For(w.add(&imsv1.ImageQuery{}), builder.WithPredicates(
			r.shard.predicate(),
			r.requests.predicate(), // next: it sees every event of the shard, to time the asks
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		// An upstream's new latest image (or its appearance, deletion, grant) wakes the queries
		// that follow it (spec.promotion.from). The upstream may be another shard's: the
		// reconciler skips a downstream that is not this shard's.
		Watches(&imsv1.ImageQuery{}, handler.EnqueueRequestsFromMapFunc(downstreamsOf(r.client)),
			builder.WithPredicates(upstreamChanged()))
	if !r.creds.Settings.SecretRefsDisabled { // keyless: no Secret access at all, not even metadata
		b = b.Watches(w.add(metaonly.Secret()),
			handler.EnqueueRequestsFromMapFunc(queriesForSecret(r.client, r.requests)))
	}
	// A namespace's labels decide whether its queries may use the manager's credentials and
	// whether they may follow an upstream in another namespace: see them change.
	b = b.Watches(w.add(metaonly.Namespace()),
		handler.EnqueueRequestsFromMapFunc(queriesDecidedByNamespaceLabels(r.client, !r.creds.Settings.ManagerInAllNamespaces)),
		builder.WithPredicates(predicate.LabelChangedPredicate{}))
	b = r.shard.watchNamespaces(b, &w, queriesOfNamespace(r.client))
	err = b.
		// The export ConfigMaps: one edited or deleted by hand is put back.
		Owns(w.add(&corev1.ConfigMap{}), builder.WithPredicates(r.shard.predicate())).
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

// queriesForSecret maps a Secret to the ImageQueries of its namespace that name it; each is
// asked for a sync now (a rotated key must be used, and tried, at once).
func queriesForSecret(c client.Client, asked *requests) handler.MapFunc {
	return func(ctx context.Context, secret client.Object) []reconcile.Request {
		var queries imsv1.ImageQueryList
		if err := c.List(ctx, &queries, client.InNamespace(secret.GetNamespace()),
			client.MatchingFields{secretRefIndex: secret.GetName()}); err != nil {
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(queries.Items))
		for _, q := range queries.Items {
			asked.observe(client.ObjectKeyFromObject(&q))
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&q)})
		}
		return reqs
	}
}

// queriesDecidedByNamespaceLabels maps a Namespace whose labels changed to its ImageQueries
// that the labels decide about: those that use the manager's credentials (when a label
// decides whether they may), and those that follow an upstream in another namespace (its
// accessFrom selects namespaces by label).
func queriesDecidedByNamespaceLabels(c client.Client, managerCredentialsByLabel bool) handler.MapFunc {
	return func(ctx context.Context, ns client.Object) []reconcile.Request {
		var queries imsv1.ImageQueryList
		if err := c.List(ctx, &queries, client.InNamespace(ns.GetName())); err != nil {
			return nil
		}
		var reqs []reconcile.Request
		for _, q := range queries.Items {
			up, follows := promotion.SourceKey(&q)
			if (managerCredentialsByLabel && credentials.UsesManagerCredentials(&q)) || (follows && up.Namespace != q.Namespace) {
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&q)})
			}
		}
		return reqs
	}
}

// queriesOfNamespace maps a namespace that joined the shard to all its ImageQueries.
func queriesOfNamespace(c client.Client) func(ctx context.Context, namespace string) []reconcile.Request {
	return func(ctx context.Context, namespace string) []reconcile.Request {
		var queries imsv1.ImageQueryList
		if err := c.List(ctx, &queries, client.InNamespace(namespace)); err != nil {
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(queries.Items))
		for _, q := range queries.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&q)})
		}
		return reqs
	}
}
