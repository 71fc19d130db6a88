package controllers

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// The picking decisions of one Reconcile on the fake client (the integration suite covers the
// same ground on a real control plane): minAge's schedule, the export's writes and conflicts.

// A week of soak: the day-old image is listed but not mirrored, and the next sync is due when
// it comes of age, six days on, not a whole refreshInterval (30 days) later.
func TestMinAgeSchedulesTheNextSync(t *testing.T) {
	q := decisionQuery(func(q *imsv1.ImageQuery) {
		q.Spec.MinAge = &metav1.Duration{Duration: 7 * 24 * time.Hour}
		q.Spec.RefreshInterval = &metav1.Duration{Duration: 30 * 24 * time.Hour}
	})
	old := &ims.Image{ID: "0e358453-0d26-44cc-80c3-57e0edd81dfe", Name: "old", Status: "active", CreatedAt: decisionNow.Add(-30 * 24 * time.Hour).Format(time.RFC3339)}
	young := &ims.Image{ID: "18ca00b8-f145-44e0-8b3f-627fc7a25f84", Name: "young", Status: "active", CreatedAt: decisionNow.Add(-24 * time.Hour).Format(time.RFC3339)}
	rig := newDecisionRig(t, q, old, young)
	res, err := rig.reconcile(t)
	if err != nil {
		t.Fatal(err)
	}
	if res.RequeueAfter != 6*24*time.Hour {
		t.Errorf("RequeueAfter %v, want 144h (when the young image comes of age)", res.RequeueAfter)
	}
	got := rig.query(t)
	if got.Status.MatchedImages != 1 || latestID(got) != old.ID || rig.imageWrites != 1 {
		t.Errorf("matched %d, latest %q, %d CloudImage writes; want only the old image", got.Status.MatchedImages, latestID(got), rig.imageWrites)
	}
}

func (rig *decisionRig) configMap(t *testing.T, name string) *corev1.ConfigMap {
	t.Helper()
	cm := &corev1.ConfigMap{}
	if err := rig.r.client.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: name}, cm); err != nil {
		t.Fatal(err)
	}
	return cm
}

func exportingQuery(name string) *imsv1.ImageQuery {
	return decisionQuery(func(q *imsv1.ImageQuery) { q.Spec.Export = &imsv1.ExportSpec{ConfigMapName: name} })
}

// The export is written with the sync, and put back on a reconcile that is not a sync (what a
// watch event on the ConfigMap triggers), without asking IMS.
func TestExportIsWrittenAndPutBackWithoutASync(t *testing.T) {
	rig := newDecisionRig(t, exportingQuery("node-image"), twoImages...)
	if _, err := rig.reconcile(t); err != nil {
		t.Fatal(err)
	}
	cm := rig.configMap(t, "node-image")
	want := map[string]string{"imageID": twoImages[1].ID, "imageName": "b", "region": "cn-north-4", "platform": "",
		"osVersion": "", "architecture": "x86", "createdAt": "2025-01-01T00:00:00Z"}
	if !maps.Equal(cm.Data, want) || !metav1.IsControlledBy(cm, rig.query(t)) {
		t.Fatalf("export data %v, owners %+v", cm.Data, cm.OwnerReferences)
	}

	cm.Data["imageID"] = "edited"
	if err := rig.r.client.Update(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	calls := rig.cloud.calls
	if _, err := rig.reconcile(t); err != nil {
		t.Fatal(err)
	}
	if rig.cloud.calls != calls {
		t.Error("putting the export back listed IMS")
	}
	if got := rig.configMap(t, "node-image").Data; !maps.Equal(got, want) {
		t.Errorf("after an edit: %v", got)
	}
}

// A ConfigMap of the export's name that the query does not own stalls the query and is not
// written; the sync's matches are still recorded.
func TestExportConflictStallsAndWritesNothing(t *testing.T) {
	rig := newDecisionRig(t, exportingQuery("taken"), twoImages...)
	foreign := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "taken"}, Data: map[string]string{"k": "v"}}
	if err := rig.r.client.Create(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	res, err := rig.reconcile(t)
	if err != nil || res.RequeueAfter != 10*time.Minute {
		t.Errorf("got %+v, %v; want a terminal failure retried every refreshInterval", res, err)
	}
	got := rig.query(t)
	stalled := meta.FindStatusCondition(got.Status.Conditions, imsv1.ConditionStalled)
	if stalled == nil || stalled.Reason != imsv1.ReasonExportConflict || !strings.Contains(stalled.Message, "ns/taken") {
		t.Errorf("Stalled = %+v", stalled)
	}
	if got.Status.MatchedImages != 2 || latestID(got) != twoImages[1].ID {
		t.Errorf("matched %d, latest %q", got.Status.MatchedImages, latestID(got))
	}
	after := rig.configMap(t, "taken")
	if after.ResourceVersion != foreign.ResourceVersion || len(after.OwnerReferences) != 0 {
		t.Errorf("the foreign ConfigMap was written: %+v", after)
	}
}
