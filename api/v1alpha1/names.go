package v1alpha1

// Names that users, GitOps repositories and other controllers depend on (../shared/api-contract.md).
const (
	// RequestedAtAnnotation asks for an immediate sync when set to a new value.
	RequestedAtAnnotation = "ims.imagecatalog.io/requested-at"
	// PromoteAnnotation promotes an image to status.latestImage: an image ID among the usable
	// matches, or PromoteLatest for the current candidate. Each value is handled once.
	PromoteAnnotation = "ims.imagecatalog.io/promote"
	// PromoteLatest as the promote annotation's value promotes the candidate and ends a hold.
	PromoteLatest = "latest"
	// FluxRequestedAtAnnotation is Flux's name for the same ask (a Flux Receiver sets it); see
	// README "Sync now" for which value status.lastHandledRequestedAt then holds.
	FluxRequestedAtAnnotation = "reconcile.fluxcd.io/requestedAt"
	// ContentHashAnnotation on a CloudImage is a hash of its region and record, as the
	// operator wrote them: the operator caches CloudImages as metadata only and compares
	// this hash with the listing's instead of whole records.
	ContentHashAnnotation = "ims.imagecatalog.io/content-hash"

	// LabelPrefix is the prefix of every image-attribute label on a CloudImage.
	LabelPrefix = "ims.imagecatalog.io/"
	// QueryLabelPrefix prefixes the per-ImageQuery label ("query.ims.imagecatalog.io/<name>": "true").
	QueryLabelPrefix = "query.ims.imagecatalog.io/"
	// LatestLabelPrefix prefixes the label on the one CloudImage that is an ImageQuery's
	// status.latestImage ("latest.ims.imagecatalog.io/<name>": "true").
	LatestLabelPrefix = "latest.ims.imagecatalog.io/"
	// TagLabelPrefix prefixes the labels of spec.tagLabels ("tag.ims.imagecatalog.io/<key>").
	TagLabelPrefix = "tag.ims.imagecatalog.io/"

	LabelManagedBy      = "app.kubernetes.io/managed-by"
	ManagedByValue      = "ims-operator"
	LabelRegion         = LabelPrefix + "region"
	LabelPlatform       = LabelPrefix + "platform"
	LabelOSType         = LabelPrefix + "os-type"
	LabelOSBit          = LabelPrefix + "os-bit"
	LabelArchitecture   = LabelPrefix + "architecture"
	LabelImageType      = LabelPrefix + "image-type"
	LabelVisibility     = LabelPrefix + "visibility"
	LabelStatus         = LabelPrefix + "status"
	LabelVirtualEnvType = LabelPrefix + "virtual-env-type"
	// LabelOffshelved is "true" on a CloudImage whose image IMS marks as withdrawn.
	LabelOffshelved = LabelPrefix + "offshelved"
)

// Condition types on ImageQuery. Ready is the summary; Reconciling and Stalled follow the
// kstatus conventions that Flux, Argo CD and kubectl-based tools read.
const (
	ConditionReady       = "Ready"
	ConditionReconciling = "Reconciling"
	ConditionStalled     = "Stalled"
	// ConditionLatestImageReady says whether a usable image was chosen as status.latestImage.
	ConditionLatestImageReady = "LatestImageReady"
)
