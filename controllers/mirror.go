package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// mirror keeps one CloudImage per image an ImageQuery matched. It is given only complete
// listings: a failed or partial one never reaches it, so nothing is lost on a cloud error.
type mirror struct {
	client client.Client // cached reads, writes
	live   client.Reader // uncached reads after a conflict
	// workers bounds the writes in flight: one write at a time leaves the API server idle
	// between round trips, while the client's QPS limit and API Priority and Fairness keep a
	// large mirror from crowding out other clients.
	workers int
	// others are claims of other queries written along with this query's (see coClaims).
	others []coClaim
	// refused are the records refused for their size on earlier syncs (see refusals.go):
	// not tried again while the listing gives the same record.
	refused map[string]refusal
}

// DefaultMirrorWorkers is --mirror-workers' default.
const DefaultMirrorWorkers = 16

// mirrorResult counts what a mirror pass changed.
type mirrorResult struct {
	Added, Removed, Written int
	InvalidIDs              []string // not valid object names: never mirrored
	Rejected                []string // refused by the API server, with why
	// Refused are the records refused for their size, this sync or before, to remember.
	Refused map[string]refusal
	// Remembered counts the Rejected that were refused before and not tried again.
	Remembered int
}

// validImageID tells whether an image ID can name its CloudImage as it is. IMS IDs are
// lower-case UUIDs; anything else is reported, never silently renamed.
func validImageID(id string) bool {
	return len(id) <= maxImageIDLength && len(validation.IsDNS1123Subdomain(id)) == 0
}

// maxImageIDLength is the schema's bound on image.id.
const maxImageIDLength = 64

// apply makes the CloudImages claimed by q exactly the valid-ID images in listing. Claims are
// written first and releases only once every claim succeeded, so a failure part-way leaves
// the query's previous claims in place.
func (m *mirror) apply(ctx context.Context, q *imsv1.ImageQuery, region string, listing []*ims.Image) (mirrorResult, error) {
	var res mirrorResult
	label := imsv1.QueryLabel(q.Name)

	claimed := cloudImageMetaList()
	if err := m.client.List(ctx, claimed, client.InNamespace(q.Namespace), client.MatchingLabels{label: "true"}); err != nil {
		return res, fmt.Errorf("listing CloudImages: %w", err)
	}
	had := make(map[string]bool, len(claimed.Items))
	for i := range claimed.Items {
		had[claimed.Items[i].Name] = true
	}

	want := make(map[string]bool, len(listing))
	var valid []*ims.Image
	for _, img := range listing {
		if want[img.ID] {
			continue // IMS listed it twice; one object is enough
		}
		if !validImageID(img.ID) {
			res.InvalidIDs = append(res.InvalidIDs, img.ID)
			continue
		}
		want[img.ID] = true
		valid = append(valid, img)
	}

	var mu sync.Mutex // guards res from here on
	err := m.each(ctx, len(valid), func(ctx context.Context, i int) error {
		id := valid[i].ID
		desired := desiredRecord(region, valid[i]) // built here: only the workers' few at a time
		hash := contentHash(&desired)
		if r, ok := m.refused[id]; ok && r.hash == hash && hash != "" {
			mu.Lock()
			defer mu.Unlock()
			res.remember(id, r)
			res.Remembered++
			return nil
		}
		wrote, err := m.claim(ctx, q, label, &desired, hash)
		mu.Lock()
		defer mu.Unlock()
		if refusedForSize(err) {
			// Too large for the API server: the same record will be refused again.
			res.remember(id, refusal{hash: hash, message: id + ": " + err.Error()})
			return nil
		}
		if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
			// The API server (or an admission policy) refuses this one object: report it and
			// mirror the rest rather than let one image block the whole query.
			res.Rejected = append(res.Rejected, id+": "+err.Error())
			return nil
		}
		if err != nil {
			return fmt.Errorf("writing CloudImage %s: %w", id, err)
		}
		if wrote {
			res.Written++
		}
		if !had[id] {
			res.Added++
		}
		return nil
	})
	slices.Sort(res.Rejected) // the same refusals read the same, whatever the workers' order
	if err != nil {
		return res, err
	}

	var gone []string
	for name := range had {
		if !want[name] {
			gone = append(gone, name)
		}
	}
	err = m.each(ctx, len(gone), func(ctx context.Context, i int) error {
		if err := m.release(ctx, q, label, gone[i]); err != nil {
			return fmt.Errorf("releasing CloudImage %s: %w", gone[i], err)
		}
		mu.Lock()
		res.Removed++
		res.Written++
		mu.Unlock()
		return nil
	})
	return res, err
}

// remember reports a record refused for its size and keeps it for the next syncs.
func (res *mirrorResult) remember(id string, r refusal) {
	res.Rejected = append(res.Rejected, r.message)
	if res.Refused == nil {
		res.Refused = map[string]refusal{}
	}
	res.Refused[id] = r
}

// each runs fn for 0..n-1 on at most m.workers goroutines. The first error stops the rest
// (their context is cancelled) and is returned.
func (m *mirror) each(ctx context.Context, n int, fn func(context.Context, int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(m.workers, 1))
	for i := range n {
		if ctx.Err() != nil {
			break // an earlier item failed: start no more
		}
		g.Go(func() error { return fn(ctx, i) })
	}
	return g.Wait()
}

// desiredRecord is the part of a CloudImage that the listing decides.
func desiredRecord(region string, img *ims.Image) imsv1.CloudImage {
	ci := imsv1.CloudImage{Region: region, Image: imageRecord(img)}
	ci.Name = img.ID
	ci.Labels = imageLabels(region, &ci.Image)
	return ci
}

// claim creates or updates the CloudImage for desired (whose contentHash is hash), keeping the claims of other queries.
// It compares with the cached metadata (labels, owners, content hash) and writes nothing when
// the stored object already says the same; a changed record is written whole, claims alone
// are patched.
func (m *mirror) claim(ctx context.Context, q *imsv1.ImageQuery, label string, desired *imsv1.CloudImage, hash string) (bool, error) {
	wrote := false
	var reader client.Reader = m.client
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		defer func() { reader = m.live }() // after a conflict the cache may be behind
		current := cloudImageMeta()
		err := reader.Get(ctx, types.NamespacedName{Namespace: q.Namespace, Name: desired.Name}, current)
		if apierrors.IsNotFound(err) {
			obj := desired.DeepCopy()
			obj.Namespace = q.Namespace
			obj.Labels[label] = "true"
			obj.Annotations = map[string]string{imsv1.ContentHashAnnotation: hash}
			obj.OwnerReferences = []metav1.OwnerReference{ownerRef(q)}
			addCoClaims(obj, m.others)
			err = m.client.Create(ctx, obj)
			if apierrors.IsAlreadyExists(err) {
				// Another query created it meanwhile: treat as a conflict and merge.
				return apierrors.NewConflict(imsv1.GroupVersion.WithResource("cloudimages").GroupResource(), desired.Name, err)
			}
			wrote = err == nil
			return err
		}
		if err != nil {
			return err
		}
		updated := current.DeepCopy()
		updated.OwnerReferences = withOwner(current.OwnerReferences, ownerRef(q))
		rewrite := false
		if contentOwner(updated.OwnerReferences) == q.UID {
			// One claimant writes the record: queries that see an image differently (another
			// region or project) would otherwise rewrite it in turn on every sync.
			updated.Labels = mergeLabels(current.Labels, desired.Labels)
			rewrite = current.Annotations[imsv1.ContentHashAnnotation] != hash
		}
		if updated.Labels == nil {
			updated.Labels = map[string]string{}
		}
		updated.Labels[label] = "true"
		// Whoever writes the record, the object is the operator's from now on: the cache holds
		// only labelled CloudImages, and one it cannot see is never released.
		updated.Labels[imsv1.LabelManagedBy] = imsv1.ManagedByValue
		addCoClaims(updated, m.others)
		switch {
		case rewrite:
			full := desired.DeepCopy()
			full.ObjectMeta = *updated.ObjectMeta.DeepCopy()
			full.Annotations = withAnnotation(full.Annotations, imsv1.ContentHashAnnotation, hash)
			err = m.client.Update(ctx, full) // resourceVersion from the read: optimistic
		case sameClaims(current, updated):
			return nil
		default:
			err = m.patchClaims(ctx, current, updated)
		}
		wrote = err == nil
		return err
	})
	return wrote, err
}

// cloudImageMeta is an empty CloudImage as the cache holds it: metadata only.
func cloudImageMeta() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(imsv1.GroupVersion.WithKind("CloudImage"))
	return m
}

// cloudImageMetaList is an empty CloudImage list as the cache holds it: metadata only. Every
// cached read of CloudImages goes through it (or cloudImageMeta): reading imsv1.CloudImage
// from the cached client would start a second informer that caches every full record.
func cloudImageMetaList() *metav1.PartialObjectMetadataList {
	l := &metav1.PartialObjectMetadataList{}
	l.SetGroupVersionKind(imsv1.GroupVersion.WithKind("CloudImageList"))
	return l
}

// contentHash is a hash of what the listing decides about a CloudImage's region and record.
func contentHash(ci *imsv1.CloudImage) string {
	b, err := json.Marshal(struct {
		Region string            `json:"region"`
		Image  imsv1.ImageRecord `json:"image"`
	}{ci.Region, ci.Image})
	if err != nil {
		return "" // cannot happen for these types; "" never matches, so the record is rewritten
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func withAnnotation(a map[string]string, key, value string) map[string]string {
	if a == nil {
		a = map[string]string{}
	}
	a[key] = value
	return a
}

// patchClaims writes updated's labels and owners over current's, only if current is still
// the stored version.
func (m *mirror) patchClaims(ctx context.Context, current, updated *metav1.PartialObjectMetadata) error {
	return m.client.Patch(ctx, updated, client.MergeFromWithOptions(current, client.MergeFromWithOptimisticLock{}))
}

// release drops q's claim on a CloudImage, and deletes it when no ImageQuery claims it any
// more (removing the last ownerReference would not make the garbage collector delete it).
func (m *mirror) release(ctx context.Context, q *imsv1.ImageQuery, label, name string) error {
	var reader client.Reader = m.client
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		defer func() { reader = m.live }()
		current := cloudImageMeta()
		if err := reader.Get(ctx, types.NamespacedName{Namespace: q.Namespace, Name: name}, current); err != nil {
			return client.IgnoreNotFound(err)
		}
		updated := current.DeepCopy()
		delete(updated.Labels, label)
		updated.OwnerReferences = withoutOwner(current.OwnerReferences, q.UID, q.Name)
		return m.releaseOrDelete(ctx, current, updated)
	})
}

// releaseOrDelete writes updated's claims, or deletes the object when no ImageQuery owns it
// any more. The delete is conditional on the version read, so a claim made meanwhile is never
// lost.
func (m *mirror) releaseOrDelete(ctx context.Context, current, updated *metav1.PartialObjectMetadata) error {
	if !hasQueryOwner(updated.OwnerReferences) {
		rv := current.ResourceVersion
		err := m.client.Delete(ctx, current, client.Preconditions{UID: &current.UID, ResourceVersion: &rv})
		return client.IgnoreNotFound(err)
	}
	if sameClaims(current, updated) {
		return nil
	}
	return m.patchClaims(ctx, current, updated)
}

func ownerRef(q *imsv1.ImageQuery) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: imsv1.GroupVersion.String(),
		Kind:       "ImageQuery",
		Name:       q.Name,
		UID:        q.UID,
	}
}

// contentOwner is the oldest claim: the first ImageQuery among the owner references.
func contentOwner(refs []metav1.OwnerReference) types.UID {
	for _, ref := range refs {
		if isQueryOwner(ref) {
			return ref.UID
		}
	}
	return ""
}

func isQueryOwner(ref metav1.OwnerReference) bool {
	return ref.Kind == "ImageQuery" && strings.HasPrefix(ref.APIVersion, imsv1.GroupVersion.Group+"/")
}

func hasQueryOwner(refs []metav1.OwnerReference) bool {
	for _, ref := range refs {
		if isQueryOwner(ref) {
			return true
		}
	}
	return false
}

// withOwner adds ref unless it is there already (in place, so that an unchanged object
// compares equal and is not written).
func withOwner(refs []metav1.OwnerReference, ref metav1.OwnerReference) []metav1.OwnerReference {
	for _, r := range refs {
		if r == ref {
			return refs
		}
	}
	return append(withoutOwner(refs, ref.UID, ref.Name), ref)
}

// withoutOwner drops the ImageQuery reference with this UID, and any stale one with the same
// name (a query deleted and created again gets a new UID).
func withoutOwner(refs []metav1.OwnerReference, uid types.UID, name string) []metav1.OwnerReference {
	out := make([]metav1.OwnerReference, 0, len(refs)+1)
	for _, r := range refs {
		if isQueryOwner(r) && (r.UID == uid || r.Name == name) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// mergeLabels replaces the image-attribute labels with fresh ones and keeps every other label
// (other queries' claims, labels users added).
func mergeLabels(current, attributes map[string]string) map[string]string {
	out := make(map[string]string, len(current)+len(attributes)+1)
	for k, v := range current {
		if !strings.HasPrefix(k, imsv1.LabelPrefix) && k != imsv1.LabelManagedBy {
			out[k] = v
		}
	}
	maps.Copy(out, attributes)
	return out
}

// sameClaims compares the labels and owners the operator writes; metadata the server owns is
// ignored.
func sameClaims(a, b *metav1.PartialObjectMetadata) bool {
	return equality.Semantic.DeepEqual(a.Labels, b.Labels) &&
		equality.Semantic.DeepEqual(a.OwnerReferences, b.OwnerReferences)
}
