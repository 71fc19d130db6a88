package chaos

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/childproc"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// startManager runs the manager against the chaos control plane and the simulator; the test's
// end kills it.
func startManager(t *testing.T, args ...string) *childproc.Proc {
	t.Helper()
	m, err := harness.StartManager(t.TempDir(), "manager", nil,
		append([]string{
			"--ims-endpoint=" + simURL, "--metrics-bind-address=0", "--health-probe-bind-address=0",
			"--default-refresh-interval=1m",
		}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Kill)
	return m
}

// newNamespace gives a test a namespace with the credentials Secret.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "chaos-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "ims-credentials"},
		StringData: map[string]string{"accessKey": testAK, "secretKey": testSK}}
	if err := k8s.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// createQuery creates an ImageQuery of every image the simulator lists, in pages of 500.
func createQuery(t *testing.T, ns, name string) *imsv1.ImageQuery {
	t.Helper()
	q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: imsv1.ImageQuerySpec{
		CredentialsSecretRef: &imsv1.SecretReference{Name: "ims-credentials"}, PageSize: 500}}
	if err := k8s.Create(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	return q
}

// expectedIDs lists the simulator directly, with an IMS client of its own.
func expectedIDs(t *testing.T) []string {
	t.Helper()
	c, err := ims.New(ims.Config{Endpoint: simURL, Credentials: ims.Credentials{AccessKey: testAK, SecretKey: testSK}})
	if err != nil {
		t.Fatal(err)
	}
	images, err := ims.Collect(c.ListImages(context.Background(), ims.ListImagesRequest{Limit: 1000}))
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(images))
	for _, img := range images {
		ids = append(ids, img.ID)
	}
	slices.Sort(ids)
	return ids
}

// countCloudImages is how many CloudImages ns holds (metadata only: cheap enough to poll).
func countCloudImages(t *testing.T, ns string) int {
	t.Helper()
	var list metav1.PartialObjectMetadataList
	list.SetGroupVersionKind(imsv1.GroupVersion.WithKind("CloudImageList"))
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		return -1 // the API server may be down on purpose
	}
	return len(list.Items)
}

// waitFor polls cond every 100ms until it holds or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// assertConverged waits until q synced its current generation and checks that ns holds
// exactly one CloudImage per expected ID, each claimed by q alone: nothing lost, nothing
// duplicated, no stale owner.
func assertConverged(t *testing.T, q *imsv1.ImageQuery, want []string) {
	t.Helper()
	waitFor(t, "the query to sync", 2*time.Minute, func() bool {
		cur := &imsv1.ImageQuery{}
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(q), cur); err != nil {
			return false
		}
		c := meta.FindStatusCondition(cur.Status.Conditions, imsv1.ConditionReady)
		*q = *cur
		return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == cur.Generation
	})
	if int(q.Status.MatchedImages) != len(want) {
		t.Errorf("status.matchedImages %d, want %d", q.Status.MatchedImages, len(want))
	}
	var list imsv1.CloudImageList
	if err := k8s.List(context.Background(), &list, client.InNamespace(q.Namespace)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ci := range list.Items {
		got = append(got, ci.Name)
		if len(ci.OwnerReferences) != 1 || ci.OwnerReferences[0].UID != q.UID {
			t.Errorf("CloudImage %s has owners %v, want only the query %s", ci.Name, ci.OwnerReferences, q.UID)
		}
		if ci.Labels[imsv1.QueryLabel(q.Name)] != "true" {
			t.Errorf("CloudImage %s lacks the query label", ci.Name)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%d CloudImages, want exactly the %d listed (lost or extra objects)", len(got), len(want))
	}
}
