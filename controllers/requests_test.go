package controllers

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

func withAnnotations(a map[string]string) *imsv1.ImageQuery {
	return &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Annotations: a}}
}

// Either sync-now annotation alone is handled as its own value; with both, the pair is
// compared as a whole, so a change of either asks for a sync, and it fits the status.
func TestRequestedAtNames(t *testing.T) {
	own, flux := imsv1.RequestedAtAnnotation, imsv1.FluxRequestedAtAnnotation
	for _, c := range []struct {
		annotations map[string]string
		want        string
	}{
		{nil, ""},
		{map[string]string{own: "1"}, "1"},
		{map[string]string{flux: "2026-12-02 01:00:00.1 +0000 UTC"}, "2026-12-02 01:00:00.1 +0000 UTC"},
		{map[string]string{own: "1", flux: "f"}, "1, reconcile.fluxcd.io/requestedAt=f"},
	} {
		if got := requestedAt(withAnnotations(c.annotations)); got != c.want {
			t.Errorf("%v: requestedAt %q, want %q", c.annotations, got, c.want)
		}
	}

	long := strings.Repeat("x", 300)
	base := requestedAt(withAnnotations(map[string]string{own: long, flux: long + "a"}))
	for _, changed := range []map[string]string{{own: long, flux: "b"}, {own: "c", flux: long + "a"}} {
		if got := requestedAt(withAnnotations(changed)); got == base {
			t.Errorf("%v: the change of one annotation is hidden by the other's length", changed)
		}
	}
	if len(base) > maxRequestedAt || len(requestedAt(withAnnotations(map[string]string{own: long}))) > maxRequestedAt {
		t.Errorf("requestedAt is longer than status.lastHandledRequestedAt may be (%d)", maxRequestedAt)
	}
	if !requestChanged(map[string]string{flux: "1"}, map[string]string{flux: "2"}) || requestChanged(map[string]string{own: "1"}, map[string]string{own: "1", "x": "y"}) {
		t.Error("requestChanged does not follow the two annotations")
	}
}
