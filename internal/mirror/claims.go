package mirror

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
)

// The claim algebra: how a query's claim on a CloudImage (an ownerReference and a query
// label) is added, dropped and compared. The mirror writes claims; the CloudImage controller
// drops those of deleted queries with the same functions, without a mirror pass.

// Claimed are the names of the CloudImages q claims, from the cache's metadata. Only names
// are read, so the cache's objects are not copied (every sync of a query with 1,000 images
// would copy 1,000 objects' metadata to read their names).
func Claimed(ctx context.Context, c client.Reader, q *imsv1.ImageQuery) ([]string, error) {
	claimed := metaonly.CloudImageList()
	if err := c.List(ctx, claimed, client.InNamespace(q.Namespace),
		client.MatchingLabels{imsv1.QueryLabel(q.Name): "true"}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing CloudImages: %w", err)
	}
	names := make([]string, 0, len(claimed.Items))
	for i := range claimed.Items {
		names = append(names, claimed.Items[i].Name)
	}
	return names, nil
}

// PatchClaims writes updated's labels and owners over current's, only if current is still
// the stored version.
func PatchClaims(ctx context.Context, c client.Client, current, updated *metav1.PartialObjectMetadata) error {
	return c.Patch(ctx, updated, client.MergeFromWithOptions(current, client.MergeFromWithOptimisticLock{}))
}

// ReleaseOrDelete writes updated's claims, or deletes the object when no ImageQuery owns it
// any more. The delete is conditional on the version read, so a claim made meanwhile is never
// lost; an object already gone is released.
func ReleaseOrDelete(ctx context.Context, c client.Client, current, updated *metav1.PartialObjectMetadata) error {
	if !HasQueryOwner(updated.OwnerReferences) {
		rv := current.ResourceVersion
		err := c.Delete(ctx, current, client.Preconditions{UID: &current.UID, ResourceVersion: &rv})
		return client.IgnoreNotFound(err)
	}
	if SameClaims(current, updated) {
		return nil
	}
	// An object deleted meanwhile (another query released it last; a cache that lags after an
	// API server outage) has no claim left to release.
	return client.IgnoreNotFound(PatchClaims(ctx, c, current, updated))
}

// OwnerRef is q as an owner of the CloudImages it claims.
func OwnerRef(q *imsv1.ImageQuery) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: imsv1.GroupVersion.String(),
		Kind:       "ImageQuery",
		Name:       q.Name,
		UID:        q.UID,
	}
}

// ContentOwner is the oldest claim: the first ImageQuery among the owner references.
func ContentOwner(refs []metav1.OwnerReference) types.UID {
	for _, ref := range refs {
		if IsQueryOwner(ref) {
			return ref.UID
		}
	}
	return ""
}

// IsQueryOwner tells whether ref is an ImageQuery's claim.
func IsQueryOwner(ref metav1.OwnerReference) bool {
	return ref.Kind == "ImageQuery" && strings.HasPrefix(ref.APIVersion, imsv1.GroupVersion.Group+"/")
}

// HasQueryOwner tells whether any ImageQuery claims an object with these owners.
func HasQueryOwner(refs []metav1.OwnerReference) bool {
	for _, ref := range refs {
		if IsQueryOwner(ref) {
			return true
		}
	}
	return false
}

// WithOwner adds ref unless it is there already (in place, so that an unchanged object
// compares equal and is not written).
func WithOwner(refs []metav1.OwnerReference, ref metav1.OwnerReference) []metav1.OwnerReference {
	for _, r := range refs {
		if r == ref {
			return refs
		}
	}
	return append(WithoutOwner(refs, ref.UID, ref.Name), ref)
}

// WithoutOwner drops the ImageQuery reference with this UID, and any stale one with the same
// name (a query deleted and created again gets a new UID).
func WithoutOwner(refs []metav1.OwnerReference, uid types.UID, name string) []metav1.OwnerReference {
	out := make([]metav1.OwnerReference, 0, len(refs)+1)
	for _, r := range refs {
		if IsQueryOwner(r) && (r.UID == uid || r.Name == name) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// MergeLabels replaces the image-attribute labels with fresh ones and keeps every other label
// (other queries' claims, labels users added).
func MergeLabels(current, attributes map[string]string) map[string]string {
	out := make(map[string]string, len(current)+len(attributes)+1)
	for k, v := range current {
		if !strings.HasPrefix(k, imsv1.LabelPrefix) && k != imsv1.LabelManagedBy {
			out[k] = v
		}
	}
	maps.Copy(out, attributes)
	return out
}

// SameClaims compares the labels and owners the operator writes; metadata the server owns is
// ignored.
func SameClaims(a, b *metav1.PartialObjectMetadata) bool {
	return equality.Semantic.DeepEqual(a.Labels, b.Labels) &&
		equality.Semantic.DeepEqual(a.OwnerReferences, b.OwnerReferences)
}

// labelTags sets labels' tag labels (spec.tagLabels) to the union of the keys of the queries
// among owners, valued from the image's tags: each key the image has becomes
// tag.ims.imagecatalog.io/<key> = its value made label-safe. A tag label no known claimer
// wants goes, unless a claimer is not known (its keys cannot be told).
func (m *pass) labelTags(labels map[string]string, owners []metav1.OwnerReference, tags []string) {
	keys := map[string]bool{}
	allKnown := true
	for _, ref := range owners {
		if !IsQueryOwner(ref) {
			continue
		}
		known, ok := m.TagKeys[ref.UID]
		allKnown = allKnown && ok
		for _, k := range known {
			keys[k] = true
		}
	}
	values := ims.ParseTags(tags)
	for key := range labels {
		name, ok := strings.CutPrefix(key, imsv1.TagLabelPrefix)
		if ok && allKnown && !keys[name] {
			delete(labels, key)
		}
	}
	for k := range keys {
		if v, ok := values[k]; ok {
			labels[imsv1.TagLabel(k)] = imsv1.LabelValue(v)
		} else {
			delete(labels, imsv1.TagLabel(k))
		}
	}
}
