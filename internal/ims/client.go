package ims

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
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
	Now                 func() time.Time
	UserAgent           string
}

const (
	defaultPageSize    = 500
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
	listURL     url.URL
	creds       Credentials
	http        *http.Client
	maxAttempts int
	maxPages    int
	now         func() time.Time
	userAgent   string
	backoff     backoff
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
		listURL:     *u,
		creds:       cfg.Credentials,
		http:        cfg.HTTPClient,
		maxAttempts: cfg.MaxAttempts,
		maxPages:    cfg.MaxPages,
		now:         cfg.Now,
		userAgent:   cfg.UserAgent,
		backoff:     newBackoff(cfg.BaseDelay, cfg.MaxDelay),
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
			limit = defaultPageSize
		}
		q := req.Values()
		q.Set("limit", strconv.Itoa(limit))
		marker := req.Marker
		used := map[string]bool{}
		buf := getBuffer()
		defer putBuffer(buf)
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
			images, err := c.fetch(ctx, q, buf)
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

// ListAllImages collects ListImages. On error it returns no images: a
// partial listing must not pass for a complete one.
func (c *Client) ListAllImages(ctx context.Context, req ListImagesRequest) ([]*Image, error) {
	var all []*Image
	for im, err := range c.ListImages(ctx, req) {
		if err != nil {
			return nil, err
		}
		all = append(all, im)
	}
	return all, nil
}

// fetch requests one page, retrying retryable failures with backoff.
func (c *Client) fetch(ctx context.Context, q url.Values, buf *bytes.Buffer) ([]*Image, error) {
	for attempt := 1; ; attempt++ {
		images, err := c.page(ctx, q, buf)
		if err == nil {
			return images, nil
		}
		if !ClassOf(err).Retryable() || attempt >= c.maxAttempts {
			if attempt > 1 {
				err = fmt.Errorf("after %d attempts: %w", attempt, err)
			}
			return nil, err
		}
		var retryAfter time.Duration
		if he, ok := errors.AsType[*Error](err); ok {
			retryAfter = he.RetryAfter
		}
		if serr := c.backoff.sleep(ctx, c.backoff.delay(attempt, retryAfter)); serr != nil {
			return nil, &classError{class: ClassCanceled, msg: "canceled while waiting to retry (" + err.Error() + ")", err: serr}
		}
	}
}

// page makes one request and decodes its answer.
func (c *Client) page(ctx context.Context, q url.Values, buf *bytes.Buffer) ([]*Image, error) {
	u := c.listURL
	u.RawQuery = encodeQuery(q)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if err := c.creds.authorize(req, c.now()); err != nil {
		return nil, err
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	defer resp.Body.Close()
	buf.Reset()
	if resp.ContentLength > 0 && resp.ContentLength <= maxBody {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1)); err != nil {
		return nil, transportError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(resp, buf.Bytes())
	}
	if buf.Len() > maxBody {
		return nil, incomplete(fmt.Sprintf("response body exceeds %d bytes", maxBody))
	}
	return decodePage(buf.Bytes())
}

// Response buffers are pooled across pages and listings: a page is about a
// megabyte, and growing a fresh buffer to that size for every page costs
// several times as much in copies. Decoded images never point into it.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 16<<20 { // let an outsized one go
		b.Reset()
		buffers.Put(b)
	}
}

// transportError classes a failure to get or read a response: Canceled when
// the caller's context ended, else NetworkError (a per-request timeout
// included, though it too matches context.DeadlineExceeded).
func transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &classError{class: ClassCanceled, msg: "request canceled", err: ctx.Err()}
	}
	if dns, ok := errors.AsType[*net.DNSError](err); ok && dns.IsNotFound {
		// No such host: a misspelt region or endpoint, which retrying will not fix.
		return &classError{class: ClassNotFound, msg: "no such host " + dns.Name, err: err}
	}
	return &classError{class: ClassNetwork, msg: "network error", err: err}
}

func (c *Client) statusError(resp *http.Response, body []byte) *Error {
	code, msg := parseErrorBody(body)
	return &Error{
		StatusCode: resp.StatusCode,
		Code:       c.creds.scrub(code),
		Message:    c.creds.scrub(msg),
		RequestID:  c.creds.scrub(resp.Header.Get("X-Request-Id")),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now()),
	}
}
