package ims

import (
	"net/url"
	"reflect"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// Every field of ListImagesRequest, set alone, gives exactly one parameter
// with its wire name, value and escaping.
func TestRequestWireForm(t *testing.T) {
	tests := []struct {
		field string
		req   ListImagesRequest
		key   string
		value string
		wire  string
	}{
		{"IsRegistered", ListImagesRequest{IsRegistered: ptr(true)}, "__isregistered", "true", "__isregistered=true"},
		{"ImageType", ListImagesRequest{ImageType: "gold"}, "__imagetype", "gold", "__imagetype=gold"},
		{"WholeImage", ListImagesRequest{WholeImage: ptr(false)}, "__whole_image", "false", "__whole_image=false"},
		{"Protected", ListImagesRequest{Protected: ptr(true)}, "protected", "true", "protected=true"},
		{"Visibility", ListImagesRequest{Visibility: "shared"}, "visibility", "shared", "visibility=shared"},
		{"Owner", ListImagesRequest{Owner: "1bed856811654c1cb661a6ca845ebc77"}, "owner", "1bed856811654c1cb661a6ca845ebc77", "owner=1bed856811654c1cb661a6ca845ebc77"},
		{"ID", ListImagesRequest{ID: "bc6bed6e-ba3a-4447-afcc-449174a3eb52"}, "id", "bc6bed6e-ba3a-4447-afcc-449174a3eb52", "id=bc6bed6e-ba3a-4447-afcc-449174a3eb52"},
		{"Status", ListImagesRequest{Status: "active"}, "status", "active", "status=active"},
		{"Name", ListImagesRequest{Name: "CentOS 7.3 64bit & more"}, "name", "CentOS 7.3 64bit & more", "name=CentOS%207.3%2064bit%20%26%20more"},
		{"FlavorID", ListImagesRequest{FlavorID: "s6.large.2"}, "flavor_id", "s6.large.2", "flavor_id=s6.large.2"},
		{"ContainerFormat", ListImagesRequest{ContainerFormat: "bare"}, "container_format", "bare", "container_format=bare"},
		{"DiskFormat", ListImagesRequest{DiskFormat: "zvhd2"}, "disk_format", "zvhd2", "disk_format=zvhd2"},
		{"MinRAM", ListImagesRequest{MinRAM: ptr[int64](0)}, "min_ram", "0", "min_ram=0"},
		{"MinDisk", ListImagesRequest{MinDisk: ptr[int64](40)}, "min_disk", "40", "min_disk=40"},
		{"OSBit", ListImagesRequest{OSBit: "64"}, "__os_bit", "64", "__os_bit=64"},
		{"Platform", ListImagesRequest{Platform: "Oracle Linux"}, "__platform", "Oracle Linux", "__platform=Oracle%20Linux"},
		{"Marker", ListImagesRequest{Marker: "0328c25e-c840-4496-81ac-c4e01b214b1f"}, "marker", "0328c25e-c840-4496-81ac-c4e01b214b1f", "marker=0328c25e-c840-4496-81ac-c4e01b214b1f"},
		{"Limit", ListImagesRequest{Limit: 1000}, "limit", "1000", "limit=1000"},
		{"SortKey", ListImagesRequest{SortKey: "created_at"}, "sort_key", "created_at", "sort_key=created_at"},
		{"SortDir", ListImagesRequest{SortDir: "asc"}, "sort_dir", "asc", "sort_dir=asc"},
		{"OSType", ListImagesRequest{OSType: "Linux"}, "__os_type", "Linux", "__os_type=Linux"},
		{"Tag", ListImagesRequest{Tag: "a=b"}, "tag", "a=b", "tag=a%3Db"},
		{"MemberStatus", ListImagesRequest{MemberStatus: "accepted"}, "member_status", "accepted", "member_status=accepted"},
		{"SupportKVM", ListImagesRequest{SupportKVM: true}, "__support_kvm", "true", "__support_kvm=true"},
		{"SupportXen", ListImagesRequest{SupportXen: true}, "__support_xen", "true", "__support_xen=true"},
		{"SupportLargeMemory", ListImagesRequest{SupportLargeMemory: true}, "__support_largememory", "true", "__support_largememory=true"},
		{"SupportDiskIntensive", ListImagesRequest{SupportDiskIntensive: true}, "__support_diskintensive", "true", "__support_diskintensive=true"},
		{"SupportHighPerformance", ListImagesRequest{SupportHighPerformance: true}, "__support_highperformance", "true", "__support_highperformance=true"},
		{"SupportXenGPUType", ListImagesRequest{SupportXenGPUType: "V100_vGPU"}, "__support_xen_gpu_type", "V100_vGPU", "__support_xen_gpu_type=V100_vGPU"},
		{"SupportKVMGPUType", ListImagesRequest{SupportKVMGPUType: "V100"}, "__support_kvm_gpu_type", "V100", "__support_kvm_gpu_type=V100"},
		{"SupportXenHANA", ListImagesRequest{SupportXenHANA: true}, "__support_xen_hana", "true", "__support_xen_hana=true"},
		{"SupportKVMInfiniband", ListImagesRequest{SupportKVMInfiniband: true}, "__support_kvm_infiniband", "true", "__support_kvm_infiniband=true"},
		{"VirtualEnvType", ListImagesRequest{VirtualEnvType: "FusionCompute"}, "virtual_env_type", "FusionCompute", "virtual_env_type=FusionCompute"},
		{"EnterpriseProjectID", ListImagesRequest{EnterpriseProjectID: "all_granted_eps"}, "enterprise_project_id", "all_granted_eps", "enterprise_project_id=all_granted_eps"},
		{"CreatedAt", ListImagesRequest{CreatedAt: &TimeFilter{Operator: "gt", Time: "2018-10-28T10:00:00Z"}}, "created_at", "gt:2018-10-28T10:00:00Z", "created_at=gt%3A2018-10-28T10%3A00%3A00Z"},
		{"UpdatedAt", ListImagesRequest{UpdatedAt: &TimeFilter{Operator: "lte", Time: "2018-10-28 10:00:00"}}, "updated_at", "lte:2018-10-28 10:00:00", "updated_at=lte%3A2018-10-28%2010%3A00%3A00"},
		{"Architecture", ListImagesRequest{Architecture: "arm"}, "architecture", "arm", "architecture=arm"},
	}

	// The table must cover every field, so a field added later is tested.
	covered := map[string]bool{}
	for _, tc := range tests {
		covered[tc.field] = true
	}
	rt := reflect.TypeFor[ListImagesRequest]()
	for i := range rt.NumField() {
		if !covered[rt.Field(i).Name] {
			t.Errorf("field %s has no wire-form case", rt.Field(i).Name)
		}
	}
	if rt.NumField() != 37 {
		t.Errorf("ListImagesRequest has %d fields, want 37, one per query parameter of the reference", rt.NumField())
	}

	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			got := tc.req.Values()
			if want := (url.Values{tc.key: {tc.value}}); !reflect.DeepEqual(got, want) {
				t.Errorf("Values() = %v, want %v", got, want)
			}
			wire := encodeQuery(got)
			if wire != tc.wire {
				t.Errorf("wire = %s, want %s", wire, tc.wire)
			}
			back, err := url.ParseQuery(wire)
			if err != nil || back.Get(tc.key) != tc.value {
				t.Errorf("ParseQuery(%s) = %v, %v; want %s=%q", wire, back, err, tc.key, tc.value)
			}
		})
	}
}

func TestRequestZeroSendsNothing(t *testing.T) {
	if v := (ListImagesRequest{}).Values(); len(v) != 0 {
		t.Errorf("zero request sends %v", v)
	}
	// The flags the API takes only as "true" are not sent when false, and
	// an empty time filter is not sent either.
	r := ListImagesRequest{SupportKVM: false, CreatedAt: &TimeFilter{}}
	if v := r.Values(); len(v) != 0 {
		t.Errorf("false flags and empty filters send %v", v)
	}
}

// The seed's common queries, as a caller would write them.
func TestRequestCommonQueries(t *testing.T) {
	public := ListImagesRequest{ImageType: "gold", Visibility: "public", Protected: ptr(true)}
	if got := encodeQuery(public.Values()); got != "__imagetype=gold&protected=true&visibility=public" {
		t.Errorf("public images: %s", got)
	}
	accepted := ListImagesRequest{MemberStatus: "accepted", Visibility: "shared", ImageType: "shared"}
	if got := encodeQuery(accepted.Values()); got != "__imagetype=shared&member_status=accepted&visibility=shared" {
		t.Errorf("accepted shared images: %s", got)
	}
}

// A literal '+' must survive encodeQuery's space rewrite.
func TestEncodeQueryPlus(t *testing.T) {
	v := url.Values{"name": {"C++ a+b"}}
	wire := encodeQuery(v)
	if wire != "name=C%2B%2B%20a%2Bb" {
		t.Errorf("wire = %s", wire)
	}
	back, _ := url.ParseQuery(wire)
	if back.Get("name") != "C++ a+b" {
		t.Errorf("round trip = %q", back.Get("name"))
	}
}
