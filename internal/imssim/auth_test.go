package imssim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	const tempAK, tempSK = "TEMPAK0001", "temp-SK-Secret-000"
	f := newFixture(t, filterCatalog())
	f.sim.SetTemporaryCredential(tempAK, tempSK, testSecurityToken)
	tests := []struct {
		name string
		c    call
		ok   bool
	}{
		{"signed", call{}, true},
		{"signed with a query", call{query: "__platform=Oracle+Linux&tag=a%3Db&created_at=gt:2018-10-28+10:00:00"}, true},
		{"token", call{token: testToken}, true},
		{"temporary credentials", call{ak: tempAK, sk: tempSK, securityToken: testSecurityToken}, true},
		{"signed 14 minutes ago", call{signedAt: time.Now().Add(-14 * time.Minute)}, true},

		{"no credentials", call{noAuth: true}, false},
		{"wrong secret key", call{sk: "not-the-SK"}, false},
		{"unknown access key", call{ak: "NOSUCHAK", sk: testSK}, false},
		{"unknown token", call{token: "not-a-token"}, false},
		{"signed 16 minutes ago", call{signedAt: time.Now().Add(-16 * time.Minute)}, false},
		{"signed 16 minutes ahead", call{signedAt: time.Now().Add(16 * time.Minute)}, false},
		{"query changed after signing", call{query: "limit=1", mutate: func(r *http.Request) { r.URL.RawQuery = "limit=2" }}, false},
		{"project changed after signing", call{mutate: func(r *http.Request) { r.Header.Set("X-Project-Id", "other") }}, false},
		{"temporary AK without security token", call{ak: tempAK, sk: tempSK}, false},
		{"temporary AK, wrong security token", call{ak: tempAK, sk: tempSK, securityToken: "other-token"}, false},
		{"temporary AK, security token not signed", call{ak: tempAK, sk: tempSK,
			mutate: func(r *http.Request) { r.Header.Set("X-Security-Token", testSecurityToken) }}, false},
		{"permanent AK with a security token", call{securityToken: testSecurityToken}, false},
		{"garbage Authorization", call{noAuth: true, mutate: func(r *http.Request) { r.Header.Set("Authorization", "Basic dXNlcjpwYXNz") }}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(t, tc.c)
			if tc.ok {
				if res.status != http.StatusOK {
					t.Fatalf("status %d, body %s", res.status, res.body)
				}
				return
			}
			if res.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401; body %s", res.status, res.body)
			}
			e := decodeError(t, res.body)
			if e.Code != "APIGW.0301" || !strings.HasPrefix(e.Msg, "Incorrect IAM authentication information: ") {
				t.Errorf("body %s", res.body)
			}
			if e.RequestID == "" || e.RequestID != res.header.Get("X-Request-Id") {
				t.Errorf("request_id %q, X-Request-Id %q", e.RequestID, res.header.Get("X-Request-Id"))
			}
			assertNoSecret(t, string(res.body), tempSK)
		})
	}
}

// Signature skew is judged by Options.Now, not the wall clock.
func TestSkewUsesSimulatorClock(t *testing.T) {
	var offset time.Duration
	f := newFixture(t, nil, func(o *Options) { o.Now = func() time.Time { return time.Now().Add(offset) } })
	signed := time.Now()
	for _, tc := range []struct {
		offset time.Duration
		status int
	}{
		{0, 200}, {14 * time.Minute, 200}, {-14 * time.Minute, 200},
		{16 * time.Minute, 401}, {-16 * time.Minute, 401}, {24 * time.Hour, 401},
	} {
		offset = tc.offset
		if res := f.do(t, call{signedAt: signed}); res.status != tc.status {
			t.Errorf("clock %v off: status %d, want %d; body %s", tc.offset, res.status, tc.status, res.body)
		}
	}
}

func TestCredentialRotation(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.SetCredential(testAK, "rotated-SK-Secret")
	if res := f.do(t, call{}); res.status != 401 {
		t.Errorf("old SK after rotation: status %d", res.status)
	}
	if res := f.do(t, call{sk: "rotated-SK-Secret"}); res.status != 200 {
		t.Errorf("new SK: status %d, body %s", res.status, res.body)
	}
	f.sim.RemoveCredential(testAK)
	if res := f.do(t, call{sk: "rotated-SK-Secret"}); res.status != 401 {
		t.Errorf("removed AK: status %d", res.status)
	}

	f.sim.RemoveToken(testToken)
	if res := f.do(t, call{token: testToken}); res.status != 401 {
		t.Errorf("removed token: status %d", res.status)
	}
	f.sim.AddToken("new-TOKEN-Secret")
	if res := f.do(t, call{token: "new-TOKEN-Secret"}); res.status != 200 {
		t.Errorf("added token: status %d", res.status)
	}
}

// A token decides alone: a valid signature does not rescue a bad token.
func TestTokenTakesPrecedence(t *testing.T) {
	f := newFixture(t, nil)
	res := f.do(t, call{mutate: func(r *http.Request) { r.Header.Set("X-Auth-Token", "bad-token") }})
	if res.status != 401 {
		t.Errorf("status %d", res.status)
	}
}

// assertNoSecret fails if s holds any test secret.
func assertNoSecret(t *testing.T, s string, more ...string) {
	t.Helper()
	for _, secret := range append([]string{testSK, testToken, testSecurityToken}, more...) {
		if strings.Contains(s, secret) {
			t.Errorf("a secret leaked (the text is not printed, %d bytes)", len(s))
		}
	}
}
