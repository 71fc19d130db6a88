package controllers

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// A fault on page 2 loses nothing: no CloudImage changes, the status lists stay, Ready says
// why; when IMS recovers, Ready comes back without anyone asking.
func TestFaultOnPage2LosesNothing(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "paged", imsv1.ImageQuerySpec{
		Filter:   imsv1.ImageFilter{ImageType: "gold"},
		PageSize: 5,
	}))
	if q := waitReady(t, ns, "paged"); q.Status.MatchedImages <= 5 {
		t.Fatalf("only %d images match: the listing must span pages", q.Status.MatchedImages)
	}

	for _, fault := range []struct {
		name   string
		fault  imssim.Fault
		reason string
	}{
		{"503", imssim.Fault{OnPage: 2, Status: 503}, imsv1.ReasonServiceUnavailable},
		{"429", imssim.Fault{OnPage: 2, Status: 429, RetryAfter: "0"}, imsv1.ReasonThrottled},
		{"truncated", imssim.Fault{OnPage: 2, Body: imssim.BodyTruncated}, imsv1.ReasonIncompleteListing},
	} {
		t.Run(fault.name, func(t *testing.T) {
			synced := waitReady(t, ns, "paged")
			before := cloudImages(t, ns)
			// Remove an image too: a partial listing must not prune it.
			removed := claimedIDs(t, ns, "paged")[0]
			img := catalogImage(t, removed)
			id := sim.AddFault(fault.fault)
			sim.DeleteImage(removed)
			restore := func() { sim.PutImage(img); sim.RemoveFault(id) } // image first: nothing to prune
			t.Cleanup(restore)                                           // also when the test fails
			q := getQuery(t, ns, "paged")
			patch := client.MergeFrom(q.DeepCopy())
			q.Annotations = map[string]string{imsv1.RequestedAtAnnotation: "fault-" + fault.name}
			if err := k8s.Patch(context.Background(), q, patch); err != nil {
				t.Fatal(err)
			}
			failed := waitCondition(t, ns, "paged", metav1.ConditionFalse, fault.reason)
			if c := findCondition(failed, imsv1.ConditionReconciling); c == nil || c.Status != metav1.ConditionTrue {
				t.Errorf("a transient failure should set Reconciling=True, got %+v", c)
			}
			if c := findCondition(failed, imsv1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
				t.Errorf("a transient failure set Stalled")
			}
			after := cloudImages(t, ns)
			if !slices.Equal(slices.Sorted(maps.Keys(after)), slices.Sorted(maps.Keys(before))) {
				t.Errorf("CloudImages changed on a failed listing")
			}
			for name, ci := range after {
				if ci.ResourceVersion != before[name].ResourceVersion {
					t.Errorf("CloudImage %s was written on a failed listing", name)
				}
			}
			if failed.Status.MatchedImages != synced.Status.MatchedImages ||
				!equality.Semantic.DeepEqual(failed.Status.Images, synced.Status.Images) ||
				!failed.Status.LastSyncTime.Equal(synced.Status.LastSyncTime) {
				t.Errorf("status lists changed on a failed listing")
			}

			restore()
			waitReady(t, ns, "paged") // the retry comes by itself
		})
	}
}

// Errors that retrying won't fix set Stalled, with a reason per class.
func TestPermanentErrorsStall(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "no-secret", imsv1.ImageQuerySpec{
		CredentialsSecretRef: &imsv1.SecretReference{Name: "missing"},
	}))
	q := waitCondition(t, ns, "no-secret", metav1.ConditionFalse, imsv1.ReasonSecretNotFound)
	if c := findCondition(q, imsv1.ConditionStalled); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("missing Secret: Stalled = %+v", c)
	}
	// Creating the Secret is a change the operator watches: it recovers without a restart.
	createSecret(t, ns, "missing", map[string]string{"accessKey": testAK, "secretKey": testSK})
	q = waitReady(t, ns, "no-secret")
	if c := findCondition(q, imsv1.ConditionStalled); c != nil {
		t.Errorf("Stalled still set after recovery: %+v", c)
	}

	createSecret(t, ns, "wrong", map[string]string{"accessKey": testAK, "secretKey": "not-the-key-xyz"})
	createQuery(t, newQuery(ns, "rejected", imsv1.ImageQuerySpec{
		CredentialsSecretRef: &imsv1.SecretReference{Name: "wrong"},
	}))
	q = waitCondition(t, ns, "rejected", metav1.ConditionFalse, imsv1.ReasonCredentialsRejected)
	if c := findCondition(q, imsv1.ConditionStalled); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("rejected credentials: Stalled = %+v", c)
	}
	waitEvent(t, ns, imsv1.ReasonCredentialsRejected, "IMS rejected the credentials")
	assertNoSecretIn(t, ns, "not-the-key-xyz")

	createSecret(t, ns, "half", map[string]string{"accessKey": testAK})
	createQuery(t, newQuery(ns, "half", imsv1.ImageQuerySpec{
		CredentialsSecretRef: &imsv1.SecretReference{Name: "half"},
	}))
	waitCondition(t, ns, "half", metav1.ConditionFalse, imsv1.ReasonInvalidCredentials)

	id := sim.AddFault(imssim.Fault{Status: 403})
	defer sim.RemoveFault(id)
	createQuery(t, newQuery(ns, "forbidden", imsv1.ImageQuerySpec{}))
	waitCondition(t, ns, "forbidden", metav1.ConditionFalse, imsv1.ReasonForbidden)
}

// assertNoSecretIn checks that a secret value shows up in no status or event of the namespace.
func assertNoSecretIn(t *testing.T, ns, secret string) {
	t.Helper()
	var queries imsv1.ImageQueryList
	if err := k8s.List(context.Background(), &queries, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, q := range queries.Items {
		for _, c := range q.Status.Conditions {
			if strings.Contains(c.Message, secret) {
				t.Errorf("condition %s of %s holds a secret", c.Type, q.Name)
			}
		}
	}
	var events corev1.EventList
	if err := k8s.List(context.Background(), &events, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if strings.Contains(e.Message, secret) {
			t.Errorf("event %s holds a secret", e.Name)
		}
	}
}

// Credentials rotated in the Secret are used at the next sync, which the change itself
// triggers.
func TestCredentialRotation(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	const newAK, newSK = "ROTATEDACCESSKEY0002", "rotated-secret-key-0002"
	sim.SetCredential(newAK, newSK)
	defer sim.RemoveCredential(newAK)
	createQuery(t, newQuery(ns, "rotating", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "CentOS"}}))
	waitReady(t, ns, "rotating")

	sim.ResetRequests()
	secret := &corev1.Secret{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "ims-credentials"}, secret); err != nil {
		t.Fatal(err)
	}
	secret.Data = map[string][]byte{"accessKey": []byte(newAK), "secretKey": []byte(newSK)}
	if err := k8s.Update(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a sync with the rotated key", func() error {
		if getQuery(t, ns, "rotating").Status.SecretResourceVersion != secret.ResourceVersion {
			return errNotYet
		}
		return nil
	})
	used := map[string]bool{}
	for _, r := range sim.Requests() {
		used[r.AccessKey] = true
	}
	if !used[newAK] || used[testAK] {
		t.Errorf("after rotation the operator signed with %v, want only %s", slices.Collect(maps.Keys(used)), newAK)
	}
	waitReady(t, ns, "rotating")
}

// The manager's cache holds no Secret data, not even kubectl's last-applied-configuration
// annotation, which carries it in plain text.
func TestCachedSecretMetadataHoldsNoData(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "applied",
		Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"stringData":{"secretKey":"plain-text-secret-0003"}}`}},
		StringData: map[string]string{"secretKey": "plain-text-secret-0003"}}
	if err := k8s.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	createQuery(t, newQuery(ns, "uses-applied", imsv1.ImageQuerySpec{CredentialsSecretRef: &imsv1.SecretReference{Name: "applied"}}))
	waitCondition(t, ns, "uses-applied", metav1.ConditionFalse, imsv1.ReasonInvalidCredentials)
	cached := &metav1.PartialObjectMetadata{}
	cached.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	eventually(t, "the Secret's metadata in the cache", func() error {
		return queries.client.Get(context.Background(), client.ObjectKeyFromObject(s), cached)
	})
	if len(cached.Annotations) != 0 || len(cached.ManagedFields) != 0 || cached.ResourceVersion == "" {
		t.Errorf("cached Secret metadata keeps %d annotations / %d managed fields (resourceVersion %q)",
			len(cached.Annotations), len(cached.ManagedFields), cached.ResourceVersion)
	}
}
