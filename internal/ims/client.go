package ims

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

// Config configures a Client. Only Credentials and one of Endpoint or
// Region are required.
type Config struct {
	Endpoint    string // full base URL override (e.g. http://127.0.0.1:8080); empty => EndpointForRegion(Region)
	Region      string
	Credentials Credentials
	HTTPClient  *http.Client // nil => a client with sane timeouts that does not follow redirects

	MaxAttempts         int           // per page request, default 4 (1 = no retry)
	BaseDelay, MaxDelay time.Duration // backoff, defaults 500ms / 30s; Retry-After is honoured, capped at MaxDelay
	MaxPages            int           // guard against a listing that never ends, default 10000
	MaxBody             int           // bound on one answer's body, default 64 MiB; a page over it is asked again, smaller
	Now                 func() time.Time
	UserAgent           string
	// Limiter, when set, is waited on before every request, retries included: the
	// per-account rate limit that many queries share. Nil sends at once.
	Limiter Limiter
}

// Limiter paces requests; *rate.Limiter is one. Wait returns an error when ctx ends first.
type Limiter interface {
	Wait(ctx context.Context) error
}

const (
	// DefaultPageSize is the API's own page size (limit), used when a request sets none.
	DefaultPageSize    = 500
	defaultMaxAttempts = 4
	defaultBaseDelay   = 500 * time.Millisecond
	defaultMaxDelay    = 30 * time.Second
	defaultMaxPages    = 10000

	// maxBody bounds one response; a page of 1000 images is a few MB.
	maxBody = 64 << 20

	listPath = "/v2/cloudimages"
)

// regionPattern keeps a region from steering requests to another host.
var regionPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// EndpointForRegion is the public IMS endpoint of a region.
func EndpointForRegion(region string) string {
	return "https://ims." + region + ".myhuaweicloud.com"
}

// Client lists images from one IMS endpoint. It is safe for concurrent use.
type Client struct {
	caller
	listURL  url.URL
	creds    Credentials
	maxPages int
	maxBody  int
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if err := cfg.Credentials.Validate(); err != nil {
		return nil, err
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		if !regionPattern.MatchString(cfg.Region) {
			return nil, fmt.Errorf("ims: region %q is not a region name (and no endpoint is set)", cfg.Region)
		}
		endpoint = EndpointForRegion(cfg.Region)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, errors.New("ims: endpoint is not a valid URL") // the text may hold user info; don't echo it
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("ims: endpoint %q must be http(s)://host[:port][/path] without user info, query or fragment", u.Redacted())
	}
	u.Path = trimSlash(u.Path) + listPath
	u.RawPath = ""

	c := &Client{
		caller: caller{
			http:        cfg.HTTPClient,
			backoff:     newBackoff(cfg.BaseDelay, cfg.MaxDelay),
			maxAttempts: cfg.MaxAttempts,
			now:         cfg.Now,
			userAgent:   cfg.UserAgent,
			limiter:     cfg.Limiter,
		},
		listURL:  *u,
		creds:    cfg.Credentials,
		maxPages: cfg.MaxPages,
		maxBody:  cfg.MaxBody,
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = defaultMaxAttempts
	}
	if c.maxPages <= 0 {
		c.maxPages = defaultMaxPages
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.backoff.base <= 0 {
		c.backoff.base = defaultBaseDelay
	}
	if c.backoff.max <= 0 {
		c.backoff.max = defaultMaxDelay
	}
	return c, nil
}

func trimSlash(p string) string {
	for len(p) > 0 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}

// defaultHTTPClient bounds every phase of a request. It does not follow
// redirects: IMS does not redirect, and Go would forward X-Auth-Token and
// X-Security-Token to whatever host a redirect names.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{
		Transport:     t,
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ListImages lists every image matching req, paging with marker/limit:
// req.Marker is the starting marker (usually empty) and req.Limit the page
// size (0 => 500). It yields (image, nil) for each image, or (nil, err)
// once and stops. A page shorter than the limit ends the listing; a marker
// that repeats, or more than MaxPages pages, is an IncompleteListing error.
// It stops promptly when ctx is cancelled, also while waiting to retry.
func (c *Client) ListImages(ctx context.Context, req ListImagesRequest) iter.Seq2[*Image, error] {
	return func(yield func(*Image, error) bool) {
		limit := req.Limit
		if limit <= 0 {
			limit = DefaultPageSize
		}
		q := req.Values()
		q.Set("limit", strconv.Itoa(limit))
		marker := req.Marker
		used := map[string]bool{}
		fail := func(err error) { yield(nil, fmt.Errorf("ims: list images: %w", err)) }

		for page := 1; ; page++ {
			if page > c.maxPages {
				fail(incomplete(fmt.Sprintf("listing did not end within %d pages", c.maxPages)))
				return
			}
			if marker != "" {
				used[marker] = true
				q.Set("marker", marker)
			} else {
				q.Del("marker")
			}
			images, err := c.page(ctx, q)
			if errors.Is(err, errBodyTooLarge) && limit > 1 {
				// A page of very large records can exceed the body bound at any page size the
				// user chose; a smaller page of the same listing may not. Ask again, halving.
				limit /= 2
				q.Set("limit", strconv.Itoa(limit))
				page--
				continue
			}
			if err != nil {
				if marker != "" && ClassOf(err) == ClassBadRequest {
					// The first page was accepted, so the filter is fine: most likely the marker
					// image was deleted or left the filter while we paged. Listing again helps.
					err = &classError{class: ClassIncomplete, msg: "ims: the listing changed while paging", err: err}
				}
				fail(fmt.Errorf("page %d: %w", page, err))
				return
			}
			for _, im := range images {
				if !yield(im, nil) {
					return
				}
			}
			if len(images) < limit {
				return
			}
			marker = images[len(images)-1].ID
			switch {
			case marker == "":
				fail(incomplete(fmt.Sprintf("page %d is full but its last image has no id to page on", page)))
				return
			case used[marker]:
				fail(incomplete(fmt.Sprintf("page %d ends with image %q, already used as a marker: the listing would loop", page, marker)))
				return
			}
		}
	}
}

// Collect gathers a whole listing (ListImages). On error it returns no images: a partial
// listing must not pass for a complete one.
func Collect(seq iter.Seq2[*Image, error]) ([]*Image, error) {
	var all []*Image
	for im, err := range seq {
		if err != nil {
			return nil, err
		}
		all = append(all, im)
	}
	return all, nil
}

// page requests one page through the request core and decodes it with the zero-copy page
// decoder (the hot path: a page is up to 1000 images).
func (c *Client) page(ctx context.Context, q url.Values) ([]*Image, error) {
	u := c.listURL
	u.RawQuery = encodeQuery(q)
	var images []*Image
	err := c.do(ctx, &request{
		name:    "list images",
		method:  http.MethodGet,
		url:     u,
		creds:   &c.creds,
		maxBody: c.maxBody,
		accept:  func(status int) bool { return status == http.StatusOK },
		decode: func(a *answer) (err error) {
			images, err = decodePage(a.body)
			return err
		},
	})
	return images, err
}

// UserAgent names the operator in IMS's and IAM's access logs.
const UserAgent = "ims-operator"
