package listing

import (
	"context"
	"fmt"
	"time"

	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// Source is one sync's listing: its Target, the credentials it lists with, and the shared
// listings it may join. A sync builds it once, at its top; the deletion guard is handed its
// List to confirm a removal with, and the mirror its Known to write other queries' claims.
type Source struct {
	Target Target
	creds  ims.Credentials
	cloud  *Cloud
	shares *Listings // nil: nothing shared, nothing paced
}

// Source is the listing of t as the holder of creds, sharing through shares (nil: none).
func (c *Cloud) Source(t Target, creds ims.Credentials, shares *Listings) *Source {
	return &Source{Target: t, creds: creds, cloud: c, shares: shares}
}

// List runs the target's whole IMS listings, unfiltered (selection does that), or joins
// identical ones: one per term, their union by image ID in term order (the first listing of
// an image counts). It never uses a listing that IMS was asked for before notBefore (zero: any), so that a
// sync asked for by a person, and a decision that must rest on a new answer, sees what IMS
// says after the asking. wanted says whether another query is known to ask
// for the same listing soon, so that it is worth keeping. Any error means no result at all:
// a *failure.Error unless the context ended. The caller calls release when done with the
// images, which may be shared: never modify them.
func (s *Source) List(ctx context.Context, notBefore time.Time, wanted bool) (images []*ims.Image, release func(), err error) {
	var releases []func()
	release = func() {
		for _, r := range releases {
			r()
		}
	}
	cl, err := s.cloud.client(s.Target, s.creds, s.shares.limiter(s.creds.Identity(), s.Target.Endpoint))
	if err != nil {
		return nil, release, err
	}
	terms := make([][]*ims.Image, 0, len(s.Target.Requests))
	for _, req := range s.Target.Requests {
		term, done, err := s.shares.list(ctx, s.Target.shareKey(req, s.creds), notBefore, wanted, func(ctx context.Context) ([]*ims.Image, error) {
			return ims.Collect(cl.ListImages(ctx, req))
		})
		releases = append(releases, done)
		if err != nil {
			if ctx.Err() != nil {
				return nil, release, fmt.Errorf("%w: %w", context.Canceled, err)
			}
			return nil, release, failure.FromListing(err) // one failed term fails the sync
		}
		terms = append(terms, term)
	}
	return union(terms), release, nil
}

// union is the terms' images by ID, in term order; one term is returned as it is (a shared
// listing is never modified).
func union(terms [][]*ims.Image) []*ims.Image {
	if len(terms) == 1 {
		return terms[0]
	}
	seen := map[string]bool{}
	var out []*ims.Image
	for _, term := range terms {
		for _, img := range term {
			if !seen[img.ID] {
				seen[img.ID] = true
				out = append(out, img)
			}
		}
	}
	return out
}

// Known is the listing of other, as the holder of these credentials, if each of its terms
// completed within the sharing window; it never waits or lists.
func (s *Source) Known(other Target) ([]*ims.Image, bool) {
	terms := make([][]*ims.Image, 0, len(other.Requests))
	for _, req := range other.Requests {
		term, ok := s.shares.peek(other.shareKey(req, s.creds))
		if !ok {
			return nil, false
		}
		terms = append(terms, term)
	}
	return union(terms), len(terms) > 0
}

// Turn waits until no other sync of this listing in namespace is writing its mirror, and
// returns how to leave: the later syncs then find the earlier one's writes instead of racing
// it to create the same objects.
func (s *Source) Turn(ctx context.Context, namespace string) (func(), error) {
	return s.shares.turn(ctx, namespace+"/"+s.Target.Key())
}
