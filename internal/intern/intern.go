// Package intern makes the strings that many cached objects repeat share one copy.
//
// The manager's cache holds the metadata of every CloudImage it wrote and every ImageQuery
// whole. A large multi-tenant cluster (100,000 CloudImages from one catalog mirrored into 100
// namespaces) repeats the same label keys and values, the same image IDs as names (one per
// namespace), the same content hashes, the same few owners' names and UIDs, and in the
// queries' statuses the same image summaries; each decoded from the API server is a copy of
// its own. Interned, each distinct string is held once. unique.Make keeps no string alive
// that no object uses any more.
package intern

import (
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

// Object interns, in place, the strings of o's metadata that other objects repeat: its
// namespace and name, label and annotation keys and values, and owner references. UID,
// resourceVersion and the like are one object's own and left as they are.
func Object(o metav1.Object) {
	o.SetNamespace(String(o.GetNamespace()))
	o.SetName(String(o.GetName()))
	if l := o.GetLabels(); l != nil {
		o.SetLabels(stringMap(l))
	}
	if a := o.GetAnnotations(); a != nil {
		o.SetAnnotations(stringMap(a))
	}
	refs := o.GetOwnerReferences()
	for i := range refs { // the object's own slice: changed in place
		r := &refs[i]
		r.APIVersion, r.Kind, r.Name = String(r.APIVersion), String(r.Kind), String(r.Name)
		r.UID = unique.Make(r.UID).Value()
	}
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
