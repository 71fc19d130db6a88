package controllers

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CacheTransform trims objects before they enter the manager's cache. Secrets are watched as
// metadata only, and even that is trimmed to name and version: kubectl's
// last-applied-configuration annotation holds a Secret's data in plain text. Managed fields
// are dropped everywhere; the operator never reads them, and they are most of an object's size.
func CacheTransform(obj any) (any, error) {
	if m, ok := obj.(*metav1.PartialObjectMetadata); ok {
		m.Annotations = nil
		m.Labels = nil
	}
	if o, ok := obj.(metav1.Object); ok {
		o.SetManagedFields(nil)
	}
	return obj, nil
}
