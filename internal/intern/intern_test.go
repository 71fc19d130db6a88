package intern

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// Two objects decoded apart hold one copy of what they repeat after Object, with every value
// as it was; what is theirs alone (UID, resourceVersion) is left alone.
func TestObjectSharesRepeatedStrings(t *testing.T) {
	const doc = `{"metadata":{"name":"0b9d0c4e-9f2a-4c1e-8d7b-1a2b3c4d5e6f","namespace":"%s","uid":"%s","resourceVersion":"%s",
		"labels":{"ims.imagecatalog.io/platform":"Ubuntu","q.ims.imagecatalog.io/all":"true"},
		"annotations":{"ims.imagecatalog.io/content-hash":"5f1d"},
		"ownerReferences":[{"apiVersion":"ims.imagecatalog.io/v1alpha1","kind":"ImageQuery","name":"all","uid":"query-uid"}]}}`
	decode := func(ns, uid, rv string) *metav1.PartialObjectMetadata {
		m := &metav1.PartialObjectMetadata{}
		if err := json.Unmarshal([]byte(fmt.Sprintf(doc, ns, uid, rv)), m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := decode("tenant-a", "uid-a", "10"), decode("tenant-a", "uid-b", "11")
	want := decode("tenant-a", "uid-a", "10")
	Object(a)
	Object(b)
	if a.Name != want.Name || a.Namespace != want.Namespace || a.UID != want.UID || a.ResourceVersion != want.ResourceVersion ||
		a.Labels["ims.imagecatalog.io/platform"] != "Ubuntu" || a.Annotations["ims.imagecatalog.io/content-hash"] != "5f1d" ||
		a.OwnerReferences[0] != want.OwnerReferences[0] || len(a.Labels) != 2 {
		t.Fatalf("interning changed the object: %+v, want %+v", a.ObjectMeta, want.ObjectMeta)
	}
	same := func(what, x, y string) {
		if unsafe.StringData(x) != unsafe.StringData(y) {
			t.Errorf("%s: two copies", what)
		}
	}
	same("name", a.Name, b.Name)
	same("namespace", a.Namespace, b.Namespace)
	same("label value", a.Labels["ims.imagecatalog.io/platform"], b.Labels["ims.imagecatalog.io/platform"])
	same("annotation", a.Annotations["ims.imagecatalog.io/content-hash"], b.Annotations["ims.imagecatalog.io/content-hash"])
	same("owner name", a.OwnerReferences[0].Name, b.OwnerReferences[0].Name)
	same("owner UID", string(a.OwnerReferences[0].UID), string(b.OwnerReferences[0].UID))
	for k := range a.Labels {
		for l := range b.Labels {
			if k == l {
				same("label key", k, l)
			}
		}
	}
	if a.UID == b.UID || a.ResourceVersion == b.ResourceVersion {
		t.Error("the objects' own fields got mixed up")
	}
}

// The same image summarised in two queries' statuses is held once.
func TestStatusSharesSummaries(t *testing.T) {
	summary := func() imsv1.ImageSummary {
		b := []byte(`{"id":"0b9d0c4e","name":"Ubuntu 22.04","platform":"Ubuntu","createdAt":"2026-01-02T03:04:05Z"}`)
		var s imsv1.ImageSummary
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := imsv1.ImageQueryStatus{Images: []imsv1.ImageSummary{summary()}, LatestImage: ptr(summary())}
	b := imsv1.ImageQueryStatus{Images: []imsv1.ImageSummary{summary()}}
	Status(&a)
	Status(&b)
	if a.Images[0] != summary() || *a.LatestImage != summary() {
		t.Fatalf("interning changed the summaries: %+v", a)
	}
	if unsafe.StringData(a.Images[0].Name) != unsafe.StringData(b.Images[0].Name) ||
		unsafe.StringData(a.LatestImage.ID) != unsafe.StringData(b.Images[0].ID) {
		t.Error("one image summarised twice is held twice")
	}
}

func ptr[T any](v T) *T { return &v }

// Equal label maps are one map, whatever order they were built in; a different one is not.
func TestEqualMapsAreOneMap(t *testing.T) {
	a := labelMaps.shared(map[string]string{"platform": "Ubuntu", "arch": "x86", "q/all": "true"})
	b := labelMaps.shared(map[string]string{"q/all": "true", "arch": "x86", "platform": "Ubuntu"})
	c := labelMaps.shared(map[string]string{"platform": "Ubuntu", "arch": "arm", "q/all": "true"})
	if reflect.ValueOf(a).UnsafePointer() != reflect.ValueOf(b).UnsafePointer() {
		t.Error("two equal maps are held twice")
	}
	if reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(c).UnsafePointer() || c["arch"] != "arm" || len(c) != 3 {
		t.Errorf("a different map was given another's contents: %v", c)
	}
	if m := labelMaps.shared(map[string]string{}); m == nil || len(m) != 0 {
		t.Errorf("an empty map came back as %#v", m)
	}
	// A large annotation (kubectl's last-applied-configuration) is not kept by the table.
	big := map[string]string{"kubectl.kubernetes.io/last-applied-configuration": strings.Repeat("x", maxSharedBytes)}
	x, y := annotationMaps.shared(big), annotationMaps.shared(maps.Clone(big))
	if reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer() || !maps.Equal(x, big) {
		t.Error("a large map was shared")
	}
}

// Objects with equal owner lists share one list; adding an owner to one object's list (as the
// mirror's WithOwner appends) leaves the other's as it was.
func TestOwnerListsAreSharedAndSafeToAppendTo(t *testing.T) {
	yes := true
	refs := func() []metav1.OwnerReference {
		return []metav1.OwnerReference{
			{APIVersion: "v1", Kind: "ImageQuery", Name: "all", UID: "u1"},
			{APIVersion: "v1", Kind: "ImageQuery", Name: "ubuntu", UID: "u2", BlockOwnerDeletion: &yes},
		}
	}
	a, b := &metav1.ObjectMeta{OwnerReferences: refs()}, &metav1.ObjectMeta{OwnerReferences: refs()}
	Object(a)
	Object(b)
	if &a.OwnerReferences[0] != &b.OwnerReferences[0] {
		t.Fatal("two equal owner lists are held twice")
	}
	grown := append(a.OwnerReferences, metav1.OwnerReference{Name: "third"})
	if len(b.OwnerReferences) != 2 || &grown[0] == &b.OwnerReferences[0] {
		t.Fatal("appending to one object's owners changed the shared list")
	}
	no := false
	c := &metav1.ObjectMeta{OwnerReferences: refs()}
	c.OwnerReferences[1].BlockOwnerDeletion = &no
	Object(c)
	if &c.OwnerReferences[0] == &a.OwnerReferences[0] || *c.OwnerReferences[1].BlockOwnerDeletion {
		t.Error("owner lists that differ in blockOwnerDeletion were taken for one")
	}
}

// A table holds at most two generations: values no object uses any more are forgotten, and a
// value met again after that is a copy of its own.
func TestTablesForgetOldGenerations(t *testing.T) {
	tab := newTable(hashMap, maps.Equal[map[string]string], stringMap)
	first := tab.shared(map[string]string{"n": "first"})
	for i := range 3 * generation {
		tab.shared(map[string]string{"n": strconv.Itoa(i)})
	}
	if n := len(tab.cur) + len(tab.prev); n > 2*generation {
		t.Errorf("the table holds %d values, want at most %d", n, 2*generation)
	}
	again := tab.shared(map[string]string{"n": "first"})
	if reflect.ValueOf(again).UnsafePointer() == reflect.ValueOf(first).UnsafePointer() || again["n"] != "first" {
		t.Error("a value of two generations ago is still held")
	}
}
