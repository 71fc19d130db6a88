package controllers

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// Every kind of bad answer, on the first, a middle and the last page of a listing, changes
// nothing (no CloudImage written or deleted, the status lists kept), says why in Ready, and
// the next sync after IMS recovers is whole again. (Timeouts and dropped connections are the
// IMS client's tests: internal/ims.)
func TestFaultMatrixChangesNothing(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	owner := "fault-matrix-" + ns
	ownImages(t, 25, 13, owner)
	createQuery(t, newQuery(ns, "matrix", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Owner: imsv1.PlainText(owner)}, PageSize: 10}))
	synced := waitReady(t, ns, "matrix")
	if synced.Status.MatchedImages != 25 {
		t.Fatalf("matched %d, want 25 (pages of 10, 10 and 5)", synced.Status.MatchedImages)
	}
	faults := []struct {
		name   string
		fault  imssim.Fault
		reason string
	}{
		{"500", imssim.Fault{Status: 500}, imsv1.ReasonServiceUnavailable},
		{"503", imssim.Fault{Status: 503, RetryAfter: "0"}, imsv1.ReasonServiceUnavailable},
		{"429", imssim.Fault{Status: 429, RetryAfter: "0"}, imsv1.ReasonThrottled},
		{"cut body", imssim.Fault{Body: imssim.BodyTruncated}, imsv1.ReasonIncompleteListing},
		{"html", imssim.Fault{Body: imssim.BodyMalformed}, imsv1.ReasonIncompleteListing},
		{"empty object", imssim.Fault{Body: imssim.BodyEmptyObject}, imsv1.ReasonIncompleteListing},
	}
	for _, page := range []struct {
		name string
		n    int
	}{{"first", 1}, {"middle", 2}, {"last", 3}} {
		for _, tc := range faults {
			t.Run(fmt.Sprintf("%s on the %s page", tc.name, page.name), func(t *testing.T) {
				before := resourceVersions(t, ns)
				fault := tc.fault
				fault.OnPage = page.n
				id := sim.AddFault(fault) // every time: the client's own retries fail too
				t.Cleanup(func() { sim.RemoveFault(id) })
				requestSync(t, ns, "matrix")
				failed := waitCondition(t, ns, "matrix", metav1.ConditionFalse, tc.reason)
				assertNotWritten(t, before, resourceVersions(t, ns))
				if failed.Status.MatchedImages != 25 || !equality.Semantic.DeepEqual(failed.Status.Images, synced.Status.Images) {
					t.Errorf("status lists changed: matched %d", failed.Status.MatchedImages)
				}
				sim.RemoveFault(id)
				if q := requestSync(t, ns, "matrix"); findCondition(q, imsv1.ConditionReady).Reason != imsv1.ReasonSynced {
					t.Errorf("after the fault: Ready %+v", findCondition(q, imsv1.ConditionReady))
				}
				assertNotWritten(t, before, resourceVersions(t, ns))
			})
		}
	}
}
