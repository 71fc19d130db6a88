package ims

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// This file is the request core that every Huawei Cloud call goes through (see the package
// doc for how to add one): it signs, sends, bounds and reads the answer, classifies and
// scrubs errors, and retries what may pass with backoff and Retry-After. Requests are counted
// by the HTTP client's transport (InstrumentTransport), which sees every attempt.

// request is one call: what to send, how to authenticate it, and what to do with the answer.
type request struct {
	name   string // what is called, for messages: "list images", "IAM step A"
	api    string // who answers, for error texts; "" is IMS
	method string
	url    url.URL
	header http.Header // sent as given; the core adds Accept and User-Agent when absent
	body   []byte

	// creds, when set, authenticate the request (AK/SK signature with the security token, or
	// an IAM token); their secrets never reach an error.
	creds *Credentials
	// secrets are further values to scrub from errors, e.g. a token sent in the body.
	secrets []string

	// attempts bounds the tries of this request; 0 means the caller's default.
	attempts int
	// maxBody bounds the answer read into memory; 0 means maxBody.
	maxBody int
	// accept says which answers go to decode; nil accepts 2xx. Any other answer is an *Error,
	// retried when its class is retryable.
	accept func(status int) bool
	// decode reads an accepted answer. The body is only valid during the call (the buffer is
	// reused); an error with a retryable class (e.g. IncompleteListing) is retried.
	decode func(a *answer) error
}

// answer is a response as decode sees it: status, header and the whole body.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// caller sends requests: one HTTP client, one retry policy. Client embeds it; the credential
// sources have their own.
type caller struct {
	http        *http.Client
	backoff     backoff
	maxAttempts int
	now         func() time.Time
	userAgent   string
	limiter     Limiter // nil: no pacing
}

// do sends req until an answer is accepted and decoded, or fails in a way retrying will not
// fix, or the attempts run out. Errors are classified (ClassOf) and carry no secret.
func (c *caller) do(ctx context.Context, req *request) error {
	attempts := req.attempts
	if attempts <= 0 {
		attempts = c.maxAttempts
	}
	buf := getBuffer()
	defer putBuffer(buf)
	for attempt := 1; ; attempt++ {
		if err := c.wait(ctx); err != nil {
			return err
		}
		err := c.once(ctx, req, buf)
		if err == nil {
			return nil
		}
		// The same request would bring the same oversized body: the caller may ask a smaller one.
		if !ClassOf(err).Retryable() || attempt >= attempts || errors.Is(err, errBodyTooLarge) {
			if attempt > 1 {
				err = fmt.Errorf("after %d attempts: %w", attempt, err)
			}
			return err
		}
		var retryAfter time.Duration
		if he, ok := errors.AsType[*Error](err); ok {
			retryAfter = he.RetryAfter
		}
		if serr := c.backoff.sleep(ctx, c.backoff.delay(attempt, retryAfter)); serr != nil {
			return &classError{class: ClassCanceled, msg: "canceled while waiting to retry (" + err.Error() + ")", err: serr}
		}
	}
}

// wait takes a token from the rate limiter, giving up as soon as ctx ends.
func (c *caller) wait(ctx context.Context) error {
	if c.limiter == nil {
		return nil
	}
	if err := c.limiter.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return &classError{class: ClassCanceled, msg: "canceled while waiting for the IMS rate limit", err: err}
	}
	return nil
}

// once makes one attempt.
func (c *caller) once(ctx context.Context, req *request, buf *bytes.Buffer) error {
	hreq, err := c.build(ctx, req)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return transportError(ctx, err)
	}
	defer resp.Body.Close()
	limit := req.maxBody
	if limit <= 0 {
		limit = maxBody
	}
	buf.Reset()
	if resp.ContentLength > 0 && resp.ContentLength <= int64(limit) {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, int64(limit)+1)); err != nil {
		return transportError(ctx, err)
	}
	accepted := resp.StatusCode >= 200 && resp.StatusCode < 300
	if req.accept != nil {
		accepted = req.accept(resp.StatusCode)
	}
	if !accepted {
		return c.statusError(req, resp, buf.Bytes())
	}
	if buf.Len() > limit {
		return fmt.Errorf("%w: %w", errBodyTooLarge, incomplete(fmt.Sprintf("%s: response body exceeds %d bytes", req.name, limit)))
	}
	if req.decode == nil {
		return nil
	}
	return req.decode(&answer{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()})
}

// build makes the HTTP request: headers first, then authentication, which signs them.
func (c *caller) build(ctx context.Context, req *request) (*http.Request, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, req.url.String(), body)
	if err != nil {
		return nil, err
	}
	for k, vs := range req.header {
		hreq.Header[k] = vs
	}
	if hreq.Header.Get("Accept") == "" {
		hreq.Header.Set("Accept", "application/json")
	}
	if c.userAgent != "" && hreq.Header.Get("User-Agent") == "" {
		hreq.Header.Set("User-Agent", c.userAgent)
	}
	if req.creds != nil {
		if err := req.creds.authorize(hreq, req.body, c.now()); err != nil {
			return nil, err
		}
	}
	return hreq, nil
}

// statusError is an answer that was not accepted, with every secret the request carried
// scrubbed from what the server echoed.
func (c *caller) statusError(req *request, resp *http.Response, body []byte) *Error {
	code, msg := parseErrorBody(body)
	scrub := func(s string) string {
		if req.creds != nil {
			s = req.creds.scrub(s)
		}
		return scrubAll(s, req.secrets...)
	}
	return &Error{
		API:        req.api,
		StatusCode: resp.StatusCode,
		Code:       scrub(code),
		Message:    scrub(msg),
		RequestID:  scrub(resp.Header.Get("X-Request-Id")),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now()),
	}
}

// Response buffers are pooled across requests: a list page is about a megabyte, and growing
// a fresh buffer to that size for every page costs several times as much in copies. Decoders
// never keep a pointer into the buffer.
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
