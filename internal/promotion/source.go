package promotion

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
)

// Sources reads a query's promotion source (spec.promotion.from) from the cache.
type Sources struct {
	Client client.Reader
}

// SourceKey is the upstream that q names, and whether it names one.
func SourceKey(q *imsv1.ImageQuery) (types.NamespacedName, bool) {
	if q.Spec.Promotion == nil || q.Spec.Promotion.From == nil {
		return types.NamespacedName{}, false
	}
	from := q.Spec.Promotion.From
	ns := from.Namespace
	if ns == "" {
		ns = q.Namespace
	}
	return types.NamespacedName{Namespace: ns, Name: from.Name}, true
}

// Resolve reads q's upstream: nil without spec.promotion.from. A missing upstream is a
// terminal PromotionSourceNotFound (the upstream's creation brings q back), one in another
// namespace that does not grant q's namespace a terminal PromotionSourceNotAllowed, and a
// chain that leads back to q or runs longer than MaxPromotionChain a terminal
// PromotionCycle: no step of a cycle ever syncs, so none can wake another in a loop.
func (s *Sources) Resolve(ctx context.Context, q *imsv1.ImageQuery) (*Upstream, error) {
	key, ok := SourceKey(q)
	if !ok {
		return nil, nil
	}
	up, err := s.chain(ctx, q, key)
	if err != nil {
		return nil, err
	}
	if up.Namespace != q.Namespace {
		if err := s.allowed(ctx, up, q.Namespace); err != nil {
			return nil, err
		}
	}
	return view(up, q), nil
}

// chain reads the upstream at key and walks the chain above it for a cycle.
func (s *Sources) chain(ctx context.Context, q *imsv1.ImageQuery, key types.NamespacedName) (*imsv1.ImageQuery, error) {
	self := client.ObjectKeyFromObject(q)
	if key == self {
		return nil, failure.Terminal(imsv1.ReasonPromotionCycle, "spec.promotion.from names this query itself")
	}
	up := &imsv1.ImageQuery{}
	if err := s.Client.Get(ctx, key, up); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, failure.Terminal(imsv1.ReasonPromotionSourceNotFound,
				"spec.promotion.from: ImageQuery %s does not exist; the latest image stays until it does", key)
		}
		return nil, failure.Wrap(imsv1.ReasonPromotionSourceNotFound, err)
	}
	seen := map[types.NamespacedName]bool{self: true, key: true}
	cur := up
	for depth := 1; ; depth++ {
		next, ok := SourceKey(cur)
		if !ok {
			return up, nil
		}
		if seen[next] {
			return nil, failure.Terminal(imsv1.ReasonPromotionCycle,
				"spec.promotion.from: the chain from %s leads back to %s", key, next)
		}
		if depth >= imsv1.MaxPromotionChain {
			return nil, failure.Terminal(imsv1.ReasonPromotionCycle,
				"spec.promotion.from: the chain above this query is longer than %d queries", imsv1.MaxPromotionChain)
		}
		seen[next] = true
		cur = &imsv1.ImageQuery{}
		switch err := s.Client.Get(ctx, next, cur); {
		case apierrors.IsNotFound(err):
			return up, nil // a missing query higher up is its own downstream's to report
		case err != nil:
			return nil, failure.Wrap(imsv1.ReasonPromotionSourceNotFound, err)
		}
	}
}

// allowed tells whether up's accessFrom selects namespace ns.
func (s *Sources) allowed(ctx context.Context, up *imsv1.ImageQuery, ns string) error {
	refused := failure.Terminal(imsv1.ReasonPromotionSourceNotAllowed,
		"spec.promotion.from: ImageQuery %s/%s does not allow queries of namespace %s to follow it (its spec.accessFrom.namespaceSelectors)",
		up.Namespace, up.Name, ns)
	if up.Spec.AccessFrom == nil {
		return refused
	}
	n := metaonly.Namespace()
	if err := s.Client.Get(ctx, types.NamespacedName{Name: ns}, n); err != nil {
		return failure.Wrap(imsv1.ReasonPromotionSourceNotAllowed, err)
	}
	for _, sel := range up.Spec.AccessFrom.NamespaceSelectors {
		selector, err := metav1.LabelSelectorAsSelector(&sel)
		if err == nil && selector.Matches(labels.Set(n.Labels)) {
			return nil
		}
	}
	return refused
}

// view is what q needs of up.
func view(up *imsv1.ImageQuery, q *imsv1.ImageQuery) *Upstream {
	u := &Upstream{Key: up.Namespace + "/" + up.Name, Variants: map[string]string{}}
	if l := up.Status.LatestImage; l != nil {
		u.LatestID = l.ID
	}
	if t := up.Status.LatestImageSince; t != nil {
		u.Since = t.Time
	}
	if ms := q.Spec.Promotion.MinSoak; ms != nil {
		u.MinSoak = ms.Duration
	}
	for _, v := range up.Status.LatestImages {
		u.Variants[v.Variant] = v.Image.ID
	}
	return u
}
