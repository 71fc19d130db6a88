package controllers

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// getQueryUnstructured reads an ImageQuery from the API server as GitOps tools do: as
// unstructured, uncached.
func getQueryUnstructured(t *testing.T, ns, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(imsv1.GroupVersion.WithKind("ImageQuery"))
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
		t.Fatal(err)
	}
	return u
}

func kstatusOf(t *testing.T, u *unstructured.Unstructured) *status.Result {
	t.Helper()
	res, err := status.Compute(u)
	if err != nil {
		t.Fatalf("kstatus: %v", err)
	}
	return res
}

// waitKstatus polls the live object until kstatus computes want, and returns that object.
func waitKstatus(t *testing.T, ns, name string, want status.Status) *unstructured.Unstructured {
	t.Helper()
	var u *unstructured.Unstructured
	eventually(t, fmt.Sprintf("kstatus %s for %s/%s", want, ns, name), func() error {
		u = getQueryUnstructured(t, ns, name)
		if res := kstatusOf(t, u); res.Status != want {
			return fmt.Errorf("kstatus is %s: %s", res.Status, res.Message)
		}
		return nil
	})
	return u
}

// kstatus (Flux, kubectl-based GitOps tools) computes Current for a synced query, InProgress
// while its first sync runs and while its spec generation is not yet observed, and Current
// again once the new generation synced.
func TestKstatusCurrentAndInProgress(t *testing.T) {
	integration(t)
	ns := newNamespace(t)

	// Hold the first listing for a while, so that the first sync is visibly under way.
	fault := sim.AddFault(imssim.Fault{Delay: 5 * time.Second, Times: 1})
	t.Cleanup(func() { sim.RemoveFault(fault) })
	createQuery(t, newQuery(ns, "first-sync", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "Ubuntu"}}))
	inProgress := waitKstatus(t, ns, "first-sync", status.InProgressStatus)
	if _, found, _ := unstructured.NestedString(inProgress.Object, "status", "lastSyncTime"); found {
		t.Errorf("InProgress only after the first sync finished: %v", inProgress.Object["status"])
	}

	current := waitKstatus(t, ns, "first-sync", status.CurrentStatus)
	q := getQuery(t, ns, "first-sync")
	if q.Status.LastSyncTime == nil || q.Status.ObservedGeneration != q.Generation {
		t.Errorf("kstatus says Current before the sync finished: %+v", q.Status)
	}
	if c := findCondition(q, imsv1.ConditionReady); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Current but Ready is %+v", c)
	}
	if res := kstatusOf(t, current); res.Status != status.CurrentStatus {
		t.Fatalf("synced query: kstatus %s (%s)", res.Status, res.Message)
	}

	// A spec change: the object the API server returns for the update is InProgress until
	// the operator observed the new generation.
	maxImages := int64(3)
	if err := unstructured.SetNestedField(current.Object, maxImages, "spec", "maxStatusImages"); err != nil {
		t.Fatal(err)
	}
	generation := current.GetGeneration()
	if err := k8s.Update(context.Background(), current); err != nil {
		t.Fatal(err)
	}
	if current.GetGeneration() == generation {
		t.Fatalf("a spec change did not bump metadata.generation")
	}
	if res := kstatusOf(t, current); res.Status != status.InProgressStatus {
		t.Errorf("right after a spec update: kstatus %s (%s), want InProgress", res.Status, res.Message)
	}
	// The same with a generation that no controller could have observed yet.
	bumped := waitKstatus(t, ns, "first-sync", status.CurrentStatus).DeepCopy()
	bumped.SetGeneration(bumped.GetGeneration() + 1)
	if res := kstatusOf(t, bumped); res.Status != status.InProgressStatus {
		t.Errorf("unobserved generation: kstatus %s (%s), want InProgress", res.Status, res.Message)
	}
	q = getQuery(t, ns, "first-sync")
	if q.Status.ObservedGeneration != q.Generation || len(q.Status.Images) > int(maxImages) {
		t.Errorf("Current but the new spec is not applied: observedGeneration %d of %d, %d images listed",
			q.Status.ObservedGeneration, q.Generation, len(q.Status.Images))
	}

	// Suspended is a settled state too.
	suspended := getQueryUnstructured(t, ns, "first-sync")
	if err := unstructured.SetNestedField(suspended.Object, true, "spec", "suspend"); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Update(context.Background(), suspended); err != nil {
		t.Fatal(err)
	}
	waitKstatus(t, ns, "first-sync", status.CurrentStatus)
}

// kstatus computes Failed for a query that stalled on an error that needs a change by the
// user: a missing credentials Secret, rejected credentials. Fixing it makes it Current.
func TestKstatusFailedWhenStalled(t *testing.T) {
	integration(t)
	ns := newNamespace(t)

	createQuery(t, newQuery(ns, "no-secret", imsv1.ImageQuerySpec{
		CredentialsSecretRef: &imsv1.SecretReference{Name: "not-there"},
	}))
	u := waitKstatus(t, ns, "no-secret", status.FailedStatus)
	q := getQuery(t, ns, "no-secret")
	if c := findCondition(q, imsv1.ConditionStalled); c == nil || c.Reason != imsv1.ReasonSecretNotFound {
		t.Errorf("Failed, but Stalled is %+v", c)
	}
	if res := kstatusOf(t, u); res.Message == "" {
		t.Errorf("Failed without a message")
	}

	createSecret(t, ns, "rejected", map[string]string{"accessKey": testAK, "secretKey": "wrong-secret-key-0000"})
	createQuery(t, newQuery(ns, "rejected", imsv1.ImageQuerySpec{
		CredentialsSecretRef: &imsv1.SecretReference{Name: "rejected"},
	}))
	waitKstatus(t, ns, "rejected", status.FailedStatus)
	q = getQuery(t, ns, "rejected")
	if c := findCondition(q, imsv1.ConditionReady); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("Failed, but Ready is %+v", c)
	}

	// An error that clears by itself is not a failure: kstatus keeps it InProgress while the
	// operator retries.
	unavailable := sim.AddFault(imssim.Fault{Status: 503})
	t.Cleanup(func() { sim.RemoveFault(unavailable) })
	createQuery(t, newQuery(ns, "retrying", imsv1.ImageQuerySpec{}))
	waitCondition(t, ns, "retrying", metav1.ConditionFalse, imsv1.ReasonServiceUnavailable)
	if res := kstatusOf(t, getQueryUnstructured(t, ns, "retrying")); res.Status != status.InProgressStatus {
		t.Errorf("retrying after a 503: kstatus %s (%s), want InProgress", res.Status, res.Message)
	}
	sim.RemoveFault(unavailable)
	waitKstatus(t, ns, "retrying", status.CurrentStatus)

	// The user's fix: the Secret appears. The query leaves Failed by itself.
	createSecret(t, ns, "not-there", map[string]string{"accessKey": testAK, "secretKey": testSK})
	waitKstatus(t, ns, "no-secret", status.CurrentStatus)
	waitReady(t, ns, "no-secret")
}

// Before the operator first writes its status, a new query already reads as InProgress: the
// CRD defaults status.observedGeneration to -1. (A server-side dry run shows the object as it
// is stored, before any controller can touch it.)
func TestKstatusInProgressBeforeFirstReconcile(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(imsv1.GroupVersion.WithKind("ImageQuery"))
	u.SetNamespace(ns)
	u.SetName("fresh")
	if err := k8s.Create(context.Background(), u, client.DryRunAll); err != nil {
		t.Fatal(err)
	}
	if res := kstatusOf(t, u); res.Status != status.InProgressStatus {
		t.Errorf("kstatus of a never-reconciled query is %s (%s), want InProgress; status %v", res.Status, res.Message, u.Object["status"])
	}
}
