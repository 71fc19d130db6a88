package ims

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/imagecatalog/ims-operator/internal/bound"
)

// maxCredBody bounds an IAM or metadata answer: they are a few hundred bytes.
const maxCredBody = 1 << 20

// credAttempts is how often one IAM or metadata call is tried when it fails in a way that
// may pass; the controller's backoff takes over after that.
const credAttempts = 3

// credCall is one unsigned call to IAM or the metadata service. secrets are scrubbed from
// anything the answer echoes into an error.
type credCall struct {
	name    string // for messages: "IAM step A (id-token)"
	method  string
	url     string
	header  http.Header
	body    string
	secrets []string
}

// credAnswer is a read answer.
type credAnswer struct {
	status int
	header http.Header
	body   []byte
}

// do sends the call through the request core, retrying network failures, 429 and 5xx with
// b. A non-2xx answer that is not retried is returned as an answer (the caller classes it);
// only transport failures and exhausted retries are errors (KindUnavailable).
func (c credCall) do(ctx context.Context, hc *http.Client, b backoff) (credAnswer, error) {
	ans, err := c.send(ctx, hc, b, credAttempts)
	if err != nil {
		return credAnswer{}, &CredentialError{Kind: KindUnavailable, Msg: c.name, Err: err}
	}
	return ans, nil
}

// once sends the call once and returns any answer it gets.
func (c credCall) once(ctx context.Context, hc *http.Client) (credAnswer, error) {
	return c.send(ctx, hc, backoff{}, 1)
}

func (c credCall) send(ctx context.Context, hc *http.Client, b backoff, attempts int) (credAnswer, error) {
	u, err := url.Parse(c.url)
	if err != nil {
		return credAnswer{}, fmt.Errorf("%s: the URL is not valid", c.name)
	}
	var body []byte
	if c.body != "" {
		body = []byte(c.body)
	}
	core := caller{http: hc, backoff: b, maxAttempts: attempts, now: time.Now, userAgent: UserAgent}
	var ans credAnswer
	err = core.do(ctx, &request{
		name: c.name, api: c.name, method: c.method, url: *u, header: c.header, body: body,
		secrets: c.secrets, maxBody: maxCredBody,
		// An answer that retrying will not change goes to the caller, which knows what it means.
		accept: func(status int) bool { return status < 300 || !statusClass(status).Retryable() },
		decode: func(a *answer) error {
			ans = credAnswer{status: a.status, header: a.header, body: bytes.Clone(a.body)}
			return nil
		},
	})
	return ans, err
}

// statusError describes a non-2xx answer: status, IAM's error code and message, and the
// request IDs that Huawei support asks for. Anything the answer echoes of a secret goes.
func (c credCall) statusError(a credAnswer) error {
	code, msg := parseErrorBody(a.body)
	var b strings.Builder
	fmt.Fprintf(&b, "%s answered %d", c.name, a.status)
	if code != "" {
		b.WriteString(" " + code)
	}
	if msg != "" {
		b.WriteString(": " + msg)
	}
	for _, h := range []string{"X-Request-Id", "X-IAM-Trace-Id"} {
		if v := a.header.Get(h); v != "" {
			fmt.Fprintf(&b, " (%s %s)", h, bound.Marked(v, 64, "…"))
		}
	}
	return errors.New(scrubAll(b.String(), c.secrets...))
}

// issuedCredential is the "credential" object of IAM step B and of the metadata service.
type issuedCredential struct {
	Credential struct {
		Access        string `json:"access"`
		Secret        string `json:"secret"`
		SecurityToken string `json:"securitytoken"`
		ExpiresAt     string `json:"expires_at"`
	} `json:"credential"`
}

// parseExpiry reads IAM's expires_at: UTC, with or without fractional seconds.
func parseExpiry(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("expires_at %q is not a time", bound.Marked(s, 64, "…"))
}

// credentials checks the issued credential and returns it with its expiry.
func (ic issuedCredential) credentials(projectID string) (Credentials, time.Time, error) {
	c := ic.Credential
	if c.Access == "" || c.Secret == "" || c.SecurityToken == "" {
		return Credentials{}, time.Time{}, errors.New("the answer lacks access, secret or securitytoken")
	}
	expires, err := parseExpiry(c.ExpiresAt)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	creds := Credentials{AccessKey: c.Access, SecretKey: c.Secret, SecurityToken: c.SecurityToken, ProjectID: projectID}
	if err := creds.Validate(); err != nil {
		return Credentials{}, time.Time{}, err
	}
	return creds, expires, nil
}
