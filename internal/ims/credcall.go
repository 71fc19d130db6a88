package ims

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
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

// do sends the call, retrying network failures, 429 and 5xx with the client's backoff. A
// non-2xx answer that is not retried is returned as an answer (the caller classes it); only
// transport failures and exhausted retries are errors (KindUnavailable).
func (c credCall) do(ctx context.Context, hc *http.Client, b backoff) (credAnswer, error) {
	var lastErr error
	for attempt := 1; attempt <= credAttempts; attempt++ {
		if attempt > 1 {
			if err := b.sleep(ctx, b.delay(attempt-1, 0)); err != nil {
				return credAnswer{}, &CredentialError{Kind: KindUnavailable, Msg: c.name + ": canceled while waiting to retry", Err: lastErr}
			}
		}
		ans, err := c.once(ctx, hc)
		switch {
		case err != nil:
			lastErr = err
			if ClassOf(err) == ClassCanceled {
				return credAnswer{}, &CredentialError{Kind: KindUnavailable, Msg: c.name, Err: err}
			}
		case statusClass(ans.status).Retryable() && ans.status >= 300:
			lastErr = c.statusError(ans)
		default:
			return ans, nil
		}
	}
	return credAnswer{}, &CredentialError{Kind: KindUnavailable, Msg: fmt.Sprintf("%s failed after %d attempts", c.name, credAttempts), Err: lastErr}
}

func (c credCall) once(ctx context.Context, hc *http.Client) (credAnswer, error) {
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, c.url, body)
	if err != nil {
		return credAnswer{}, err
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", "ims-operator")
	resp, err := hc.Do(req)
	if err != nil {
		return credAnswer{}, transportError(ctx, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxCredBody))
	if err != nil {
		return credAnswer{}, transportError(ctx, err)
	}
	return credAnswer{status: resp.StatusCode, header: resp.Header, body: b}, nil
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
			fmt.Fprintf(&b, " (%s %s)", h, cut(v, 64))
		}
	}
	return errors.New(scrubAll(b.String(), c.secrets...))
}

// scrubAll replaces each non-empty secret in s.
func scrubAll(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
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
	return time.Time{}, fmt.Errorf("expires_at %q is not a time", cut(s, 64))
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
