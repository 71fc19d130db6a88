// Package v1alpha1 holds the ims.imagecatalog.io/v1alpha1 API: ImageQuery, a user's filter over
// Huawei Cloud IMS's image catalog, and CloudImage, the operator's read-only mirror of one image.
// +kubebuilder:object:generate=true
// +groupName=ims.imagecatalog.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of this package's kinds.
	GroupVersion = schema.GroupVersion{Group: "ims.imagecatalog.io", Version: "v1alpha1"}

	// SchemeBuilder registers this package's kinds with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds this package's kinds to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
