package ims

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// CredentialSource hands out the credentials for a request: fixed ones, or temporary ones
// that it obtains and refreshes itself (OIDC federation, ECS metadata). Callers ask again for
// each listing; a source returns credentials with enough validity left for one.
type CredentialSource interface {
	Credentials(ctx context.Context) (Credentials, error)
	// Identity is a stable, non-secret key for the credentials' owner (a hash, a
	// ServiceAccount's name), for per-identity rate limits and caches.
	Identity() string
}

// Static is a CredentialSource of fixed credentials.
type Static struct{ Creds Credentials }

// Credentials returns the fixed credentials.
func (s Static) Credentials(context.Context) (Credentials, error) { return s.Creds, nil }

// Identity names the access key (not secret) or a hash of the IAM token.
func (s Static) Identity() string { return s.Creds.Identity() }

// shortHash is a non-reversible name for something secret or long.
func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// CredentialErrorKind says why credentials could not be obtained.
type CredentialErrorKind string

const (
	// KindIDTokenRejected: IAM refused the ID token or the identity provider (any 4xx of
	// step A). Permanent until the token or the configuration changes.
	KindIDTokenRejected CredentialErrorKind = "IdentityTokenRejected"
	// KindIDTokenUnreadable: the ID token file cannot be read, or is empty.
	KindIDTokenUnreadable CredentialErrorKind = "IdentityTokenUnreadable"
	// KindExchangeRejected: IAM refused to turn the IAM token into temporary credentials
	// (a 4xx of step B).
	KindExchangeRejected CredentialErrorKind = "CredentialExchangeRejected"
	// KindNoAgency: the ECS has no agency attached ("Please configure Cloud Service Agency first").
	KindNoAgency CredentialErrorKind = "NoCloudServiceAgency"
	// KindUnavailable: IAM or the metadata service failed in a way that may pass (5xx, 429,
	// network, a malformed answer); retried.
	KindUnavailable CredentialErrorKind = "CredentialsUnavailable"
)

// CredentialError is a failure to obtain temporary credentials. Its text names the call, the
// status, IAM's error code and message and the request IDs, never a token or a key.
type CredentialError struct {
	Kind CredentialErrorKind
	Msg  string
	Err  error
}

func (e *CredentialError) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	return e.Msg + ": " + e.Err.Error()
}

func (e *CredentialError) Unwrap() error { return e.Err }

// Permanent says whether only a change (token file, configuration, agency) can clear it.
func (e *CredentialError) Permanent() bool { return e.Kind != KindUnavailable }

// AsCredentialError finds a *CredentialError in err's chain.
func AsCredentialError(err error) (*CredentialError, bool) {
	var ce *CredentialError
	ok := errors.As(err, &ce)
	return ce, ok
}
