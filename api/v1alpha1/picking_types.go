package v1alpha1

// TagKey is an IMS tag key that becomes part of a label key (tag.ims.imagecatalog.io/<key>),
// so it must be a valid label name: at most 63 characters of [A-Za-z0-9._-], starting and
// ending with a letter or digit.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=63
// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`
type TagKey string

// TagGlob is a matchTags value: '*' is any run of characters, '?' one character, anything
// else stands for itself; "*" alone means "the key is present".
// +kubebuilder:validation:MaxLength=256
// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{061c}\x{200e}\x{200f}\x{202a}-\x{202e}\x{2066}-\x{2069}]')`,message="must not contain control characters or bidirectional text controls"
type TagGlob string

// VariantField is an image field that spec.latestPer picks a latest image within.
// +kubebuilder:validation:Enum=architecture;platform;osBit;virtualEnvType
type VariantField string

// The fields latestPer takes.
const (
	VariantArchitecture   VariantField = "architecture"
	VariantPlatform       VariantField = "platform"
	VariantOSBit          VariantField = "osBit"
	VariantVirtualEnvType VariantField = "virtualEnvType"
)

// VariantLatest is the latest image of one variant.
type VariantLatest struct {
	// variant is the variant's values joined by '-' in latestPer order, made label-safe
	// (e.g. arm, x86, Ubuntu-arm); a field the image does not have counts as "unknown".
	// +kubebuilder:validation:MaxLength=63
	// +required
	Variant string `json:"variant"`
	// image is the variant's latest image.
	// +required
	Image ImageSummary `json:"image"`
}
