package ims

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultMetadataEndpoint is the ECS metadata service.
const DefaultMetadataEndpoint = "http://169.254.169.254"

const (
	// metadataPollInterval: the metadata service is asked at most about once per 30 s.
	metadataPollInterval = 30 * time.Second
	// sessionTTL is the lifetime asked for a metadata session token, as the SDK does.
	sessionTTL = 21600 * time.Second
	noAgency   = "Please configure Cloud Service Agency first"
)

// Metadata configures ECS agency credentials (../shared/huawei-credentials.md §3).
type Metadata struct {
	Endpoint   string // "" is DefaultMetadataEndpoint
	ProjectID  string
	HTTPClient *http.Client     // nil: NewHTTPClient()
	Now        func() time.Time // nil: time.Now
	// PollInterval spaces calls to the service (0: about once per 30 s at most; tests
	// shorten it).
	PollInterval time.Duration
}

// NewMetadata returns a CredentialSource of the ECS agency's temporary credentials.
func NewMetadata(m Metadata) *Refreshing {
	x := &metadata{cfg: m, base: trimSlash(m.Endpoint), http: m.HTTPClient, now: m.Now, backoff: newBackoff(defaultBaseDelay, 5*time.Second)}
	if x.base == "" {
		x.base = DefaultMetadataEndpoint
	}
	if x.http == nil {
		// The link-local metadata service is never reached through an HTTP proxy.
		x.http = defaultHTTPClient()
		x.http.Transport.(*http.Transport).Proxy = nil
	}
	if x.now == nil {
		x.now = time.Now
	}
	poll := m.PollInterval
	if poll <= 0 {
		poll = metadataPollInterval
	}
	return newRefreshing("ecs-metadata:"+shortHash(x.base), m.Now, poll, x.fetch)
}

type metadata struct {
	cfg     Metadata
	base    string
	http    *http.Client
	now     func() time.Time
	backoff backoff

	mu             sync.Mutex
	session        string
	sessionExpires time.Time
}

// fetch gets the agency's credentials, with a session token when the service has the token
// API; a 401 that is not "no agency" gets a new session token and one more try.
func (m *metadata) fetch(ctx context.Context) (Credentials, time.Time, error) {
	session, err := m.sessionToken(ctx, false)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	ans, call, err := m.securityKey(ctx, session)
	if err == nil && ans.status == http.StatusUnauthorized && !strings.Contains(string(ans.body), noAgency) {
		if session, err = m.sessionToken(ctx, true); err != nil {
			return Credentials{}, time.Time{}, err
		}
		ans, call, err = m.securityKey(ctx, session)
	}
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	switch {
	case ans.status == http.StatusUnauthorized && strings.Contains(string(ans.body), noAgency):
		return Credentials{}, time.Time{}, &CredentialError{Kind: KindNoAgency, Msg: "the ECS has no agency attached (" + noAgency + ")"}
	case ans.status != http.StatusOK:
		return Credentials{}, time.Time{}, &CredentialError{Kind: KindUnavailable, Msg: "the metadata service refused the agency credentials", Err: call.statusError(ans)}
	}
	var ic issuedCredential
	if err := json.Unmarshal(ans.body, &ic); err != nil {
		return Credentials{}, time.Time{}, &CredentialError{Kind: KindUnavailable, Msg: "the metadata service's securitykey answer is not JSON"}
	}
	creds, expires, err := ic.credentials(m.cfg.ProjectID)
	if err != nil {
		return Credentials{}, time.Time{}, &CredentialError{Kind: KindUnavailable, Msg: "the metadata service's securitykey answer is unusable", Err: err}
	}
	return creds, expires, nil
}

func (m *metadata) securityKey(ctx context.Context, session string) (credAnswer, credCall, error) {
	call := credCall{name: "ECS metadata securitykey", method: http.MethodGet, url: m.base + "/openstack/latest/securitykey",
		header: http.Header{}, secrets: []string{session}}
	if session != "" {
		call.header.Set("X-Metadata-Token", session)
	}
	ans, err := call.do(ctx, m.http, m.backoff)
	return ans, call, err
}

// sessionToken returns the held session token, or gets a new one (always when renew). ""
// means the service has no token API (404, 405, 503), and requests go without one.
func (m *metadata) sessionToken(ctx context.Context, renew bool) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if !renew && m.session != "" && now.Before(m.sessionExpires) {
		return m.session, nil
	}
	m.session = ""
	call := credCall{name: "ECS metadata session token", method: http.MethodPut, url: m.base + "/meta-data/latest/api/token",
		header: http.Header{"X-Metadata-Token-Ttl-Seconds": {"21600"}}}
	ans, err := call.once(ctx, m.http) // not retried: 503 means "no token API" here
	if err != nil {
		return "", &CredentialError{Kind: KindUnavailable, Msg: call.name, Err: err}
	}
	switch ans.status {
	case http.StatusOK:
		m.session = strings.TrimSpace(string(ans.body))
		// Renew well before the service forgets it.
		m.sessionExpires = now.Add(sessionTTL - 10*time.Minute)
		return m.session, nil
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusServiceUnavailable:
		return "", nil
	}
	return "", &CredentialError{Kind: KindUnavailable, Msg: "the metadata service refused a session token", Err: call.statusError(ans)}
}
