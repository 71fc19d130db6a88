package controllers

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/intern"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
)

// CacheOptions are the manager's cache settings: objects trimmed by CacheTransform, and
// ConfigMaps and CloudImages cached (and watched) only when they carry the operator's
// managed-by label: its export ConfigMaps, not every ConfigMap in the cluster, and the
// CloudImages it wrote. With secretNamespaces (--credentials-secret-namespaces) Secrets are
// watched only in those namespaces, where the manager's Roles let it; nil watches them all. Every CloudImage the operator writes carries the label and the
// read-only policy keeps anyone from removing it; one without it (written before the policy
// was installed) is found by the mirror's create, refused as existing, and read live.
func CacheOptions(secretNamespaces []string) cache.Options {
	managed := labels.SelectorFromSet(labels.Set{imsv1.LabelManagedBy: imsv1.ManagedByValue})
	opts := cache.Options{
		DefaultTransform: CacheTransform,
		ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}: {Label: managed},
			&imsv1.CloudImage{}: {Label: managed},
		},
	}
	if len(secretNamespaces) > 0 {
		namespaces := map[string]cache.Config{}
		for _, ns := range secretNamespaces {
			namespaces[ns] = cache.Config{}
		}
		opts.ByObject[metaonly.Secret()] = cache.ByObject{Namespaces: namespaces}
	}
	return opts
}

// CacheTransform trims objects before they enter the manager's cache. Secrets are watched as
// metadata only, and even that is trimmed to name and version: kubectl's
// last-applied-configuration annotation holds a Secret's data in plain text. Namespaces, also
// metadata only, keep their labels: the manager-credentials label is read from them.
// CloudImages, metadata only too, keep their labels (claims) and of their annotations only
// the content hash the mirror compares. Managed fields are dropped everywhere; the operator
// never reads them, and they are most of an object's size. What objects repeat (label keys and
// values, image IDs and content hashes across namespaces, owners, status image summaries) is
// then interned, held once however many objects hold it (internal/intern).
func CacheTransform(obj any) (any, error) {
	if m, ok := obj.(*metav1.PartialObjectMetadata); ok {
		// The metadata informer sets the kind before this runs.
		switch m.Kind {
		case "Namespace":
			m.Annotations = nil
		case "CloudImage":
			hash, ok := m.Annotations[imsv1.ContentHashAnnotation]
			m.Annotations = nil
			if ok {
				m.Annotations = map[string]string{imsv1.ContentHashAnnotation: hash}
			}
		default:
			m.Annotations, m.Labels = nil, nil
		}
	}
	if o, ok := obj.(metav1.Object); ok {
		o.SetManagedFields(nil)
		intern.Object(o)
	}
	if q, ok := obj.(*imsv1.ImageQuery); ok {
		intern.Status(&q.Status)
	}
	return obj, nil
}
