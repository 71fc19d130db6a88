package promotion

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
)

func query(ns, name string, from *imsv1.PromotionSource) *imsv1.ImageQuery {
	q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if from != nil {
		q.Spec.Promotion = &imsv1.PromotionSpec{From: from, MinSoak: &metav1.Duration{Duration: time.Hour}}
	}
	return q
}

func sources(t *testing.T, objs ...client.Object) *Sources {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, imsv1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return &Sources{Client: fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()}
}

func reason(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	f, ok := failure.As(err)
	if !ok || !f.Terminal {
		t.Fatalf("%v: want a terminal failure", err)
	}
	return f.Reason
}

func TestResolveReadsTheUpstream(t *testing.T) {
	staging := query("apps", "staging", nil)
	staging.Status.LatestImage = &imsv1.ImageSummary{ID: "img-1"}
	since := metav1.NewTime(now)
	staging.Status.LatestImageSince = &since
	staging.Status.LatestImages = []imsv1.VariantLatest{{Variant: "arm", Image: imsv1.ImageSummary{ID: "img-arm"}}}
	prod := query("apps", "prod", &imsv1.PromotionSource{Name: "staging"})
	up, err := sources(t, staging, prod).Resolve(context.Background(), prod)
	if err != nil {
		t.Fatal(err)
	}
	if up.Key != "apps/staging" || up.LatestID != "img-1" || !up.Since.Equal(now) || up.MinSoak != time.Hour || up.Variants["arm"] != "img-arm" {
		t.Errorf("upstream read as %+v", up)
	}
	if up, err := sources(t).Resolve(context.Background(), query("apps", "plain", nil)); up != nil || err != nil {
		t.Errorf("a query without from: %v, %v", up, err)
	}
}

func TestResolveRefusals(t *testing.T) {
	ctx := context.Background()
	self := query("apps", "a", &imsv1.PromotionSource{Name: "a"})
	if r := reason(t, mustFail(sources(t, self).Resolve(ctx, self))); r != imsv1.ReasonPromotionCycle {
		t.Errorf("self-reference: %s", r)
	}
	a := query("apps", "a", &imsv1.PromotionSource{Name: "b"})
	b := query("apps", "b", &imsv1.PromotionSource{Name: "a"})
	if r := reason(t, mustFail(sources(t, a, b).Resolve(ctx, a))); r != imsv1.ReasonPromotionCycle {
		t.Errorf("a from b from a: %s", r)
	}
	missing := query("apps", "c", &imsv1.PromotionSource{Name: "gone"})
	if r := reason(t, mustFail(sources(t, missing).Resolve(ctx, missing))); r != imsv1.ReasonPromotionSourceNotFound {
		t.Errorf("missing upstream: %s", r)
	}
	// A chain of five queries above is allowed; six is not.
	chain := []client.Object{query("apps", "q0", nil)}
	for i := 1; i <= 6; i++ {
		chain = append(chain, query("apps", fmt.Sprintf("q%d", i), &imsv1.PromotionSource{Name: fmt.Sprintf("q%d", i-1)}))
	}
	s := sources(t, chain...)
	if _, err := s.Resolve(ctx, chain[5].(*imsv1.ImageQuery)); err != nil {
		t.Errorf("five above: %v", err)
	}
	if r := reason(t, mustFail(s.Resolve(ctx, chain[6].(*imsv1.ImageQuery)))); r != imsv1.ReasonPromotionCycle {
		t.Errorf("six above: %s", r)
	}
}

func TestResolveAcrossNamespaces(t *testing.T) {
	ctx := context.Background()
	prodNS := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prod", Labels: map[string]string{"stage": "production"}}}
	upstream := query("staging", "ubuntu", nil)
	down := query("prod", "ubuntu", &imsv1.PromotionSource{Name: "ubuntu", Namespace: "staging"})
	if r := reason(t, mustFail(sources(t, prodNS, upstream).Resolve(ctx, down))); r != imsv1.ReasonPromotionSourceNotAllowed {
		t.Errorf("no accessFrom: %s", r)
	}
	upstream.Spec.AccessFrom = &imsv1.AccessFrom{NamespaceSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"stage": "qa"}}}}
	if r := reason(t, mustFail(sources(t, prodNS, upstream).Resolve(ctx, down))); r != imsv1.ReasonPromotionSourceNotAllowed {
		t.Errorf("a selector for another namespace: %s", r)
	}
	upstream.Spec.AccessFrom.NamespaceSelectors = append(upstream.Spec.AccessFrom.NamespaceSelectors,
		metav1.LabelSelector{MatchLabels: map[string]string{"stage": "production"}})
	if _, err := sources(t, prodNS, upstream).Resolve(ctx, down); err != nil {
		t.Errorf("granted by its second selector: %v", err)
	}
}

func mustFail(_ *Upstream, err error) error { return err }
