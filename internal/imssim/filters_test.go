package imssim

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// absent removes a default field from a test record.
type absentField struct{}

var absent absentField

// rec builds a minimal registered, active, x86 KVM record named name; kv
// pairs override or (with absent) remove fields. Records are created a
// day apart in the order built, from 2018-10-25.
func rec(name string, day int, kv ...any) Image {
	img := Image{
		"id":               stableID("test/" + name),
		"name":             name,
		"__isregistered":   "true",
		"status":           "active",
		"container_format": "bare",
		"disk_format":      "zvhd2",
		"virtual_env_type": "FusionCompute",
		"__os_bit":         "64",
		"__platform":       "CentOS",
		"__os_type":        "Linux",
		"__imagetype":      "private",
		"visibility":       "private",
		"owner":            DemoProjectID,
		"protected":        false,
		"tags":             []string{},
		"created_at":       time.Date(2018, 10, 25+day, 10, 0, 0, 0, time.UTC).Format(time.RFC3339),
		"updated_at":       time.Date(2019, 1, 1+day, 0, 0, 0, 0, time.UTC).Format(time.RFC3339),
	}
	for i := 0; i < len(kv); i += 2 {
		if _, ok := kv[i+1].(absentField); ok {
			delete(img, kv[i].(string))
			continue
		}
		img[kv[i].(string)] = kv[i+1]
	}
	return img
}

func gold(kv ...any) []any {
	return append([]any{"__imagetype", "gold", "visibility", "public", "protected", true, "owner", publicOwner}, kv...)
}

const otherEP = "11111111-2222-3333-4444-555555555555"

// filterCatalog has, for every filter, records that match and records that
// do not. Day 3 is 2018-10-28T10:00:00Z, the reference's example time;
// day 10 is 2018-11-04.
func filterCatalog() []Image {
	return []Image{
		rec("cent-gold", 3, gold("__support_kvm", "true", "__support_xen", "true", "min_disk", 40)...),
		rec("oracle-gold", 5, gold("__platform", "Oracle Linux", "min_ram", 2048, "disk_format", "qcow2",
			"__support_kvm", true, "__support_highperformance", "true", "__support_arm", "true")...),
		rec("win-gold-gpu", 1, gold("__platform", "Windows", "__os_type", "Windows", "__os_bit", "32",
			"__support_xen_gpu_type", "M60")...),
		rec("kvm-gpu", 2, gold("__platform", "Ubuntu", "__support_kvm_gpu_type", "V100", "min_ram", 8192,
			"__support_largememory", "true")...),
		rec("hana", 4, gold("__platform", "SUSE", "__support_xen_hana", "true", "__support_diskintensive", "true",
			"__support_kvm_infiniband", "true")...),
		rec("ironic", 6, gold("virtual_env_type", "Ironic")...),
		rec("private-tagged", 7, "tags", []string{"env.prod", "team=web"}, "enterprise_project_id", DemoEnterpriseProjectID,
			"__whole_image", true, "status", "queued"),
		rec("private-arm-field", 8, "tags", []string{"solo"}, "architecture", "aarch64", "min_disk", 100,
			"__platform", "Debian", "updated_at", "2020-02-02T02:02:02Z"),
		rec("data", 9, "virtual_env_type", "DataImage", "enterprise_project_id", "0", "container_format", absent,
			"__platform", absent, "__os_type", "Other"),
		rec("shared-accepted", 10, "__imagetype", "shared", "visibility", "shared", "owner", partnerProjectID, "member_status", "accepted"),
		rec("shared-rejected", 11, "__imagetype", "shared", "visibility", "shared", "owner", partnerProjectID, "member_status", "rejected"),
		rec("shared-pending", 12, "__imagetype", "shared", "visibility", "shared", "owner", vendorProjectID, "member_status", "pending"),
		rec("unregistered", 13, gold("__isregistered", "false")...),
		rec("ep-other", 14, "enterprise_project_id", otherEP, "status", "saving"),
	}
}

// listed is every name a listing without filters returns.
var listed = []string{"cent-gold", "oracle-gold", "win-gold-gpu", "kvm-gpu", "hana", "ironic", "private-tagged",
	"private-arm-field", "data", "shared-accepted", "shared-rejected", "shared-pending", "ep-other"}

func allBut(names ...string) []string {
	return slices.DeleteFunc(slices.Clone(listed), func(n string) bool { return slices.Contains(names, n) })
}

func TestFilters(t *testing.T) {
	f := newFixture(t, filterCatalog())
	golds := []string{"cent-gold", "oracle-gold", "win-gold-gpu", "kvm-gpu", "hana", "ironic"}
	hanaID := stableID("test/hana")
	tests := []struct {
		query string
		want  []string
	}{
		{"", listed}, // unregistered images are never listed
		{"__isregistered=true", listed},
		{"__imagetype=gold", golds},
		{"__imagetype=shared", []string{"shared-accepted", "shared-rejected", "shared-pending"}},
		{"__imagetype=private", []string{"private-tagged", "private-arm-field", "data", "ep-other"}},
		{"__whole_image=true", []string{"private-tagged"}},
		{"__whole_image=false", allBut("private-tagged")}, // absent counts as false
		{"protected=true", golds},
		{"protected=false", allBut(golds...)},
		{"visibility=public", golds},
		{"visibility=shared", []string{"shared-accepted", "shared-rejected", "shared-pending"}},
		{"owner=" + vendorProjectID, []string{"shared-pending"}},
		{"owner=" + publicOwner, golds},
		{"id=" + hanaID, []string{"hana"}},
		{"id=" + stableID("test/unregistered"), nil},
		{"status=queued", []string{"private-tagged"}},
		{"status=saving", []string{"ep-other"}},
		{"status=killed", nil},
		{"name=cent-gold", []string{"cent-gold"}},
		{"name=CENT-GOLD", nil}, // exact, case-sensitive
		{"name=cent", nil},      // not a prefix match
		{"container_format=bare", allBut("data")},
		{"disk_format=qcow2", []string{"oracle-gold"}},
		{"disk_format=vhd", nil},
		{"min_ram=2048", []string{"oracle-gold"}},
		{"min_ram=0", allBut("oracle-gold", "kvm-gpu")}, // absent counts as 0
		{"min_disk=100", []string{"private-arm-field"}},
		{"min_disk=40", []string{"cent-gold"}},
		{"__os_bit=32", []string{"win-gold-gpu"}},
		{"__os_bit=64", allBut("win-gold-gpu")},
		{"__platform=Oracle%20Linux", []string{"oracle-gold"}},
		{"__platform=Oracle+Linux", []string{"oracle-gold"}},
		{"__platform=Windows", []string{"win-gold-gpu"}},
		{"__platform=Fedora", nil},
		{"__os_type=Windows", []string{"win-gold-gpu"}},
		{"__os_type=Other", []string{"data"}},
		{"tag=env%3Dprod", []string{"private-tagged"}}, // stored as env.prod
		{"tag=env=prod", []string{"private-tagged"}},
		{"tag=team=web", []string{"private-tagged"}}, // stored as team=web
		{"tag=solo", []string{"private-arm-field"}},
		{"tag=env", nil},
		{"tag=env=staging", nil},
		{"member_status=accepted&visibility=shared", []string{"shared-accepted"}},
		{"member_status=rejected&visibility=shared&__imagetype=shared", []string{"shared-rejected"}},
		{"member_status=pending&visibility=shared", []string{"shared-pending"}},
		{"__support_kvm=true", []string{"cent-gold", "oracle-gold"}}, // "true" and true
		{"__support_xen=true", []string{"cent-gold"}},
		{"__support_largememory=true", []string{"kvm-gpu"}},
		{"__support_diskintensive=true", []string{"hana"}},
		{"__support_highperformance=true", []string{"oracle-gold"}},
		{"__support_xen_gpu_type=M60", []string{"win-gold-gpu"}},
		{"__support_xen_gpu_type=V100", nil},
		{"__support_kvm_gpu_type=V100", []string{"kvm-gpu"}},
		{"__support_kvm_gpu_type=M60", nil},
		{"__support_xen_hana=true", []string{"hana"}},
		{"__support_kvm_infiniband=true", []string{"hana"}},
		{"virtual_env_type=Ironic", []string{"ironic"}},
		{"virtual_env_type=DataImage", []string{"data"}},
		{"virtual_env_type=FusionCompute", allBut("ironic", "data")},
		{"enterprise_project_id=0", allBut("private-tagged", "ep-other")}, // absent or "0"
		{"enterprise_project_id=" + DemoEnterpriseProjectID, []string{"private-tagged"}},
		{"enterprise_project_id=" + otherEP, []string{"ep-other"}},
		{"enterprise_project_id=all_granted_eps", listed},
		{"architecture=arm", []string{"oracle-gold", "private-arm-field"}}, // __support_arm, or the architecture field
		{"architecture=x86", allBut("oracle-gold", "private-arm-field")},
		{"created_at=eq:2018-10-28T10:00:00Z", []string{"cent-gold"}},
		{"created_at=eq:2018-10-28%2010:00:00", []string{"cent-gold"}},
		{"created_at=eq:2018-10-28+10:00:00", []string{"cent-gold"}},
		{"created_at=neq:2018-10-28T10:00:00Z", allBut("cent-gold")},
		{"created_at=gt:2018-11-04T10:00:00Z", []string{"shared-rejected", "shared-pending", "ep-other"}},
		{"created_at=gte:2018-11-04T10:00:00Z", []string{"shared-accepted", "shared-rejected", "shared-pending", "ep-other"}},
		{"created_at=lt:2018-10-28T10:00:00Z", []string{"win-gold-gpu", "kvm-gpu"}},
		{"created_at=lte:2018-10-28T10:00:00Z", []string{"cent-gold", "win-gold-gpu", "kvm-gpu"}},
		{"created_at=gt:2030-01-01T00:00:00Z", nil},
		{"updated_at=gt:2020-01-01T00:00:00Z", []string{"private-arm-field"}},
		{"updated_at=eq:2019-01-04%2000:00:00", []string{"cent-gold"}},
		// 2 vCPUs × 2 GiB = 4096 MiB: public x86 ECS images needing at most that.
		{"flavor_id=s6.large.2", []string{"cent-gold", "win-gold-gpu", "hana"}},
		// 8 vCPUs × 4 GiB: now the 8 GiB GPU image fits too.
		{"flavor_id=s6.2xlarge.4", []string{"cent-gold", "win-gold-gpu", "kvm-gpu", "hana"}},
		{"flavor_id=s6.small.1", []string{"cent-gold", "win-gold-gpu", "hana"}}, // 1 GiB
		{"flavor_id=kc1.large.2", []string{"oracle-gold"}},                      // Kunpeng: Arm only
		{"flavor_id=kc1.small.1", nil},                                          // 1 GiB < oracle's 2048 MiB
		{"flavor_id=physical.s4.3xlarge", []string{"ironic"}},
		{"__imagetype=gold&__platform=CentOS&protected=true", []string{"cent-gold", "ironic"}},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			got := sortedNames(f.list(t, tc.query))
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("?%s\n got %v\nwant %v", tc.query, got, want)
			}
		})
	}
}

// Every parameter of the reference is accepted: none of them is a 400
// with a valid value.
func TestEveryReferenceParameterAccepted(t *testing.T) {
	f := newFixture(t, filterCatalog())
	valid := map[string]string{
		"__isregistered": "true", "__imagetype": "gold", "__whole_image": "false", "protected": "true",
		"visibility": "public", "owner": publicOwner, "id": stableID("test/cent-gold"), "status": "active",
		"name": "cent-gold", "flavor_id": "s6.large.2", "container_format": "bare", "disk_format": "zvhd2",
		"min_ram": "0", "min_disk": "40", "__os_bit": "64", "__platform": "CentOS",
		"marker": stableID("test/cent-gold"), "limit": "10", "sort_key": "name", "sort_dir": "asc",
		"__os_type": "Linux", "tag": "a=b", "__support_kvm": "true", "__support_xen": "true",
		"__support_largememory": "true", "__support_diskintensive": "true", "__support_highperformance": "true",
		"__support_xen_gpu_type": "M60", "__support_kvm_gpu_type": "V100", "__support_xen_hana": "true",
		"__support_kvm_infiniband": "true", "virtual_env_type": "FusionCompute", "enterprise_project_id": "0",
		"created_at": "gt:2018-10-28T10:00:00Z", "updated_at": "lt:2018-10-28 10:00:00", "architecture": "x86",
	}
	for name, v := range valid {
		q := url.Values{name: {v}}
		if name == "marker" {
			q.Set("sort_key", "name") // a marker needs the image in the listing; any order will do
		}
		if res := f.do(t, call{query: q.Encode()}); res.status != 200 {
			t.Errorf("%s=%s: status %d, body %s", name, v, res.status, res.body)
		}
	}
	// member_status is valid only with visibility=shared.
	if res := f.do(t, call{query: "member_status=accepted&visibility=shared"}); res.status != 200 {
		t.Errorf("member_status: status %d, body %s", res.status, res.body)
	}
	if got := len(valid) + 1; got != 37 {
		t.Errorf("checked %d parameters, the reference has 37", got)
	}
}

func TestMemberStatusNeverServed(t *testing.T) {
	f := newFixture(t, filterCatalog())
	res := f.do(t, call{query: "member_status=accepted&visibility=shared"})
	if strings.Contains(string(res.body), "member_status") {
		t.Errorf("member_status served: %s", res.body)
	}
	// ...but the catalog still holds it, for tests that build expectations.
	for _, img := range f.sim.Catalog() {
		if img["name"] == "shared-accepted" && img["member_status"] != "accepted" {
			t.Errorf("Catalog() lost member_status: %v", img)
		}
	}
}
