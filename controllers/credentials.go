package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// CredentialSettings say where ImageQueries' credentials may come from (manager flags).
type CredentialSettings struct {
	// Manager is the manager's own credential source (ims.ManagerChain); nil when it has none.
	Manager ims.CredentialSource
	// ManagerSource names where Manager came from, for messages.
	ManagerSource string
	// ManagerInAllNamespaces lets every namespace use Manager
	// (--manager-credentials-in-all-namespaces); otherwise only namespaces labelled
	// ims.imagecatalog.io/manager-credentials: allowed.
	ManagerInAllNamespaces bool
	// SecretRefsDisabled refuses spec.credentialsSecretRef (--allow-credentials-secret-ref=false,
	// the keyless install, whose RBAC cannot read Secrets).
	SecretRefsDisabled bool
	// WorkloadIdentity serves spec.serviceAccountName.
	WorkloadIdentity *WorkloadIdentity
}

// secretVersion is the resourceVersion of q's credentials Secret as the metadata-only cache
// sees it ("" without a ref or when it is missing). The operator caches Secrets' metadata,
// never their data.
func (r *ImageQueryReconciler) secretVersion(ctx context.Context, q *imsv1.ImageQuery) (string, error) {
	ref := q.Spec.CredentialsSecretRef
	if ref == nil || r.Credentials.SecretRefsDisabled {
		return "", nil
	}
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: q.Namespace, Name: ref.Name}, meta)
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	return meta.ResourceVersion, err
}

// credentials resolves q's credentials: its Secret (read live from its own namespace only),
// its ServiceAccount's identity, or the manager's own where the namespace allows them; and
// the Secret's resourceVersion. Messages name the Secret, the key or the ServiceAccount,
// never a value. No request leaves before this says yes. Errors are *syncFailure.
func (r *ImageQueryReconciler) credentials(ctx context.Context, q *imsv1.ImageQuery) (ims.Credentials, string, error) {
	var (
		creds   ims.Credentials
		version string
		f       *syncFailure
	)
	switch {
	case q.Spec.CredentialsSecretRef != nil:
		creds, version, f = r.secretCredentials(ctx, q)
	case q.Spec.ServiceAccountName != "":
		creds, f = r.serviceAccountCredentials(ctx, q)
	default:
		creds, f = r.managerCredentials(ctx, q)
	}
	if f != nil { // never a typed nil in the error
		return ims.Credentials{}, "", f
	}
	return creds, version, nil
}

func (r *ImageQueryReconciler) secretCredentials(ctx context.Context, q *imsv1.ImageQuery) (ims.Credentials, string, *syncFailure) {
	ref := q.Spec.CredentialsSecretRef
	if r.Credentials.SecretRefsDisabled {
		return ims.Credentials{}, "", secretFailure(imsv1.ReasonCredentialsSecretRefDisabled,
			"this operator runs keyless (--allow-credentials-secret-ref=false) and reads no Secrets: use serviceAccountName instead of credentialsSecretRef")
	}
	secret := &corev1.Secret{}
	err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: q.Namespace, Name: ref.Name}, secret)
	if apierrors.IsNotFound(err) {
		return ims.Credentials{}, "", secretFailure(imsv1.ReasonSecretNotFound, "Secret %s/%s not found", q.Namespace, ref.Name)
	}
	if err != nil {
		return ims.Credentials{}, "", &syncFailure{Reason: imsv1.ReasonSecretUnreadable, Message: err.Error(), Err: err}
	}
	// Surrounding white space is never part of a key; Secrets made from files often end in a newline.
	value := func(key string) string { return strings.TrimSpace(string(secret.Data[key])) }
	creds := ims.Credentials{
		AccessKey:     value(imsv1.SecretKeyAccessKey),
		SecretKey:     value(imsv1.SecretKeySecretKey),
		SecurityToken: value(imsv1.SecretKeySecurityToken),
		ProjectID:     value(imsv1.SecretKeyProjectID),
		Token:         value(imsv1.SecretKeyToken),
	}
	if err := creds.Validate(); err != nil {
		return ims.Credentials{}, "", secretFailure(imsv1.ReasonInvalidCredentials, "Secret %s/%s: %v", q.Namespace, ref.Name, err)
	}
	return creds, secret.ResourceVersion, nil
}

// managerCredentials are the manager's own, for a namespace that may use them.
func (r *ImageQueryReconciler) managerCredentials(ctx context.Context, q *imsv1.ImageQuery) (ims.Credentials, *syncFailure) {
	if f := r.managerCredentialsAllowed(ctx, q.Namespace); f != nil {
		return ims.Credentials{}, f
	}
	src := r.Credentials.Manager
	if src == nil {
		return ims.Credentials{}, secretFailure(imsv1.ReasonInvalidCredentials,
			"no credentialsSecretRef or serviceAccountName, and the manager has no credentials (HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE, HUAWEICLOUD_SDK_AK/SK, or --ecs-metadata-credentials)")
	}
	creds, err := src.Credentials(ctx)
	if err != nil {
		return ims.Credentials{}, credentialFailure("the manager's credentials ("+r.Credentials.ManagerSource+")", err)
	}
	if err := creds.Validate(); err != nil {
		return ims.Credentials{}, secretFailure(imsv1.ReasonInvalidCredentials, "the manager's credentials (%s): %v", r.Credentials.ManagerSource, err)
	}
	return creds, nil
}

// CredentialsIdentity is a stable, non-secret key for whose credentials q lists with (for
// per-identity rate limits): its Secret, its ServiceAccount, or the manager's source.
func (r *ImageQueryReconciler) CredentialsIdentity(q *imsv1.ImageQuery) string {
	switch {
	case q.Spec.CredentialsSecretRef != nil:
		return "secret:" + q.Namespace + "/" + q.Spec.CredentialsSecretRef.Name
	case q.Spec.ServiceAccountName != "":
		return serviceAccountIdentity(q.Namespace, q.Spec.ServiceAccountName)
	case r.Credentials.Manager != nil:
		return "manager:" + r.Credentials.Manager.Identity()
	}
	return "none"
}

// credentialFailure maps a failure to obtain temporary credentials to a condition. The
// errors hold no token or key (package ims scrubs them).
func credentialFailure(whose string, err error) *syncFailure {
	if errors.Is(err, context.Canceled) {
		return &syncFailure{Reason: "Canceled", Message: err.Error(), Err: context.Canceled}
	}
	var sa *serviceAccountTokenError
	if errors.As(err, &sa) {
		return &syncFailure{Reason: sa.reason, Message: sa.Error(), Terminal: sa.terminal, Err: err}
	}
	ce, ok := ims.AsCredentialError(err)
	if !ok {
		return &syncFailure{Reason: imsv1.ReasonCredentialsUnavailable, Message: whose + ": " + err.Error(), Err: err}
	}
	reasons := map[ims.CredentialErrorKind]string{
		ims.KindIDTokenRejected:   imsv1.ReasonIdentityTokenRejected,
		ims.KindIDTokenUnreadable: imsv1.ReasonIdentityTokenUnreadable,
		ims.KindExchangeRejected:  imsv1.ReasonCredentialExchangeRejected,
		ims.KindNoAgency:          imsv1.ReasonNoCloudServiceAgency,
		ims.KindUnavailable:       imsv1.ReasonCredentialsUnavailable,
	}
	reason, known := reasons[ce.Kind]
	if !known {
		reason = imsv1.ReasonCredentialsUnavailable
	}
	msg := fmt.Sprintf("%s: %v", whose, err)
	if ce.Permanent() {
		msg += " (retried when the token, the configuration or the query changes, and every refreshInterval)"
	}
	return &syncFailure{Reason: reason, Message: msg, Terminal: ce.Permanent(), Err: err}
}
