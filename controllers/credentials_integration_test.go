package controllers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/credentials"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// The suite's manager runs like a production install: the manager's credentials only in
// labelled namespaces, workload identity against the simulator's IAM.
const (
	testIdP      = "test-cluster-oidc"
	testAudience = "ims-operator-test"
)

// managerSource stands in for the manager's credential chain; each test installs its own.
var managerSource = &swappableSource{}

func testCredentialSettings() credentials.Settings {
	sim.AddIdentityProvider(imssim.IdentityProvider{ID: testIdP, Audience: testAudience})
	return credentials.Settings{
		Manager:          managerSource,
		ManagerSource:    "test",
		WorkloadIdentity: &credentials.WorkloadIdentity{IdPID: testIdP, Audience: testAudience, IAMEndpoint: simURL},
	}
}

type swappableSource struct {
	mu  sync.Mutex
	src ims.CredentialSource
}

func (s *swappableSource) set(t testing.TB, src ims.CredentialSource) {
	s.mu.Lock()
	s.src = src
	s.mu.Unlock()
	t.Cleanup(func() { s.mu.Lock(); s.src = nil; s.mu.Unlock() })
}

func (s *swappableSource) Credentials(ctx context.Context) (ims.Credentials, error) {
	s.mu.Lock()
	src := s.src
	s.mu.Unlock()
	if src == nil {
		return ims.Credentials{}, errors.New("no manager credentials in this test")
	}
	return src.Credentials(ctx)
}

func (s *swappableSource) Identity() string { return "test" }

// managerQuery is a query without credentials whose name filter marks its requests at the
// simulator.
func managerQuery(ns, name string) (*imsv1.ImageQuery, string) {
	marker := "cred-" + rand.String(10)
	return &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Name: imsv1.PlainText(marker)}}}, marker
}

// requestsFor are the simulator's listing requests carrying marker.
func requestsFor(marker string) []imssim.RecordedRequest {
	var out []imssim.RecordedRequest
	for _, r := range sim.Requests() {
		if r.Path == imssim.Path && r.Query.Get("name") == marker {
			out = append(out, r)
		}
	}
	return out
}

func labelNamespace(t testing.TB, name, key, value string) {
	t.Helper()
	ns := &corev1.Namespace{}
	if err := k8s.Get(context.Background(), types.NamespacedName{Name: name}, ns); err != nil {
		t.Fatal(err)
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[key] = value
	if err := k8s.Update(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
}

// jwtFor is an unsigned JWT for subject with the test audience (the simulator reads claims).
func jwtFor(subject string) string {
	payload, _ := json.Marshal(map[string]any{"sub": subject, "aud": testAudience, "exp": time.Now().Add(time.Hour).Unix()})
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc(payload) + "." + enc([]byte("signature"))
}

func TestManagerCredentialsOnlyInLabelledNamespaces(t *testing.T) {
	integration(t)
	managerSource.set(t, ims.Static{Creds: ims.Credentials{AccessKey: testAK, SecretKey: testSK}})
	ns := newNamespace(t)
	q, marker := managerQuery(ns, "uses-manager")
	createQuery(t, q)
	got := waitCondition(t, ns, q.Name, metav1.ConditionFalse, imsv1.ReasonManagerCredentialsNotAllowed)
	if c := findCondition(got, imsv1.ConditionStalled); c == nil || c.Status != metav1.ConditionTrue {
		t.Fatalf("not Stalled: %+v", got.Status.Conditions)
	}
	if reqs := requestsFor(marker); len(reqs) != 0 {
		t.Fatalf("%d requests sent for a namespace that may not use the manager's credentials", len(reqs))
	}

	// The admin labels the namespace: the query syncs without a restart or a spec change.
	labelNamespace(t, ns, imsv1.ManagerCredentialsLabel, imsv1.ManagerCredentialsAllowed)
	waitReady(t, ns, q.Name)
	reqs := requestsFor(marker)
	if len(reqs) == 0 || reqs[0].AccessKey != testAK || reqs[0].Status != 200 {
		t.Fatalf("requests after labelling: %+v", reqs)
	}
}

func TestFederatedManagerCredentialsAcrossExpiry(t *testing.T) {
	integration(t)
	const lifetime = 6 * time.Second
	sim.SetCredentialLifetime(lifetime)
	t.Cleanup(func() { sim.SetCredentialLifetime(0) })
	subject := "system:serviceaccount:ims-operator-system:ims-operator-controller-manager"
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(jwtFor(subject)), 0o600); err != nil {
		t.Fatal(err)
	}
	managerSource.set(t, ims.NewFederation(ims.Federation{IAMEndpoint: simURL, IdPID: testIdP,
		IDToken: ims.TokenFile(tokenFile), Identity: "federation-test"}))

	ns := newNamespace(t)
	labelNamespace(t, ns, imsv1.ManagerCredentialsLabel, imsv1.ManagerCredentialsAllowed)
	q, marker := managerQuery(ns, "federated")
	createQuery(t, q)
	waitReady(t, ns, q.Name)
	time.Sleep(lifetime + time.Second) // the first credentials have expired
	requestSync(t, ns, q.Name)
	waitReady(t, ns, q.Name)

	issued := map[string]imssim.IssuedCredential{}
	for _, c := range sim.Issued() {
		if c.Identity == subject {
			issued[c.AccessKey] = c
		}
	}
	if len(issued) < 2 {
		t.Fatalf("%d credentials issued to %s, want a refresh", len(issued), subject)
	}
	reqs := requestsFor(marker)
	if len(reqs) < 2 {
		t.Fatalf("%d listing requests, want two syncs", len(reqs))
	}
	for _, r := range reqs {
		c, ok := issued[r.AccessKey]
		if !ok || r.Status != 200 || r.Identity != subject || !r.Time.Before(c.Expires) {
			t.Errorf("request %s with AK %s (status %d, identity %q): not made with unexpired federated credentials", r.Time, r.AccessKey, r.Status, r.Identity)
		}
	}
}

func TestECSMetadataManagerCredentials(t *testing.T) {
	integration(t)
	for _, sessions := range []bool{true, false} {
		t.Run(fmt.Sprintf("session tokens %v", sessions), func(t *testing.T) {
			const lifetime = 6 * time.Second
			sim.SetCredentialLifetime(lifetime)
			sim.SetMetadata(&imssim.Metadata{Agency: "ims-reader", SessionTokens: sessions})
			t.Cleanup(func() { sim.SetCredentialLifetime(0); sim.SetMetadata(nil) })
			managerSource.set(t, ims.NewMetadata(ims.Metadata{Endpoint: simURL, PollInterval: time.Second}))

			ns := newNamespace(t)
			labelNamespace(t, ns, imsv1.ManagerCredentialsLabel, imsv1.ManagerCredentialsAllowed)
			q, marker := managerQuery(ns, "agency")
			createQuery(t, q)
			waitReady(t, ns, q.Name)
			time.Sleep(lifetime + time.Second)
			requestSync(t, ns, q.Name)
			waitReady(t, ns, q.Name)
			keys := map[string]bool{}
			for _, r := range requestsFor(marker) {
				if r.Status != 200 || r.Identity != "agency:ims-reader" {
					t.Errorf("request %+v not made with the agency's credentials", r)
				}
				keys[r.AccessKey] = true
			}
			if len(keys) < 2 {
				t.Errorf("%d access keys over an expiry, want a refresh", len(keys))
			}
		})
	}
	// Without an agency the query stalls with a reason that says so.
	sim.SetMetadata(&imssim.Metadata{})
	t.Cleanup(func() { sim.SetMetadata(nil) })
	managerSource.set(t, ims.NewMetadata(ims.Metadata{Endpoint: simURL, PollInterval: time.Second}))
	ns := newNamespace(t)
	labelNamespace(t, ns, imsv1.ManagerCredentialsLabel, imsv1.ManagerCredentialsAllowed)
	q, _ := managerQuery(ns, "no-agency")
	createQuery(t, q)
	waitCondition(t, ns, q.Name, metav1.ConditionFalse, imsv1.ReasonNoCloudServiceAgency)
}

func TestServiceAccountIdentityPerNamespace(t *testing.T) {
	integration(t)
	markers := map[string]string{}
	for _, tenant := range []string{"a", "b"} {
		ns := newNamespace(t)
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "image-lister"}}
		if err := k8s.Create(context.Background(), sa); err != nil {
			t.Fatal(err)
		}
		q, marker := managerQuery(ns, "tenant-"+tenant)
		q.Spec.ServiceAccountName = sa.Name
		createQuery(t, q)
		markers[ns] = marker
		defer waitReady(t, ns, q.Name)
	}
	// Each query listed with its own ServiceAccount's identity, from a real TokenRequest.
	for ns, marker := range markers {
		eventually(t, "requests of "+ns, func() error {
			reqs := requestsFor(marker)
			if len(reqs) == 0 {
				return errors.New("none yet")
			}
			for _, r := range reqs {
				if want := "system:serviceaccount:" + ns + ":image-lister"; r.Identity != want || r.Status != 200 {
					return fmt.Errorf("request with identity %q status %d, want %q", r.Identity, r.Status, want)
				}
			}
			return nil
		})
	}

	ns := newNamespace(t)
	q, marker := managerQuery(ns, "no-such-sa")
	q.Spec.ServiceAccountName = "missing"
	createQuery(t, q)
	got := waitCondition(t, ns, q.Name, metav1.ConditionFalse, imsv1.ReasonServiceAccountNotFound)
	if c := findCondition(got, imsv1.ConditionStalled); c == nil || !strings.Contains(c.Message, "missing") {
		t.Errorf("Stalled does not name the ServiceAccount: %+v", c)
	}
	if len(requestsFor(marker)) != 0 {
		t.Error("requests sent without credentials")
	}
}

func TestServiceAccountNameRefusedWithSecretRef(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	q := newQuery(ns, "both", imsv1.ImageQuerySpec{ServiceAccountName: "x"})
	err := k8s.Create(context.Background(), q)
	if err == nil || !strings.Contains(err.Error(), "spec.serviceAccountName") || !strings.Contains(err.Error(), "cannot be combined with credentialsSecretRef") {
		t.Fatalf("create with both: %v", err)
	}
}
