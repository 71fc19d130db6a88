// Package credentials resolves the credentials an ImageQuery lists with: the Secret it names
// (read live, from its own namespace only), its ServiceAccount's federated identity, or the
// manager's own where the namespace may use them. Messages name the Secret, the key or the
// ServiceAccount, never a value. No request leaves before the Resolver says yes.
package credentials

import (
	"context"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
)

// Secrets: the one an ImageQuery names is read live (get); the manager watches Secrets'
// metadata (list, watch) to sync when one changes.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// Settings say where ImageQueries' credentials may come from (manager flags).
type Settings struct {
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
	// SecretNamespaces, when set, are the only namespaces whose Secrets are read
	// (--credentials-secret-namespaces): a credentialsSecretRef elsewhere is refused.
	SecretNamespaces []string
	// WorkloadIdentity serves spec.serviceAccountName.
	WorkloadIdentity *WorkloadIdentity
}

// Resolver resolves queries' credentials. Client is the manager's cached client (Secret and
// Namespace metadata, TokenRequests); APIReader reads Secrets live, never through a cache.
type Resolver struct {
	Client    client.Client
	APIReader client.Reader
	Settings  Settings
}

// Identity is a stable, non-secret name for whose credentials q lists with: its Secret, its
// ServiceAccount, or the manager's source. Queries with one identity list as one caller.
func (r *Resolver) Identity(q *imsv1.ImageQuery) string {
	switch {
	case q.Spec.CredentialsSecretRef != nil:
		return "secret:" + q.Namespace + "/" + q.Spec.CredentialsSecretRef.Name
	case q.Spec.ServiceAccountName != "":
		return serviceAccountIdentity(q.Namespace, q.Spec.ServiceAccountName)
	case r.Settings.Manager != nil:
		return "manager:" + r.Settings.Manager.Identity()
	}
	return "manager"
}

// SecretVersion is the resourceVersion of q's credentials Secret as the metadata-only cache
// sees it ("" without a ref or when it is missing): a change asks for a sync. The operator
// caches Secrets' metadata, never their data.
func (r *Resolver) SecretVersion(ctx context.Context, q *imsv1.ImageQuery) (string, error) {
	ref := q.Spec.CredentialsSecretRef
	if ref == nil || r.Settings.SecretRefsDisabled || !r.Settings.secretsReadableIn(q.Namespace) {
		return "", nil // nothing to watch: the cache holds no Secret there
	}
	meta := metaonly.Secret()
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: q.Namespace, Name: ref.Name}, meta)
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	return meta.ResourceVersion, err
}

// Resolve returns q's credentials and its Secret's resourceVersion ("" without one). Errors
// are *failure.Error, or a cancelled context.
func (r *Resolver) Resolve(ctx context.Context, q *imsv1.ImageQuery) (ims.Credentials, string, error) {
	switch {
	case q.Spec.CredentialsSecretRef != nil:
		return r.secretCredentials(ctx, q)
	case q.Spec.ServiceAccountName != "":
		creds, err := r.serviceAccountCredentials(ctx, q)
		return creds, "", err
	default:
		creds, err := r.managerCredentials(ctx, q)
		return creds, "", err
	}
}

func (r *Resolver) secretCredentials(ctx context.Context, q *imsv1.ImageQuery) (ims.Credentials, string, error) {
	ref := q.Spec.CredentialsSecretRef
	if r.Settings.SecretRefsDisabled {
		return ims.Credentials{}, "", failure.Terminal(imsv1.ReasonCredentialsSecretRefDisabled,
			"this operator runs keyless (--allow-credentials-secret-ref=false) and reads no Secrets: use serviceAccountName instead of credentialsSecretRef")
	}
	if !r.Settings.secretsReadableIn(q.Namespace) {
		return ims.Credentials{}, "", failure.Terminal(imsv1.ReasonCredentialsSecretRefDisabled,
			"this operator reads Secrets only in namespaces %s (--credentials-secret-namespaces), not in %s: have it added, or use serviceAccountName",
			strings.Join(r.Settings.SecretNamespaces, ", "), q.Namespace)
	}
	secret := &corev1.Secret{}
	err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: q.Namespace, Name: ref.Name}, secret)
	if apierrors.IsNotFound(err) {
		return ims.Credentials{}, "", failure.Terminal(imsv1.ReasonSecretNotFound, "Secret %s/%s not found", q.Namespace, ref.Name)
	}
	if err != nil {
		return ims.Credentials{}, "", failure.Wrap(imsv1.ReasonSecretUnreadable, err)
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
		return ims.Credentials{}, "", failure.Terminal(imsv1.ReasonInvalidCredentials, "Secret %s/%s: %v", q.Namespace, ref.Name, err)
	}
	return creds, secret.ResourceVersion, nil
}

// secretsReadableIn tells whether the manager reads Secrets in namespace ns.
func (s Settings) secretsReadableIn(ns string) bool {
	return len(s.SecretNamespaces) == 0 || slices.Contains(s.SecretNamespaces, ns)
}

// managerCredentials are the manager's own, for a namespace that may use them.
func (r *Resolver) managerCredentials(ctx context.Context, q *imsv1.ImageQuery) (ims.Credentials, error) {
	if err := r.managerCredentialsAllowed(ctx, q.Namespace); err != nil {
		return ims.Credentials{}, err
	}
	src := r.Settings.Manager
	if src == nil {
		return ims.Credentials{}, failure.Terminal(imsv1.ReasonInvalidCredentials,
			"no credentialsSecretRef or serviceAccountName, and the manager has no credentials (HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE, HUAWEICLOUD_SDK_AK/SK, or --ecs-metadata-credentials)")
	}
	creds, err := src.Credentials(ctx)
	if err != nil {
		return ims.Credentials{}, failure.FromCredentials("the manager's credentials ("+r.Settings.ManagerSource+")", err)
	}
	if err := creds.Validate(); err != nil {
		return ims.Credentials{}, failure.Terminal(imsv1.ReasonInvalidCredentials, "the manager's credentials (%s): %v", r.Settings.ManagerSource, err)
	}
	return creds, nil
}
