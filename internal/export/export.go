// Package export keeps the ConfigMap of spec.export in step with an ImageQuery's latest
// image, for tools that read ConfigMaps (Flux valuesFrom, Kustomize, Crossplane, scripts).
package export

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/mirror"
)

// The keys of the export ConfigMap (the contract's list, no more).
const (
	KeyImageID      = "imageID"
	KeyImageName    = "imageName"
	KeyRegion       = "region"
	KeyPlatform     = "platform"
	KeyOSVersion    = "osVersion"
	KeyArchitecture = "architecture"
	KeyCreatedAt    = "createdAt"
	// KeyAllowedImageIDs holds the IDs of every usable match (spec.export.allowedImageIDs).
	KeyAllowedImageIDs = "allowedImageIDs"
	// Each variant of spec.latestPer has <variant>.imageID and <variant>.imageName.
	keyVariantImageID   = ".imageID"
	keyVariantImageName = ".imageName"
)

// maxAllowed bounds the allow list (a ConfigMap holds 1 MiB; 1000 IDs are about 37 KB).
const maxAllowed = 1000

// Allowed is the allow list of spec.export.allowedImageIDs.
type Allowed struct {
	IDs       string // sorted, separated by single spaces
	Truncated bool   // more than maxAllowed usable images matched
}

// AllowList is the allow list of the usable matches, given in latestBy order: every ID,
// sorted, or beyond maxAllowed the first maxAllowed in latestBy order.
func AllowList(usable []*ims.Image) Allowed {
	a := Allowed{Truncated: len(usable) > maxAllowed}
	ids := make([]string, 0, min(len(usable), maxAllowed))
	for _, img := range usable[:min(len(usable), maxAllowed)] {
		ids = append(ids, img.ID)
	}
	slices.Sort(ids)
	a.IDs = strings.Join(ids, " ")
	return a
}

// ErrNeedsSelection says that the ConfigMap cannot be put back whole without a sync: its allow
// list comes from a selection, and the ConfigMap that held it is gone.
var ErrNeedsSelection = errors.New("the export's allow list needs a sync")

// The export ConfigMap (spec.export): get/list/watch the labelled ones to put back edits and
// find the stale ones, create and update it with the latest image, delete it when export is
// renamed or removed. No patch: updates carry the full desired data.
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;delete

// Exporter writes export ConfigMaps. Client is the manager's cached client, which holds only
// the operator's labelled ConfigMaps; APIReader reads one live after a conflict.
type Exporter struct {
	Client    client.Client
	APIReader client.Reader
}

// Keep keeps the ConfigMap of spec.export in step with status.latestImage, and deletes the
// ConfigMaps the query owns under any other name. It runs on every reconcile, not only on a
// sync, so that an edit or a deletion by hand is put back at once (the controller watches the
// ConfigMaps it owns). Without a latest image it leaves the ConfigMap's values alone: a
// consumer is never handed an empty image ID. A ConfigMap of that name that the query does
// not own is never touched: a terminal ExportConflict naming it. allowed is the sync's allow
// list; nil (between syncs) keeps the ConfigMap's own, or is ErrNeedsSelection when it has
// none to keep.
func (r *Exporter) Keep(ctx context.Context, q *imsv1.ImageQuery, allowed *Allowed) error {
	name := ""
	if q.Spec.Export != nil {
		name = q.Spec.Export.ConfigMapName
	}
	if err := r.deleteStaleExports(ctx, q, name); err != nil {
		return exportFailure(err)
	}
	if name == "" {
		return nil
	}
	cm := &corev1.ConfigMap{}
	// The cache holds only the operator's labelled ConfigMaps, so a miss may still be a
	// ConfigMap of someone else's: Create then says AlreadyExists.
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: q.Namespace, Name: name}, cm)
	if apierrors.IsNotFound(err) {
		if q.Status.LatestImage == nil {
			return nil // nothing to export yet
		}
		if allowed == nil && q.Spec.Export.AllowedImageIDs {
			return ErrNeedsSelection
		}
		err = r.Client.Create(ctx, desiredExport(q, nil, allowed))
		if !apierrors.IsAlreadyExists(err) {
			return exportFailure(err)
		}
		err = r.APIReader.Get(ctx, client.ObjectKey{Namespace: q.Namespace, Name: name}, cm)
	}
	if err != nil {
		return exportFailure(err)
	}
	if !metav1.IsControlledBy(cm, q) {
		return failure.Terminal(imsv1.ReasonExportConflict, "ConfigMap %s/%s exists and is not owned by this ImageQuery; it is left alone: "+
			"delete it or choose another spec.export.configMapName", q.Namespace, name)
	}
	if q.Status.LatestImage == nil {
		return nil // keep the last values
	}
	desired := desiredExport(q, cm, allowed)
	if _, ok := desired.Data[KeyAllowedImageIDs]; !ok && q.Spec.Export.AllowedImageIDs {
		return ErrNeedsSelection // the key was removed by hand: a sync puts it back
	}
	if maps.Equal(desired.Data, cm.Data) && maps.Equal(desired.Labels, cm.Labels) && desired.BinaryData == nil {
		return nil
	}
	err = r.Client.Update(ctx, desired)
	if apierrors.IsConflict(err) {
		// The cached copy was behind (e.g. an edit by hand just now): once more from the source.
		if err = r.APIReader.Get(ctx, client.ObjectKeyFromObject(cm), cm); err == nil && metav1.IsControlledBy(cm, q) {
			err = r.Client.Update(ctx, desiredExport(q, cm, allowed))
		}
	}
	return exportFailure(err)
}

// desiredExport is the ConfigMap holding q's latest image. Based on current (nil to create),
// it keeps the other labels, annotations and metadata, and replaces the data whole, so that
// keys added by hand go.
func desiredExport(q *imsv1.ImageQuery, current *corev1.ConfigMap, allowed *Allowed) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: q.Namespace, Name: q.Spec.Export.ConfigMapName}}
	if current != nil {
		cm = current.DeepCopy()
	} else {
		ref, controller := mirror.OwnerRef(q), true
		ref.Controller = &controller
		cm.OwnerReferences = []metav1.OwnerReference{ref}
	}
	if cm.Labels == nil {
		cm.Labels = map[string]string{}
	}
	cm.Labels[imsv1.LabelManagedBy] = imsv1.ManagedByValue
	cm.BinaryData = nil
	s := q.Status.LatestImage
	cm.Data = map[string]string{
		KeyImageID:      s.ID,
		KeyImageName:    s.Name,
		KeyRegion:       q.Status.Region,
		KeyPlatform:     s.Platform,
		KeyOSVersion:    s.OSVersion,
		KeyArchitecture: s.Architecture,
		KeyCreatedAt:    s.CreatedAt,
	}
	for _, v := range q.Status.LatestImages {
		cm.Data[v.Variant+keyVariantImageID] = v.Image.ID
		cm.Data[v.Variant+keyVariantImageName] = v.Image.Name
	}
	if q.Spec.Export.AllowedImageIDs {
		switch {
		case allowed != nil:
			cm.Data[KeyAllowedImageIDs] = allowed.IDs
		case current != nil:
			if ids, ok := current.Data[KeyAllowedImageIDs]; ok {
				cm.Data[KeyAllowedImageIDs] = ids // between syncs: the last sync's
			}
		}
	}
	return cm
}

// deleteStaleExports deletes the ConfigMaps q controls under a name other than keep: the old
// name after a rename, every one after export was removed. The deletion is conditional on the
// UID seen, so that a ConfigMap recreated meanwhile by someone else is not touched.
func (r *Exporter) deleteStaleExports(ctx context.Context, q *imsv1.ImageQuery, keep string) error {
	var owned corev1.ConfigMapList
	if err := r.Client.List(ctx, &owned, client.InNamespace(q.Namespace),
		client.MatchingLabels{imsv1.LabelManagedBy: imsv1.ManagedByValue}); err != nil {
		return err
	}
	for i := range owned.Items {
		cm := &owned.Items[i]
		if cm.Name == keep || !metav1.IsControlledBy(cm, q) {
			continue
		}
		err := r.Client.Delete(ctx, cm, client.Preconditions{UID: &cm.UID})
		if client.IgnoreNotFound(err) != nil && !apierrors.IsConflict(err) {
			return err
		}
	}
	return nil
}

func exportFailure(err error) error {
	if err == nil {
		return nil
	}
	return failure.Transient(imsv1.ReasonExportFailed, "writing the export ConfigMap failed: "+err.Error(), err)
}
