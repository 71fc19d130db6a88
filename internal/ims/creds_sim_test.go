package ims_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

const (
	fedIdP      = "cce-oidc"
	fedAudience = "sts.test"
)

// idToken is an unsigned JWT for subject (the simulator reads claims only); its "signature"
// holds "Secret" so leak checks can look for it.
func idToken(subject string) string {
	payload, _ := json.Marshal(map[string]any{"sub": subject, "aud": fedAudience})
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc(payload) + ".SecretSignature" + enc([]byte(subject))
}

type credFixture struct {
	sim   *imssim.Simulator
	url   string
	clock *clocktesting.FakeClock
}

func newCredFixture(t *testing.T, md *imssim.Metadata) *credFixture {
	t.Helper()
	clock := clocktesting.NewFakeClock(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	sim := imssim.New(imssim.Options{
		IdentityProviders: []imssim.IdentityProvider{{ID: fedIdP, Audience: fedAudience}},
		Metadata:          md,
		Now:               clock.Now,
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &credFixture{sim: sim, url: srv.URL, clock: clock}
}

// countPath counts recorded requests to path.
func (f *credFixture) countPath(path string) int {
	n := 0
	for _, r := range f.sim.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func writeToken(t *testing.T, path, token string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFederationAgainstSimulator(t *testing.T) {
	f := newCredFixture(t, nil)
	f.sim.SetCredentialLifetime(time.Hour)
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeToken(t, tokenFile, idToken("system:serviceaccount:ims:manager"))
	src := ims.NewFederation(ims.Federation{IAMEndpoint: f.url, IdPID: fedIdP, IDToken: ims.TokenFile(tokenFile),
		ProjectID: "p1", Identity: "test", Now: f.clock.Now})

	creds, err := src.Credentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.SecurityToken == "" || creds.ProjectID != "p1" {
		t.Fatalf("credentials %v lack a security token or the project", creds)
	}
	// The temporary credentials list images, signed with the security token.
	client, err := ims.New(ims.Config{Endpoint: f.url, Credentials: creds, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ims.Collect(client.ListImages(context.Background(), ims.ListImagesRequest{})); err != nil {
		t.Fatal(err)
	}

	// The kubelet rotates the token; the next exchange reads the new one.
	writeToken(t, tokenFile, idToken("system:serviceaccount:ims:rotated"))
	f.clock.Step(29 * time.Minute)
	if again, _ := src.Credentials(context.Background()); again.AccessKey != creds.AccessKey {
		t.Fatal("refreshed with more than half the lifetime left")
	}
	f.clock.Step(time.Minute)
	fresh, err := src.Credentials(context.Background())
	if err != nil || fresh.AccessKey == creds.AccessKey {
		t.Fatalf("no refresh at half the lifetime: %v", err)
	}
	issued := f.sim.Issued()
	if len(issued) != 2 || issued[1].Identity != "system:serviceaccount:ims:rotated" {
		t.Fatalf("issued %+v, want the rotated token's subject second", issued)
	}
}

func TestFederationErrors(t *testing.T) {
	f := newCredFixture(t, nil)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	good := idToken("system:serviceaccount:ims:manager")
	for _, tc := range []struct {
		name      string
		token     string // "" => no file
		idp       string
		fault     *imssim.Fault
		kind      ims.CredentialErrorKind
		permanent bool
	}{
		{"token file missing", "", fedIdP, nil, ims.KindIDTokenUnreadable, true},
		{"wrong audience", "aGVhZGVy.eyJzdWIiOiJ4IiwiYXVkIjoib3RoZXIifQ.SecretSig", fedIdP, nil, ims.KindIDTokenRejected, true},
		{"unknown identity provider", good, "other-idp", nil, ims.KindIDTokenRejected, true},
		{"IAM step A unavailable", good, fedIdP, &imssim.Fault{API: imssim.APIIAMIDToken, Status: 503}, ims.KindUnavailable, false},
		{"IAM step A throttled", good, fedIdP, &imssim.Fault{API: imssim.APIIAMIDToken, Status: 429}, ims.KindUnavailable, false},
		{"IAM step A without X-Subject-Token", good, fedIdP, &imssim.Fault{API: imssim.APIIAMIDToken, Body: imssim.BodyEmptyObject}, ims.KindUnavailable, false},
		{"IAM step B refused", good, fedIdP, &imssim.Fault{API: imssim.APIIAMSecurityToken, Status: 403}, ims.KindExchangeRejected, true},
		{"IAM step B unavailable", good, fedIdP, &imssim.Fault{API: imssim.APIIAMSecurityToken, Status: 500}, ims.KindUnavailable, false},
		{"IAM step B malformed", good, fedIdP, &imssim.Fault{API: imssim.APIIAMSecurityToken, Body: imssim.BodyTruncated}, ims.KindUnavailable, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.sim.ClearFaults()
			os.Remove(tokenFile)
			if tc.token != "" {
				writeToken(t, tokenFile, tc.token)
			}
			if tc.fault != nil {
				f.sim.AddFault(*tc.fault)
			}
			src := ims.NewFederation(ims.Federation{IAMEndpoint: f.url, IdPID: tc.idp, IDToken: ims.TokenFile(tokenFile), Now: f.clock.Now})
			_, err := src.Credentials(context.Background())
			ce, ok := ims.AsCredentialError(err)
			if !ok || ce.Kind != tc.kind || ce.Permanent() != tc.permanent {
				t.Fatalf("error %v, want kind %s (permanent %v)", err, tc.kind, tc.permanent)
			}
			if strings.Contains(err.Error(), "Secret") || strings.Contains(err.Error(), "sim-iam-token") {
				t.Fatalf("error text holds a token: %v", err)
			}
		})
	}
}

func TestRejectedIDTokenNotResentUntilItChanges(t *testing.T) {
	f := newCredFixture(t, nil)
	f.sim.AddIdentityProvider(imssim.IdentityProvider{ID: fedIdP, Audience: fedAudience, Subjects: []string{"system:serviceaccount:ims:allowed"}})
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeToken(t, tokenFile, idToken("system:serviceaccount:ims:refused"))
	src := ims.NewFederation(ims.Federation{IAMEndpoint: f.url, IdPID: fedIdP, IDToken: ims.TokenFile(tokenFile), Now: f.clock.Now})
	for range 3 {
		if _, err := src.Credentials(context.Background()); err == nil {
			t.Fatal("a refused subject got credentials")
		}
	}
	if n := f.countPath(imssim.IAMIDTokenPath); n != 1 {
		t.Fatalf("the rejected token was sent %d times, want 1", n)
	}
	writeToken(t, tokenFile, idToken("system:serviceaccount:ims:allowed"))
	if _, err := src.Credentials(context.Background()); err != nil {
		t.Fatalf("after the token file changed: %v", err)
	}
}

func TestMetadataAgainstSimulator(t *testing.T) {
	for _, sessions := range []bool{true, false} {
		t.Run(map[bool]string{true: "session tokens", false: "no token API"}[sessions], func(t *testing.T) {
			f := newCredFixture(t, &imssim.Metadata{Agency: "ims-reader", SessionTokens: sessions})
			src := ims.NewMetadata(ims.Metadata{Endpoint: f.url, Now: f.clock.Now})
			creds, err := src.Credentials(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			client, err := ims.New(ims.Config{Endpoint: f.url, Credentials: creds, Now: f.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ims.Collect(client.ListImages(context.Background(), ims.ListImagesRequest{})); err != nil {
				t.Fatal(err)
			}
			f.clock.Step(30 * time.Minute) // half the hour: due
			if again, err := src.Credentials(context.Background()); err != nil || again.AccessKey == creds.AccessKey {
				t.Fatalf("no refresh after half the lifetime: %v", err)
			}
			if n := f.countPath(imssim.MetadataSecurityKeyPath); n != 2 {
				t.Errorf("%d securitykey calls, want 2", n)
			}
		})
	}
}

func TestMetadataErrors(t *testing.T) {
	f := newCredFixture(t, &imssim.Metadata{SessionTokens: true})
	src := ims.NewMetadata(ims.Metadata{Endpoint: f.url, Now: f.clock.Now})
	_, err := src.Credentials(context.Background())
	if ce, ok := ims.AsCredentialError(err); !ok || ce.Kind != ims.KindNoAgency {
		t.Fatalf("no agency: %v", err)
	}
	// Polled at most once per 30 s, errors included.
	_, _ = src.Credentials(context.Background())
	if n := f.countPath(imssim.MetadataSecurityKeyPath); n != 1 {
		t.Fatalf("%d securitykey calls within 30 s, want 1", n)
	}

	f.sim.SetMetadata(&imssim.Metadata{Agency: "a", SessionTokens: true})
	f.sim.AddFault(imssim.Fault{API: imssim.APIMetadataSecurityKey, Status: http.StatusUnauthorized, Times: 1})
	f.clock.Step(30 * time.Second)
	if _, err := src.Credentials(context.Background()); err != nil {
		t.Fatalf("a 401 other than 'no agency' should renew the session token and retry once: %v", err)
	}
	if n := f.countPath(imssim.MetadataTokenPath); n != 2 {
		t.Errorf("%d session tokens, want 2 (one renewed after the 401)", n)
	}

	f2 := newCredFixture(t, &imssim.Metadata{Agency: "a"})
	f2.sim.AddFault(imssim.Fault{API: imssim.APIMetadataSecurityKey, Status: 503})
	_, err = ims.NewMetadata(ims.Metadata{Endpoint: f2.url, Now: f2.clock.Now}).Credentials(context.Background())
	if ce, ok := ims.AsCredentialError(err); !ok || ce.Kind != ims.KindUnavailable || ce.Permanent() {
		t.Fatalf("503: %v", err)
	}
}
