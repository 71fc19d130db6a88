package controllers

import (
	"encoding/json"
	"fmt"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// maxStatusImagesBytes bounds status.images by its size as JSON, besides spec.maxStatusImages:
// summaries are bounded in characters, and JSON escapes some characters six-fold (`<` is
// `\u003c`), so 1000 summaries of long names can exceed what the API server accepts in one
// request (3 MiB) or etcd stores in one object (1.5 MiB). 512 KiB leaves room for everything
// else in the object. Every match is a CloudImage anyway; the status list is a preview.
const maxStatusImagesBytes = 512 << 10

// fitStatusImages keeps the longest prefix of summaries whose JSON fits in budget bytes.
func fitStatusImages(summaries []imsv1.ImageSummary, budget int) []imsv1.ImageSummary {
	size := len("[]")
	for i := range summaries {
		b, err := json.Marshal(summaries[i]) // escapes as the API server's encoder does
		if err != nil {
			return summaries[:i]
		}
		size += len(b) + len(",")
		if size > budget {
			return summaries[:i]
		}
	}
	return summaries
}

// statusImagesNote says when status.images lists fewer images than spec.maxStatusImages
// allows because of its size bound, for the Ready message; "" when nothing was dropped.
func statusImagesNote(q *imsv1.ImageQuery, matched int) string {
	want := min(matched, maxStatusImages(q))
	if len(q.Status.Images) >= want {
		return ""
	}
	return fmt.Sprintf("; status.images lists the first %d of them (%d KiB bound)", len(q.Status.Images), maxStatusImagesBytes>>10)
}

// maxStatusImages is spec.maxStatusImages or its default.
func maxStatusImages(q *imsv1.ImageQuery) int {
	if q.Spec.MaxStatusImages != nil {
		return int(*q.Spec.MaxStatusImages)
	}
	return DefaultMaxStatusImages
}
