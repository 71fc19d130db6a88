package mirror

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// CoClaim is another ImageQuery's claim that a sync writes along with its own, so that
// queries matching the same images cost one write per CloudImage rather than one each.
type CoClaim struct {
	ref   metav1.OwnerReference
	label string
	ids   map[string]bool // the images it matches
}

// NewCoClaim is q's claim on the images it matches.
func NewCoClaim(q *imsv1.ImageQuery, matched []*ims.Image) CoClaim {
	ids := make(map[string]bool, len(matched))
	for _, img := range matched {
		ids[img.ID] = true
	}
	return CoClaim{ref: OwnerRef(q), label: imsv1.QueryLabel(q.Name), ids: ids}
}

// addCoClaims adds to obj the claims of the other queries that match it.
func addCoClaims(obj metav1.Object, others []CoClaim) {
	for _, o := range others {
		if !o.ids[obj.GetName()] {
			continue
		}
		obj.SetOwnerReferences(WithOwner(obj.GetOwnerReferences(), o.ref))
		labels := obj.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[o.label] = "true"
		obj.SetLabels(labels)
	}
}
