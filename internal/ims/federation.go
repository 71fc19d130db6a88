package ims

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// DefaultIAMEndpoint is IAM's global endpoint, the SDK's default.
const DefaultIAMEndpoint = "https://iam.myhuaweicloud.com"

// federationDuration is the lifetime step B asks for, as the SDK does.
const federationDuration = 21600

// Federation configures OIDC federation (../shared/huawei-credentials.md §2): an ID token,
// exchanged at IAM for an unscoped token (step A) and that for temporary AK/SK (step B).
type Federation struct {
	IAMEndpoint string // "https://" is prepended when it has no scheme; "" is DefaultIAMEndpoint
	IdPID       string // X-Idp-Id
	// IDToken returns the current ID token; it is called at every exchange (the kubelet
	// rotates projected tokens). TokenFile builds one from a file.
	IDToken   func(ctx context.Context) (string, error)
	ProjectID string // sent as X-Project-Id with the temporary credentials
	// Identity is the source's non-secret key (see CredentialSource).
	Identity   string
	HTTPClient *http.Client     // nil: NewHTTPClient()
	Now        func() time.Time // nil: time.Now
}

// TokenFile reads an ID token from path, white space trimmed.
func TokenFile(path string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("reading the ID token file: %w", err)
		}
		token := strings.TrimSpace(string(b))
		if token == "" {
			return "", fmt.Errorf("the ID token file %s is empty", path)
		}
		return token, nil
	}
}

// iamURL is the IAM base URL with a scheme and without a trailing slash.
func iamURL(endpoint string) string {
	switch {
	case endpoint == "":
		return DefaultIAMEndpoint
	case !strings.Contains(endpoint, "://"):
		endpoint = "https://" + endpoint
	}
	return trimSlash(endpoint)
}

// NewFederation returns a CredentialSource that exchanges the ID token at IAM and refreshes
// the temporary credentials before they expire.
func NewFederation(f Federation) *Refreshing {
	x := &federation{cfg: f, base: iamURL(f.IAMEndpoint), http: f.HTTPClient, backoff: newBackoff(defaultBaseDelay, 5*time.Second)}
	if x.http == nil {
		x.http = defaultHTTPClient()
	}
	return newRefreshing(f.Identity, f.Now, 0, x.exchange)
}

type federation struct {
	cfg     Federation
	base    string
	http    *http.Client
	backoff backoff

	mu        sync.Mutex
	rejected  string // hash of the last ID token IAM rejected
	rejectErr error
}

// exchange runs steps A and B with a freshly read ID token. A token IAM already rejected is
// not sent again: the answer would be the same until the kubelet (or the admin) replaces it.
func (f *federation) exchange(ctx context.Context) (Credentials, time.Time, error) {
	token, err := f.cfg.IDToken(ctx)
	if err != nil {
		if ce, ok := AsCredentialError(err); ok {
			return Credentials{}, time.Time{}, ce
		}
		return Credentials{}, time.Time{}, &CredentialError{Kind: KindIDTokenUnreadable, Msg: "no ID token for IAM federation", Err: err}
	}
	sum := shortHash(f.base, f.cfg.IdPID, token)
	f.mu.Lock()
	if f.rejected == sum {
		err := f.rejectErr
		f.mu.Unlock()
		return Credentials{}, time.Time{}, err
	}
	f.mu.Unlock()

	iamToken, err := f.stepA(ctx, token)
	if err != nil {
		if ce, ok := AsCredentialError(err); ok && ce.Kind == KindIDTokenRejected {
			f.mu.Lock()
			f.rejected, f.rejectErr = sum, err
			f.mu.Unlock()
		}
		return Credentials{}, time.Time{}, err
	}
	return f.stepB(ctx, iamToken)
}

// stepA trades the ID token for an unscoped IAM token (X-Subject-Token).
func (f *federation) stepA(ctx context.Context, idToken string) (string, error) {
	body, _ := json.Marshal(map[string]any{"auth": map[string]any{"id_token": map[string]string{"id": idToken}}})
	call := credCall{
		name:   "IAM step A (ID token to IAM token)",
		method: http.MethodPost,
		url:    f.base + "/v3.0/OS-AUTH/id-token/tokens",
		header: http.Header{"X-Idp-Id": {f.cfg.IdPID}, "Content-Type": {"application/json;charset=UTF-8"}},
		body:   string(body), secrets: []string{idToken},
	}
	ans, err := call.do(ctx, f.http, f.backoff)
	if err != nil {
		return "", err
	}
	if ans.status != http.StatusCreated {
		// Any 4xx: the token or the identity provider is rejected (the exact IAM code for an
		// expired or wrongly signed token is unconfirmed, so all of them count).
		kind := KindIDTokenRejected
		if ans.status < 400 || ans.status >= 500 {
			kind = KindUnavailable
		}
		return "", &CredentialError{Kind: kind, Msg: "IAM refused the ID token (identity provider " + f.cfg.IdPID + ")", Err: call.statusError(ans)}
	}
	subject := ans.header.Get("X-Subject-Token")
	var tok struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
		} `json:"token"`
	}
	_ = json.Unmarshal(ans.body, &tok)
	if subject == "" || ans.header.Get("X-Request-Id") == "" || tok.Token.ExpiresAt == "" {
		// The SDK refuses such an answer too; it is IAM's (or a proxy's) fault, so retry.
		return "", &CredentialError{Kind: KindUnavailable, Msg: "IAM step A answered 201 without X-Subject-Token, X-Request-Id or token.expires_at"}
	}
	return subject, nil
}

// stepB trades the IAM token for temporary AK/SK and a security token.
func (f *federation) stepB(ctx context.Context, iamToken string) (Credentials, time.Time, error) {
	body, _ := json.Marshal(map[string]any{"auth": map[string]any{"identity": map[string]any{
		"methods": []string{"token"},
		"token":   map[string]any{"id": iamToken, "duration_seconds": federationDuration},
	}}})
	call := credCall{
		name:   "IAM step B (IAM token to temporary credentials)",
		method: http.MethodPost,
		url:    f.base + "/v3.0/OS-CREDENTIAL/securitytokens",
		header: http.Header{"Content-Type": {"application/json;charset=utf8"}},
		body:   string(body), secrets: []string{iamToken},
	}
	ans, err := call.do(ctx, f.http, f.backoff)
	if err != nil {
		return Credentials{}, time.Time{}, err
	}
	if ans.status != http.StatusCreated {
		kind := KindExchangeRejected
		if ans.status < 400 || ans.status >= 500 {
			kind = KindUnavailable
		}
		return Credentials{}, time.Time{}, &CredentialError{Kind: kind, Msg: "IAM refused temporary credentials", Err: call.statusError(ans)}
	}
	var ic issuedCredential
	if err := json.Unmarshal(ans.body, &ic); err != nil {
		return Credentials{}, time.Time{}, &CredentialError{Kind: KindUnavailable, Msg: "IAM step B answer is not JSON"}
	}
	creds, expires, err := ic.credentials(f.cfg.ProjectID)
	if err != nil {
		return Credentials{}, time.Time{}, &CredentialError{Kind: KindUnavailable, Msg: "IAM step B answer is unusable", Err: err}
	}
	return creds, expires, nil
}
