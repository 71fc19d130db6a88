package v1alpha1

// Closed value sets of the ImageQuery spec. The types are strings on the wire (the JSON shape
// is that of a plain string field); the CRD's enum markers are what the API server enforces.

// ImageType is the IMS image type (`__imagetype`).
type ImageType string

const (
	// ImageTypeGold is a public image provided by the cloud.
	ImageTypeGold ImageType = "gold"
	// ImageTypePrivate is an image owned by the tenant.
	ImageTypePrivate ImageType = "private"
	// ImageTypeShared is an image shared with or by the tenant.
	ImageTypeShared ImageType = "shared"
	// ImageTypeMarket is a KooGallery (marketplace) image.
	ImageTypeMarket ImageType = "market"
)

// Architecture is an image's CPU architecture.
type Architecture string

const (
	// ArchitectureX86 is x86-64.
	ArchitectureX86 Architecture = "x86"
	// ArchitectureARM is Arm64.
	ArchitectureARM Architecture = "arm"
)

// SortKey is the attribute a listing is sorted by (`sort_key`).
type SortKey string

const (
	SortKeyName            SortKey = "name"
	SortKeyContainerFormat SortKey = "container_format"
	SortKeyDiskFormat      SortKey = "disk_format"
	SortKeyStatus          SortKey = "status"
	SortKeyID              SortKey = "id"
	SortKeySize            SortKey = "size"
	SortKeyCreatedAt       SortKey = "created_at"
)

// SortDirection is the order of a listing (`sort_dir`).
type SortDirection string

const (
	SortAscending  SortDirection = "asc"
	SortDescending SortDirection = "desc"
)

// TimeOperator compares an image timestamp with TimeFilter.Time.
type TimeOperator string

const (
	TimeGreaterThan    TimeOperator = "gt"
	TimeGreaterOrEqual TimeOperator = "gte"
	TimeLessThan       TimeOperator = "lt"
	TimeLessOrEqual    TimeOperator = "lte"
	TimeEqual          TimeOperator = "eq"
	TimeNotEqual       TimeOperator = "neq"
)

// LatestBy is how status.latestImage is chosen among the matches (spec.latestBy).
type LatestBy string

const (
	// LatestByCreatedAt picks the newest createdAt (the default).
	LatestByCreatedAt LatestBy = "createdAt"
	// LatestByNameVersion picks the highest version in the first capture group of nameRegex.
	LatestByNameVersion LatestBy = "nameVersion"
)
