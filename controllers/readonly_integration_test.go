package controllers

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/controlplane"
)

// readOnlyMessage is what the policy in config/policy says when it refuses a write.
const readOnlyMessage = "CloudImages are read-only records of what IMS listed"

// forgedCloudImage is a record nobody listed: "Ubuntu 22.04" pointing at another image ID.
func forgedCloudImage(ns, id string) *imsv1.CloudImage {
	return &imsv1.CloudImage{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: id, Labels: map[string]string{
			imsv1.LabelPlatform: "Ubuntu", imsv1.LabelManagedBy: imsv1.ManagedByValue}},
		Region: "cn-north-4",
		Image:  imsv1.ImageRecord{ID: id, Name: "Ubuntu 22.04 server 64bit", Platform: "Ubuntu"},
	}
}

func isPolicyRefusal(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), readOnlyMessage)
}

// Only the operator writes CloudImages: a cluster admin's forged record, and an edit of a
// mirrored one, are refused with a message that says why; deleting one is allowed and the
// operator puts it back.
func TestCloudImagesAreReadOnly(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "ro", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "CoreOS"}}))
	waitReady(t, ns, "ro")
	ids := claimedIDs(t, ns, "ro")
	if len(ids) == 0 {
		t.Fatal("no CoreOS image mirrored")
	}

	// kubectl as a cluster admin: create a forged record.
	forged := forgedCloudImage(ns, "0f0f0f0f-0000-4000-8000-000000000001")
	forged.APIVersion, forged.Kind = imsv1.GroupVersion.String(), "CloudImage"
	manifest, err := yamlOf(forged)
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runKubectl(t, manifest, "create", "-f", "-")
	if err == nil {
		t.Fatal("a cluster admin created a forged CloudImage")
	}
	for _, want := range []string{readOnlyMessage, "only the ims-operator", "not " + controlplane.AdminUser, "deleting a CloudImage is allowed"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("kubectl said %q, want it to contain %q", stderr, want)
		}
	}

	// Edits of a mirrored record: its content, a label consumers select by, an annotation.
	admin, err := impersonatedAdmin("someone-else")
	if err != nil {
		t.Fatal(err)
	}
	for what, edit := range map[string]func(ci *imsv1.CloudImage){
		"image.name":   func(ci *imsv1.CloudImage) { ci.Image.Name = "Ubuntu 22.04 server 64bit" },
		"region":       func(ci *imsv1.CloudImage) { ci.Region = "cn-south-1" },
		"label":        func(ci *imsv1.CloudImage) { ci.Labels[imsv1.LabelPlatform] = "Ubuntu" },
		"new label":    func(ci *imsv1.CloudImage) { ci.Labels["query.ims.imagecatalog.io/prod"] = "true" },
		"annotation":   func(ci *imsv1.CloudImage) { ci.Annotations = map[string]string{"x": "y"} },
		"owner+record": func(ci *imsv1.CloudImage) { ci.OwnerReferences = nil; ci.Image.ID = "forged" },
	} {
		ci := cloudImages(t, ns)[ids[0]]
		edit(&ci)
		if err := admin.Update(context.Background(), &ci); !isPolicyRefusal(err) {
			t.Errorf("edit of %s: want the policy's refusal, got %v", what, err)
		}
	}

	// What the garbage collector and finalizer owners do stays allowed.
	ci := cloudImages(t, ns)[ids[0]]
	ci.Finalizers = append(ci.Finalizers, "example.com/hold")
	if err := admin.Update(context.Background(), &ci); err != nil {
		t.Fatalf("adding a finalizer: %v", err)
	}
	ci.Finalizers = nil
	if err := admin.Update(context.Background(), &ci); err != nil {
		t.Fatalf("removing a finalizer: %v", err)
	}

	// Delete is allowed; the operator recreates what is still matched.
	if err := admin.Delete(context.Background(), &ci); err != nil {
		t.Fatalf("delete: %v", err)
	}
	requestSync(t, ns, "ro")
	if got := claimedIDs(t, ns, "ro"); strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Errorf("after a delete and a sync: %v, want %v", got, ids)
	}
}
