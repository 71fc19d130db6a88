package imssim

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The two IAM calls of OIDC federation (../shared/huawei-credentials.md §2).
const (
	IAMIDTokenPath       = "/v3.0/OS-AUTH/id-token/tokens"
	IAMSecurityTokenPath = "/v3.0/OS-CREDENTIAL/securitytokens"
)

// iamTokenLifetime is how long an unscoped IAM token from step A lives, as on IAM.
const iamTokenLifetime = 24 * time.Hour

// IdentityProvider is an IAM OIDC identity provider that trusts a cluster's ServiceAccount
// issuer. The simulator decodes the ID token's claims but does not verify its signature
// against the issuer's keys: what the operator controls (the token it reads or requests, its
// audience, the identity provider it names) is checked; the issuer's cryptography is IAM's.
type IdentityProvider struct {
	ID string // the X-Idp-Id value
	// Audience is the client ID: the ID token's aud must hold it ("" accepts any).
	Audience string
	// Subjects are the subjects that IAM's identity-conversion rules map to a user group,
	// e.g. system:serviceaccount:<ns>:<sa>; empty maps every subject.
	Subjects []string
}

// IssuedCredential records temporary credentials the simulator handed out. It holds no
// secret: the access key names the credential, Identity says whose it is.
type IssuedCredential struct {
	AccessKey string
	Identity  string // ID token subject, or "agency:<name>" from the metadata service
	Issued    time.Time
	Expires   time.Time
}

type iamToken struct {
	identity string
	expires  time.Time
}

// iamState is the IAM and metadata side of the simulator, guarded by Simulator.mu.
type iamState struct {
	idps     map[string]IdentityProvider
	tokens   map[string]iamToken  // unscoped IAM tokens from step A
	sessions map[string]time.Time // metadata session tokens and their expiry
	issued   []IssuedCredential
	lifetime time.Duration
	metadata *Metadata
}

func newIAMState(opts Options) iamState {
	st := iamState{
		idps:     map[string]IdentityProvider{},
		tokens:   map[string]iamToken{},
		sessions: map[string]time.Time{},
		lifetime: opts.CredentialLifetime,
	}
	for _, idp := range opts.IdentityProviders {
		st.idps[idp.ID] = idp
	}
	if opts.Metadata != nil {
		m := *opts.Metadata
		st.metadata = &m
	}
	return st
}

// AddIdentityProvider adds or replaces an identity provider.
func (s *Simulator) AddIdentityProvider(idp IdentityProvider) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.iam.idps[idp.ID] = idp
}

// SetCredentialLifetime changes Options.CredentialLifetime for credentials issued from now on.
func (s *Simulator) SetCredentialLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.iam.lifetime = d
}

// Issued lists the temporary credentials issued so far, oldest first.
func (s *Simulator) Issued() []IssuedCredential {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.iam.issued)
}

// iamError is IAM's error body.
func iamError(status int, code, msg string) *response {
	return jsonResponse(status, map[string]string{"error_code": code, "error_msg": msg})
}

// readIAMBody checks the method and content type of an IAM call and decodes its JSON body.
func readIAMBody(r *http.Request, requestID string, into any) *response {
	if r.Method != http.MethodPost {
		return methodNotAllowedFor(r.Method, http.MethodPost, requestID)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return iamError(http.StatusBadRequest, "IAM.0011", "Content-Type must be application/json")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil || json.Unmarshal(body, into) != nil {
		return iamError(http.StatusBadRequest, "IAM.0011", "the request body is not valid JSON")
	}
	return nil
}

// answerIDToken is step A: an ID token for an unscoped IAM token in X-Subject-Token.
func (s *Simulator) answerIDToken(r *http.Request, rec *RecordedRequest, requestID string) *response {
	var body struct {
		Auth struct {
			IDToken struct {
				ID string `json:"id"`
			} `json:"id_token"`
		} `json:"auth"`
	}
	if resp := readIAMBody(r, requestID, &body); resp != nil {
		return resp
	}
	idpID := r.Header.Get("X-Idp-Id")
	if idpID == "" {
		return iamError(http.StatusBadRequest, "IAM.0011", "X-Idp-Id is missing")
	}
	if body.Auth.IDToken.ID == "" {
		return iamError(http.StatusBadRequest, "IAM.0011", "auth.id_token.id is missing")
	}
	s.mu.RLock()
	idp, ok := s.iam.idps[idpID]
	s.mu.RUnlock()
	if !ok {
		return iamError(http.StatusNotFound, "IAM.0004", "identity provider "+idpID+" not found")
	}
	now := s.now()
	subject, reason := idp.check(body.Auth.IDToken.ID, now)
	if reason != "" {
		return iamError(http.StatusUnauthorized, "IAM.0001", "the ID token is rejected: "+reason)
	}
	rec.Identity = subject
	expires := now.Add(iamTokenLifetime)
	resp := jsonResponse(http.StatusCreated, map[string]any{"token": map[string]any{
		"expires_at": expires.UTC().Format(iamTime),
		"issued_at":  now.UTC().Format(iamTime),
		"methods":    []string{"mapped"},
		"user":       map[string]any{"name": subject, "OS-FEDERATION": map[string]any{"identity_provider": map[string]string{"id": idpID}}},
	}})
	token := "sim-iam-token-" + newRequestID() + newRequestID()
	s.mu.Lock()
	s.iam.tokens[token] = iamToken{identity: subject, expires: expires}
	s.mu.Unlock()
	resp.header.Set("X-Subject-Token", token)
	// A fault may replace the answer; the token was issued all the same, as when an answer
	// is lost on the way.
	return s.withFault(r, APIIAMIDToken, 0, requestID, resp)
}

// answerSecurityToken is step B: an IAM token for temporary AK/SK and a security token.
func (s *Simulator) answerSecurityToken(r *http.Request, rec *RecordedRequest, requestID string) *response {
	var body struct {
		Auth struct {
			Identity struct {
				Methods []string `json:"methods"`
				Token   struct {
					ID       string `json:"id"`
					Duration *int   `json:"duration_seconds"`
				} `json:"token"`
			} `json:"identity"`
		} `json:"auth"`
	}
	if resp := readIAMBody(r, requestID, &body); resp != nil {
		return resp
	}
	id := body.Auth.Identity
	duration := 900 // IAM's default
	if id.Token.Duration != nil {
		duration = *id.Token.Duration
	}
	switch {
	case !slices.Contains(id.Methods, "token"):
		return iamError(http.StatusBadRequest, "IAM.0011", `auth.identity.methods must hold "token"`)
	case id.Token.ID == "":
		return iamError(http.StatusBadRequest, "IAM.0011", "auth.identity.token.id is missing")
	case duration < 900 || duration > 86400:
		return iamError(http.StatusBadRequest, "IAM.0011", "duration_seconds must be 900 to 86400")
	}
	now := s.now()
	s.mu.RLock()
	tok, ok := s.iam.tokens[id.Token.ID]
	lifetime := s.iam.lifetime
	s.mu.RUnlock()
	if !ok || !now.Before(tok.expires) {
		return iamError(http.StatusUnauthorized, "IAM.0001", "the token is invalid or has expired")
	}
	rec.Identity = tok.identity
	if d := time.Duration(duration) * time.Second; lifetime <= 0 || d < lifetime {
		lifetime = d
	}
	resp := jsonResponse(http.StatusCreated, s.issue(tok.identity, now, lifetime))
	return s.withFault(r, APIIAMSecurityToken, 0, requestID, resp)
}

// iamTime is how IAM writes times: UTC with microseconds.
const iamTime = "2006-01-02T15:04:05.000000Z"

// issue makes temporary credentials for identity, accepted by IMS with their security token
// until they expire, and returns them as IAM and the metadata service answer them.
func (s *Simulator) issue(identity string, now time.Time, lifetime time.Duration) map[string]any {
	ak := "SIMTMP" + strings.ToUpper(newRequestID()[:14])
	sk := "sim-temporary-sk-" + newRequestID()
	st := "sim-security-token-" + newRequestID() + newRequestID()
	expires := now.Add(lifetime)
	s.mu.Lock()
	s.creds[ak] = credential{secretKey: sk, securityToken: st, expires: expires, identity: identity}
	s.iam.issued = append(s.iam.issued, IssuedCredential{AccessKey: ak, Identity: identity, Issued: now, Expires: expires})
	s.mu.Unlock()
	return map[string]any{"credential": map[string]string{
		"access": ak, "secret": sk, "securitytoken": st, "expires_at": expires.UTC().Format(iamTime),
	}}
}

// check reads a JWT ID token's claims and says whose it is, or why it is refused. Reasons
// name claims and the subject, never the token.
func (idp IdentityProvider) check(token string, now time.Time) (subject, reason string) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return "", "not a JWT"
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", "the JWT payload is not base64url"
	}
	var claims struct {
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp float64         `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return "", "the JWT payload is not a JSON object"
	}
	var auds []string
	if json.Unmarshal(claims.Aud, &auds) != nil {
		var one string
		_ = json.Unmarshal(claims.Aud, &one)
		auds = []string{one}
	}
	switch {
	case claims.Sub == "":
		return "", "no sub claim"
	case idp.Audience != "" && !slices.Contains(auds, idp.Audience):
		return "", "the aud claim does not hold the identity provider's client ID"
	case claims.Exp != 0 && !now.Before(time.Unix(int64(claims.Exp), 0)):
		return "", "the token has expired"
	case len(idp.Subjects) > 0 && !slices.Contains(idp.Subjects, claims.Sub):
		return "", "no identity-conversion rule maps " + claims.Sub
	}
	return claims.Sub, ""
}
