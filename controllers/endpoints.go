package controllers

import (
	"context"
	"errors"
	"iter"
	"net"

	"github.com/imagecatalog/ims-operator/internal/ims"
)

// regionClient builds the IMS client for a region: --ims-endpoint when set, else the region's
// endpoints as the official SDK resolves them, the later ones as fall-backs when the first
// cannot be reached. Endpoints come only from the manager's configuration.
// Every endpoint's requests wait for limiter (nil: none), the account's IMS rate limit.
func (r *ImageQueryReconciler) regionClient(region string, creds ims.Credentials, limiter ims.Limiter) (ImageClient, error) {
	endpoints := []string{r.IMS.Endpoint} // "": the region's public endpoint
	if r.IMS.Endpoint == "" && r.IMS.Endpoints != nil {
		if configured := r.IMS.Endpoints.For(region); len(configured) > 0 {
			endpoints = configured
		}
	}
	clients := make([]ImageClient, 0, len(endpoints))
	for _, endpoint := range endpoints {
		c, err := r.NewImageClient(ims.Config{
			Endpoint:    endpoint,
			Region:      region,
			Credentials: creds,
			HTTPClient:  r.IMS.HTTPClient,
			UserAgent:   userAgent,
			Limiter:     limiter,
		})
		if err != nil {
			return nil, err
		}
		clients = append(clients, c)
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
