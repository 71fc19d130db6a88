package imssim

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// matcher decides whether a record belongs in a listing.
type matcher func(e *entry) bool

// filterParams holds every filter parameter of the List-images reference
// and how its value is checked and matched. Closed value sets are checked
// case-sensitively, as the reference spells them.
var filterParams = map[string]func(value string) (matcher, error){
	"__isregistered":   registeredFilter,
	"__imagetype":      enum("__imagetype", "gold", "private", "shared", "market"),
	"__whole_image":    boolean("__whole_image"),
	"protected":        boolean("protected"),
	"visibility":       enum("visibility", "public", "private", "shared"),
	"owner":            exact("owner"),
	"id":               exact("id"),
	"status":           enum("status", "queued", "saving", "deleted", "killed", "active"),
	"name":             exact("name"),
	"flavor_id":        flavorFilter,
	"container_format": enum("container_format", "bare"),
	// zvhd2 is not in the reference's list but is its default and what
	// every sample record holds.
	"disk_format":               enum("disk_format", "vhd", "zvhd", "zvhd2", "raw", "qcow2", "iso"),
	"min_ram":                   integer("min_ram"),
	"min_disk":                  integer("min_disk"),
	"__os_bit":                  enum("__os_bit", "32", "64"),
	"__platform":                platformFilter,
	"__os_type":                 enum("__os_type", "Linux", "Windows", "Other"),
	"tag":                       tagFilter,
	"member_status":             enum("member_status", "accepted", "rejected", "pending"),
	"__support_kvm":             flag("__support_kvm"),
	"__support_xen":             flag("__support_xen"),
	"__support_largememory":     flag("__support_largememory"),
	"__support_diskintensive":   flag("__support_diskintensive"),
	"__support_highperformance": flag("__support_highperformance"),
	"__support_xen_gpu_type":    exact("__support_xen_gpu_type"),
	"__support_kvm_gpu_type":    exact("__support_kvm_gpu_type"),
	"__support_xen_hana":        flag("__support_xen_hana"),
	"__support_kvm_infiniband":  flag("__support_kvm_infiniband"),
	"virtual_env_type":          enum("virtual_env_type", "FusionCompute", "Ironic", "DataImage"),
	"enterprise_project_id":     enterpriseProjectFilter,
	"created_at":                func(v string) (matcher, error) { return timeFilter("created_at", v) },
	"updated_at":                func(v string) (matcher, error) { return timeFilter("updated_at", v) },
	"architecture":              architectureFilter,
}

// platformPattern is what IMS takes as __platform: the reference's twelve values are examples,
// and IMS adds platforms over time (openEuler, Huawei Cloud EulerOS, Kylin, ...).
var platformPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9 ._()-]{0,63}$`)

// platformFilter matches __platform exactly, case-sensitively, like the closed sets.
func platformFilter(v string) (matcher, error) {
	if !platformPattern.MatchString(v) {
		return nil, fmt.Errorf("%q is not a platform name", v)
	}
	return exact("__platform")(v)
}

// registeredFilter: ordinary users only ever see registered images (the
// listing already hides the others), so "true" is the only value.
func registeredFilter(v string) (matcher, error) {
	if v != "true" {
		return nil, fmt.Errorf("only true is allowed (ordinary users list registered images only), got %q", v)
	}
	return nil, nil
}

func exact(key string) func(string) (matcher, error) {
	return func(v string) (matcher, error) {
		return func(e *entry) bool {
			s, ok := stringField(e.img, key)
			return ok && s == v
		}, nil
	}
}

func enum(key string, allowed ...string) func(string) (matcher, error) {
	match := exact(key)
	return func(v string) (matcher, error) {
		if !slices.Contains(allowed, v) {
			return nil, fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
		}
		return match(v)
	}
}

// boolean matches a true/false record field; an absent field is false.
func boolean(key string) func(string) (matcher, error) {
	return func(v string) (matcher, error) {
		if v != "true" && v != "false" {
			return nil, fmt.Errorf("want true or false, got %q", v)
		}
		want := v == "true"
		return func(e *entry) bool { return isTrue(e.img, key) == want }, nil
	}
}

// flag is a __support_* capability: the reference only defines "true", and
// records omit the field when unsupported.
func flag(key string) func(string) (matcher, error) {
	return func(v string) (matcher, error) {
		if v != "true" {
			return nil, fmt.Errorf("the only value is true, got %q", v)
		}
		return func(e *entry) bool { return isTrue(e.img, key) }, nil
	}
}

var digits = regexp.MustCompile(`^[0-9]{1,9}$`)

// integer matches min_ram/min_disk exactly; a record without the field
// counts as 0, Glance's default.
func integer(key string) func(string) (matcher, error) {
	return func(v string) (matcher, error) {
		if !digits.MatchString(v) {
			return nil, fmt.Errorf("want a non-negative integer, got %q", v)
		}
		want, _ := strconv.ParseFloat(v, 64)
		return func(e *entry) bool {
			n := numberField(e.img, key)
			return n == want
		}, nil
	}
}

// tagFilter: tags once stored as "Key.Value" are queried as "Key=Value",
// so tag=K=V matches a record tag "K.V" or "K=V"; tag=X matches "X".
func tagFilter(v string) (matcher, error) {
	wanted := []string{v}
	if k, val, ok := strings.Cut(v, "="); ok {
		wanted = append(wanted, k+"."+val)
	}
	return func(e *entry) bool {
		tags, _ := e.img["tags"].([]any)
		for _, t := range tags {
			if s, ok := t.(string); ok && slices.Contains(wanted, s) {
				return true
			}
		}
		return false
	}, nil
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// enterpriseProjectFilter: "0" is the default enterprise project, which is
// also where a record without the field belongs; all_granted_eps is every
// project the caller may see, which in the simulator is every record.
func enterpriseProjectFilter(v string) (matcher, error) {
	switch {
	case v == "all_granted_eps":
		return func(*entry) bool { return true }, nil
	case v == "0":
		return func(e *entry) bool {
			s, ok := stringField(e.img, "enterprise_project_id")
			return !ok || s == "" || s == "0"
		}, nil
	case uuidPattern.MatchString(v):
		return exact("enterprise_project_id")(v)
	}
	return nil, fmt.Errorf("want 0, all_granted_eps or an enterprise project UUID, got %q", v)
}

func architectureFilter(v string) (matcher, error) {
	if v != "x86" && v != "arm" {
		return nil, fmt.Errorf("%q is not one of x86, arm", v)
	}
	arm := v == "arm"
	return func(e *entry) bool { return e.arm == arm }, nil
}

// exclusiveParams are the reference's "not combined" rules: a parameter
// on the left may not appear with any parameter on its right.
var exclusiveParams = []struct {
	param string
	not   []string
}{
	{"__support_xen_gpu_type", []string{"__support_xen", "__support_kvm"}},
	{"__support_kvm_gpu_type", []string{"__support_xen", "__support_kvm"}},
	{"__support_xen_hana", []string{"__support_xen", "__support_kvm"}},
	{"__support_kvm_infiniband", []string{"__support_xen"}},
}
