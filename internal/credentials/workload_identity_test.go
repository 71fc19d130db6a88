package credentials

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
)

// The credential cache is keyed by the ServiceAccount's UID: one deleted and created again
// under its name never inherits the cached credentials; and an identity no query has used for
// saIdle is forgotten.
func TestServiceAccountCacheIsKeyedByUIDAndForgets(t *testing.T) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "t", Name: "builder", UID: "uid-1"}}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(sa).Build()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	w := &WorkloadIdentity{IdPID: "idp", Audience: "aud", IAMEndpoint: "http://127.0.0.1:1", Now: func() time.Time { return now }}
	r := &Resolver{Client: c, APIReader: c, Settings: Settings{WorkloadIdentity: w}}
	q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: "t", Name: "q"}, Spec: imsv1.ImageQuerySpec{ServiceAccountName: "builder"}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	_, _, _ = r.Resolve(ctx, q) // the exchange fails (nothing listens): the source is cached all the same
	key := types.NamespacedName{Namespace: "t", Name: "builder"}
	first := w.source(c, key, "uid-1")
	if w.cached() != 1 {
		t.Fatalf("%d sources cached, want 1", w.cached())
	}

	if err := c.Delete(ctx, sa); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Resolve(ctx, q); err == nil {
		t.Fatal("a deleted ServiceAccount resolved")
	} else if f, ok := failure.As(err); !ok || f.Reason != imsv1.ReasonServiceAccountNotFound || !f.Terminal {
		t.Fatalf("deleted ServiceAccount: %v, want a terminal ServiceAccountNotFound", err)
	}
	again := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "t", Name: "builder", UID: "uid-2"}}
	if err := c.Create(ctx, again); err != nil {
		t.Fatal(err)
	}
	_, _, _ = r.Resolve(ctx, q)
	if w.source(c, key, "uid-2") == first {
		t.Error("a ServiceAccount created again under the same name got the old one's credential source")
	}
	if w.cached() != 2 {
		t.Errorf("%d sources cached, want 2 (the old one goes when idle)", w.cached())
	}

	now = now.Add(saIdle + time.Minute)
	_ = w.source(c, key, "uid-2")
	if w.cached() != 1 {
		t.Errorf("%d sources cached after %v unused, want only the one just used", w.cached(), saIdle)
	}
}
