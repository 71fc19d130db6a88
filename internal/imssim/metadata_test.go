package imssim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func (f *fixture) metadata(t *testing.T, method, path string, header map[string]string) result {
	t.Helper()
	return f.do(t, call{method: method, path: path, noAuth: true, mutate: func(r *http.Request) {
		r.Header.Del("X-Project-Id")
		for k, v := range header {
			r.Header.Set(k, v)
		}
	}})
}

func TestMetadataWithSessionTokens(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Now())
	f := newIAMFixture(t, clock, func(o *Options) { o.Metadata = &Metadata{Agency: "ims-reader", SessionTokens: true} })

	if res := f.metadata(t, http.MethodGet, MetadataSecurityKeyPath, nil); res.status != http.StatusUnauthorized || strings.Contains(string(res.body), NoAgencyMessage) {
		t.Fatalf("securitykey without a session token: %d %s, want a plain 401", res.status, res.body)
	}
	tok := f.metadata(t, http.MethodPut, MetadataTokenPath, map[string]string{"X-Metadata-Token-Ttl-Seconds": "21600"})
	if tok.status != http.StatusOK || len(tok.body) == 0 {
		t.Fatalf("session token: %d %s", tok.status, tok.body)
	}
	if res := f.metadata(t, http.MethodPut, MetadataTokenPath, nil); res.status != http.StatusBadRequest {
		t.Errorf("session token without a TTL: %d, want 400", res.status)
	}
	res := f.metadata(t, http.MethodGet, MetadataSecurityKeyPath, map[string]string{"X-Metadata-Token": string(tok.body)})
	if res.status != http.StatusOK {
		t.Fatalf("securitykey: %d %s", res.status, res.body)
	}
	cred := decodeIssued(t, res.body).Credential
	if want := clock.Now().Add(time.Hour).UTC().Format(iamTime); cred.ExpiresAt != want {
		t.Errorf("expires_at %s, want one hour: %s", cred.ExpiresAt, want)
	}
	if got := f.do(t, call{ak: cred.Access, sk: cred.Secret, securityToken: cred.SecurityToken, signedAt: clock.Now()}); got.status != http.StatusOK {
		t.Fatalf("IMS with agency credentials: %d %s", got.status, got.body)
	}
	reqs := f.sim.Requests()
	if id := reqs[len(reqs)-1].Identity; id != "agency:ims-reader" {
		t.Errorf("identity %q, want agency:ims-reader", id)
	}

	clock.Step(7 * time.Hour) // past the session token's TTL
	if res := f.metadata(t, http.MethodGet, MetadataSecurityKeyPath, map[string]string{"X-Metadata-Token": string(tok.body)}); res.status != http.StatusUnauthorized {
		t.Errorf("expired session token: %d, want 401", res.status)
	}
}

func TestMetadataWithoutTokenAPIOrAgency(t *testing.T) {
	f := newIAMFixture(t, clocktesting.NewFakeClock(time.Now()), func(o *Options) { o.Metadata = &Metadata{Agency: "ims-reader"} })
	if res := f.metadata(t, http.MethodPut, MetadataTokenPath, map[string]string{"X-Metadata-Token-Ttl-Seconds": "21600"}); res.status != http.StatusNotFound {
		t.Fatalf("token API on a service without one: %d, want 404", res.status)
	}
	if res := f.metadata(t, http.MethodGet, MetadataSecurityKeyPath, nil); res.status != http.StatusOK {
		t.Fatalf("securitykey without the token API: %d %s", res.status, res.body)
	}

	f.sim.AddFault(Fault{API: APIMetadataSecurityKey, Status: http.StatusServiceUnavailable, Times: 1})
	if res := f.metadata(t, http.MethodGet, MetadataSecurityKeyPath, nil); res.status != http.StatusServiceUnavailable {
		t.Errorf("injected fault: %d, want 503", res.status)
	}

	f.sim.SetMetadata(&Metadata{})
	res := f.metadata(t, http.MethodGet, MetadataSecurityKeyPath, nil)
	if res.status != http.StatusUnauthorized || !strings.Contains(string(res.body), NoAgencyMessage) {
		t.Errorf("no agency: %d %s, want 401 %q", res.status, res.body, NoAgencyMessage)
	}
	f.sim.SetMetadata(nil)
	if res := f.metadata(t, http.MethodGet, MetadataSecurityKeyPath, nil); res.status != http.StatusNotFound {
		t.Errorf("no metadata service: %d, want 404", res.status)
	}
}
