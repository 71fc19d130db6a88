package controllers

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// secretVersion is the resourceVersion of q's credentials Secret as the metadata-only cache
// sees it ("" without a ref or when it is missing). The operator caches Secrets' metadata,
// never their data.
func (r *ImageQueryReconciler) secretVersion(ctx context.Context, q *imsv1.ImageQuery) (string, error) {
	ref := q.Spec.CredentialsSecretRef
	if ref == nil {
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

// credentials reads q's credentials: its Secret, read live from its own namespace only, or
// the manager's, and the Secret's resourceVersion. Messages name the Secret and the key, never
// a value. Errors are *syncFailure.
func (r *ImageQueryReconciler) credentials(ctx context.Context, q *imsv1.ImageQuery) (ims.Credentials, string, error) {
	ref := q.Spec.CredentialsSecretRef
	if ref == nil {
		if err := r.IMS.Credentials.Validate(); err != nil {
			return ims.Credentials{}, "", secretFailure(imsv1.ReasonInvalidCredentials,
				"no credentialsSecretRef and the manager has no usable credentials (HUAWEICLOUD_SDK_AK/SK): %v", err)
		}
		return r.IMS.Credentials, "", nil
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
