// Package listing gets an ImageQuery its IMS listing: where and as whom it lists (Target),
// the IMS client for a region (its endpoints and fall-backs), and the sharing of identical
// listings and pacing of requests per account (Listings).
package listing

import (
	"context"
	"errors"
	"iter"
	"net"
	"net/http"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// ImageClient is the part of the IMS API that a sync calls; *ims.Client is the real one,
// tests may put a fake in its place. It grows by one method per call the operator needs (the
// way ORC's per-service interfaces in internal/osclients do).
type ImageClient interface {
	// ListImages pages through GET /v2/cloudimages; an error ends the sequence.
	ListImages(ctx context.Context, req ims.ListImagesRequest) iter.Seq2[*ims.Image, error]
}

// NewImageClient builds the real IMS client.
func NewImageClient(cfg ims.Config) (ImageClient, error) { return ims.New(cfg) }

// Cloud is the manager-wide IMS configuration that ImageQueries fall back on. Endpoints come
// only from it: no ImageQuery field can change where requests go.
type Cloud struct {
	// Endpoint, when set, receives every query's requests (--ims-endpoint).
	Endpoint string
	// DefaultRegion is used when spec.region is empty (--default-region).
	DefaultRegion string
	// Endpoints resolves a region's IMS endpoints (HUAWEICLOUD_SDK_REGION_IMS_<REGION>, the
	// regions file, the public pattern); nil: the public pattern. Endpoint wins over it.
	Endpoints *ims.Endpoints
	// HTTPClient is shared by every query's IMS client (connection reuse, metrics).
	HTTPClient *http.Client
	// NewClient builds one endpoint's client: NewImageClient, or a fake in tests.
	NewClient func(ims.Config) (ImageClient, error)
}

// client builds the IMS client for t's region: --ims-endpoint when set, else the region's
// endpoints as the official SDK resolves them, the later ones as fall-backs when the first
// cannot be reached. Every endpoint's requests wait for limiter (nil: none).
func (c *Cloud) client(t Target, creds ims.Credentials, limiter ims.Limiter) (ImageClient, error) {
	endpoints := []string{c.Endpoint} // "": the region's public endpoint
	if c.Endpoint == "" && c.Endpoints != nil {
		if configured := c.Endpoints.For(t.Region); len(configured) > 0 {
			endpoints = configured
		}
	}
	newClient := c.NewClient
	if newClient == nil {
		newClient = NewImageClient
	}
	clients := make([]ImageClient, 0, len(endpoints))
	for _, endpoint := range endpoints {
		cl, err := newClient(ims.Config{
			Endpoint:    endpoint,
			Region:      t.Region,
			Credentials: creds,
			HTTPClient:  c.HTTPClient,
			UserAgent:   ims.UserAgent,
			Limiter:     limiter,
		})
		if err != nil {
			return nil, failure.Terminal(imsv1.ReasonInvalidCredentials, "%v", err)
		}
		clients = append(clients, cl)
	}
	if len(clients) == 1 {
		return clients[0], nil
	}
	return fallbackClient(clients), nil
}

// fallbackClient lists from the first endpoint that can be reached: when a listing fails
// with a network error before it yielded anything, the next endpoint is tried. A failure
// after the first image, or of another kind, is the listing's failure.
type fallbackClient []ImageClient

func (f fallbackClient) ListImages(ctx context.Context, req ims.ListImagesRequest) iter.Seq2[*ims.Image, error] {
	return func(yield func(*ims.Image, error) bool) {
		for i, c := range f {
			started, next := false, false
			for img, err := range c.ListImages(ctx, req) {
				if err != nil && !started && i < len(f)-1 && unreachable(err) && ctx.Err() == nil {
					next = true // try the next endpoint
					break
				}
				started = true
				if !yield(img, err) || err != nil {
					return
				}
			}
			if !next {
				return
			}
		}
	}
}

// unreachable says whether err means the endpoint could not be reached at all: a connection
// failure or a host that does not resolve (an HTTP 404 is an answer, not a reason to move on).
func unreachable(err error) bool {
	var answered *ims.Error
	if errors.As(err, &answered) {
		return false
	}
	if ims.ClassOf(err) == ims.ClassNetwork {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
