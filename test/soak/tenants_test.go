package soak

import (
	"context"
	"fmt"
	"regexp"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// The soak's tenants: namespaces × query templates. Every namespace holds one query of
// each template, so the templates overlap (co-claimed CloudImages) and identical filters
// recur across namespaces (shared listings where the identity is the same).
const (
	namespaces = 10
	// sharedAccountNamespaces use one account's Secret (one identity, listings shared
	// between them); the next ones have an account each; the rest list keyless, with a
	// ServiceAccount of their own (a per-tenant identity through IAM).
	sharedAccountNamespaces = 4
	ownAccountNamespaces    = 3
	refreshInterval         = time.Minute
	catalogSize             = 300
	tenantServiceAccount    = "lister"
	secretName              = "ims-credentials"
	sharedAK                = "SOAKSHAREDACCESSKEY1"
	sharedSK                = "soak-shared-secret-key-never-print"
	idpID                   = "soak-cluster-oidc"
	audience                = "ims-operator-soak"
	region                  = "cn-north-4"
)

// template is one kind of query, with what the operator does after listing, so that the
// soak can say what it must have matched (truth.go).
type template struct {
	name       string
	spec       imsv1.ImageQuerySpec // without credentials
	wire       string               // spec.filter as the operator sends it
	nameRE     *regexp.Regexp
	excludeRE  *regexp.Regexp
	excludeIDs []string
	minAge     time.Duration
	byVersion  bool   // latestBy: nameVersion (else createdAt)
	export     string // ConfigMap name, "" for none
}

// templates are the five queries of every namespace. excludedID is an image of the initial
// catalog that the arm query excludes by ID.
func templates(excludedID string) []template {
	return []template{
		{name: "all", wire: "", spec: imsv1.ImageQuerySpec{PageSize: 100}},
		{
			name: "ubuntu", wire: "__platform=Ubuntu",
			spec: imsv1.ImageQuerySpec{
				Filter:    imsv1.ImageFilter{Platform: "Ubuntu"},
				NameRegex: `^Ubuntu (\d+\.\d+) server`, LatestBy: imsv1.LatestByNameVersion,
				Exclude: &imsv1.ImageExclusion{NameRegex: `(?i)beta`},
				Export:  &imsv1.ExportSpec{ConfigMapName: "ubuntu-image"},
			},
			nameRE: regexp.MustCompile(`^Ubuntu (\d+\.\d+) server`), excludeRE: regexp.MustCompile(`(?i)beta`),
			byVersion: true, export: "ubuntu-image",
		},
		{
			name: "gold-x86-active", wire: "__imagetype=gold&architecture=x86&status=active",
			spec: imsv1.ImageQuerySpec{PageSize: 50, Filter: imsv1.ImageFilter{
				ImageType: imsv1.ImageTypeGold, Architecture: imsv1.ArchitectureX86, Status: "active"}},
		},
		{
			name: "hardened", wire: "tag=hardened",
			spec:   imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Tag: "hardened"}, NameRegex: `64bit`},
			nameRE: regexp.MustCompile(`64bit`),
		},
		{
			name: "arm", wire: "architecture=arm",
			spec: imsv1.ImageQuerySpec{
				Filter:  imsv1.ImageFilter{Architecture: imsv1.ArchitectureARM},
				MinAge:  &metav1.Duration{Duration: 30 * time.Second},
				Exclude: &imsv1.ImageExclusion{IDs: []imsv1.PlainText{imsv1.PlainText(excludedID)}},
				Export:  &imsv1.ExportSpec{ConfigMapName: "arm-image"},
			},
			minAge: 30 * time.Second, excludeIDs: []string{excludedID}, export: "arm-image",
		},
	}
}

// tenant is one namespace and how its queries authenticate.
type tenant struct {
	namespace      string
	ak, sk         string // "" for a keyless tenant
	serviceAccount bool
}

func tenantOf(i int) tenant {
	t := tenant{namespace: fmt.Sprintf("soak-%d", i)}
	switch {
	case i < sharedAccountNamespaces:
		t.ak, t.sk = sharedAK, sharedSK
	case i < sharedAccountNamespaces+ownAccountNamespaces:
		t.ak, t.sk = fmt.Sprintf("SOAKTENANT%02dACCESSK", i), fmt.Sprintf("soak-tenant-%02d-secret-never-print", i)
	default:
		t.serviceAccount = true
	}
	return t
}

// createTenants makes the namespaces, their Secrets or ServiceAccounts and their queries.
func createTenants(ctx context.Context, tpls []template) ([]tenant, error) {
	var out []tenant
	for i := range namespaces {
		t := tenantOf(i)
		objs := []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: t.namespace}}}
		if t.serviceAccount {
			objs = append(objs, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: tenantServiceAccount}})
		} else {
			sim.SetCredential(t.ak, t.sk)
			objs = append(objs, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: secretName},
				StringData: map[string]string{"accessKey": t.ak, "secretKey": t.sk}})
		}
		for _, tpl := range tpls {
			q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: tpl.name}, Spec: *tpl.spec.DeepCopy()}
			q.Spec.RefreshInterval = &metav1.Duration{Duration: refreshInterval}
			if t.serviceAccount {
				q.Spec.ServiceAccountName = tenantServiceAccount
			} else {
				q.Spec.CredentialsSecretRef = &imsv1.SecretReference{Name: secretName}
			}
			objs = append(objs, q)
		}
		for _, o := range objs {
			if err := k8s.Create(ctx, o); err != nil {
				return nil, fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// firstArmImage is the excluded ID of the arm template: an image it would match otherwise.
func firstArmImage() string {
	images, err := sim.Listing("architecture=arm")
	if err != nil || len(images) == 0 {
		panic(fmt.Sprintf("the generated catalog has no arm image: %v", err))
	}
	return images[0].ID()
}
