package controllers

import (
	"context"
	"iter"

	"github.com/imagecatalog/ims-operator/internal/ims"
)

// ImageClient is the part of the IMS API that the ImageQuery controller calls; *ims.Client is
// the real one, tests may put a fake in its place. It grows by one method per call the
// controller needs (the way ORC's per-service interfaces in internal/osclients do).
type ImageClient interface {
	// ListImages pages through GET /v2/cloudimages; an error ends the sequence.
	ListImages(ctx context.Context, req ims.ListImagesRequest) iter.Seq2[*ims.Image, error]
}

// NewImageClient builds the real IMS client for one sync.
func NewImageClient(cfg ims.Config) (ImageClient, error) { return ims.New(cfg) }
