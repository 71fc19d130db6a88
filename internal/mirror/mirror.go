// Package mirror keeps one CloudImage per image that ImageQueries match, and the claims on
// them: each matching query is an owner (an ownerReference) and labels the object
// (query.ims.imagecatalog.io/<name>). It is given only complete listings: a failed or partial
// one never reaches it, so nothing is lost on a cloud error.
package mirror

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
)

// Writer writes queries' mirrors. It holds what the API server refused for size, per query,
// across syncs (see refusals.go).
type Writer struct {
	Client client.Client // cached reads, writes
	Live   client.Reader // uncached reads after a conflict
	// Workers bounds the writes in flight: one write at a time leaves the API server idle
	// between round trips, while the client's QPS limit and API Priority and Fairness keep a
	// large mirror from crowding out other clients.
	Workers int

	refusals refusalMemory
}

// Claims are what a pass writes besides q's own claim.
type Claims struct {
	// Others are claims of other queries written along with q's (see CoClaim).
	Others []CoClaim
	// TagKeys are the spec.tagLabels of the namespace's queries (q's included) by UID: an
	// object's tag labels are the union of its claimers' keys. An object with a claimer not
	// in the map keeps the tag labels it has beyond what the known claimers want.
	TagKeys map[types.UID][]string
	// Latest is the ID of q's latest image, "" for none: that CloudImage alone carries q's
	// latest label. It is added after every other write of the pass, so that the old latest
	// image has lost it first: at no moment do two carry it.
	Latest string
	// Fresh says that q's listing was asked of IMS after q's sync was asked for (a requested
	// sync): then q writes the record of the images it claims whose content owner is in
	// SameView, so that a rename or a re-tag shows in the sync the user asked for, not only
	// at the owner's next scheduled sync, which may share an older listing.
	Fresh bool
	// SameView are the other queries of q's namespace that list as q does (the same identity
	// and region): they see an image as q does, only at another moment.
	SameView []types.UID
}

// pass is one query's mirror pass.
type pass struct {
	client  client.Client
	live    client.Reader
	workers int
	Claims
	// refused are the records refused for their size on earlier syncs: not tried again while
	// the listing gives the same record.
	refused map[string]refusal
}

// DefaultMirrorWorkers is --mirror-workers' default.
const DefaultMirrorWorkers = 16

// Result counts what a mirror pass changed.
type Result struct {
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

// Apply makes the CloudImages claimed by q exactly the valid-ID images listed in region,
// writing the claims of others along (see CoClaim). An error other than the context's is a
// MirrorFailed *failure.Error; the query's previous claims stay in place.
func (w *Writer) Apply(ctx context.Context, q *imsv1.ImageQuery, region string, images []*ims.Image, claims Claims) (Result, error) {
	p := &pass{client: w.Client, live: w.Live, workers: w.Workers, Claims: claims, refused: w.refusals.of(q)}
	res, err := p.apply(ctx, q, region, images)
	w.refusals.keep(q, res.Refused, err == nil)
	if err != nil && ctx.Err() == nil {
		return res, failure.Wrap(imsv1.ReasonMirrorFailed, err)
	}
	return res, err
}

// Remembered is how many records refused for their size the Writer remembers for q.
func (w *Writer) Remembered(q *imsv1.ImageQuery) int { return len(w.refusals.of(q)) }

// Forget drops what the Writer remembers of a query that was deleted.
func (w *Writer) Forget(query types.NamespacedName) { w.refusals.forgetQuery(query) }

// apply makes the CloudImages claimed by q exactly the valid-ID images in listing. Claims are
// written first and releases only once every claim succeeded, so a failure part-way leaves
// the query's previous claims in place.
func (m *pass) apply(ctx context.Context, q *imsv1.ImageQuery, region string, listing []*ims.Image) (Result, error) {
	var res Result
	label := imsv1.QueryLabel(q.Name)

	// The cache's objects, not copies: nothing here changes them (unmarkOldLatest writes a
	// copy and puts it in the list's place), and a query's 1,000 objects copied on every sync
	// were a tenth of a steady sync's time.
	claimed := metaonly.CloudImageList()
	if err := m.client.List(ctx, claimed, client.InNamespace(q.Namespace), client.MatchingLabels{label: "true"},
		client.UnsafeDisableDeepCopy); err != nil {
		return res, fmt.Errorf("listing CloudImages: %w", err)
	}
	had := make(map[string]bool, len(claimed.Items))
	for i := range claimed.Items {
		had[claimed.Items[i].Name] = true
	}
	written, err := m.unmarkOldLatest(ctx, q, claimed.Items)
	res.Written += written
	if err != nil {
		return res, err
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
	err = m.each(ctx, len(valid), func(ctx context.Context, i int) error {
		id := valid[i].ID
		desired := DesiredRecord(region, valid[i]) // built here: only the workers' few at a time
		hash := ContentHash(&desired)
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
		if RefusedForSize(err) {
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

// unmarkOldLatest takes q's latest label off every CloudImage that carries it but is not
// q's latest image any more, before the pass writes the new one's: at no moment do two carry
// it. It costs a write only when the latest image changes.
func (m *pass) unmarkOldLatest(ctx context.Context, q *imsv1.ImageQuery, claimed []metav1.PartialObjectMetadata) (int, error) {
	key := imsv1.LatestLabel(q.Name)
	written := 0
	for i := range claimed {
		current := &claimed[i]
		if current.Labels[key] != "true" || current.Name == m.Latest {
			continue
		}
		updated := current.DeepCopy()
		delete(updated.Labels, key)
		if err := PatchClaims(ctx, m.client, current, updated); client.IgnoreNotFound(err) != nil {
			return written, fmt.Errorf("moving the latest label off CloudImage %s: %w", current.Name, err)
		}
		*current = *updated // the pass compares with what is stored now
		written++
	}
	return written, nil
}

// remember reports a record refused for its size and keeps it for the next syncs.
func (res *Result) remember(id string, r refusal) {
	res.Rejected = append(res.Rejected, r.message)
	if res.Refused == nil {
		res.Refused = map[string]refusal{}
	}
	res.Refused[id] = r
}

// each runs fn for 0..n-1 on at most m.workers goroutines. The first error stops the rest
// (their context is cancelled) and is returned.
func (m *pass) each(ctx context.Context, n int, fn func(context.Context, int) error) error {
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

// DesiredRecord is the part of a CloudImage that the listing decides.
func DesiredRecord(region string, img *ims.Image) imsv1.CloudImage {
	ci := imsv1.CloudImage{Region: region, Image: ImageRecord(img)}
	ci.Name = img.ID
	ci.Labels = ImageLabels(region, &ci.Image)
	return ci
}

// claim creates or updates the CloudImage for desired (whose contentHash is hash), keeping the claims of other queries.
// It compares with the cached metadata (labels, owners, content hash) and writes nothing when
// the stored object already says the same; a changed record is written whole, claims alone
// are patched.
func (m *pass) claim(ctx context.Context, q *imsv1.ImageQuery, label string, desired *imsv1.CloudImage, hash string) (bool, error) {
	wrote := false
	var reader client.Reader = m.client
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		defer func() { reader = m.live }() // after a conflict the cache may be behind
		current := metaonly.CloudImage()
		err := reader.Get(ctx, types.NamespacedName{Namespace: q.Namespace, Name: desired.Name}, current)
		if apierrors.IsNotFound(err) {
			obj := desired.DeepCopy()
			obj.Namespace = q.Namespace
			obj.Labels[label] = "true"
			obj.Annotations = map[string]string{imsv1.ContentHashAnnotation: hash}
			obj.OwnerReferences = []metav1.OwnerReference{OwnerRef(q)}
			addCoClaims(obj, m.Others)
			m.labelTags(obj.Labels, obj.OwnerReferences, desired.Image.Tags)
			m.labelLatest(obj.Labels, q, desired.Name)
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
		updated.OwnerReferences = WithOwner(current.OwnerReferences, OwnerRef(q))
		rewrite := false
		if owner := ContentOwner(updated.OwnerReferences); owner == q.UID || m.Fresh && slices.Contains(m.SameView, owner) {
			// One claimant writes the record: queries that see an image differently (another
			// region or project) would otherwise rewrite it in turn on every sync. A sync
			// that was asked for writes it too when the owner sees it alike: its listing is
			// the newest there is.
			updated.Labels = MergeLabels(current.Labels, desired.Labels)
			rewrite = current.Annotations[imsv1.ContentHashAnnotation] != hash
		}
		if updated.Labels == nil {
			updated.Labels = map[string]string{}
		}
		updated.Labels[label] = "true"
		// Whoever writes the record, the object is the operator's from now on: the cache holds
		// only labelled CloudImages, and one it cannot see is never released.
		updated.Labels[imsv1.LabelManagedBy] = imsv1.ManagedByValue
		addCoClaims(updated, m.Others)
		m.labelTags(updated.Labels, updated.OwnerReferences, desired.Image.Tags)
		m.labelLatest(updated.Labels, q, desired.Name)
		switch {
		case rewrite:
			full := desired.DeepCopy()
			full.ObjectMeta = *updated.ObjectMeta.DeepCopy()
			full.Annotations = withAnnotation(full.Annotations, imsv1.ContentHashAnnotation, hash)
			err = m.client.Update(ctx, full) // resourceVersion from the read: optimistic
		case SameClaims(current, updated):
			return nil
		default:
			err = PatchClaims(ctx, m.client, current, updated)
		}
		wrote = err == nil
		return err
	})
	return wrote, err
}

func withAnnotation(a map[string]string, key, value string) map[string]string {
	if a == nil {
		a = map[string]string{}
	}
	a[key] = value
	return a
}

// release drops q's claim on a CloudImage, and deletes it when no ImageQuery claims it any
// more (removing the last ownerReference would not make the garbage collector delete it).
func (m *pass) release(ctx context.Context, q *imsv1.ImageQuery, label, name string) error {
	var reader client.Reader = m.client
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		defer func() { reader = m.live }()
		current := metaonly.CloudImage()
		if err := reader.Get(ctx, types.NamespacedName{Namespace: q.Namespace, Name: name}, current); err != nil {
			return client.IgnoreNotFound(err)
		}
		updated := current.DeepCopy()
		delete(updated.Labels, label)
		delete(updated.Labels, imsv1.LatestLabel(q.Name))
		updated.OwnerReferences = WithoutOwner(current.OwnerReferences, q.UID, q.Name)
		return ReleaseOrDelete(ctx, m.client, current, updated)
	})
}

// labelLatest gives the object named name q's latest label if it is q's latest image, and
// takes it off otherwise (unmarkOldLatest already took it off the old one).
func (m *pass) labelLatest(labels map[string]string, q *imsv1.ImageQuery, name string) {
	if name == m.Latest {
		labels[imsv1.LatestLabel(q.Name)] = "true"
	} else {
		delete(labels, imsv1.LatestLabel(q.Name))
	}
}
