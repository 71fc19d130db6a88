package ims

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// The reference's own response sample decodes completely.
func TestDecodeSeedSample(t *testing.T) {
	body, err := os.ReadFile("testdata/seed-response.json")
	if err != nil {
		t.Fatal(err)
	}
	images, err := decodePage(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 2 {
		t.Fatalf("got %d images, want 2", len(images))
	}
	want := &Image{
		ID: "bc6bed6e-ba3a-4447-afcc-449174a3eb52", Name: "CentOS 7.3 64bit vivado",
		Status: "active", Visibility: "public", Owner: "1bed856811654c1cb661a6ca845ebc77",
		File: "/v2/images/bc6bed6e-ba3a-4447-afcc-449174a3eb52/file", Self: "/v2/images/bc6bed6e-ba3a-4447-afcc-449174a3eb52",
		Schema: "/v2/schemas/image", Checksum: "d41d8cd98f00b204e9800998ecf8427e",
		Size: ptr[int64](0), Tags: []string{}, Protected: ptr(true),
		ContainerFormat: "bare", DiskFormat: "zvhd2", MinRAM: ptr[int64](2048), MinDisk: ptr[int64](100),
		CreatedAt: "2018-09-06T14:03:27Z", UpdatedAt: "2018-09-06T15:17:33Z",
		OSBit: "64", OSVersion: "CentOS 7.3 64bit", IsRegistered: ptr(true),
		Platform: "CentOS", OSType: "Linux", VirtualEnvType: "FusionCompute", ImageSourceType: "uds", ImageType: "gold",
		SupportFCInject: ptr(true), HWFirmwareType: "bios",
		Extra: map[string]string{"__support_kvm_fpga_type": "VU9P", "__lazyloading": "true"},
	}
	if !reflect.DeepEqual(images[0], want) {
		t.Errorf("image 0:\n got %+v\nwant %+v", *images[0], *want)
	}
	if images[0].VirtualSize != nil {
		t.Errorf("virtual_size null decoded as %d", *images[0].VirtualSize)
	}
	if images[1].ID != "0328c25e-c840-4496-81ac-c4e01b214b1f" || images[1].Extra["__support_kvm_fpga_type"] != "VU9P_COMMON" {
		t.Errorf("image 1 = %+v", *images[1])
	}
	if images[0].Architecture() != "x86" {
		t.Errorf("Architecture = %s", images[0].Architecture())
	}
}

func decodeOne(t *testing.T, obj string) *Image {
	t.Helper()
	images, err := decodePage([]byte(`{"images":[` + obj + `]}`))
	if err != nil {
		t.Fatalf("decode %s: %v", obj, err)
	}
	if len(images) != 1 {
		t.Fatalf("decode %s: %d images", obj, len(images))
	}
	return images[0]
}

// Drift the reference warns about is absorbed field by field; a value the
// model cannot read lands in Extra and never fails the page.
func TestDecodeTolerance(t *testing.T) {
	tests := []struct {
		name  string
		obj   string
		check func(*Image) bool
	}{
		{"bool from string", `{"protected":"TRUE","deleted":"false"}`, func(i *Image) bool { return *i.Protected && !*i.Deleted }},
		{"bool from bool", `{"__isregistered":true,"__support_arm":false}`, func(i *Image) bool { return *i.IsRegistered && !*i.SupportARM }},
		{"flag from string", `{"__support_kvm":"true","__support_xen":"False"}`, func(i *Image) bool { return i.SupportKVM && !i.SupportXen }},
		{"flag from bool", `{"__support_largememory":true}`, func(i *Image) bool { return i.SupportLargeMemory }},
		{"null bool", `{"protected":null,"__support_kvm":null}`, func(i *Image) bool { return i.Protected == nil && !i.SupportKVM && i.Extra == nil }},
		{"int from number", `{"min_disk":40,"size":-1}`, func(i *Image) bool { return *i.MinDisk == 40 && *i.Size == -1 }},
		{"int from integral float", `{"min_ram":2048.0,"size":1e3}`, func(i *Image) bool { return *i.MinRAM == 2048 && *i.Size == 1000 }},
		{"int from string", `{"min_disk":"100","virtual_size":"-5"}`, func(i *Image) bool { return *i.MinDisk == 100 && *i.VirtualSize == -5 }},
		{"null int", `{"virtual_size":null,"size":null}`, func(i *Image) bool { return i.VirtualSize == nil && i.Size == nil && i.Extra == nil }},
		{"string from number", `{"__os_bit":64,"max_ram":1.5e3}`, func(i *Image) bool { return i.OSBit == "64" && i.MaxRAM == "1.5e3" }},
		{"string from bool", `{"__image_size":false}`, func(i *Image) bool { return i.ImageSize == "false" }},
		{"null string", `{"name":null}`, func(i *Image) bool { return i.Name == "" && i.Extra == nil }},
		{"escaped string", `{"name":"a\"b\u00e9\\c\/d"}`, func(i *Image) bool { return i.Name == `a"bé\c/d` }},
		{"escaped key", `{"n\u0061me":"x"}`, func(i *Image) bool { return i.Name == "x" }},
		{"tags", `{"tags":["a.b","k=v",7]}`, func(i *Image) bool { return reflect.DeepEqual(i.Tags, []string{"a.b", "k=v", "7"}) }},
		{"null tags", `{"tags":null}`, func(i *Image) bool { return i.Tags == nil && i.Extra == nil }},

		{"fractional int to Extra", `{"min_disk":40.5}`, func(i *Image) bool { return i.MinDisk == nil && i.Extra["min_disk"] == "40.5" }},
		{"word in int to Extra", `{"min_ram":"lots"}`, func(i *Image) bool { return i.MinRAM == nil && i.Extra["min_ram"] == "lots" }},
		{"huge int to Extra", `{"size":1e30}`, func(i *Image) bool { return i.Size == nil && i.Extra["size"] == "1e30" }},
		{"hex string int to Extra", `{"size":"0x1p4"}`, func(i *Image) bool { return i.Size == nil && i.Extra["size"] == "0x1p4" }},
		{"number in bool to Extra", `{"protected":1}`, func(i *Image) bool { return i.Protected == nil && i.Extra["protected"] == "1" }},
		{"word in flag to Extra", `{"__support_xen":"yes"}`, func(i *Image) bool { return !i.SupportXen && i.Extra["__support_xen"] == "yes" }},
		{"object in string to Extra", `{"name": { "a" : [1, 2] }}`, func(i *Image) bool { return i.Name == "" && i.Extra["name"] == `{"a":[1,2]}` }},
		{"string tags to Extra", `{"tags":"a,b"}`, func(i *Image) bool { return i.Tags == nil && i.Extra["tags"] == "a,b" }},
		{"nested tags to Extra", `{"tags":["a",{"b":1}]}`, func(i *Image) bool { return i.Tags == nil && i.Extra["tags"] == `["a",{"b":1}]` }},

		{"unknown string", `{"__lazyloading":"true"}`, func(i *Image) bool { return i.Extra["__lazyloading"] == "true" }},
		{"unknown number", `{"__weird":12.50}`, func(i *Image) bool { return i.Extra["__weird"] == "12.50" }},
		{"unknown object", `{"meta":{ "x" : true }}`, func(i *Image) bool { return i.Extra["meta"] == `{"x":true}` }},
		{"unknown null dropped", `{"gone":null}`, func(i *Image) bool { return i.Extra == nil }},
		{"unknown null after a value", `{"gone":1,"gone":null,"kept":2}`, func(i *Image) bool { return len(i.Extra) == 1 && i.Extra["kept"] == "2" }},
		{"duplicate key: last wins", `{"min_disk":"x","min_disk":50}`, func(i *Image) bool { return *i.MinDisk == 50 && i.Extra == nil }},
		{"duplicate key: unreadable last wins", `{"min_disk":50,"min_disk":"x"}`, func(i *Image) bool { return i.MinDisk == nil && i.Extra["min_disk"] == "x" }},
		{"other fields survive a bad one", `{"id":"i1","min_disk":[],"name":"n"}`, func(i *Image) bool { return i.ID == "i1" && i.Name == "n" && i.Extra["min_disk"] == "[]" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im := decodeOne(t, tc.obj)
			if !tc.check(im) {
				t.Errorf("%s decoded as %+v", tc.obj, *im)
			}
		})
	}
}

// Every documented response field reaches its Image field.
func TestDecodeEveryDocumentedField(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for name, f := range imageFields {
		if b.Len() > 1 {
			b.WriteString(",")
		}
		var v string
		switch {
		case f.str != nil:
			v = `"s-` + name + `"`
		case f.flag != nil, f.optBool != nil:
			v = "true"
		case f.optInt != nil:
			v = "7"
		case f.tags:
			v = `["t"]`
		}
		b.WriteString(`"` + name + `":` + v)
	}
	b.WriteString("}")
	im := decodeOne(t, b.String())
	if im.Extra != nil {
		t.Errorf("known fields went to Extra: %v", im.Extra)
	}
	rv := reflect.ValueOf(im).Elem()
	for i := range rv.NumField() {
		name := rv.Type().Field(i).Name
		if name == "Extra" {
			continue
		}
		if rv.Field(i).IsZero() {
			t.Errorf("field %s is not filled from any wire name", name)
		}
	}
	if len(imageFields) != rv.NumField()-1 {
		t.Errorf("%d wire names for %d fields", len(imageFields), rv.NumField()-1)
	}
	if im.ID != "s-id" || im.OSVersion != "s-__os_version" || im.HWFirmwareType != "s-hw_firmware_type" || !*im.SupportFCInject {
		t.Errorf("wire names mapped wrong: %+v", *im)
	}
}

func TestArchitecture(t *testing.T) {
	for obj, want := range map[string]string{
		`{}`:                         "x86",
		`{"__support_arm":"true"}`:   "arm",
		`{"__support_arm":"false"}`:  "x86",
		`{"architecture":"arm"}`:     "arm",
		`{"architecture":"ARM64"}`:   "arm",
		`{"architecture":"aarch64"}`: "arm",
		`{"architecture":"x86"}`:     "x86",
	} {
		if got := decodeOne(t, obj).Architecture(); got != want {
			t.Errorf("%s: Architecture() = %s, want %s", obj, got, want)
		}
	}
}

// A page that cannot be read is an incomplete listing, not an empty one.
func TestDecodeBadPages(t *testing.T) {
	for _, body := range []string{
		``,
		`<html>502 Bad Gateway</html>`,
		`{"images":[{"id":"a"},{"id":"b"`, // truncated
		`{"images":[{"id":"a"}]} trailing`,
		`[]`,
		`{}`,
		`{"image":[]}`,
		`{"images":null}`,
		`{"images":{"id":"a"}}`,
		`{"images":[{"id":"a"},null]}`,
		`{"images":["a"]}`,
	} {
		images, err := decodePage([]byte(body))
		if err == nil {
			t.Errorf("%q decoded as %d images without error", body, len(images))
			continue
		}
		if ClassOf(err) != ClassIncomplete {
			t.Errorf("%q: class %q, want %q", body, ClassOf(err), ClassIncomplete)
		}
	}
}

func TestDecodeEmptyPage(t *testing.T) {
	for _, body := range []string{`{"images":[]}`, " {\n \"images\" : [ ] , \"next\":null}\n"} {
		images, err := decodePage([]byte(body))
		if err != nil || len(images) != 0 {
			t.Errorf("%q: %v, %v", body, images, err)
		}
	}
}

// The reference's response fields, spelled out here rather than taken from imageFields, so a
// misspelt wire name in the decoder cannot pass unnoticed.
var referenceResponseFields = strings.Fields(`file owner id size self schema status tags visibility
	name checksum deleted protected container_format min_ram max_ram updated_at __os_bit
	__os_version __description disk_format __isregistered __platform __os_type min_disk
	virtual_env_type __image_source_type __imagetype created_at virtual_size deleted_at
	__originalimagename __backup_id __productcode __image_size __data_origin __support_kvm
	__support_xen __support_largememory __support_diskintensive __support_highperformance
	__support_xen_hana __support_kvm_infiniband __support_xen_gpu_type __support_kvm_gpu_type
	__system_support_market __is_offshelved enterprise_project_id __root_origin __sequence_num
	__support_fc_inject hw_firmware_type __support_arm`)

func TestDecoderKnowsTheReferenceFields(t *testing.T) {
	if len(referenceResponseFields) != 53 {
		t.Fatalf("the list holds %d fields, the reference 53", len(referenceResponseFields))
	}
	for _, name := range referenceResponseFields {
		if _, ok := imageFields[name]; !ok {
			t.Errorf("response field %s is not decoded into Image", name)
		}
	}
	if len(imageFields) != len(referenceResponseFields) {
		t.Errorf("the decoder knows %d fields, the reference %d", len(imageFields), len(referenceResponseFields))
	}
}
