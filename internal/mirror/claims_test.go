package mirror

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

func TestOwnerReferenceEditing(t *testing.T) {
	a := metav1.OwnerReference{APIVersion: "ims.imagecatalog.io/v1alpha1", Kind: "ImageQuery", Name: "a", UID: "uid-a"}
	b := metav1.OwnerReference{APIVersion: "ims.imagecatalog.io/v1alpha1", Kind: "ImageQuery", Name: "b", UID: "uid-b"}
	other := metav1.OwnerReference{APIVersion: "example.com/v1", Kind: "ImageQuery", Name: "a", UID: "uid-x"}

	refs := []metav1.OwnerReference{b, a}
	if got := WithOwner(refs, a); len(got) != 2 || got[0] != b || got[1] != a {
		t.Errorf("adding a present owner reordered or duplicated it: %+v", got)
	}
	stale := a
	stale.UID = "uid-old" // the query was deleted and created again
	if got := WithOwner([]metav1.OwnerReference{stale, other}, a); len(got) != 2 || got[0] != other || got[1] != a {
		t.Errorf("a recreated query's stale reference was kept: %+v", got)
	}
	if got := WithoutOwner([]metav1.OwnerReference{a, b, other}, "uid-a", "a"); len(got) != 2 || got[0] != b || got[1] != other {
		t.Errorf("withoutOwner: %+v", got)
	}
	if HasQueryOwner([]metav1.OwnerReference{other}) || !HasQueryOwner([]metav1.OwnerReference{other, b}) {
		t.Error("hasQueryOwner must only count ImageQueries of this API group")
	}
}

func TestMergeLabelsKeepsClaimsAndUserLabels(t *testing.T) {
	current := map[string]string{
		imsv1.LabelPlatform:        "Ubuntu",
		imsv1.LabelStatus:          "saving",
		imsv1.QueryLabel("other"):  "true",
		"team.example.com/blessed": "yes",
	}
	fresh := map[string]string{imsv1.LabelManagedBy: "ims-operator", imsv1.LabelStatus: "active"}
	got := MergeLabels(current, fresh)
	want := map[string]string{
		imsv1.LabelManagedBy:       "ims-operator",
		imsv1.LabelStatus:          "active",
		imsv1.QueryLabel("other"):  "true",
		"team.example.com/blessed": "yes",
	}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v (a stale attribute label must go)", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}
