package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// The manager's own credentials are the platform account's: a tenant who may write an
// ImageQuery must not list that account's private images (or spend its API quota) by leaving
// out credentialsSecretRef. Only namespaces that a cluster admin labelled may use them.

// Namespaces: their labels say which ones may use the manager's credentials (metadata only).
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// managerCredentialsAllowed refuses the manager's credentials to a namespace without the label
// (unless --manager-credentials-in-all-namespaces). The namespace is read from the
// metadata-only cache that the Namespace watch fills, so a label change is seen at once.
func (r *ImageQueryReconciler) managerCredentialsAllowed(ctx context.Context, namespace string) *syncFailure {
	if r.Credentials.ManagerInAllNamespaces {
		return nil
	}
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := r.Client.Get(ctx, types.NamespacedName{Name: namespace}, ns); err != nil {
		return &syncFailure{Reason: imsv1.ReasonManagerCredentialsNotAllowed, Message: "cannot read namespace " + namespace + ": " + err.Error(), Err: err}
	}
	if ns.Labels[imsv1.ManagerCredentialsLabel] == imsv1.ManagerCredentialsAllowed {
		return nil
	}
	return secretFailure(imsv1.ReasonManagerCredentialsNotAllowed,
		"namespace %s may not use the manager's credentials: set credentialsSecretRef or serviceAccountName, or ask a cluster admin to label the namespace %s=%s",
		namespace, imsv1.ManagerCredentialsLabel, imsv1.ManagerCredentialsAllowed)
}

// queriesInNamespace maps a Namespace whose labels changed to its ImageQueries that use the
// manager's credentials.
func (r *ImageQueryReconciler) queriesInNamespace(ctx context.Context, ns client.Object) []reconcile.Request {
	var queries imsv1.ImageQueryList
	if err := r.Client.List(ctx, &queries, client.InNamespace(ns.GetName())); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, q := range queries.Items {
		if q.Spec.CredentialsSecretRef == nil && q.Spec.ServiceAccountName == "" {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&q)})
		}
	}
	return reqs
}
