package controllers

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

const secretText = "Secret-value-0123"

func credentialsReconciler(t *testing.T, settings CredentialSettings, objs ...client.Object) *ImageQueryReconciler {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
	return &ImageQueryReconciler{Client: c, APIReader: c, Credentials: settings}
}

func namespace(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func TestCredentialsPolicy(t *testing.T) {
	manager := ims.Static{Creds: ims.Credentials{AccessKey: "MANAGERAK", SecretKey: secretText}}
	allowed := map[string]string{imsv1.ManagerCredentialsLabel: imsv1.ManagerCredentialsAllowed}
	for _, tc := range []struct {
		name     string
		settings CredentialSettings
		ns       *corev1.Namespace
		spec     imsv1.ImageQuerySpec
		reason   string // "" => the manager's credentials
	}{
		{"unlabelled namespace", CredentialSettings{Manager: manager}, namespace("t", nil), imsv1.ImageQuerySpec{}, imsv1.ReasonManagerCredentialsNotAllowed},
		{"label with another value", CredentialSettings{Manager: manager}, namespace("t", map[string]string{imsv1.ManagerCredentialsLabel: "yes"}), imsv1.ImageQuerySpec{}, imsv1.ReasonManagerCredentialsNotAllowed},
		{"labelled namespace", CredentialSettings{Manager: manager}, namespace("t", allowed), imsv1.ImageQuerySpec{}, ""},
		{"all namespaces", CredentialSettings{Manager: manager, ManagerInAllNamespaces: true}, namespace("t", nil), imsv1.ImageQuerySpec{}, ""},
		{"no manager credentials", CredentialSettings{}, namespace("t", allowed), imsv1.ImageQuerySpec{}, imsv1.ReasonInvalidCredentials},
		{"secret refs off", CredentialSettings{Manager: manager, SecretRefsDisabled: true}, namespace("t", allowed),
			imsv1.ImageQuerySpec{CredentialsSecretRef: &imsv1.SecretReference{Name: "s"}}, imsv1.ReasonCredentialsSecretRefDisabled},
		{"workload identity not configured", CredentialSettings{Manager: manager}, namespace("t", allowed),
			imsv1.ImageQuerySpec{ServiceAccountName: "sa"}, imsv1.ReasonWorkloadIdentityNotConfigured},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := credentialsReconciler(t, tc.settings, tc.ns)
			q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: "t", Name: "q"}, Spec: tc.spec}
			creds, _, err := r.credentials(context.Background(), q)
			var f *syncFailure
			if err != nil && !errors.As(err, &f) {
				t.Fatalf("not a syncFailure: %v", err)
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

func TestCredentialFailureReasons(t *testing.T) {
	for _, tc := range []struct {
		err      error
		reason   string
		terminal bool
	}{
		{&ims.CredentialError{Kind: ims.KindIDTokenRejected, Msg: "IAM refused the ID token"}, imsv1.ReasonIdentityTokenRejected, true},
		{&ims.CredentialError{Kind: ims.KindIDTokenUnreadable, Msg: "no token file"}, imsv1.ReasonIdentityTokenUnreadable, true},
		{&ims.CredentialError{Kind: ims.KindExchangeRejected, Msg: "IAM step B 403"}, imsv1.ReasonCredentialExchangeRejected, true},
		{&ims.CredentialError{Kind: ims.KindNoAgency, Msg: "no agency"}, imsv1.ReasonNoCloudServiceAgency, true},
		{&ims.CredentialError{Kind: ims.KindUnavailable, Msg: "IAM 503"}, imsv1.ReasonCredentialsUnavailable, false},
		{&ims.CredentialError{Kind: ims.KindIDTokenUnreadable, Msg: "no token",
			Err: &serviceAccountTokenError{reason: imsv1.ReasonServiceAccountNotFound, terminal: true, err: errors.New("serviceaccounts \"x\" not found")}},
			imsv1.ReasonServiceAccountNotFound, true},
		{&ims.CredentialError{Kind: ims.KindIDTokenUnreadable, Msg: "no token",
			Err: &serviceAccountTokenError{reason: imsv1.ReasonServiceAccountTokenFailed, err: errors.New("etcd timeout")}},
			imsv1.ReasonServiceAccountTokenFailed, false},
		{errors.New("something else"), imsv1.ReasonCredentialsUnavailable, false},
	} {
		f := credentialFailure("the manager's credentials", tc.err)
		if f.Reason != tc.reason || f.Terminal != tc.terminal {
			t.Errorf("%v: got %s terminal=%v, want %s terminal=%v", tc.err, f.Reason, f.Terminal, tc.reason, tc.terminal)
		}
	}
}
