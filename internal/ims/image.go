package ims

import (
	"strings"
	"time"
)

// Image is one entry of a List-images response. Pointer fields are nil when
// the API sent null or nothing. Wire names are in the comments.
type Image struct {
	ID         string // id
	Name       string // name
	Status     string // status
	Visibility string // visibility
	Owner      string // owner
	File       string // file
	Self       string // self
	Schema     string // schema
	Checksum   string // checksum

	Size      *int64   // size
	Tags      []string // tags
	Deleted   *bool    // deleted
	Protected *bool    // protected

	ContainerFormat string // container_format
	DiskFormat      string // disk_format
	MinRAM          *int64 // min_ram, MB
	MinDisk         *int64 // min_disk, GB
	MaxRAM          string // max_ram (a string in the API)

	CreatedAt string // created_at
	UpdatedAt string // updated_at
	DeletedAt string // deleted_at

	OSBit        string // __os_bit
	OSVersion    string // __os_version
	Description  string // __description
	IsRegistered *bool  // __isregistered

	Platform        string // __platform
	OSType          string // __os_type
	VirtualEnvType  string // virtual_env_type
	ImageSourceType string // __image_source_type
	ImageType       string // __imagetype

	VirtualSize *int64 // virtual_size

	OriginalImageName string // __originalimagename
	BackupID          string // __backup_id
	ProductCode       string // __productcode
	ImageSize         string // __image_size (bytes, a string in the API)
	DataOrigin        string // __data_origin

	SupportKVM             bool // __support_kvm
	SupportXen             bool // __support_xen
	SupportLargeMemory     bool // __support_largememory
	SupportDiskIntensive   bool // __support_diskintensive
	SupportHighPerformance bool // __support_highperformance
	SupportXenHANA         bool // __support_xen_hana
	SupportKVMInfiniband   bool // __support_kvm_infiniband

	SupportXenGPUType string // __support_xen_gpu_type
	SupportKVMGPUType string // __support_kvm_gpu_type

	SystemSupportMarket *bool // __system_support_market
	IsOffshelved        *bool // __is_offshelved

	EnterpriseProjectID string // enterprise_project_id
	RootOrigin          string // __root_origin
	SequenceNum         string // __sequence_num

	SupportFCInject *bool // __support_fc_inject ("true": no CloudInit injection)
	SupportARM      *bool // __support_arm

	HWFirmwareType string // hw_firmware_type

	// Extra keeps every field the model does not know, and every known field
	// whose value had a type the model could not read, by wire name: strings
	// verbatim, other JSON values as compact JSON text. Nulls are dropped.
	Extra map[string]string
}

// Architecture is "arm" when an architecture field says arm (arm, arm64,
// aarch64) or __support_arm is true, else "x86".
func (i *Image) Architecture() string {
	if i.SupportARM != nil && *i.SupportARM {
		return "arm"
	}
	a := strings.ToLower(i.Extra["architecture"])
	if strings.HasPrefix(a, "arm") || a == "aarch64" {
		return "arm"
	}
	return "x86"
}

// ParseTime reads an IMS timestamp (created_at, updated_at): UTC, as RFC 3339 or in the
// older "2006-01-02 15:04:05" and "2006-01-02T15:04:05" layouts some regions still return.
func ParseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ParseTags reads IMS tag strings as a map: "key=value" (split at the first '='); a string
// without '=' is the legacy form "key.value" (split at the first '.'); a string with neither
// is a key with an empty value. A key given more than once keeps its last value, as IMS's
// own tag API overwrites a key.
func ParseTags(tags []string) map[string]string {
	out := make(map[string]string, len(tags))
	for _, tag := range tags {
		key, value, ok := strings.Cut(tag, "=")
		if !ok {
			key, value, _ = strings.Cut(tag, ".")
		}
		out[key] = value
	}
	return out
}

// Usable tells whether the image can be booted: IMS says it is active (not queued, saving,
// killed or deleted) and it is not off-shelved (withdrawn from the marketplace).
func (i *Image) Usable() bool {
	return i.Status == "active" && (i.IsOffshelved == nil || !*i.IsOffshelved)
}
