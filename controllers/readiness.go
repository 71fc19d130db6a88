package controllers

import (
	"context"
	"fmt"
	"net/http"
	"reflect"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// watched lists the objects a controller watches, so that the builder and the readiness check
// name the same informers: a controller's workers start only once every one of them has its
// first listing, and until then the manager is not ready.
type watched []client.Object

// add records obj and returns it, for the builder call that watches it.
func (w *watched) add(obj client.Object) client.Object {
	*w = append(*w, obj)
	return obj
}

// readyWhenSynced adds a /readyz check named after the controller: it fails until every
// watched informer has synced. Before that a new ImageQuery waits for the cache, so a rollout,
// or anything else waiting for readiness (the benchmark, the demo), would count the wait as
// the operator's work. The check asks the cache at each probe rather than trusting the
// manager's start order; GetInformer starts a missing informer as the controller would, so a
// standby replica (leader election) warms the caches it will need once elected.
func (w watched) readyWhenSynced(mgr ctrl.Manager, controller string) error {
	return mgr.AddReadyzCheck(controller, informersSynced(mgr.GetCache(), w))
}

// informerGetter is the part of the manager's cache the check needs.
type informerGetter interface {
	GetInformer(ctx context.Context, obj client.Object, opts ...cache.InformerGetOption) (cache.Informer, error)
}

func informersSynced(c informerGetter, objs []client.Object) func(*http.Request) error {
	return func(req *http.Request) error {
		for _, obj := range objs {
			inf, err := c.GetInformer(req.Context(), obj, cache.BlockUntilSynced(false))
			if err != nil {
				return fmt.Errorf("informer for %s: %w", kindOf(obj), err)
			}
			if !inf.HasSynced() {
				return fmt.Errorf("informer for %s has not synced yet", kindOf(obj))
			}
		}
		return nil
	}
}

// kindOf names obj's kind: typed objects carry no kind until decoded.
func kindOf(obj client.Object) string {
	if k := obj.GetObjectKind().GroupVersionKind().Kind; k != "" {
		return k
	}
	return reflect.TypeOf(obj).Elem().Name()
}
