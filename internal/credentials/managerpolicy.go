package credentials

import (
	"context"

	"k8s.io/apimachinery/pkg/types"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
)

// The manager's own credentials are the platform account's: a tenant who may write an
// ImageQuery must not list that account's private images (or spend its API quota) by leaving
// out credentialsSecretRef. Only namespaces that a cluster admin labelled may use them.

// Namespaces: their labels say which ones may use the manager's credentials (metadata only).
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// managerCredentialsAllowed refuses the manager's credentials to a namespace without the label
// (unless --manager-credentials-in-all-namespaces). The namespace is read from the
// metadata-only cache that the Namespace watch fills, so a label change is seen at once.
func (r *Resolver) managerCredentialsAllowed(ctx context.Context, namespace string) error {
	if r.Settings.ManagerInAllNamespaces {
		return nil
	}
	ns := metaonly.Namespace()
	if err := r.Client.Get(ctx, types.NamespacedName{Name: namespace}, ns); err != nil {
		return failure.Transient(imsv1.ReasonManagerCredentialsNotAllowed, "cannot read namespace "+namespace+": "+err.Error(), err)
	}
	if ns.Labels[imsv1.ManagerCredentialsLabel] == imsv1.ManagerCredentialsAllowed {
		return nil
	}
	return failure.Terminal(imsv1.ReasonManagerCredentialsNotAllowed,
		"namespace %s may not use the manager's credentials: set credentialsSecretRef or serviceAccountName, or ask a cluster admin to label the namespace %s=%s",
		namespace, imsv1.ManagerCredentialsLabel, imsv1.ManagerCredentialsAllowed)
}

// UsesManagerCredentials tells whether q lists with the manager's own credentials, so that
// its namespace's label decides whether it may.
func UsesManagerCredentials(q *imsv1.ImageQuery) bool {
	return q.Spec.CredentialsSecretRef == nil && q.Spec.ServiceAccountName == ""
}
