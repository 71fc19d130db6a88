package mirror

import (
	"fmt"
	"strings"
	"testing"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// hugeImage is a record of about 4 MB as IMS could send it: long tags, many unknown fields
// with long keys and values, all of characters that JSON escapes six-fold.
func hugeImage(id string) *ims.Image {
	img := &ims.Image{ID: id, Name: "huge", Extra: map[string]string{}}
	for i := range 100 {
		img.Tags = append(img.Tags, fmt.Sprintf("t%03d.%s", i, strings.Repeat("<", 10000)))
		img.Extra[fmt.Sprintf("k%03d%s", i, strings.Repeat("&", 10000))] = strings.Repeat(">", 30000)
	}
	return img
}

// However large an image's record, its CloudImage fits: values are cut with a marker, and what
// was dropped is said in the record itself.
func TestImageRecordFitsItsByteBound(t *testing.T) {
	r := ImageRecord(hugeImage("3f1e0a6c-1d4e-4b51-8f0e-5c1b2a3d4e5f"))
	if n := recordBytes(&r); n > maxRecordBytes {
		t.Fatalf("record is %d bytes of JSON, over %d", n, maxRecordBytes)
	}
	note, ok := r.ExtraProperties[TruncatedProperty]
	if !ok || !strings.Contains(note, "dropped") {
		t.Fatalf("no %s note: %v", TruncatedProperty, note)
	}
	if len(r.ExtraProperties) > imsv1.MaxExtraProperty || len(r.Tags) > imsv1.MaxTags {
		t.Errorf("%d extra properties, %d tags: over the schema's bounds", len(r.ExtraProperties), len(r.Tags))
	}
	for k, v := range r.ExtraProperties {
		if k == TruncatedProperty {
			continue
		}
		if len(k) > imsv1.MaxShortString || !strings.HasSuffix(k, cutMarker) || !strings.HasSuffix(v, cutMarker) {
			t.Errorf("extra property %.20q… = %.20q… is not cut with the marker", k, v)
		}
	}
	for _, tag := range r.Tags {
		if len(tag) > imsv1.MaxShortString || !strings.HasSuffix(tag, cutMarker) {
			t.Errorf("tag %.20q… is not cut with the marker", tag)
		}
	}
	again := ImageRecord(hugeImage("3f1e0a6c-1d4e-4b51-8f0e-5c1b2a3d4e5f"))
	if fmt.Sprint(again) != fmt.Sprint(r) {
		t.Error("two conversions of one image differ: the operator would rewrite it on every sync")
	}
}

// An ordinary record is kept whole, without a marker.
func TestImageRecordWithinBoundsIsWhole(t *testing.T) {
	img := &ims.Image{ID: "a", Tags: []string{"team.a", "env.prod"}, Extra: map[string]string{"__lazyloading": "true"}}
	r := ImageRecord(img)
	if len(r.Tags) != 2 || r.Tags[0] != "team.a" || r.ExtraProperties["__lazyloading"] != "true" {
		t.Errorf("record changed: tags %v, extra %v", r.Tags, r.ExtraProperties)
	}
	if _, ok := r.ExtraProperties[TruncatedProperty]; ok {
		t.Error("a whole record carries the truncation note")
	}
}
