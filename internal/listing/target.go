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
	// Request is the IMS listing the spec asks for.
	Request ims.ListImagesRequest
}

// Key identifies the listing: two queries with equal keys ask IMS the same thing, at the same
// place, as the same caller. Queries with one key fall due together (their jitter derives
// from it) and share one listing per round.
func (t Target) Key() string {
	h := sha256.New()
	for _, part := range []string{t.Endpoint, t.Region, t.Identity, t.Request.Values().Encode()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// shareKey is the key under which a listing made with creds is shared: the target's, and the
// credentials themselves (by hash), so that a rotated Secret never gets an answer made with
// the old keys, and two Secrets with different keys never share.
func (t Target) shareKey(creds ims.Credentials) string {
	return t.Key() + "/" + creds.Fingerprint()
}

// Target is where and as whom q lists, identity being its credentials' name.
func (c *Cloud) Target(q *imsv1.ImageQuery, identity string) Target {
	region := q.Spec.Region
	if region == "" {
		region = c.DefaultRegion
	}
	return Target{Region: region, Endpoint: c.endpointOf(region), Identity: identity, Request: Request(&q.Spec)}
}

// endpointOf names where a region's requests go, for rate limits and shared listings.
func (c *Cloud) endpointOf(region string) string {
	if c.Endpoint != "" {
		return c.Endpoint
	}
	return "region:" + region
}
