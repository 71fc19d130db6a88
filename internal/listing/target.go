package listing

import (
	"crypto/sha256"
	"encoding/hex"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// Target is where and as whom a query lists, and what it asks: the one value from which a
// sync's sharing, pacing, scheduling and co-claims all derive. It is built from the spec and
// the manager's configuration alone (no Secret is read), so it can be computed for any query,
// due or not.
type Target struct {
	// Region is spec.region or the manager's default.
	Region string
	// Endpoint names where the region's requests go: --ims-endpoint, or the region (whose
	// endpoints, fall-backs included, count as one).
	Endpoint string
	// Identity names the credentials without revealing them: the Secret, the ServiceAccount,
	// or the manager's source (see credentials.Resolver.Identity).
	Identity string
	// Requests are the IMS listings the spec asks for: one per term of spec.filters, or the
	// one of spec.filter. Each is its own listing, shared with any query that asks the same.
	Requests []ims.ListImagesRequest
}

// Key identifies the listing: two queries with equal keys ask IMS the same thing, at the same
// place, as the same caller. Queries with one key fall due together (their jitter derives
// from it) and share one listing per round.
func (t Target) Key() string {
	parts := []string{t.Endpoint, t.Region, t.Identity}
	for _, req := range t.Requests {
		parts = append(parts, req.Values().Encode())
	}
	return hash(parts...)
}

// shareKey is the key under which the listing of one of t's requests made with creds is
// shared: where, as whom, what, and the credentials themselves (by hash), so that a rotated
// Secret never gets an answer made with the old keys, and two Secrets with different keys
// never share.
func (t Target) shareKey(req ims.ListImagesRequest, creds ims.Credentials) string {
	return hash(t.Endpoint, t.Region, t.Identity, req.Values().Encode()) + "/" + creds.Fingerprint()
}

func hash(parts ...string) string {
	h := sha256.New()
	for _, part := range parts {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Target is where and as whom q lists, identity being its credentials' name.
func (c *Cloud) Target(q *imsv1.ImageQuery, identity string) Target {
	region := q.Spec.Region
	if region == "" {
		region = c.DefaultRegion
	}
	t := Target{Region: region, Endpoint: c.endpointOf(region), Identity: identity}
	if len(q.Spec.Filters) == 0 {
		t.Requests = []ims.ListImagesRequest{Request(&q.Spec, &q.Spec.Filter)}
	}
	for i := range q.Spec.Filters {
		t.Requests = append(t.Requests, Request(&q.Spec, &q.Spec.Filters[i]))
	}
	return t
}

// endpointOf names where a region's requests go, for rate limits and shared listings.
func (c *Cloud) endpointOf(region string) string {
	if c.Endpoint != "" {
		return c.Endpoint
	}
	return "region:" + region
}
