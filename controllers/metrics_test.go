package controllers

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// The per-query schedule and health series that the alerts of config/prometheus/rules.yaml
// read: set after each sync, gone while suspended (no overdue alert) and once deleted.
func TestQueryStatusMetrics(t *testing.T) {
	q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: "metrics-ns", Name: "q"}}
	synced := metav1.NewTime(time.Unix(1_700_000_000, 0))
	q.Status.LastSyncTime = &synced
	q.Status.Conditions = []metav1.Condition{{Type: imsv1.ConditionStalled, Status: metav1.ConditionTrue, Reason: "Forbidden"}}
	observeStatus(q, 30*time.Minute)
	if got := testutil.ToFloat64(stalled.WithLabelValues("metrics-ns", "q")); got != 1 {
		t.Errorf("stalled = %v, want 1", got)
	}
	if got := testutil.ToFloat64(refreshInterval.WithLabelValues("metrics-ns", "q")); got != 1800 {
		t.Errorf("refresh interval = %v, want 1800", got)
	}
	if got := testutil.ToFloat64(lastSync.WithLabelValues("metrics-ns", "q")); got != 1_700_000_000 {
		t.Errorf("last sync = %v", got)
	}
	q.Status.Conditions = nil
	observeStatus(q, 30*time.Minute)
	if got := testutil.ToFloat64(stalled.WithLabelValues("metrics-ns", "q")); got != 0 {
		t.Errorf("stalled = %v after recovering, want 0", got)
	}

	m := newQueryMetrics()
	m.suspended("metrics-ns", "q")
	if refreshInterval.DeleteLabelValues("metrics-ns", "q") || stalled.DeleteLabelValues("metrics-ns", "q") {
		t.Error("a suspended query keeps its interval or stalled series")
	}
	m.forget("metrics-ns", "q")
	if lastSync.DeleteLabelValues("metrics-ns", "q") {
		t.Error("a deleted query keeps its last-sync series")
	}
}
