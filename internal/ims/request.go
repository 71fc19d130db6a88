package ims

import (
	"net/url"
	"strconv"
	"strings"
)

// ListImagesRequest holds every query parameter of GET /v2/cloudimages.
// Empty strings, nil pointers and false flags are not sent.
type ListImagesRequest struct {
	IsRegistered *bool  // __isregistered
	ImageType    string // __imagetype: gold, private, shared, market
	WholeImage   *bool  // __whole_image
	Protected    *bool  // protected

	Visibility string // visibility: public, private, shared
	Owner      string // owner
	ID         string // id
	Status     string // status
	Name       string // name (exact match)
	FlavorID   string // flavor_id

	ContainerFormat string // container_format
	DiskFormat      string // disk_format
	MinRAM          *int64 // min_ram, MB
	MinDisk         *int64 // min_disk, GB
	OSBit           string // __os_bit
	Platform        string // __platform

	// Marker is the ID to start after; ListImages pages from it. Limit is
	// the page size.
	Marker  string // marker
	Limit   int    // limit
	SortKey string // sort_key
	SortDir string // sort_dir

	OSType       string // __os_type
	Tag          string // tag, e.g. "a=b"
	MemberStatus string // member_status (with Visibility "shared")

	// The API takes these as the string "true"; false means "not sent".
	SupportKVM             bool // __support_kvm
	SupportXen             bool // __support_xen
	SupportLargeMemory     bool // __support_largememory
	SupportDiskIntensive   bool // __support_diskintensive
	SupportHighPerformance bool // __support_highperformance

	SupportXenGPUType    string // __support_xen_gpu_type
	SupportKVMGPUType    string // __support_kvm_gpu_type
	SupportXenHANA       bool   // __support_xen_hana
	SupportKVMInfiniband bool   // __support_kvm_infiniband

	VirtualEnvType      string // virtual_env_type
	EnterpriseProjectID string // enterprise_project_id

	CreatedAt *TimeFilter // created_at, "op:time"
	UpdatedAt *TimeFilter // updated_at, "op:time"

	Architecture string // architecture: x86, arm
}

// TimeFilter compares created_at or updated_at with a time. Operator is one
// of gt, gte, lt, lte, eq, neq; Time is sent verbatim (the API takes
// 2018-10-28T10:00:00Z or "2018-10-28 10:00:00").
type TimeFilter struct {
	Operator string
	Time     string
}

// String is the wire form, "op:time".
func (f TimeFilter) String() string { return f.Operator + ":" + f.Time }

// Values returns the query parameters, keyed by wire name.
func (r ListImagesRequest) Values() url.Values {
	v := url.Values{}
	str := func(key, val string) {
		if val != "" {
			v.Set(key, val)
		}
	}
	optBool := func(key string, val *bool) {
		if val != nil {
			v.Set(key, strconv.FormatBool(*val))
		}
	}
	flag := func(key string, val bool) {
		if val {
			v.Set(key, "true")
		}
	}
	optInt := func(key string, val *int64) {
		if val != nil {
			v.Set(key, strconv.FormatInt(*val, 10))
		}
	}
	timeFilter := func(key string, f *TimeFilter) {
		if f != nil && (f.Operator != "" || f.Time != "") {
			v.Set(key, f.String())
		}
	}

	optBool("__isregistered", r.IsRegistered)
	str("__imagetype", r.ImageType)
	optBool("__whole_image", r.WholeImage)
	optBool("protected", r.Protected)
	str("visibility", r.Visibility)
	str("owner", r.Owner)
	str("id", r.ID)
	str("status", r.Status)
	str("name", r.Name)
	str("flavor_id", r.FlavorID)
	str("container_format", r.ContainerFormat)
	str("disk_format", r.DiskFormat)
	optInt("min_ram", r.MinRAM)
	optInt("min_disk", r.MinDisk)
	str("__os_bit", r.OSBit)
	str("__platform", r.Platform)
	str("marker", r.Marker)
	if r.Limit > 0 {
		v.Set("limit", strconv.Itoa(r.Limit))
	}
	str("sort_key", r.SortKey)
	str("sort_dir", r.SortDir)
	str("__os_type", r.OSType)
	str("tag", r.Tag)
	str("member_status", r.MemberStatus)
	flag("__support_kvm", r.SupportKVM)
	flag("__support_xen", r.SupportXen)
	flag("__support_largememory", r.SupportLargeMemory)
	flag("__support_diskintensive", r.SupportDiskIntensive)
	flag("__support_highperformance", r.SupportHighPerformance)
	str("__support_xen_gpu_type", r.SupportXenGPUType)
	str("__support_kvm_gpu_type", r.SupportKVMGPUType)
	flag("__support_xen_hana", r.SupportXenHANA)
	flag("__support_kvm_infiniband", r.SupportKVMInfiniband)
	str("virtual_env_type", r.VirtualEnvType)
	str("enterprise_project_id", r.EnterpriseProjectID)
	timeFilter("created_at", r.CreatedAt)
	timeFilter("updated_at", r.UpdatedAt)
	str("architecture", r.Architecture)
	return v
}

// encodeQuery is the wire form of v: sorted, escaped, and with spaces as
// %20 rather than '+', so that no reading of the query (form decoding or
// plain RFC 3986) sees anything but what was meant. Encode escapes a literal
// '+' as %2B, so every '+' it writes is a space.
func encodeQuery(v url.Values) string {
	return strings.ReplaceAll(v.Encode(), "+", "%20")
}
