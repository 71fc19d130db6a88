package imssim

import (
	"net/http"
	"strings"
	"testing"
)

// Each bad request is a 400 IMG.0001 whose message names the parameter.
func TestBadRequests(t *testing.T) {
	f := newFixture(t, filterCatalog())
	tests := []struct {
		query, param string
	}{
		{"foo=bar", "foo"},                  // unknown parameter
		{"imagetype=gold", "imagetype"},     // wire names keep their underscores
		{"limit=0", "limit"},                // out of range
		{"limit=1001", "limit"},             // out of range
		{"limit=-1", "limit"},               // not a positive integer
		{"limit=ten", "limit"},              // not an integer
		{"limit=%2B5", "limit"},             // "+5": digits only
		{"limit=1&limit=2", "limit"},        // given twice
		{"sort_key=size,name", "sort_key"},  // one key only
		{"sort_key=updated_at", "sort_key"}, // not a sort key of the reference
		{"sort_dir=up", "sort_dir"},         // unknown direction
		{"sort_dir=ASC", "sort_dir"},        // case-sensitive
		{"created_at=2018-10-28T10:00:00Z", "created_at"},
		{"created_at=after:2018-10-28T10:00:00Z", "created_at"},
		{"created_at=gt:2018/10/28", "created_at"},
		{"created_at=gt:2018-10-28T10:00:00%2B08:00", "created_at"}, // UTC forms only
		{"updated_at=lt:yesterday", "updated_at"},
		{"__imagetype=public", "__imagetype"}, // closed sets
		{"visibility=community", "visibility"},
		{"status=ACTIVE", "status"},
		{"container_format=ovf", "container_format"},
		{"disk_format=vmdk", "disk_format"},
		{"__os_bit=16", "__os_bit"},
		{"__platform=1Ubuntu", "__platform"}, // open, but a name
		{"__platform=Ubuntu%3Brm", "__platform"},
		{"__os_type=linux", "__os_type"},
		{"virtual_env_type=Docker", "virtual_env_type"},
		{"architecture=aarch64", "architecture"},
		{"member_status=all&visibility=shared", "member_status"},
		{"enterprise_project_id=default", "enterprise_project_id"},
		{"__isregistered=false", "__isregistered"},
		{"protected=yes", "protected"}, // booleans are true/false
		{"__whole_image=1", "__whole_image"},
		{"__support_kvm=false", "__support_kvm"}, // flags take only true
		{"__support_xen_hana=yes", "__support_xen_hana"},
		{"min_ram=lots", "min_ram"},
		{"min_disk=-40", "min_disk"},
		{"name=", "name"}, // empty values
		{"marker=", "marker"},
		{"flavor_id=large", "flavor_id"},
		{"flavor_id=s6.huge.2", "flavor_id"},
		{"flavor_id=s6.large.2,c6.large.2", "flavor_id"}, // a single flavor only
		// The reference's "not combined" rules.
		{"__support_xen_gpu_type=M60&__support_xen=true", "__support_xen_gpu_type"},
		{"__support_xen_gpu_type=M60&__support_kvm=true", "__support_xen_gpu_type"},
		{"__support_kvm_gpu_type=V100&__support_xen=true", "__support_kvm_gpu_type"},
		{"__support_kvm_gpu_type=V100&__support_kvm=true", "__support_kvm_gpu_type"},
		{"__support_xen_hana=true&__support_xen=true", "__support_xen_hana"},
		{"__support_xen_hana=true&__support_kvm=true", "__support_xen_hana"},
		{"__support_kvm_infiniband=true&__support_xen=true", "__support_kvm_infiniband"},
		// member_status needs visibility=shared.
		{"member_status=accepted", "member_status"},
		{"member_status=accepted&visibility=private", "member_status"},
		// A marker must be in the filtered, sorted listing.
		{"marker=00000000-0000-4000-8000-000000000000", "marker"},
		{"marker=" + stableID("test/unregistered"), "marker"},
		{"__imagetype=shared&marker=" + stableID("test/cent-gold"), "marker"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			res := f.do(t, call{query: tc.query})
			if res.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", res.status, res.body)
			}
			e := decodeError(t, res.body)
			if e.Code != "IMG.0001" || !strings.Contains(e.Msg, `"`+tc.param+`"`) {
				t.Errorf("body %s: want IMG.0001 naming %q", res.body, tc.param)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// The "not combined" rules concern parameters, not each other's partners:
// infiniband may go with KVM.
func TestInfinibandWithKVMAllowed(t *testing.T) {
	f := newFixture(t, filterCatalog())
	if res := f.do(t, call{query: "__support_kvm_infiniband=true&__support_kvm=true"}); res.status != http.StatusOK {
		t.Errorf("status %d, body %s", res.status, res.body)
	}
}

func TestMalformedQueryString(t *testing.T) {
	f := newFixture(t, filterCatalog())
	// A token: a query that cannot be parsed cannot be signed either.
	res := f.do(t, call{query: "name=%zz", token: testToken})
	if res.status != http.StatusBadRequest {
		t.Fatalf("status %d, body %s", res.status, res.body)
	}
	if e := decodeError(t, res.body); e.Code != "IMG.0001" {
		t.Errorf("body %s", res.body)
	}
}
