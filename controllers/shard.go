package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/imagecatalog/ims-operator/internal/metaonly"
)

// Shard is the set of namespaces one manager syncs (--namespace-selector): those whose labels
// match the selector. Several managers, each with its own selector and leader-election Lease,
// split a cluster between them. controller-runtime's cache cannot select namespaces by label,
// so every object is still cached and the shard filters: its predicates keep other
// namespaces' events out of the queues, and the reconcilers ask Owns before they write, so a
// namespace whose label changes is left at once (its queued and scheduled items do nothing)
// and taken up by the shard it now matches, whose namespace watch enqueues its objects.
// A nil Shard owns every namespace (one manager for the cluster).
type Shard struct {
	selector labels.Selector
	cache    client.Reader // Namespaces' metadata, from the manager's cache
}

// NewShard is the shard of the namespaces matching selector; an empty selector gives nil
// (every namespace).
func NewShard(cache client.Reader, selector labels.Selector) *Shard {
	if selector == nil || selector.Empty() {
		return nil
	}
	return &Shard{selector: selector, cache: cache}
}

// Owns tells whether namespace belongs to the shard. A namespace not (yet) in the cache is
// not owned: its creation event enqueues its objects once it is.
func (s *Shard) Owns(ctx context.Context, namespace string) bool {
	if s == nil {
		return true
	}
	ns := metaonly.Namespace()
	if err := s.cache.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		return false
	}
	return s.selector.Matches(labels.Set(ns.Labels))
}

// predicate lets through the events of objects in the shard's namespaces.
func (s *Shard) predicate() predicate.Predicate {
	return predicate.NewPredicateFuncs(func(o client.Object) bool { return s.Owns(context.Background(), o.GetNamespace()) })
}

// watchNamespaces makes b enqueue objects (listed by objects) of a namespace that joins the
// shard: one created with a matching label, or whose labels changed to match. A shard of
// every namespace needs no such watch.
func (s *Shard) watchNamespaces(b *builder.Builder, w *watched, objects func(ctx context.Context, namespace string) []reconcile.Request) *builder.Builder {
	if s == nil {
		return b
	}
	return b.Watches(w.add(metaonly.Namespace()),
		handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, ns client.Object) []reconcile.Request {
			return objects(ctx, ns.GetName())
		}),
		builder.WithPredicates(s.joined()))
}

// joined lets through the events of a namespace joining the shard.
func (s *Shard) joined() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool { return s.selector.Matches(labels.Set(e.Object.GetLabels())) },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return !s.selector.Matches(labels.Set(e.ObjectOld.GetLabels())) && s.selector.Matches(labels.Set(e.ObjectNew.GetLabels()))
		},
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}
