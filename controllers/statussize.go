package controllers

import (
	"context"
	"encoding/json"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/bound"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/mirror"
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

// statusRefused records, in a status the API server does take (the last one written, with new
// conditions), that it refused the status this sync wrote, so that the query does not stay
// Progressing with nothing saying why. Listing and mirroring again at once would only be
// refused again: the next try is a refreshInterval away.
func (r *ImageQueryReconciler) statusRefused(ctx context.Context, status *statusPatcher, refusal error) (ctrl.Result, error) {
	q := status.before.DeepCopy()
	f := &failure.Error{Reason: imsv1.ReasonStatusRefused, Terminal: true, Err: refusal,
		Message: "the API server refused this sync's status (the CloudImages were written): " + refusal.Error()}
	markFailed(q, f)
	if err := status.patch(ctx, q); err != nil {
		return ctrl.Result{}, err
	}
	r.events.failed(q, nil, f)
	return next(r.schedule.interval(q)), nil
}

// rejectedNote names, for the Ready message, the images the API server would not store (the
// rest of the listing is mirrored): "" when there are none.
func rejectedNote(m mirror.Result) string {
	if len(m.Rejected) == 0 {
		return ""
	}
	return fmt.Sprintf("; %d could not be stored as CloudImages, e.g. %s", len(m.Rejected), bound.String(m.Rejected[0], 256))
}
