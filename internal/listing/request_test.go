package listing

import (
	"reflect"
	"testing"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

func ptr[T any](v T) *T { return &v }

// Every filter field reaches the wire under the reference's name.
func TestListRequestSendsEveryFilterField(t *testing.T) {
	spec := imsv1.ImageQuerySpec{
		Filter: imsv1.ImageFilter{
			IsRegistered: ptr(true), ImageType: "gold", WholeImage: ptr(false), Protected: ptr(true),
			Visibility: "shared", Owner: "owner-1", ID: "id-1", Status: "active", Name: "Ubuntu 22.04",
			FlavorID: "s6.large.2", ContainerFormat: "bare", DiskFormat: "zvhd2", MinRAM: ptr(int64(0)),
			MinDisk: ptr(int64(40)), OSBit: "64", Platform: "Oracle Linux", OSType: "Linux", Tag: "a=b",
			MemberStatus: "accepted", SupportKVM: true, SupportXen: true, SupportLargeMemory: true,
			SupportDiskIntensive: true, SupportHighPerformance: true, SupportXenGPUType: "V100_vGPU",
			SupportKVMGPUType: "V100", SupportXenHANA: true, SupportKVMInfiniband: true,
			VirtualEnvType: "FusionCompute", EnterpriseProjectID: "all_granted_eps",
			CreatedAt:    &imsv1.TimeFilter{Operator: "gt", Time: "2018-10-28T10:00:00Z"},
			UpdatedAt:    &imsv1.TimeFilter{Operator: "lte", Time: "2020-01-01T00:00:00Z"},
			Architecture: "arm",
		},
		Sort:     &imsv1.SortSpec{Key: "name", Direction: "asc"},
		PageSize: 50,
	}
	// Guard: the table above sets every field, so a new filter field must be mapped too.
	v := reflect.ValueOf(spec.Filter)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("test does not set filter field %s", v.Type().Field(i).Name)
		}
	}
	want := map[string]string{
		"__isregistered": "true", "__imagetype": "gold", "__whole_image": "false", "protected": "true",
		"visibility": "shared", "owner": "owner-1", "id": "id-1", "status": "active", "name": "Ubuntu 22.04",
		"flavor_id": "s6.large.2", "container_format": "bare", "disk_format": "zvhd2", "min_ram": "0",
		"min_disk": "40", "__os_bit": "64", "__platform": "Oracle Linux", "__os_type": "Linux", "tag": "a=b",
		"member_status": "accepted", "__support_kvm": "true", "__support_xen": "true",
		"__support_largememory": "true", "__support_diskintensive": "true", "__support_highperformance": "true",
		"__support_xen_gpu_type": "V100_vGPU", "__support_kvm_gpu_type": "V100", "__support_xen_hana": "true",
		"__support_kvm_infiniband": "true", "virtual_env_type": "FusionCompute",
		"enterprise_project_id": "all_granted_eps", "created_at": "gt:2018-10-28T10:00:00Z",
		"updated_at": "lte:2020-01-01T00:00:00Z", "architecture": "arm",
		"sort_key": "name", "sort_dir": "asc", "limit": "50",
	}
	got := Request(&spec, &spec.Filter).Values()
	for key, value := range want {
		if got.Get(key) != value {
			t.Errorf("%s = %q, want %q", key, got.Get(key), value)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("unexpected parameter %s=%q", key, got.Get(key))
		}
	}
}

// An empty spec sends only the page size: false flags and unset fields stay off the wire.
func TestListRequestOmitsUnsetFields(t *testing.T) {
	got := Request(&imsv1.ImageQuerySpec{}, &imsv1.ImageFilter{}).Values()
	if len(got) != 1 || got.Get("limit") != "500" {
		t.Errorf("empty spec sends %v, want only limit=500", got)
	}
}
