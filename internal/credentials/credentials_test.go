package credentials

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

const secretText = "Secret-value-0123"

func credentialsResolver(t *testing.T, settings Settings, objs ...client.Object) *Resolver {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
	return &Resolver{Client: c, APIReader: c, Settings: settings}
}

func namespace(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func TestCredentialsPolicy(t *testing.T) {
	manager := ims.Static{Creds: ims.Credentials{AccessKey: "MANAGERAK", SecretKey: secretText}}
	allowed := map[string]string{imsv1.ManagerCredentialsLabel: imsv1.ManagerCredentialsAllowed}
	for _, tc := range []struct {
		name     string
		settings Settings
		ns       *corev1.Namespace
		spec     imsv1.ImageQuerySpec
		reason   string // "" => the manager's credentials
	}{
		{"unlabelled namespace", Settings{Manager: manager}, namespace("t", nil), imsv1.ImageQuerySpec{}, imsv1.ReasonManagerCredentialsNotAllowed},
		{"label with another value", Settings{Manager: manager}, namespace("t", map[string]string{imsv1.ManagerCredentialsLabel: "yes"}), imsv1.ImageQuerySpec{}, imsv1.ReasonManagerCredentialsNotAllowed},
		{"labelled namespace", Settings{Manager: manager}, namespace("t", allowed), imsv1.ImageQuerySpec{}, ""},
		{"all namespaces", Settings{Manager: manager, ManagerInAllNamespaces: true}, namespace("t", nil), imsv1.ImageQuerySpec{}, ""},
		{"no manager credentials", Settings{}, namespace("t", allowed), imsv1.ImageQuerySpec{}, imsv1.ReasonInvalidCredentials},
		{"secret refs off", Settings{Manager: manager, SecretRefsDisabled: true}, namespace("t", allowed),
			imsv1.ImageQuerySpec{CredentialsSecretRef: &imsv1.SecretReference{Name: "s"}}, imsv1.ReasonCredentialsSecretRefDisabled},
		{"secret outside the named namespaces", Settings{Manager: manager, SecretNamespaces: []string{"a", "b"}}, namespace("t", allowed),
			imsv1.ImageQuerySpec{CredentialsSecretRef: &imsv1.SecretReference{Name: "s"}}, imsv1.ReasonCredentialsSecretRefDisabled},
		{"secret in a named namespace is read", Settings{Manager: manager, SecretNamespaces: []string{"a", "t"}}, namespace("t", allowed),
			imsv1.ImageQuerySpec{CredentialsSecretRef: &imsv1.SecretReference{Name: "s"}}, imsv1.ReasonSecretNotFound},
		{"workload identity not configured", Settings{Manager: manager}, namespace("t", allowed),
			imsv1.ImageQuerySpec{ServiceAccountName: "sa"}, imsv1.ReasonWorkloadIdentityNotConfigured},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := credentialsResolver(t, tc.settings, tc.ns)
			q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: "t", Name: "q"}, Spec: tc.spec}
			creds, _, err := r.Resolve(context.Background(), q)
			f, _ := failure.As(err)
			if err != nil && f == nil {
				t.Fatalf("not a *failure.Error: %v", err)
			}
			switch {
			case tc.reason == "" && (f != nil || creds.AccessKey != "MANAGERAK"):
				t.Fatalf("want the manager's credentials, got %v %v", creds, f)
			case tc.reason != "" && (f == nil || f.Reason != tc.reason || !f.Terminal || creds != (ims.Credentials{})):
				t.Fatalf("want a terminal %s and no credentials, got %v %+v", tc.reason, creds, f)
			case f != nil && strings.Contains(f.Message, secretText):
				t.Fatalf("message holds a secret: %s", f.Message)
			}
		})
	}
}
