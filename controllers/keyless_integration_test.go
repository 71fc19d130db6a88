package controllers

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/credentials"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/listing"
)

// restConfig is the suite's admin connection (set in runSuite).
var restConfig *rest.Config

// managerRole renders an install from config/ and returns its manager ClusterRole.
func managerRole(t *testing.T, install string) *rbacv1.ClusterRole {
	t.Helper()
	out := mustKubectl(t, "kustomize", filepath.Join("..", "config", install))
	dec := yaml.NewYAMLOrJSONDecoder(strings.NewReader(out), 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			break
		}
		if obj["kind"] != "ClusterRole" || obj["metadata"].(map[string]any)["name"] != "ims-operator-manager-role" {
			continue
		}
		role := &rbacv1.ClusterRole{}
		b, _ := json.Marshal(obj)
		if err := json.Unmarshal(b, role); err != nil {
			t.Fatal(err)
		}
		return role
	}
	t.Fatalf("config/%s renders no ims-operator-manager-role", install)
	return nil
}

// The keyless variant's RBAC, rendered from config/, runs the manager with its own
// ServiceAccount token: it syncs a serviceAccountName query and cannot read a Secret.
func TestKeylessManagerRunsOnItsRBAC(t *testing.T) {
	integration(t)
	ctx := context.Background()
	role := managerRole(t, "keyless")
	for _, rule := range role.Rules {
		if slices.Contains(rule.Resources, "secrets") || slices.Contains(rule.Resources, "*") {
			t.Fatalf("the keyless ClusterRole has a rule on Secrets: %+v", rule)
		}
	}
	// Everything else the default install may do, the keyless one may do too.
	var want []rbacv1.PolicyRule
	for _, rule := range managerRole(t, "default").Rules {
		rule.Resources = slices.DeleteFunc(rule.Resources, func(r string) bool { return r == "secrets" })
		if len(rule.Resources) > 0 {
			want = append(want, rule)
		}
	}
	if !equality.Semantic.DeepEqual(role.Rules, want) {
		t.Fatalf("config/keyless/role_patch.yaml is stale (run make manifests):\n got %+v\nwant %+v", role.Rules, want)
	}
	role.Name = "keyless-test-" + role.Name
	role.ResourceVersion = ""
	mustCreate(t, role)

	system := newNamespace(t)
	operator := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: system, Name: "controller-manager"}}
	mustCreate(t, operator)
	mustCreate(t, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: system, Name: operator.Name}},
	})

	// The manager's connection: its ServiceAccount's token, nothing else.
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: func() *int64 { v := int64(3600); return &v }()}}
	if err := k8s.SubResource("token").Create(ctx, operator, tr); err != nil {
		t.Fatal(err)
	}
	cfg := rest.AnonymousClientConfig(restConfig)
	cfg.BearerToken = tr.Status.Token
	asOperator, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: system, Verb: "get", Resource: "secrets"}}}
	if err := asOperator.Create(ctx, review); err != nil || review.Status.Allowed {
		t.Fatalf("the keyless manager may read Secrets: %v %+v", err, review.Status)
	}

	// A simulator of its own, so that its requests can only come from this manager.
	own := imssim.New(imssim.Options{IdentityProviders: []imssim.IdentityProvider{{ID: testIdP, Audience: testAudience}}})
	srv := httptest.NewServer(own)
	defer srv.Close()

	tenant := newNamespace(t)
	mustCreate(t, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: tenant, Name: "lister"}})
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cache.Options{DefaultTransform: CacheTransform},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: func() *bool { v := true; return &v }()}, // the suite's manager runs too
	})
	if err != nil {
		t.Fatal(err)
	}
	keyless := NewImageQueryReconciler(ImageQueryConfig{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorder("keyless-test"),
		Clock:                  clock.RealClock{},
		Cloud:                  listing.Cloud{Endpoint: srv.URL, DefaultRegion: "cn-north-4", HTTPClient: ims.NewHTTPClient(), NewClient: fastRetryClient},
		DefaultRefreshInterval: time.Hour,
		Credentials: credentials.Settings{
			SecretRefsDisabled: true,
			WorkloadIdentity:   &credentials.WorkloadIdentity{IdPID: testIdP, Audience: testAudience, IAMEndpoint: srv.URL},
		},
	})
	if err := keyless.SetupWithManager(mgr, 1); err != nil {
		t.Fatal(err)
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the keyless manager: %v", err)
		}
	}()

	q, marker := managerQuery(tenant, "keyless")
	q.Spec.ServiceAccountName = "lister"
	createQuery(t, q)
	// The suite's manager syncs the query too, so whether a sync is due is a race between the
	// two: run the keyless manager's sync itself, on its own cache and connection.
	if !mgr.GetCache().WaitForCacheSync(mctx) {
		t.Fatal("the keyless manager's cache did not sync (forbidden watches?)")
	}
	var seen *imsv1.ImageQuery
	eventually(t, "the query in the keyless manager's cache", func() error {
		seen = &imsv1.ImageQuery{}
		return mgr.GetClient().Get(ctx, client.ObjectKeyFromObject(q), seen)
	})
	if _, err := keyless.sync(ctx, seen, time.Now(), nil); err != nil {
		t.Fatalf("the keyless manager's sync: %v", err)
	}
	if c := findCondition(seen, imsv1.ConditionReady); c == nil || c.Status != metav1.ConditionTrue {
		t.Fatalf("the keyless manager's sync did not complete: %+v", seen.Status.Conditions)
	}
	identity := "system:serviceaccount:" + tenant + ":lister"
	for _, r := range own.Requests() {
		if r.Path == imssim.Path && r.Query.Get("name") == marker && r.Status == 200 && r.Identity == identity {
			return
		}
	}
	t.Fatalf("no listing with %s at the keyless manager's simulator: %+v", identity, own.Requests())
}

func mustCreate(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), obj) })
}
