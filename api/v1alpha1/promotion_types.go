package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PromotionPolicy says who moves status.latestImage: the operator (Automatic) or a person
// (Manual, with the promote annotation).
// +kubebuilder:validation:Enum=Automatic;Manual
type PromotionPolicy string

const (
	// PromotionAutomatic: latestImage follows the candidate unless a hold keeps it (the
	// behaviour of a query without spec.promotion).
	PromotionAutomatic PromotionPolicy = "Automatic"
	// PromotionManual: latestImage changes only when a person promotes an image.
	PromotionManual PromotionPolicy = "Manual"
)

// MaxPromotionChain is how many queries a promotion chain may have above a query (a from b
// from c …); a longer chain is refused with reason PromotionCycle.
const MaxPromotionChain = 5

// MaxLatestHistory bounds status.latestHistory.
const MaxLatestHistory = 10

// PromotionSpec gates what becomes status.latestImage.
// +kubebuilder:validation:XValidation:rule="!has(self.minSoak) || has(self.from)",message="minSoak is the time an upstream query must have held an image: it needs from",fieldPath=.minSoak
type PromotionSpec struct {
	// policy is Automatic (the default: latestImage follows status.candidateImage unless
	// status.hold keeps it) or Manual (latestImage changes only when the annotation
	// ims.imagecatalog.io/promote names an image ID or "latest").
	// +optional
	Policy PromotionPolicy `json:"policy,omitempty"`

	// from is the upstream ImageQuery (staging, say) whose status.latestImage is this query's
	// only possible candidate, once the upstream has held it for minSoak and it is also a
	// usable match of this query. A query in another namespace may be named only if its
	// spec.accessFrom selects this query's namespace.
	// +optional
	From *PromotionSource `json:"from,omitempty"`

	// minSoak is how long the upstream must have held its latest image (its
	// status.latestImageSince) before this query takes it as candidate, e.g. 48h. The soak's
	// end schedules a sync by itself.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="minSoak must be a duration such as 48h"
	// +optional
	MinSoak *metav1.Duration `json:"minSoak,omitempty"`
}

// PromotionSource names the upstream ImageQuery of a promotion.
type PromotionSource struct {
	// name of the upstream ImageQuery.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +required
	Name string `json:"name,omitempty"`

	// namespace of the upstream ImageQuery; defaults to this query's own.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// AccessFrom says which other namespaces' queries may follow this one (as in Flux's
// accessFrom).
type AccessFrom struct {
	// namespaceSelectors select the namespaces whose ImageQueries may name this query in
	// spec.promotion.from; a namespace matching any of them may. An empty selector selects
	// every namespace.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	// +required
	NamespaceSelectors []metav1.LabelSelector `json:"namespaceSelectors,omitempty"`
}

// PromotionHold keeps status.latestImage on an image a person promoted in Automatic policy
// (a rollback) until the annotation ims.imagecatalog.io/promote: latest.
type PromotionHold struct {
	// imageID is the image held as latestImage.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +required
	ImageID string `json:"imageID,omitempty"`
	// since is when the hold was set.
	// +required
	Since metav1.Time `json:"since"`
}

// LatestHistoryEntry is one image a query had as status.latestImage.
type LatestHistoryEntry struct {
	// id of the image.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +required
	ID string `json:"id,omitempty"`
	// name of the image.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Name string `json:"name,omitempty"`
	// since is when it became latestImage.
	// +required
	Since metav1.Time `json:"since"`
}
