package controllers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// The lockdown reads a namespace's label from the metadata cache; a Secret's metadata keeps
// nothing that could hold its data.
func TestCacheTransformKeepsNamespaceLabelsOnly(t *testing.T) {
	meta := func(kind string) *metav1.PartialObjectMetadata {
		m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
			Name:        "x",
			Labels:      map[string]string{imsv1.ManagerCredentialsLabel: imsv1.ManagerCredentialsAllowed},
			Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"data":{"secretKey":"c2VjcmV0"}}`},
		}}
		m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(kind))
		return m
	}
	ns, _ := CacheTransform(meta("Namespace"))
	if got := ns.(*metav1.PartialObjectMetadata); got.Labels[imsv1.ManagerCredentialsLabel] != imsv1.ManagerCredentialsAllowed || got.Annotations != nil {
		t.Errorf("Namespace metadata in the cache: labels %v, annotations %v", got.Labels, got.Annotations)
	}
	secret, _ := CacheTransform(meta("Secret"))
	if got := secret.(*metav1.PartialObjectMetadata); got.Labels != nil || got.Annotations != nil {
		t.Errorf("Secret metadata in the cache: labels %v, annotations %v", got.Labels, got.Annotations)
	}
}
