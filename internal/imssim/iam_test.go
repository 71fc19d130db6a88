package imssim

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

const (
	testIdP      = "cce-oidc"
	testAudience = "sts.test"
	testSubject  = "system:serviceaccount:team-a:lister"
)

// testJWT is an unsigned JWT with these claims (the simulator reads claims only).
func testJWT(t *testing.T, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc(payload) + ".c2lnbmF0dXJlLVNlY3JldA"
}

func newIAMFixture(t *testing.T, clock *clocktesting.FakeClock, configure ...func(*Options)) *fixture {
	return newFixture(t, nil, append([]func(*Options){func(o *Options) {
		o.Now = clock.Now
		o.IdentityProviders = []IdentityProvider{{ID: testIdP, Audience: testAudience}}
	}}, configure...)...)
}

// post sends a JSON body as the SDK does.
func (f *fixture) post(t *testing.T, path string, header map[string]string, body string) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

func idTokenBody(token string) string {
	b, _ := json.Marshal(map[string]any{"auth": map[string]any{"id_token": map[string]string{"id": token}}})
	return string(b)
}

func securityTokenBody(iamToken string, seconds int) string {
	b, _ := json.Marshal(map[string]any{"auth": map[string]any{"identity": map[string]any{
		"methods": []string{"token"}, "token": map[string]any{"id": iamToken, "duration_seconds": seconds}}}})
	return string(b)
}

type issuedBody struct {
	Credential struct {
		Access, Secret, SecurityToken, ExpiresAt string
	} `json:"credential"`
}

func decodeIssued(t *testing.T, body []byte) issuedBody {
	t.Helper()
	var raw struct {
		Credential map[string]string `json:"credential"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	var out issuedBody
	c := raw.Credential
	out.Credential.Access, out.Credential.Secret = c["access"], c["secret"]
	out.Credential.SecurityToken, out.Credential.ExpiresAt = c["securitytoken"], c["expires_at"]
	if out.Credential.Access == "" || out.Credential.Secret == "" || out.Credential.SecurityToken == "" || out.Credential.ExpiresAt == "" {
		t.Fatalf("incomplete credential in %s", body)
	}
	return out
}

// federate runs steps A and B and returns the temporary credential.
func (f *fixture) federate(t *testing.T, idToken string, seconds int) issuedBody {
	t.Helper()
	a := f.post(t, IAMIDTokenPath, map[string]string{"X-Idp-Id": testIdP}, idTokenBody(idToken))
	if a.status != http.StatusCreated {
		t.Fatalf("step A: %d %s", a.status, a.body)
	}
	var tok struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
		} `json:"token"`
	}
	if err := json.Unmarshal(a.body, &tok); err != nil || tok.Token.ExpiresAt == "" {
		t.Fatalf("step A body %s: %v", a.body, err)
	}
	if a.header.Get("X-Subject-Token") == "" || a.header.Get("X-Request-Id") == "" {
		t.Fatalf("step A headers %v lack X-Subject-Token or X-Request-Id", a.header)
	}
	b := f.post(t, IAMSecurityTokenPath, nil, securityTokenBody(a.header.Get("X-Subject-Token"), seconds))
	if b.status != http.StatusCreated {
		t.Fatalf("step B: %d %s", b.status, b.body)
	}
	return decodeIssued(t, b.body)
}

func TestFederationIssuesCredentialsIMSAcceptsUntilExpiry(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	f := newIAMFixture(t, clock, func(o *Options) { o.CredentialLifetime = 30 * time.Minute })
	idToken := testJWT(t, map[string]any{"sub": testSubject, "aud": []string{testAudience}, "exp": clock.Now().Add(time.Hour).Unix()})
	cred := f.federate(t, idToken, 21600).Credential
	if want := clock.Now().Add(30 * time.Minute).Format(iamTime); cred.ExpiresAt != want {
		t.Errorf("expires_at = %s, want the lifetime cap %s", cred.ExpiresAt, want)
	}

	signed := call{ak: cred.Access, sk: cred.Secret, securityToken: cred.SecurityToken, signedAt: clock.Now()}
	if res := f.do(t, signed); res.status != http.StatusOK {
		t.Fatalf("IMS with the temporary credential: %d %s", res.status, res.body)
	}
	reqs := f.sim.Requests()
	if got := reqs[len(reqs)-1]; got.Identity != testSubject || got.AccessKey != cred.Access {
		t.Errorf("recorded identity %q ak %q, want %q %q", got.Identity, got.AccessKey, testSubject, cred.Access)
	}
	if res := f.do(t, call{ak: cred.Access, sk: cred.Secret, signedAt: clock.Now()}); res.status != http.StatusUnauthorized {
		t.Errorf("without the security token: %d, want 401", res.status)
	}
	unsigned := signed
	unsigned.securityToken = ""
	unsigned.mutate = func(r *http.Request) { r.Header.Set("X-Security-Token", cred.SecurityToken) } // after signing
	if res := f.do(t, unsigned); res.status != http.StatusUnauthorized {
		t.Errorf("with an unsigned security token: %d, want 401", res.status)
	}

	clock.Step(30 * time.Minute)
	signed.signedAt = clock.Now()
	res := f.do(t, signed)
	if res.status != http.StatusUnauthorized || !strings.Contains(decodeError(t, res.body).Msg, "expired") {
		t.Errorf("after expiry: %d %s, want 401 expired", res.status, res.body)
	}
	issued := f.sim.Issued()
	if len(issued) != 1 || issued[0].AccessKey != cred.Access || issued[0].Identity != testSubject {
		t.Errorf("Issued() = %+v", issued)
	}
}

func TestIDTokenRefusals(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Now())
	f := newIAMFixture(t, clock, func(o *Options) {
		o.IdentityProviders = append(o.IdentityProviders, IdentityProvider{ID: "strict", Audience: testAudience, Subjects: []string{testSubject}})
	})
	good := map[string]any{"sub": testSubject, "aud": testAudience}
	for _, tc := range []struct {
		name   string
		idp    string
		token  string
		status int
		code   string
	}{
		{"no X-Idp-Id", "", testJWT(t, good), 400, "IAM.0011"},
		{"unknown identity provider", "nope", testJWT(t, good), 404, "IAM.0004"},
		{"not a JWT", testIdP, "opaque-Secret-token", 401, "IAM.0001"},
		{"wrong audience", testIdP, testJWT(t, map[string]any{"sub": testSubject, "aud": "other"}), 401, "IAM.0001"},
		{"no subject", testIdP, testJWT(t, map[string]any{"aud": testAudience}), 401, "IAM.0001"},
		{"expired", testIdP, testJWT(t, map[string]any{"sub": testSubject, "aud": testAudience, "exp": clock.Now().Add(-time.Second).Unix()}), 401, "IAM.0001"},
		{"no conversion rule", "strict", testJWT(t, map[string]any{"sub": "system:serviceaccount:team-b:x", "aud": testAudience}), 401, "IAM.0001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.post(t, IAMIDTokenPath, map[string]string{"X-Idp-Id": tc.idp}, idTokenBody(tc.token))
			if res.status != tc.status || decodeError(t, res.body).Code != tc.code {
				t.Fatalf("%d %s, want %d %s", res.status, res.body, tc.status, tc.code)
			}
			if res.header.Get("X-Subject-Token") != "" || strings.Contains(string(res.body), "Secret") {
				t.Errorf("refusal leaks a token: %v %s", res.header, res.body)
			}
		})
	}
	if res := f.post(t, IAMIDTokenPath, map[string]string{"X-Idp-Id": "strict"}, idTokenBody(testJWT(t, good))); res.status != http.StatusCreated {
		t.Errorf("mapped subject: %d %s", res.status, res.body)
	}
}

func TestSecurityTokenRefusals(t *testing.T) {
	f := newIAMFixture(t, clocktesting.NewFakeClock(time.Now()))
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"unknown IAM token", securityTokenBody("no-such-token", 900), 401},
		{"duration too short", securityTokenBody("x", 899), 400},
		{"duration too long", securityTokenBody("x", 86401), 400},
		{"not JSON", "{", 400},
		{"no token method", `{"auth":{"identity":{"methods":["password"],"token":{"id":"x"}}}}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if res := f.post(t, IAMSecurityTokenPath, nil, tc.body); res.status != tc.status {
				t.Errorf("%d %s, want %d", res.status, res.body, tc.status)
			}
		})
	}
	if len(f.sim.Issued()) != 0 {
		t.Errorf("refused calls issued credentials: %+v", f.sim.Issued())
	}
}

func TestFaultsOnIAMCallsLeaveListingsAlone(t *testing.T) {
	f := newIAMFixture(t, clocktesting.NewFakeClock(time.Now()))
	f.sim.AddFault(Fault{API: APIIAMIDToken, Status: http.StatusServiceUnavailable, Times: 1})
	f.sim.AddFault(Fault{API: APIIAMSecurityToken, Status: http.StatusInternalServerError, Times: 1})
	idToken := testJWT(t, map[string]any{"sub": testSubject, "aud": testAudience})
	if res := f.post(t, IAMIDTokenPath, map[string]string{"X-Idp-Id": testIdP}, idTokenBody(idToken)); res.status != http.StatusServiceUnavailable {
		t.Fatalf("step A under a fault: %d", res.status)
	}
	if res := f.do(t, call{}); res.status != http.StatusOK {
		t.Fatalf("a listing consumed an IAM fault: %d", res.status)
	}
	a := f.post(t, IAMIDTokenPath, map[string]string{"X-Idp-Id": testIdP}, idTokenBody(idToken))
	if a.status != http.StatusCreated {
		t.Fatalf("step A after the fault: %d", a.status)
	}
	body := securityTokenBody(a.header.Get("X-Subject-Token"), 900)
	if res := f.post(t, IAMSecurityTokenPath, nil, body); res.status != http.StatusInternalServerError {
		t.Fatalf("step B under a fault: %d", res.status)
	}
	if res := f.post(t, IAMSecurityTokenPath, nil, body); res.status != http.StatusCreated {
		t.Fatalf("step B after the fault: %d", res.status)
	}
}
