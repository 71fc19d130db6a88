package controllers

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/selection"
)

// 1000 summaries of names that JSON escapes six-fold are ~3 MB: status.images keeps the first
// ones that fit its byte bound, in order, and the Ready message says so.
func TestStatusImagesFitTheirByteBound(t *testing.T) {
	images := make([]*ims.Image, 1000)
	for i := range images {
		images[i] = &ims.Image{ID: strings.Repeat("0", 60) + string(rune('a'+i%26)), Name: strings.Repeat("<", 255),
			OSVersion: strings.Repeat(">", 255), CreatedAt: "2024-01-01T00:00:00Z"}
	}
	q := &imsv1.ImageQuery{Spec: imsv1.ImageQuerySpec{MaxStatusImages: ptr(int32(1000))}}
	recordSync(q, selection.Result{Images: images}, time.Now())
	b, err := json.Marshal(q.Status.Images)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > maxStatusImagesBytes {
		t.Errorf("status.images is %d bytes of JSON, over the %d bound", len(b), maxStatusImagesBytes)
	}
	n := len(q.Status.Images)
	if n == 0 || n == 1000 {
		t.Fatalf("kept %d summaries, want some but not all", n)
	}
	if more, _ := json.Marshal(append(q.Status.Images, q.Status.Images[0])); len(more) <= maxStatusImagesBytes {
		t.Errorf("kept %d summaries, but %d would still fit", n, n+1)
	}
	if q.Status.MatchedImages != 1000 {
		t.Errorf("matchedImages %d, want 1000", q.Status.MatchedImages)
	}
	if note := statusImagesNote(q, 1000); !strings.Contains(note, "lists the first") {
		t.Errorf("note %q does not say the list was cut", note)
	}

	// Within the bound nothing is cut and nothing is said.
	q.Spec.MaxStatusImages = ptr(int32(10))
	recordSync(q, selection.Result{Images: images}, time.Now())
	if len(q.Status.Images) != 10 || statusImagesNote(q, 1000) != "" {
		t.Errorf("10 summaries: kept %d, note %q", len(q.Status.Images), statusImagesNote(q, 1000))
	}
}
