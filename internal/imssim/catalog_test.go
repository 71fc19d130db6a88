package imssim

import (
	"reflect"
	"regexp"
	"testing"
)

var lowerUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkIDs requires unique lower-case UUID ids: CloudImage objects are
// named by them.
func checkIDs(t *testing.T, images []Image) {
	t.Helper()
	seen := map[string]bool{}
	for _, img := range images {
		id := img.ID()
		if !lowerUUID.MatchString(id) {
			t.Errorf("id %q is not a lower-case UUID", id)
		}
		if seen[id] {
			t.Errorf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

func TestDefaultCatalogInvariants(t *testing.T) {
	images := DefaultCatalog()
	if n := len(images); n < 60 || n > 100 {
		t.Errorf("%d images, want 60-100", n)
	}
	checkIDs(t, images)

	byID := map[string]Image{}
	platforms := map[string]bool{}
	arches := map[bool]bool{}
	memberStatuses := map[string]bool{}
	envs := map[string]bool{}
	var demoPrivate int
	for _, img := range images {
		byID[img.ID()] = img
		if img["__imagetype"] == "gold" {
			platforms[img["__platform"].(string)] = true
			arches[isArm(img)] = true
			if img["visibility"] != "public" || img["protected"] != true {
				t.Errorf("public image %s: visibility %v, protected %v", img["name"], img["visibility"], img["protected"])
			}
		}
		if p, ok := img["__platform"].(string); ok && (p == "Windows") != (img["__os_type"] == "Windows") {
			t.Errorf("%s: platform %s with os type %v", img["name"], p, img["__os_type"])
		}
		if s, ok := img["member_status"].(string); ok {
			memberStatuses[s] = true
		}
		if e, ok := img["virtual_env_type"].(string); ok {
			envs[e] = true
		}
		if img["owner"] == DemoProjectID && img["__imagetype"] == "private" {
			demoPrivate++
		}
	}
	for _, p := range []string{"Windows", "Ubuntu", "RedHat", "SUSE", "CentOS", "Debian", "OpenSUSE", "Oracle Linux", "Fedora", "Other", "CoreOS", "EulerOS",
		"openEuler", "Huawei Cloud EulerOS", "Kylin"} {
		if !platforms[p] {
			t.Errorf("no public %s image", p)
		}
	}
	if !arches[true] || !arches[false] {
		t.Errorf("public architectures %v, want both", arches)
	}
	for _, s := range []string{"accepted", "rejected", "pending"} {
		if !memberStatuses[s] {
			t.Errorf("no shared image with member_status %s", s)
		}
	}
	for _, e := range []string{"FusionCompute", "Ironic", "DataImage"} {
		if !envs[e] {
			t.Errorf("no %s image", e)
		}
	}
	if demoPrivate < 5 {
		t.Errorf("%d private images of the demo project", demoPrivate)
	}

	// The reference's response sample, verbatim.
	for id, want := range map[string]map[string]any{
		"bc6bed6e-ba3a-4447-afcc-449174a3eb52": {"name": "CentOS 7.3 64bit vivado", "__support_kvm_fpga_type": "VU9P",
			"created_at": "2018-09-06T14:03:27Z", "updated_at": "2018-09-06T15:17:33Z"},
		"0328c25e-c840-4496-81ac-c4e01b214b1f": {"name": "CentOS 7.3 64bit with sdx", "__support_kvm_fpga_type": "VU9P_COMMON",
			"created_at": "2018-09-06T14:03:05Z", "updated_at": "2018-09-25T14:27:40Z"},
	} {
		img, ok := byID[id]
		if !ok {
			t.Errorf("sample image %s missing", id)
			continue
		}
		common := map[string]any{
			"schema": "/v2/schemas/image", "min_disk": 100.0, "__image_source_type": "uds", "container_format": "bare",
			"file": "/v2/images/" + id + "/file", "protected": true, "checksum": "d41d8cd98f00b204e9800998ecf8427e",
			"id": id, "__isregistered": "true", "min_ram": 2048.0, "__lazyloading": "true",
			"owner": "1bed856811654c1cb661a6ca845ebc77", "__os_type": "Linux", "__imagetype": "gold", "visibility": "public",
			"virtual_env_type": "FusionCompute", "tags": []any{}, "__platform": "CentOS", "size": 0.0, "__os_bit": "64",
			"__os_version": "CentOS 7.3 64bit", "self": "/v2/images/" + id, "disk_format": "zvhd2", "virtual_size": nil,
			"hw_firmware_type": "bios", "status": "active", "__support_fc_inject": "true",
		}
		for k, v := range want {
			common[k] = v
		}
		if !reflect.DeepEqual(map[string]any(img), common) {
			t.Errorf("sample image %s\n got %v\nwant %v", id, img, common)
		}
	}
}

// Huawei Cloud no longer provides Windows public images: the newest public image (what a
// query without nameRegex reports as its latest) is a Linux one.
func TestDefaultCatalogNewestPublicImageIsNotWindows(t *testing.T) {
	f := newFixture(t, DefaultCatalog())
	newest := f.list(t, "__imagetype=gold&visibility=public&protected=true&sort_key=created_at&sort_dir=desc&limit=1")
	if len(newest) != 1 || newest[0]["__platform"] == "Windows" {
		t.Errorf("the newest public image is %v", newest)
	}
}

// KooGallery images are public, unprotected, carry a product code and say whether they were
// withdrawn (__is_offshelved, a string as IMS sends it); one of them is.
func TestDefaultCatalogMarketImages(t *testing.T) {
	offshelved := map[any]int{}
	for _, img := range DefaultCatalog() {
		if img["__imagetype"] != "market" {
			continue
		}
		if img["visibility"] != "public" || img["protected"] != false || img["__productcode"] == "" {
			t.Errorf("market image %s: visibility %v, protected %v, product code %q",
				img["name"], img["visibility"], img["protected"], img["__productcode"])
		}
		offshelved[img["__is_offshelved"]]++
	}
	if offshelved["true"] != 1 || offshelved["false"] < 1 || len(offshelved) != 2 {
		t.Errorf("__is_offshelved values %v, want \"true\" once and \"false\" otherwise", offshelved)
	}
}

// The demo project holds Cluster API node images as Kubernetes image-builder names and tags
// them, in an x86 and an arm family with the same Kubernetes releases, and one build still
// uploading: what a per-architecture query over image-builder's tags needs.
func TestDefaultCatalogClusterAPIImages(t *testing.T) {
	name := regexp.MustCompile(`^caphw-hwi-2204(-arm64)?-(v1\.\d+\.\d+)-(\d+)$`)
	releases := map[bool]map[string]bool{true: {}, false: {}}
	statuses := map[string]int{}
	for _, img := range DefaultCatalog() {
		m := name.FindStringSubmatch(img["name"].(string))
		if m == nil {
			continue
		}
		if img["owner"] != DemoProjectID || img["__imagetype"] != "private" || isArm(img) != (m[1] != "") {
			t.Errorf("%s: owner %v, type %v, arm %v", m[0], img["owner"], img["__imagetype"], isArm(img))
		}
		want := map[string]bool{"kubernetes_version=" + m[2]: true, "distribution_version=22.04": true}
		var containerd bool
		for _, tag := range img["tags"].([]any) {
			delete(want, tag.(string))
			containerd = containerd || regexp.MustCompile(`^containerd_version=1\.7\.\d+$`).MatchString(tag.(string))
		}
		if len(want) > 0 || !containerd {
			t.Errorf("%s: tags %v lack %v or a containerd_version", m[0], img["tags"], want)
		}
		releases[isArm(img)][m[2]] = true
		statuses[img["status"].(string)]++
	}
	if len(releases[false]) < 3 || len(releases[true]) < 3 {
		t.Errorf("Kubernetes releases: x86 %v, arm %v; want at least 3 each", releases[false], releases[true])
	}
	if statuses["queued"] != 1 || statuses["active"] < 6 {
		t.Errorf("statuses %v, want one queued and the rest active", statuses)
	}
}

func TestDefaultCatalogIsAFreshCopy(t *testing.T) {
	a := DefaultCatalog()
	a[0]["name"] = "changed"
	a[0]["tags"] = append(a[0]["tags"].([]any), "x")
	b := DefaultCatalog()
	if b[0]["name"] == "changed" || len(b[0]["tags"].([]any)) != 0 {
		t.Error("DefaultCatalog returned shared state")
	}
}

// The default catalog, served, lists every record with its unknown fields.
func TestDefaultCatalogServed(t *testing.T) {
	f := newFixture(t, nil)
	served := f.list(t, "limit=1000")
	if len(served) != len(DefaultCatalog()) {
		t.Fatalf("served %d of %d images", len(served), len(DefaultCatalog()))
	}
	for _, img := range served {
		if img.ID() == "bc6bed6e-ba3a-4447-afcc-449174a3eb52" {
			if v, ok := img["virtual_size"]; !ok || v != nil || img["__lazyloading"] != "true" {
				t.Errorf("sample image not served verbatim: %v", img)
			}
		}
	}
	// The reference's "common queries".
	for q, want := range map[string]int{
		"__imagetype=gold&visibility=public&protected=true": 53,
		"__imagetype=market": 3,
		"__imagetype=market&__platform=Huawei+Cloud+EulerOS":                      1,
		"__imagetype=gold&__platform=openEuler":                                   2,
		"__platform=Kylin":                                                        1,
		"owner=" + DemoProjectID:                                                  23,
		"member_status=accepted&visibility=shared&__imagetype=shared":             3,
		"member_status=rejected&visibility=shared&__imagetype=shared":             2,
		"member_status=pending&visibility=shared&__imagetype=shared":              2,
		"__imagetype=gold&__platform=Oracle+Linux":                                2,
		"__imagetype=gold&architecture=arm":                                       9,
		"__imagetype=gold&sort_key=name&limit=1":                                  1,
		"enterprise_project_id=" + DemoEnterpriseProjectID:                        3,
		"__imagetype=private&owner=" + DemoProjectID + "&status=active":           17,
		"__imagetype=private&tag=kubernetes_version%3Dv1.32.2":                    2,
		"__imagetype=private&architecture=arm&tag=distribution_version%3D22.04":   3,
		"virtual_env_type=Ironic":                                                 1,
		"__imagetype=gold&visibility=public&protected=true&flavor_id=kc1.large.2": 9,
	} {
		if got := len(f.list(t, q)); got != want {
			t.Errorf("?%s: %d images, want %d", q, got, want)
		}
	}
}

func TestGenerateCatalog(t *testing.T) {
	a := GenerateCatalog(1000, 42)
	if len(a) != 1000 {
		t.Fatalf("%d images", len(a))
	}
	if !reflect.DeepEqual(a, GenerateCatalog(1000, 42)) {
		t.Error("same seed, different catalogs")
	}
	if reflect.DeepEqual(idsOf(a), idsOf(GenerateCatalog(1000, 43))) {
		t.Error("different seeds, same ids")
	}
	checkIDs(t, a)
	platforms := map[any]bool{}
	kinds := map[any]bool{}
	arches := map[bool]bool{}
	created := map[any]bool{}
	for _, img := range a {
		platforms[img["__platform"]] = true
		kinds[img["__imagetype"]] = true
		arches[isArm(img)] = true
		created[img["created_at"]] = true
	}
	if len(platforms) != 12 || len(kinds) != 3 || len(arches) != 2 || len(created) < 990 {
		t.Errorf("not varied: %d platforms, %d image types, %d architectures, %d creation times",
			len(platforms), len(kinds), len(arches), len(created))
	}
	if n := len(GenerateCatalog(0, 1)); n != 0 {
		t.Errorf("GenerateCatalog(0) has %d images", n)
	}
}
