package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImageFilter selects images from IMS. Each field is one query parameter of
// `GET /v2/cloudimages`; unset fields are not sent. IMS combines all parameters with AND.
// +kubebuilder:validation:XValidation:rule="!has(self.memberStatus) || (has(self.visibility) && self.visibility == 'shared')",message="memberStatus requires visibility: shared",fieldPath=.memberStatus
// +kubebuilder:validation:XValidation:rule="!has(self.supportXenGPUType) || !((has(self.supportXen) && self.supportXen) || (has(self.supportKVM) && self.supportKVM))",message="supportXenGPUType cannot be combined with supportXen or supportKVM",fieldPath=.supportXenGPUType
// +kubebuilder:validation:XValidation:rule="!has(self.supportKVMGPUType) || !((has(self.supportXen) && self.supportXen) || (has(self.supportKVM) && self.supportKVM))",message="supportKVMGPUType cannot be combined with supportXen or supportKVM",fieldPath=.supportKVMGPUType
// +kubebuilder:validation:XValidation:rule="!(has(self.supportXenHANA) && self.supportXenHANA) || !((has(self.supportXen) && self.supportXen) || (has(self.supportKVM) && self.supportKVM))",message="supportXenHANA cannot be combined with supportXen or supportKVM",fieldPath=.supportXenHANA
// +kubebuilder:validation:XValidation:rule="!(has(self.supportKVMInfiniband) && self.supportKVMInfiniband) || !(has(self.supportXen) && self.supportXen)",message="supportKVMInfiniband cannot be combined with supportXen",fieldPath=.supportKVMInfiniband
type ImageFilter struct {
	// isRegistered selects usable images (`__isregistered`). IMS takes only true:
	// ordinary users can only list registered images.
	// +kubebuilder:validation:XValidation:rule="self",message="isRegistered can only be true: IMS lists only registered images"
	// +optional
	IsRegistered *bool `json:"isRegistered,omitempty"`

	// imageType is the image type (`__imagetype`): gold (public), private, shared or market
	// (KooGallery images). Images shared by this tenant and shared images accepted by it both
	// report shared; tell them apart with owner, and filter accepted ones with memberStatus.
	// +kubebuilder:validation:Enum=gold;private;shared;market
	// +optional
	ImageType ImageType `json:"imageType,omitempty"`

	// wholeImage selects whole-machine (full-ECS) images (`__whole_image`).
	// +optional
	WholeImage *bool `json:"wholeImage,omitempty"`

	// protected selects protected images; usually true when listing public images.
	// +optional
	Protected *bool `json:"protected,omitempty"`

	// visibility of the image: public, private or shared.
	// +kubebuilder:validation:Enum=public;private;shared
	// +optional
	Visibility string `json:"visibility,omitempty"`

	// owner is the tenant (project) ID that owns the image.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Owner PlainText `json:"owner,omitempty"`

	// id selects one image by its ID.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	ID PlainText `json:"id,omitempty"`

	// status of the image: queued, saving, deleted, killed or active (usable).
	// +kubebuilder:validation:Enum=queued;saving;deleted;killed;active
	// +optional
	Status string `json:"status,omitempty"`

	// name matches the image name exactly. Use spec.nameRegex for patterns.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Name PlainText `json:"name,omitempty"`

	// flavorID returns the public images usable with this ECS flavor (one flavor only).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +optional
	FlavorID PlainText `json:"flavorID,omitempty"`

	// containerFormat of the image; IMS knows only bare.
	// +kubebuilder:validation:Enum=bare
	// +optional
	ContainerFormat string `json:"containerFormat,omitempty"`

	// diskFormat of the image.
	// +kubebuilder:validation:Enum=vhd;zvhd;zvhd2;raw;qcow2;iso
	// +optional
	DiskFormat string `json:"diskFormat,omitempty"`

	// minRAM is the image's minimum memory in MB (usually 0).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=16777216
	// +optional
	MinRAM *int64 `json:"minRAM,omitempty"`

	// minDisk is the image's minimum system disk in GB.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1024
	// +optional
	MinDisk *int64 `json:"minDisk,omitempty"`

	// osBit is the operating system's word size: "32" or "64".
	// +kubebuilder:validation:Enum="32";"64"
	// +optional
	OSBit string `json:"osBit,omitempty"`

	// platform is the OS platform (`__platform`), sent as written. IMS adds platforms over time:
	// the reference documents Windows, Ubuntu, RedHat, SUSE, CentOS, Debian, OpenSUSE,
	// Oracle Linux, Fedora, Other, CoreOS and EulerOS; newer ones include openEuler,
	// Huawei Cloud EulerOS and Kylin.
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9 ._()-]{0,63}$`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Platform string `json:"platform,omitempty"`

	// osType is the OS type (`__os_type`).
	// +kubebuilder:validation:Enum=Linux;Windows;Other
	// +optional
	OSType string `json:"osType,omitempty"`

	// tag filters by user tag. Tags stored as Key.Value are queried as Key=Value, e.g. "a=b".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Tag PlainText `json:"tag,omitempty"`

	// memberStatus of a shared image for this tenant: accepted, rejected or pending.
	// Requires visibility: shared.
	// +kubebuilder:validation:Enum=accepted;rejected;pending
	// +optional
	MemberStatus string `json:"memberStatus,omitempty"`

	// supportKVM selects images that support KVM. false means "don't filter".
	// +optional
	SupportKVM bool `json:"supportKVM,omitempty"`

	// supportXen selects images that support Xen. false means "don't filter".
	// +optional
	SupportXen bool `json:"supportXen,omitempty"`

	// supportLargeMemory selects images that support very large memory. false means "don't filter".
	// +optional
	SupportLargeMemory bool `json:"supportLargeMemory,omitempty"`

	// supportDiskIntensive selects images for disk-intensive flavors. false means "don't filter".
	// +optional
	SupportDiskIntensive bool `json:"supportDiskIntensive,omitempty"`

	// supportHighPerformance selects images for high-performance flavors. false means "don't filter".
	// +optional
	SupportHighPerformance bool `json:"supportHighPerformance,omitempty"`

	// supportXenGPUType selects images for this GPU type under Xen.
	// Cannot be combined with supportXen or supportKVM.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	SupportXenGPUType PlainText `json:"supportXenGPUType,omitempty"`

	// supportKVMGPUType selects images for this GPU type under KVM.
	// Cannot be combined with supportXen or supportKVM.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	SupportKVMGPUType PlainText `json:"supportKVMGPUType,omitempty"`

	// supportXenHANA selects images that support SAP HANA under Xen. false means "don't filter".
	// Cannot be combined with supportXen or supportKVM.
	// +optional
	SupportXenHANA bool `json:"supportXenHANA,omitempty"`

	// supportKVMInfiniband selects images that support InfiniBand NICs under KVM.
	// false means "don't filter". Cannot be combined with supportXen.
	// +optional
	SupportKVMInfiniband bool `json:"supportKVMInfiniband,omitempty"`

	// virtualEnvType is the kind of image: FusionCompute (an ECS system-disk image),
	// DataImage (a data-disk image) or Ironic (a bare-metal image).
	// +kubebuilder:validation:Enum=FusionCompute;DataImage;Ironic
	// +optional
	VirtualEnvType string `json:"virtualEnvType,omitempty"`

	// enterpriseProjectID is "0" (the default project), an enterprise project UUID, or
	// "all_granted_eps" for every enterprise project the credentials may see.
	// +kubebuilder:validation:Pattern=`^(0|all_granted_eps|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`
	// +kubebuilder:validation:MinLength=1
	// +optional
	EnterpriseProjectID string `json:"enterpriseProjectID,omitempty"`

	// createdAt compares the image's creation time, e.g. {operator: gt, time: "2018-10-28T10:00:00Z"}.
	// +optional
	CreatedAt *TimeFilter `json:"createdAt,omitempty"`

	// updatedAt compares the image's last update time.
	// +optional
	UpdatedAt *TimeFilter `json:"updatedAt,omitempty"`

	// architecture of the image: x86 or arm.
	// +kubebuilder:validation:Enum=x86;arm
	// +optional
	Architecture Architecture `json:"architecture,omitempty"`
}

// TimeFilter compares an image timestamp with a point in time, sent as "operator:time".
type TimeFilter struct {
	// operator is one of gt, gte, lt, lte, eq, neq.
	// +kubebuilder:validation:Enum=gt;gte;lt;lte;eq;neq
	// +required
	Operator TimeOperator `json:"operator,omitempty"`

	// time in UTC, RFC 3339 with a Z suffix, e.g. "2018-10-28T10:00:00Z".
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +required
	Time string `json:"time,omitempty"`
}

// SortSpec orders the listing; IMS defaults to created_at, desc.
type SortSpec struct {
	// key to sort by.
	// +kubebuilder:validation:Enum=name;container_format;disk_format;status;id;size;created_at
	// +default="created_at"
	// +optional
	Key SortKey `json:"key,omitempty"`

	// direction is asc or desc.
	// +kubebuilder:validation:Enum=asc;desc
	// +default="desc"
	// +optional
	Direction SortDirection `json:"direction,omitempty"`
}

// SecretReference names a Secret in the ImageQuery's own namespace.
type SecretReference struct {
	// name of the Secret. Keys: accessKey + secretKey (AK/SK signing), optional
	// securityToken (temporary credentials) and projectID (sent as X-Project-Id);
	// or token alone (an IAM token).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')`,message="must be a Secret name (a DNS subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)"
	// +required
	Name string `json:"name,omitempty"`
}

// ImageQuerySpec is what the user asks for: which images to list, where and how often.
// +kubebuilder:validation:XValidation:rule="!(has(self.credentialsSecretRef) && has(self.serviceAccountName))",message="serviceAccountName cannot be combined with credentialsSecretRef",fieldPath=.serviceAccountName
// +kubebuilder:validation:XValidation:rule="!has(self.latestBy) || self.latestBy != 'nameVersion' || (has(self.nameRegex) && self.nameRegex.contains('('))",message="latestBy: nameVersion needs a capture group (the version) in nameRegex, e.g. ^Ubuntu ([0-9.]+) server",fieldPath=.latestBy
// +kubebuilder:validation:XValidation:rule="!has(self.filters) || !has(self.filter)",message="filters cannot be combined with filter: put that filter among the terms",fieldPath=.filters
type ImageQuerySpec struct {
	// filter selects images; every field is one IMS query parameter, combined with AND.
	// An empty filter lists every image the credentials may see.
	// +optional
	Filter ImageFilter `json:"filter,omitzero"`

	// filters are 1 to 10 filters, ORed: each term is its own IMS listing (shared and
	// rate-limited like any listing), and the union by image ID goes through nameRegex,
	// matchTags, exclude, minAge and latestBy. If one term's listing fails, the sync fails and
	// nothing changes. Cannot be combined with filter.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	Filters []ImageFilter `json:"filters,omitempty"`

	// matchTags maps IMS tag keys to glob values ('*' any run of characters, '?' one
	// character), applied by the operator: an image matches only if, for every entry, it has
	// that tag key with a matching value; the value "*" means "the key is present". IMS tags
	// are strings key=value; one without '=' is the legacy form key.value (split at the first
	// '.'); one with neither is a key with an empty value.
	// +kubebuilder:validation:MaxProperties=20
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) > 0 && size(k) <= 128)",message="matchTags keys must be 1 to 128 characters"
	// +kubebuilder:validation:XValidation:rule=`self.all(k, !k.matches(r'[\p{Cc}\x{061c}\x{200e}\x{200f}\x{202a}-\x{202e}\x{2066}-\x{2069}]'))`,message="matchTags keys must not contain control characters or bidirectional text controls"
	// +optional
	MatchTags map[string]TagGlob `json:"matchTags,omitempty"`

	// tagLabels are IMS tag keys (at most 10, each a valid label name): every CloudImage this
	// query claims gets the label tag.ims.imagecatalog.io/<key> = the tag's value made
	// label-safe, for each key the image has. A CloudImage claimed by several queries carries
	// the union of their tag labels.
	// +kubebuilder:validation:MaxItems=10
	// +listType=set
	// +optional
	TagLabels []TagKey `json:"tagLabels,omitempty"`

	// latestPer picks the latest image also within each variant: one combination of the
	// values of these fields (1 to 3 of architecture, platform, osBit, virtualEnvType). The
	// variants' choices are in status.latestImages; status.latestImage stays the overall one.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=3
	// +listType=set
	// +optional
	LatestPer []VariantField `json:"latestPer,omitempty"`

	// sort orders the listing and so status.images.
	// +optional
	Sort *SortSpec `json:"sort,omitempty"`

	// pageSize is how many images one IMS request returns (the API's limit).
	// The operator pages through the whole listing itself.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +default=500
	// +optional
	PageSize int32 `json:"pageSize,omitempty"`

	// nameRegex is an RE2 expression the image name must match, applied by the operator
	// after listing (IMS matches names exactly only).
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="''.matches(self) || !''.matches(self)",message="nameRegex must be a valid RE2 regular expression"
	// +optional
	NameRegex PlainText `json:"nameRegex,omitempty"`

	// region is the IMS region, e.g. cn-north-4. Defaults to the manager's --default-region.
	// +kubebuilder:validation:Pattern=`^[a-z]{2,}(-[a-z0-9]+)+$`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Region string `json:"region,omitempty"`

	// credentialsSecretRef names a Secret in this namespace holding IMS credentials.
	// Without it (and without serviceAccountName) the manager's own credentials are used,
	// but only in namespaces labelled ims.imagecatalog.io/manager-credentials: allowed.
	// +optional
	CredentialsSecretRef *SecretReference `json:"credentialsSecretRef,omitempty"`

	// serviceAccountName lists with this ServiceAccount's identity (keyless): the operator
	// requests a short-lived token for it (audience --workload-identity-audience) and
	// exchanges it at IAM (identity provider --workload-identity-idp-id) for temporary
	// credentials, so IAM's identity-conversion rules decide what it may list. Cannot be
	// combined with credentialsSecretRef.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// refreshInterval is how often the query is synced, at least 1m.
	// Defaults to the manager's --default-refresh-interval (10m).
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m')",message="refreshInterval must be at least 1m"
	// +optional
	RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`

	// suspend stops syncing and leaves the status and the CloudImages in place.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// maxStatusImages is how many image summaries status.images lists.
	// All matching images are still mirrored as CloudImages.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	// +default=100
	// +optional
	MaxStatusImages *int32 `json:"maxStatusImages,omitempty"`

	// minAge is a soak time, e.g. 168h: an image matches only if its createdAt is at least
	// this long before the sync. An image whose createdAt cannot be read does not match
	// while minAge is set. A listed image that is still too young makes the next sync due
	// when it comes of age, if that is sooner than refreshInterval.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="minAge must be a duration such as 168h"
	// +optional
	MinAge *metav1.Duration `json:"minAge,omitempty"`

	// exclude drops known-bad images (by ID or by name) from the matches.
	// +optional
	Exclude *ImageExclusion `json:"exclude,omitempty"`

	// latestBy chooses status.latestImage among the matches: createdAt (the default: the
	// newest createdAt) or nameVersion: the first capture group of nameRegex, split on '.',
	// '-' and '_' and compared part by part as numbers (22.04 > 20.04, 1.32.10 > 1.32.9; a
	// leading v is ignored). An image whose capture is not such a version matches but is never
	// the latest; a tie goes to the newer createdAt.
	// +kubebuilder:validation:Enum=createdAt;nameVersion
	// +optional
	LatestBy LatestBy `json:"latestBy,omitempty"`

	// export keeps a ConfigMap in this namespace holding the latest image, for tools that
	// read ConfigMaps (Flux valuesFrom, Kustomize, Crossplane, scripts).
	// +optional
	Export *ExportSpec `json:"export,omitempty"`

	// promotion gates what becomes status.latestImage: a person's promotion (policy Manual),
	// or an upstream query's latest image after a soak time (from, minSoak). Without it,
	// latestImage follows the candidate as soon as it appears.
	// +optional
	Promotion *PromotionSpec `json:"promotion,omitempty"`

	// accessFrom lets ImageQueries of other namespaces follow this one with
	// spec.promotion.from; without it only queries of this namespace may.
	// +optional
	AccessFrom *AccessFrom `json:"accessFrom,omitempty"`
}

// MaxExcludedIDs bounds spec.exclude.ids.
const MaxExcludedIDs = 256

// ImageExclusion lists images that never match.
type ImageExclusion struct {
	// ids of images that never match.
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=64
	// +listType=set
	// +optional
	IDs []PlainText `json:"ids,omitempty"`

	// nameRegex is an RE2 expression; images whose name matches it never match
	// (release candidates, known-bad builds…).
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="''.matches(self) || !''.matches(self)",message="exclude.nameRegex must be a valid RE2 regular expression"
	// +optional
	NameRegex PlainText `json:"nameRegex,omitempty"`
}

// ExportSpec names the ConfigMap that holds the latest image. Its keys are imageID,
// imageName, region, platform, osVersion, architecture and createdAt. The ConfigMap is
// owned by the ImageQuery and labelled app.kubernetes.io/managed-by: ims-operator; a
// ConfigMap of that name that the query does not own is never touched (the query stalls
// with reason ExportConflict). A sync with no match leaves its last values in place.
type ExportSpec struct {
	// configMapName is the name of the ConfigMap, in the ImageQuery's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +required
	ConfigMapName string `json:"configMapName,omitempty"`

	// allowedImageIDs adds the key allowedImageIDs to the ConfigMap: the IDs of every usable
	// matching image, sorted, separated by single spaces (at most 1000: beyond that the first
	// 1000 in latestBy order, and a Warning event AllowListTruncated), for admission policies
	// that refuse an image the platform has not approved.
	// +optional
	AllowedImageIDs bool `json:"allowedImageIDs,omitempty"`
}

// ImageSummary is a short description of one matched image.
type ImageSummary struct {
	// id of the image in IMS, as IMS lists it.
	// +kubebuilder:validation:MaxLength=64
	// +required
	ID string `json:"id"`
	// name of the image.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Name string `json:"name,omitempty"`
	// status of the image, e.g. active.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +optional
	Status string `json:"status,omitempty"`
	// platform of the image, e.g. Ubuntu.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Platform string `json:"platform,omitempty"`
	// osVersion is the exact OS version, e.g. "CentOS 7.3 64bit".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	OSVersion string `json:"osVersion,omitempty"`
	// architecture is x86 or arm.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=16
	// +optional
	Architecture string `json:"architecture,omitempty"`
	// createdAt as IMS reports it (UTC).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	CreatedAt string `json:"createdAt,omitempty"`
}

// ImageQueryStatus is what the operator observed at the last sync.
type ImageQueryStatus struct {
	// conditions are Ready (the last sync succeeded), Reconciling (a sync is due or running)
	// and Stalled (an error that will not clear without a change, e.g. rejected credentials).
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// lastSyncTime is when the last complete listing finished.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// lastHandledRequestedAt is the value of the ims.imagecatalog.io/requested-at
	// annotation (or of Flux's reconcile.fluxcd.io/requestedAt; with both set, the pair) that
	// the last sync answered.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	LastHandledRequestedAt string `json:"lastHandledRequestedAt,omitempty"`

	// secretResourceVersion is the resourceVersion of the credentials Secret that the last
	// sync used; a new version (rotated credentials) triggers a sync.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	SecretResourceVersion string `json:"secretResourceVersion,omitempty"`

	// region the last sync listed from.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Region string `json:"region,omitempty"`

	// matchedImages is how many images matched in the last complete sync.
	// +optional
	MatchedImages int32 `json:"matchedImages"`

	// images summarises the matched images in the query's sort order, at most
	// spec.maxStatusImages of them. Every match is mirrored as a CloudImage.
	// +kubebuilder:validation:MaxItems=1000
	// +listType=atomic
	// +optional
	Images []ImageSummary `json:"images,omitempty"`

	// latestImage is the matching image chosen by spec.latestBy (by default the newest
	// createdAt).
	// +optional
	LatestImage *ImageSummary `json:"latestImage,omitempty"`

	// latestImages are the latest images of each variant (spec.latestPer), sorted by variant.
	// +kubebuilder:validation:MaxItems=1000
	// +listType=map
	// +listMapKey=variant
	// +optional
	LatestImages []VariantLatest `json:"latestImages,omitempty"`

	// previousLatestImage is what latestImage held before it last changed to another image
	// (for rollback, like Flux's observedPreviousRef).
	// +optional
	PreviousLatestImage *ImageSummary `json:"previousLatestImage,omitempty"`

	// candidateImage is the image that spec.latestBy picks now among the usable matches
	// (with spec.promotion.from: the upstream's soaked latest image, if it is a usable match
	// here). latestImage follows it in policy Automatic unless held.
	// +optional
	CandidateImage *ImageSummary `json:"candidateImage,omitempty"`

	// lastHandledPromote is the value of the ims.imagecatalog.io/promote annotation that was
	// last handled (applied or refused).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	LastHandledPromote string `json:"lastHandledPromote,omitempty"`

	// hold keeps latestImage on an image a person promoted in policy Automatic (a rollback),
	// until the annotation ims.imagecatalog.io/promote: latest.
	// +optional
	Hold *PromotionHold `json:"hold,omitempty"`

	// latestImageSince is when latestImage last changed to another image.
	// +optional
	LatestImageSince *metav1.Time `json:"latestImageSince,omitempty"`

	// latestHistory are the last images the query had as latestImage, newest (the current
	// one) first.
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	LatestHistory []LatestHistoryEntry `json:"latestHistory,omitempty"`

	// nextComingOfAgeTime is when the first listed image that was still too young for
	// spec.minAge comes of age; the next sync is due then if that is sooner than
	// refreshInterval.
	// +optional
	NextComingOfAgeTime *metav1.Time `json:"nextComingOfAgeTime,omitempty"`
}

// ImageQuery lists images from Huawei Cloud IMS on a schedule and mirrors each match as a
// CloudImage in its namespace.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=iq,categories=imagecatalog
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Matched",type=integer,JSONPath=`.status.matchedImages`
// +kubebuilder:printcolumn:name="Latest",type=string,JSONPath=`.status.latestImage.name`
// +kubebuilder:printcolumn:name="Candidate",type=string,priority=1,JSONPath=`.status.candidateImage.name`
// +kubebuilder:printcolumn:name="Last Sync",type=date,JSONPath=`.status.lastSyncTime`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Reason",type=string,priority=1,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
type ImageQuery struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is which images to list, where and how often.
	// +optional
	Spec ImageQuerySpec `json:"spec"`
	// status defaults to observedGeneration -1 ("not yet observed"), so that kstatus-based tools
	// (Flux, Argo CD, kubectl wait) read a query the operator has not reconciled yet as
	// InProgress rather than Current.
	// +default={"observedGeneration":-1}
	// +optional
	Status ImageQueryStatus `json:"status,omitempty"`
}

// ImageQueryList is a list of ImageQuery.
// +kubebuilder:object:root=true
type ImageQueryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ImageQuery `json:"items"`
}
