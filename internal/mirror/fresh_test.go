package mirror

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// A requested sync of a query that is not a shared CloudImage's content owner writes the
// record it listed: a renamed image kept its old name after a requested sync of a query
// that co-claims it, until its first claimant's next scheduled sync (found in the soak). A
// scheduled sync of such a query leaves the record to the content owner (queries that see an
// image differently would otherwise rewrite it in turn on every sync), and so does a requested
// sync of a query that lists otherwise (another region or identity): TestTwoViewsOfOneImageDoNotFight.
func TestRequestedSyncWritesASharedRecord(t *testing.T) {
	const region, id = "cn-north-4", "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	owner := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "owner", UID: "uid-owner"}}
	other := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "other", UID: "uid-other"}}
	stored := func(t *testing.T, fresh bool, sameView []types.UID) string {
		scheme := runtime.NewScheme()
		if err := imsv1.AddToScheme(scheme); err != nil {
			t.Fatal(err)
		}
		old := DesiredRecord(region, &ims.Image{ID: id, Name: "Ubuntu 22.04 server", Status: "active"})
		old.Namespace = "ns"
		old.Annotations = map[string]string{imsv1.ContentHashAnnotation: ContentHash(&old)}
		old.OwnerReferences = []metav1.OwnerReference{OwnerRef(owner), OwnerRef(other)}
		old.Labels[imsv1.QueryLabel(owner.Name)] = "true"
		old.Labels[imsv1.QueryLabel(other.Name)] = "true"
		c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(&old).Build()
		w := &Writer{Client: c, Live: c, Workers: 1}
		renamed := []*ims.Image{{ID: id, Name: "Ubuntu 22.04 server renamed", Status: "active"}}
		if _, err := w.Apply(context.Background(), other, region, renamed, Claims{Fresh: fresh, SameView: sameView}); err != nil {
			t.Fatal(err)
		}
		var ci imsv1.CloudImage
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: id}, &ci); err != nil {
			t.Fatal(err)
		}
		if len(ci.OwnerReferences) != 2 || ContentOwner(ci.OwnerReferences) != owner.UID {
			t.Errorf("owners %v, want owner first, then other", ci.OwnerReferences)
		}
		if fresh && ci.Annotations[imsv1.ContentHashAnnotation] != ContentHash(&ci) {
			t.Errorf("content hash %q does not match the record written", ci.Annotations[imsv1.ContentHashAnnotation])
		}
		return ci.Image.Name
	}
	alike := []types.UID{owner.UID} // the owner lists as other does
	if got := stored(t, true, alike); got != "Ubuntu 22.04 server renamed" {
		t.Errorf("after a requested sync of a co-claimant the record's name is %q, want the listed name", got)
	}
	if got := stored(t, false, alike); got != "Ubuntu 22.04 server" {
		t.Errorf("after a scheduled sync of a co-claimant the record's name is %q, want the content owner's", got)
	}
	if got := stored(t, true, nil); got != "Ubuntu 22.04 server" {
		t.Errorf("after a requested sync of a co-claimant that lists otherwise (another region or project) the record's name is %q, want the content owner's", got)
	}
}
