package mirror

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
)

// Releasing one claim of a CloudImage that is gone (deleted by the query that released it
// last, while this query's cache still held it, as after an API server outage) succeeds: the
// soak saw such syncs fail with MirrorFailed "not found" and retry with backoff. The same
// release of an object that exists patches its claims.
func TestReleaseOfACloudImageGoneMeanwhile(t *testing.T) {
	a := metav1.OwnerReference{APIVersion: imsv1.GroupVersion.String(), Kind: "ImageQuery", Name: "a", UID: "uid-a"}
	b := metav1.OwnerReference{APIVersion: imsv1.GroupVersion.String(), Kind: "ImageQuery", Name: "b", UID: "uid-b"}
	current := metaonly.CloudImage()
	current.Namespace, current.Name, current.UID = "ns", "20d858d5-c18c-4f2f-8f1c-22be1a28c319", "uid-ci"
	current.OwnerReferences = []metav1.OwnerReference{a, b}
	current.Labels = map[string]string{imsv1.QueryLabel("a"): "true", imsv1.QueryLabel("b"): "true"}
	updated := current.DeepCopy()
	updated.OwnerReferences = WithoutOwner(current.OwnerReferences, a.UID, a.Name)
	delete(updated.Labels, imsv1.QueryLabel("a"))

	scheme := runtime.NewScheme()
	if err := imsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	gone := fake.NewClientBuilder().WithScheme(scheme).Build()
	if err := ReleaseOrDelete(ctx, gone, current, updated); err != nil {
		t.Fatalf("releasing a claim of a CloudImage that is gone: %v", err)
	}

	ci := &imsv1.CloudImage{ObjectMeta: *current.ObjectMeta.DeepCopy()}
	there := fake.NewClientBuilder().WithScheme(scheme).WithObjects(ci).Build()
	stored := metaonly.CloudImage()
	if err := there.Get(ctx, client.ObjectKeyFromObject(ci), stored); err != nil {
		t.Fatal(err)
	}
	current.ResourceVersion = stored.ResourceVersion
	updated.ResourceVersion = stored.ResourceVersion
	if err := ReleaseOrDelete(ctx, there, current, updated); err != nil {
		t.Fatal(err)
	}
	if err := there.Get(ctx, client.ObjectKeyFromObject(ci), stored); err != nil {
		t.Fatal(err)
	}
	if len(stored.OwnerReferences) != 1 || stored.OwnerReferences[0].UID != b.UID || stored.Labels[imsv1.QueryLabel("a")] != "" {
		t.Errorf("after the release: owners %v, labels %v; want b's claim alone", stored.OwnerReferences, stored.Labels)
	}
}
