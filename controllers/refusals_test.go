package controllers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// An image whose CloudImage the API server refuses for its size is reported and the rest is
// mirrored; the same record is not written again on later syncs, a changed one is. The real
// API server cannot be made to refuse one here: records are cut to 256 KiB (recordsize.go),
// far below its 1.5 MiB and 3 MiB limits, so the refusal is the fake client's, in the two
// forms the API server gives it.
func TestRecordRefusedForSizeIsNotRetriedUntilItChanges(t *testing.T) {
	for name, refusal := range map[string]error{
		"body limit": apierrors.NewRequestEntityTooLargeError("limit is 3145728"),
		"etcd limit": apierrors.NewInternalError(errors.New("etcdserver: request is too large")),
	} {
		t.Run(name, func(t *testing.T) {
			big := &ims.Image{ID: "5b1f0d1e-9c4b-4b7e-9f0a-2d6c3e8a7b10", Name: "big", Status: "active", CreatedAt: "2025-06-01T00:00:00Z"}
			rig := newDecisionRig(t, decisionQuery(nil), append([]*ims.Image{big}, twoImages...)...)
			attempts := 0 // writes of big's CloudImage
			rig.refuse = func(obj client.Object) error {
				if obj.GetName() != big.ID {
					return nil
				}
				attempts++
				return refusal
			}
			sync := func(what string) *imsv1.ImageQuery {
				t.Helper()
				attempts = 0
				q := dueSync(t, rig)
				ready := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady)
				if ready == nil || ready.Status != "True" || ready.Reason != imsv1.ReasonSynced ||
					!strings.Contains(ready.Message, "1 could not be stored") || !strings.Contains(ready.Message, big.ID) {
					t.Fatalf("%s: Ready = %+v, want True, Synced, naming the 1 image not stored", what, ready)
				}
				return q
			}
			rejectedEvents := func() (n int) {
				for _, e := range rig.drainEvents() {
					if strings.HasPrefix(e, "Warning "+imsv1.EventCloudImageRejected) && strings.Contains(e, big.ID) {
						n++
					}
				}
				return n
			}

			sync("first sync")
			if attempts != 1 {
				t.Errorf("first sync: %d writes of the oversized record, want 1", attempts)
			}
			if got := cloudImageNames(t, rig); got != twoImages[0].ID+","+twoImages[1].ID {
				t.Errorf("first sync mirrored %s, want the two other images", got)
			}
			if n := rejectedEvents(); n != 1 {
				t.Errorf("first sync: %d CloudImageRejected warnings naming it, want 1", n)
			}

			sync("unchanged record")
			if attempts != 0 || rig.imageWrites != 0 {
				t.Errorf("unchanged record: %d writes of it, %d CloudImage writes in all; want none", attempts, rig.imageWrites)
			}
			if n := rejectedEvents(); n != 0 {
				t.Errorf("unchanged record: %d new warnings, want none (nothing new happened)", n)
			}

			big.Name = "big, rebuilt"
			sync("changed record")
			if attempts != 1 {
				t.Errorf("changed record: %d writes of it, want 1", attempts)
			}
			if n := rejectedEvents(); n != 1 {
				t.Errorf("changed record: %d CloudImageRejected warnings naming it, want 1", n)
			}

			rig.refuse = nil // say, the record shrank below the limit
			big.Name = "big, slimmed"
			q := dueSync(t, rig)
			if got := cloudImageNames(t, rig); !strings.Contains(got, big.ID) {
				t.Errorf("a record that fits again was not mirrored: %s", got)
			}
			if ready := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady); strings.Contains(ready.Message, "could not be stored") {
				t.Errorf("Ready still says an image was not stored: %q", ready.Message)
			}
			if rig.r.writer.Remembered(q) != 0 {
				t.Error("a record stored at last is still remembered as refused")
			}
		})
	}
}

// dueSync makes the rig's query due and syncs it once more.
func dueSync(t *testing.T, rig *decisionRig) *imsv1.ImageQuery {
	t.Helper()
	rig.r.clock.(*clocktesting.FakeClock).Step(time.Hour)
	if _, err := rig.reconcile(t); err != nil {
		t.Fatal(err)
	}
	return rig.query(t)
}

func cloudImageNames(t *testing.T, rig *decisionRig) string {
	t.Helper()
	list := &imsv1.CloudImageList{}
	if err := rig.r.client.List(context.Background(), list, client.InNamespace("ns")); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ci := range list.Items {
		names = append(names, ci.Name)
	}
	return strings.Join(names, ",")
}

// Reconcile of a deleted query forgets its refusals.
func TestRefusalsAreForgottenWhenTheQueryIsDeleted(t *testing.T) {
	big := &ims.Image{ID: "5b1f0d1e-9c4b-4b7e-9f0a-2d6c3e8a7b10", Name: "big", Status: "active", CreatedAt: "2025-06-01T00:00:00Z"}
	q := decisionQuery(nil)
	rig := newDecisionRig(t, q, big)
	rig.refuse = func(obj client.Object) error { return apierrors.NewRequestEntityTooLargeError("limit is 3145728") }
	dueSync(t, rig)
	if rig.r.writer.Remembered(q) != 1 {
		t.Fatalf("the refused record is not remembered")
	}
	if err := rig.r.client.Delete(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if _, err := rig.reconcile(t); err != nil {
		t.Fatal(err)
	}
	if rig.r.writer.Remembered(q) != 0 {
		t.Error("Reconcile of a deleted query kept its refusals")
	}
}
