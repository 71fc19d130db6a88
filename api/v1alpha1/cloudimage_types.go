package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Bounds of CloudImage strings. The operator cuts longer values from IMS to fit, so that one odd
// image cannot make its whole CloudImage unwritable.
const (
	MaxShortString   = 255
	MaxLongString    = 2048
	MaxTags          = 64
	MaxExtraProperty = 64
)

// ImageRecord is one image as IMS lists it. Field names follow the API's response fields
// (`__os_version` → osVersion, `min_ram` → minRAM, ...).
type ImageRecord struct {
	// id of the image in IMS (a lower-case UUID).
	// +kubebuilder:validation:MaxLength=64
	// +required
	ID string `json:"id"`
	// name of the image.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Name string `json:"name,omitempty"`
	// status is queued, saving, deleted, killed or active.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Status string `json:"status,omitempty"`
	// visibility is private, public or shared.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Visibility string `json:"visibility,omitempty"`
	// owner is the tenant (project) that owns the image.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Owner string `json:"owner,omitempty"`
	// file is the image file's upload/download link.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	File string `json:"file,omitempty"`
	// self is the image's own link.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Self string `json:"self,omitempty"`
	// schema is the image's schema link.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Schema string `json:"schema,omitempty"`
	// checksum (unused by IMS).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Checksum string `json:"checksum,omitempty"`
	// size (unused by IMS; see imageSize).
	// +optional
	Size *int64 `json:"size,omitempty"`
	// tags are the image's user tags.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=255
	// +listType=atomic
	// +optional
	Tags []string `json:"tags,omitempty"`
	// deleted tells whether the image is deleted.
	// +optional
	Deleted *bool `json:"deleted,omitempty"`
	// protected images cannot be deleted.
	// +optional
	Protected *bool `json:"protected,omitempty"`
	// containerFormat is the container format, e.g. bare.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	ContainerFormat string `json:"containerFormat,omitempty"`
	// diskFormat is the disk format, e.g. zvhd2, qcow2.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	DiskFormat string `json:"diskFormat,omitempty"`
	// minRAM is the minimum memory in MB.
	// +optional
	MinRAM *int64 `json:"minRAM,omitempty"`
	// minDisk is the minimum system disk in GB.
	// +optional
	MinDisk *int64 `json:"minDisk,omitempty"`
	// maxRAM is the maximum memory in MB (a string in the API).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	MaxRAM string `json:"maxRAM,omitempty"`
	// createdAt is the creation time (UTC) as IMS reports it.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	CreatedAt string `json:"createdAt,omitempty"`
	// updatedAt is the last update time (UTC) as IMS reports it.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	UpdatedAt string `json:"updatedAt,omitempty"`
	// deletedAt is the deletion time (UTC) as IMS reports it.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	DeletedAt string `json:"deletedAt,omitempty"`
	// osBit is "32" or "64".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	OSBit string `json:"osBit,omitempty"`
	// osVersion is the exact OS version, e.g. "CentOS 7.3 64bit".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	OSVersion string `json:"osVersion,omitempty"`
	// description of the image.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Description string `json:"description,omitempty"`
	// isRegistered tells whether the image is usable.
	// +optional
	IsRegistered *bool `json:"isRegistered,omitempty"`
	// platform is the OS platform, e.g. Ubuntu, Windows, Oracle Linux.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Platform string `json:"platform,omitempty"`
	// osType is Linux, Windows or Other.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	OSType string `json:"osType,omitempty"`
	// virtualEnvType is FusionCompute, Ironic or DataImage.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	VirtualEnvType string `json:"virtualEnvType,omitempty"`
	// imageSourceType is the backend storage, e.g. uds.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	ImageSourceType string `json:"imageSourceType,omitempty"`
	// imageType is gold (public), private or shared.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	ImageType string `json:"imageType,omitempty"`
	// virtualSize (unused by IMS).
	// +optional
	VirtualSize *int64 `json:"virtualSize,omitempty"`
	// originalImageName is the parent image's ID; empty for public images and images made from files.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	OriginalImageName string `json:"originalImageName,omitempty"`
	// backupID is the backup the image was made from.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	BackupID string `json:"backupID,omitempty"`
	// productCode is the marketplace product ID.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	ProductCode string `json:"productCode,omitempty"`
	// imageSize is the image file's size in bytes (a string in the API).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	ImageSize string `json:"imageSize,omitempty"`
	// dataOrigin is the image's source; empty for public images.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	DataOrigin string `json:"dataOrigin,omitempty"`
	// supportKVM is true if the image supports KVM.
	// +optional
	SupportKVM bool `json:"supportKVM,omitempty"`
	// supportXen is true if the image supports Xen.
	// +optional
	SupportXen bool `json:"supportXen,omitempty"`
	// supportLargeMemory is true if the image supports very large memory.
	// +optional
	SupportLargeMemory bool `json:"supportLargeMemory,omitempty"`
	// supportDiskIntensive is true if the image supports disk-intensive flavors.
	// +optional
	SupportDiskIntensive bool `json:"supportDiskIntensive,omitempty"`
	// supportHighPerformance is true if the image supports high-performance flavors.
	// +optional
	SupportHighPerformance bool `json:"supportHighPerformance,omitempty"`
	// supportXenHANA is true if the image supports SAP HANA under Xen.
	// +optional
	SupportXenHANA bool `json:"supportXenHANA,omitempty"`
	// supportKVMInfiniband is true if the image supports InfiniBand NICs under KVM.
	// +optional
	SupportKVMInfiniband bool `json:"supportKVMInfiniband,omitempty"`
	// supportXenGPUType is the GPU type supported under Xen.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	SupportXenGPUType string `json:"supportXenGPUType,omitempty"`
	// supportKVMGPUType is the GPU type supported under KVM.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	SupportKVMGPUType string `json:"supportKVMGPUType,omitempty"`
	// systemSupportMarket tells whether the image can be published to the marketplace.
	// +optional
	SystemSupportMarket *bool `json:"systemSupportMarket,omitempty"`
	// isOffshelved tells whether a marketplace image was withdrawn.
	// +optional
	IsOffshelved *bool `json:"isOffshelved,omitempty"`
	// enterpriseProjectID is "0" or absent for the default project, else a UUID.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	EnterpriseProjectID string `json:"enterpriseProjectID,omitempty"`
	// rootOrigin tells where an imported image came from, e.g. file.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	RootOrigin string `json:"rootOrigin,omitempty"`
	// sequenceNum is the ECS system-disk slot, e.g. "0".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	SequenceNum string `json:"sequenceNum,omitempty"`
	// supportFCInject true means the image does NOT support CloudInit password/key injection.
	// +optional
	SupportFCInject *bool `json:"supportFCInject,omitempty"`
	// supportARM tells whether the image is for ARM.
	// +optional
	SupportARM *bool `json:"supportARM,omitempty"`
	// hwFirmwareType is bios or uefi.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	HWFirmwareType string `json:"hwFirmwareType,omitempty"`
	// architecture is x86 or arm, derived by the operator from supportARM.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=16
	// +optional
	Architecture string `json:"architecture,omitempty"`
	// extraProperties keeps the fields IMS returned that this schema does not know, as strings
	// (non-string values as compact JSON).
	// +kubebuilder:validation:MaxProperties=64
	// +optional
	ExtraProperties map[string]string `json:"extraProperties,omitempty"`
}

// CloudImage is a read-only mirror of one IMS image, written by the operator for each image
// that an ImageQuery in the namespace matches, and named by the image ID. Select them with
// labels (ims.imagecatalog.io/platform, ...) or field selectors (image.platform, ...).
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=cimg,categories=imagecatalog
// +kubebuilder:selectablefield:JSONPath=`.region`
// +kubebuilder:selectablefield:JSONPath=`.image.name`
// +kubebuilder:selectablefield:JSONPath=`.image.platform`
// +kubebuilder:selectablefield:JSONPath=`.image.osType`
// +kubebuilder:selectablefield:JSONPath=`.image.architecture`
// +kubebuilder:selectablefield:JSONPath=`.image.status`
// +kubebuilder:selectablefield:JSONPath=`.image.imageType`
// +kubebuilder:selectablefield:JSONPath=`.image.visibility`
// +kubebuilder:printcolumn:name="Image Name",type=string,JSONPath=`.image.name`
// +kubebuilder:printcolumn:name="Platform",type=string,JSONPath=`.image.platform`
// +kubebuilder:printcolumn:name="OS Version",type=string,JSONPath=`.image.osVersion`
// +kubebuilder:printcolumn:name="Arch",type=string,JSONPath=`.image.architecture`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.image.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Region",type=string,priority=1,JSONPath=`.region`
// +kubebuilder:printcolumn:name="Image Type",type=string,priority=1,JSONPath=`.image.imageType`
type CloudImage struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata; the name is the image ID.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// region is the IMS region the image was listed from.
	// +kubebuilder:validation:MaxLength=64
	// +required
	Region string `json:"region"`

	// image is the image record as IMS listed it.
	// +required
	Image ImageRecord `json:"image"`
}

// CloudImageList is a list of CloudImage.
// +kubebuilder:object:root=true
type CloudImageList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CloudImage `json:"items"`
}
