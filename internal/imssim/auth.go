package imssim

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/imagecatalog/ims-operator/internal/sign"
)

// maxSkew is how far X-Sdk-Date may be from the simulator's clock, as on
// the real API gateway.
const maxSkew = 15 * time.Minute

// Values of RecordedRequest.Auth.
const (
	AuthAKSK  = "aksk"
	AuthToken = "token"
	AuthNone  = "none"
)

// credential is an accepted AK's secret key; temporary credentials also
// carry the security token that must come with every request, and those
// issued by IAM or the metadata service an expiry and the identity they
// were issued to.
type credential struct {
	secretKey     string
	securityToken string
	expires       time.Time // zero: never
	identity      string
}

// presentedAuth says which credentials a request carries, before checking
// them: X-Auth-Token wins over a signature, as on the gateway.
func presentedAuth(r *http.Request) (kind, accessKey string) {
	if r.Header.Get("X-Auth-Token") != "" {
		return AuthToken, ""
	}
	if h := r.Header.Get("Authorization"); h != "" {
		return AuthAKSK, accessKeyOf(h)
	}
	return AuthNone, ""
}

// accessKeyOf reads Access= from an SDK-HMAC-SHA256 Authorization header;
// the AK names a credential and is not secret, so it is recorded.
func accessKeyOf(h string) string {
	rest, ok := strings.CutPrefix(h, sign.Algorithm+" ")
	if !ok {
		return ""
	}
	for part := range strings.SplitSeq(rest, ",") {
		if ak, ok := strings.CutPrefix(strings.TrimSpace(part), "Access="); ok {
			return ak
		}
	}
	return ""
}

func signedHeaderNames(h string) []string {
	for part := range strings.SplitSeq(h, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "SignedHeaders="); ok {
			return strings.Split(v, ";")
		}
	}
	return nil
}

// authenticate checks the presented credentials and returns why they were
// refused ("" when accepted). Reasons never contain a secret.
func (s *Simulator) authenticate(r *http.Request, body []byte, rec *RecordedRequest) string {
	kind, accessKey := rec.Auth, rec.AccessKey
	switch kind {
	case AuthToken:
		s.mu.RLock()
		_, ok := s.tokens[r.Header.Get("X-Auth-Token")]
		s.mu.RUnlock()
		if !ok {
			return "the X-Auth-Token is not valid"
		}
		return ""
	case AuthNone:
		return "no X-Auth-Token or Authorization header"
	}

	s.mu.RLock()
	cred, known := s.creds[accessKey]
	s.mu.RUnlock()
	if !known {
		return "unknown access key " + accessKey
	}
	rec.Identity = cred.identity
	if !cred.expires.IsZero() && !s.now().Before(cred.expires) {
		return "the temporary access key " + accessKey + " has expired"
	}
	presented := r.Header.Get("X-Security-Token")
	switch {
	case cred.securityToken == "" && presented != "":
		return "X-Security-Token given with a permanent access key"
	case cred.securityToken != "" && presented == "":
		return "temporary access key without X-Security-Token"
	case cred.securityToken != "" && subtle.ConstantTimeCompare([]byte(presented), []byte(cred.securityToken)) != 1:
		return "X-Security-Token does not belong to this access key"
	case cred.securityToken != "" && !slices.Contains(signedHeaderNames(r.Header.Get("Authorization")), "x-security-token"):
		return "X-Security-Token is not among the signed headers"
	}
	secretFor := func(ak string) (string, bool) { return cred.secretKey, ak == accessKey }
	if err := sign.Verify(r, body, secretFor, s.now(), maxSkew); err != nil {
		return scrub(err.Error(), cred.secretKey, cred.securityToken)
	}
	return ""
}

// scrub is a second line of defence: sign promises secret-free errors,
// and the simulator must not be the place a secret leaks if that changes.
func scrub(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			return "signature verification failed"
		}
	}
	return msg
}
