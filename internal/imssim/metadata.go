package imssim

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"
)

// The ECS metadata service's credential calls (../shared/huawei-credentials.md §3).
const (
	MetadataTokenPath       = "/meta-data/latest/api/token"
	MetadataSecurityKeyPath = "/openstack/latest/securitykey"
)

// NoAgencyMessage is what the metadata service answers (401) when no agency is attached.
const NoAgencyMessage = "Please configure Cloud Service Agency first"

// metadataLifetime is the documented lifetime of agency credentials.
const metadataLifetime = time.Hour

// Metadata configures the simulated ECS metadata service.
type Metadata struct {
	// Agency is the IAM agency attached to the simulated ECS; "" answers securitykey with
	// 401 NoAgencyMessage.
	Agency string
	// SessionTokens serves PUT MetadataTokenPath and then requires its token in
	// X-Metadata-Token; without it that PUT is 404, as on a service without the token API.
	SessionTokens bool
}

// SetMetadata replaces the metadata service's configuration; nil turns it off (404).
func (s *Simulator) SetMetadata(m *Metadata) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m == nil {
		s.iam.metadata = nil
		return
	}
	c := *m
	s.iam.metadata = &c
}

func (s *Simulator) metadataConfig() *Metadata {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.iam.metadata
}

// answerMetadataToken issues a session token for X-Metadata-Token-Ttl-Seconds seconds.
func (s *Simulator) answerMetadataToken(r *http.Request, requestID string) *response {
	m := s.metadataConfig()
	if m == nil || !m.SessionTokens {
		return notFound(r.URL.Path, requestID)
	}
	if r.Method != http.MethodPut {
		return methodNotAllowedFor(r.Method, http.MethodPut, requestID)
	}
	ttl, err := strconv.Atoi(r.Header.Get("X-Metadata-Token-Ttl-Seconds"))
	if err != nil || ttl < 1 || ttl > 21600 {
		return &response{status: http.StatusBadRequest, header: textHeader(), body: []byte("X-Metadata-Token-Ttl-Seconds must be 1 to 21600")}
	}
	token := "sim-metadata-session-" + newRequestID()
	s.mu.Lock()
	s.iam.sessions[token] = s.now().Add(time.Duration(ttl) * time.Second)
	s.mu.Unlock()
	resp := &response{status: http.StatusOK, header: textHeader(), body: []byte(token)}
	return s.withFault(r, APIMetadataToken, 0, requestID, resp)
}

// answerSecurityKey hands out the agency's temporary credentials.
func (s *Simulator) answerSecurityKey(r *http.Request, rec *RecordedRequest, requestID string) *response {
	m := s.metadataConfig()
	if m == nil {
		return notFound(r.URL.Path, requestID)
	}
	if r.Method != http.MethodGet {
		return methodNotAllowedFor(r.Method, http.MethodGet, requestID)
	}
	now := s.now()
	if m.SessionTokens && !s.validSession(r.Header.Get("X-Metadata-Token"), now) {
		return &response{status: http.StatusUnauthorized, header: textHeader(), body: []byte("Unauthorized: a valid X-Metadata-Token is required")}
	}
	if m.Agency == "" {
		return jsonResponse(http.StatusUnauthorized, map[string]string{"error_msg": NoAgencyMessage})
	}
	rec.Identity = "agency:" + m.Agency
	s.mu.RLock()
	lifetime := s.iam.lifetime
	s.mu.RUnlock()
	if lifetime <= 0 {
		lifetime = metadataLifetime
	}
	resp := jsonResponse(http.StatusOK, s.issue(rec.Identity, now, lifetime))
	return s.withFault(r, APIMetadataSecurityKey, 0, requestID, resp)
}

func (s *Simulator) validSession(token string, now time.Time) bool {
	if token == "" {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for t, expires := range s.iam.sessions {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			return now.Before(expires)
		}
	}
	return false
}

func textHeader() http.Header { return http.Header{"Content-Type": {"text/plain"}} }
