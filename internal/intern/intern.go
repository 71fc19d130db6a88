// Package intern makes the strings that many cached objects repeat share one copy.
//
// The manager's cache holds the metadata of every CloudImage it wrote and every ImageQuery
// whole. A large multi-tenant cluster (100,000 CloudImages from one catalog mirrored into 100
// namespaces) repeats the same label keys and values, the same image IDs as names (one per
// namespace), the same content hashes, the same few owners' names and UIDs, and in the
// queries' statuses the same image summaries; each decoded from the API server is a copy of
// its own. Interned, each distinct string is held once. unique.Make keeps no string alive
// that no object uses any more.
//
// Strings shared, the maps and slices that hold them still take most of the space: a Go map
// of a dozen labels takes some 670 bytes, and 100,000 CloudImages each have one of labels and
// one of annotations. But few of them differ: the CloudImages of one platform and
// architecture claimed by the same queries carry equal labels, and an image's content hash is
// the same in every namespace. So equal label and annotation maps, and equal owner lists, are
// held once too (table.go). Shared values must never be changed; cached objects are read-only
// (a reader that changes one deep-copies it first), so none is.
package intern

import (
	"hash/maphash"
	"maps"
	"slices"
	"unique"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// String is the one shared copy of s.
func String(s string) string {
	if s == "" {
		return s
	}
	return unique.Make(s).Value()
}

// Object makes what o's metadata repeats of other objects' shared: its namespace and name,
// its labels and annotations (maps held once for equal contents, their strings interned), and
// its owner references (one list for equal lists). UID, resourceVersion and the like are one
// object's own and left as they are.
func Object(o metav1.Object) {
	o.SetNamespace(String(o.GetNamespace()))
	o.SetName(String(o.GetName()))
	if l := o.GetLabels(); l != nil {
		o.SetLabels(labelMaps.shared(l))
	}
	if a := o.GetAnnotations(); a != nil {
		o.SetAnnotations(annotationMaps.shared(a))
	}
	if refs := o.GetOwnerReferences(); len(refs) > 0 {
		o.SetOwnerReferences(ownerLists.shared(refs))
	}
}

// Labels and annotations have tables of their own, so that annotations that differ on every
// object (kubectl's last-applied-configuration on an ImageQuery) never push out the few label
// sets that thousands of CloudImages share; and a map of more than maxSharedBytes is not
// shared at all, only its strings interned: one that large is seldom repeated, and the table
// would keep it up to two generations after its object is gone.
var (
	labelMaps      = mapTable()
	annotationMaps = mapTable()
	ownerLists     = newTable(hashOwners, func(a, b []metav1.OwnerReference) bool { return slices.EqualFunc(a, b, sameOwner) }, ownOwners)
)

const maxSharedBytes = 1024

// sharedMaps shares equal maps of up to maxSharedBytes.
type sharedMaps struct{ t *table[map[string]string] }

func mapTable() sharedMaps {
	return sharedMaps{newTable(hashMap, maps.Equal[map[string]string], stringMap)}
}

// shared is the one copy of m's contents: the same map for every equal m, with interned keys
// and values. It must not be changed. An empty map is m itself; a large one a copy of its own.
func (s sharedMaps) shared(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	size := 0
	for k, v := range m {
		size += len(k) + len(v)
	}
	if size > maxSharedBytes {
		return stringMap(m)
	}
	return s.t.shared(m)
}

// hashMap does not depend on the order the map is ranged in: its pairs' hashes are summed.
func hashMap(seed maphash.Seed, m map[string]string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	var sum uint64
	for k, v := range m {
		h.Reset()
		h.WriteString(k)
		h.WriteByte(0)
		h.WriteString(v)
		sum += h.Sum64()
	}
	return sum
}

func hashOwners(seed maphash.Seed, refs []metav1.OwnerReference) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	for _, r := range refs {
		for _, s := range []string{r.APIVersion, r.Kind, r.Name, string(r.UID)} {
			h.WriteString(s)
			h.WriteByte(0)
		}
		h.WriteByte(flag(r.Controller) | flag(r.BlockOwnerDeletion)<<2)
	}
	return h.Sum64()
}

// flag tells unset (0) from false (1) and true (2).
func flag(b *bool) byte {
	switch {
	case b == nil:
		return 0
	case *b:
		return 2
	}
	return 1
}

func sameOwner(a, b metav1.OwnerReference) bool {
	return a.APIVersion == b.APIVersion && a.Kind == b.Kind && a.Name == b.Name && a.UID == b.UID &&
		flag(a.Controller) == flag(b.Controller) && flag(a.BlockOwnerDeletion) == flag(b.BlockOwnerDeletion)
}

// ownOwners is the table's copy of refs, strings interned. Its capacity is its length, so an
// append to it (WithOwner's, say) makes a new array instead of writing into the shared one.
func ownOwners(refs []metav1.OwnerReference) []metav1.OwnerReference {
	out := make([]metav1.OwnerReference, len(refs))
	for i, r := range refs {
		r.APIVersion, r.Kind, r.Name = String(r.APIVersion), String(r.Kind), String(r.Name)
		r.UID = unique.Make(r.UID).Value()
		out[i] = r
	}
	return out
}

// Status interns the image summaries of an ImageQuery's status: the same images summarised
// by the queries of every namespace that lists them.
func Status(s *imsv1.ImageQueryStatus) {
	for i := range s.Images {
		summary(&s.Images[i])
	}
	if s.LatestImage != nil {
		summary(s.LatestImage)
	}
	for i := range s.LatestImages {
		s.LatestImages[i].Variant = String(s.LatestImages[i].Variant)
		summary(&s.LatestImages[i].Image)
	}
	s.Region = String(s.Region)
}

func summary(s *imsv1.ImageSummary) {
	for _, f := range []*string{&s.ID, &s.Name, &s.Status, &s.Platform, &s.OSVersion, &s.Architecture, &s.CreatedAt} {
		*f = String(*f)
	}
}

// stringMap is m with interned keys and values: a new map, as a map's keys cannot be replaced.
func stringMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[String(k)] = String(v)
	}
	return out
}
