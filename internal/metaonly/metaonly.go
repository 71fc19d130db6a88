// Package metaonly builds the empty metadata-only objects that the manager reads from its
// cache: CloudImages, Secrets and Namespaces are cached as metadata alone (labels, owners,
// versions), never their whole contents. Reading the typed object from the cached client
// instead would start a second informer caching every full object next to the metadata one.
package metaonly

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// Object is an empty object of gvk as a metadata-only informer caches it.
func Object(gvk schema.GroupVersionKind) *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(gvk)
	return m
}

// List is an empty list of gvk's kind (gvk names the item kind) as the cache holds it.
func List(gvk schema.GroupVersionKind) *metav1.PartialObjectMetadataList {
	l := &metav1.PartialObjectMetadataList{}
	l.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	return l
}

var (
	cloudImage = imsv1.GroupVersion.WithKind("CloudImage")
	secret     = corev1.SchemeGroupVersion.WithKind("Secret")
	namespace  = corev1.SchemeGroupVersion.WithKind("Namespace")
	account    = corev1.SchemeGroupVersion.WithKind("ServiceAccount")
)

// CloudImage is an empty CloudImage, metadata only.
func CloudImage() *metav1.PartialObjectMetadata { return Object(cloudImage) }

// CloudImageList is an empty CloudImage list, metadata only. Every cached read of
// CloudImages goes through it or CloudImage.
func CloudImageList() *metav1.PartialObjectMetadataList { return List(cloudImage) }

// Secret is an empty Secret, metadata only: the operator never caches Secrets' data.
func Secret() *metav1.PartialObjectMetadata { return Object(secret) }

// Namespace is an empty Namespace, metadata only: its labels are all the operator reads.
func Namespace() *metav1.PartialObjectMetadata { return Object(namespace) }

// ServiceAccount is an empty ServiceAccount, metadata only: its UID is all the operator reads.
func ServiceAccount() *metav1.PartialObjectMetadata { return Object(account) }
