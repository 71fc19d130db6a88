// Package v1alpha1 holds the ims.imagecatalog.io/v1alpha1 API: ImageQuery, a user's filter over
// Huawei Cloud IMS's image catalog, and CloudImage, the operator's read-only mirror of one image.
// +kubebuilder:object:generate=true
// +groupName=ims.imagecatalog.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the API group and version of this package's kinds.
	GroupVersion = schema.GroupVersion{Group: "ims.imagecatalog.io", Version: "v1alpha1"}

	// SchemeBuilder registers this package's kinds with a runtime.Scheme. It depends on
	// apimachinery only, so that other controllers can import this package cheaply.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds this package's kinds to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &ImageQuery{}, &ImageQueryList{}, &CloudImage{}, &CloudImageList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
