package mirror

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

func TestImageRecordCutsValuesToTheSchema(t *testing.T) {
	extra := map[string]string{}
	for i := range imsv1.MaxExtraProperty + 10 {
		extra[strings.Repeat("k", 3)+string(rune('a'+i%26))+strings.Repeat("x", i)] = "v"
	}
	tags := make([]string, imsv1.MaxTags+5)
	for i := range tags {
		tags[i] = "t"
	}
	img := &ims.Image{
		ID:          "3f1e0a6c-1d4e-4b51-8f0e-5c1b2a3d4e5f",
		Name:        strings.Repeat("é", 200), // 400 bytes
		Description: strings.Repeat("d", 5000),
		Tags:        tags,
		Extra:       extra,
	}
	r := ImageRecord(img)
	if len(r.Name) > imsv1.MaxShortString || !utf8.ValidString(r.Name) {
		t.Errorf("name cut to %d bytes, valid UTF-8 %v", len(r.Name), utf8.ValidString(r.Name))
	}
	if len(r.Description) != imsv1.MaxLongString {
		t.Errorf("description is %d bytes, want %d", len(r.Description), imsv1.MaxLongString)
	}
	if len(r.Tags) != imsv1.MaxTags || len(r.ExtraProperties) != imsv1.MaxExtraProperty {
		t.Errorf("tags %d, extra properties %d", len(r.Tags), len(r.ExtraProperties))
	}
	if again := ImageRecord(img); len(again.ExtraProperties) != len(r.ExtraProperties) {
		t.Error("the kept extra properties differ between two conversions")
	} else {
		for k := range r.ExtraProperties {
			if _, ok := again.ExtraProperties[k]; !ok {
				t.Errorf("extra property %s kept once, dropped the next time: the subset must be stable", k)
			}
		}
	}
}

func TestImageLabels(t *testing.T) {
	arm := true
	img := &ims.Image{Platform: "Oracle Linux", OSType: "Linux", OSBit: "64", ImageType: "gold",
		Visibility: "public", Status: "active", SupportARM: &arm}
	r := ImageRecord(img)
	got := ImageLabels("cn-north-4", &r)
	want := map[string]string{
		imsv1.LabelManagedBy: "ims-operator", imsv1.LabelRegion: "cn-north-4", imsv1.LabelPlatform: "Oracle_Linux",
		imsv1.LabelOSType: "Linux", imsv1.LabelOSBit: "64", imsv1.LabelArchitecture: "arm",
		imsv1.LabelImageType: "gold", imsv1.LabelVisibility: "public", imsv1.LabelStatus: "active",
	}
	if len(got) != len(want) {
		t.Errorf("labels %v, want %v (an empty value gets no label)", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// Guard: every field of the client's image model reaches the CloudImage record, and every
// record field is filled from the listing. A field added to ims.Image but not to the CRD (or
// the other way round) fails here rather than vanish silently.
func TestImageRecordMapsEveryField(t *testing.T) {
	empty := ImageRecord(&ims.Image{})
	imgType := reflect.TypeFor[ims.Image]()
	var all ims.Image
	for i := range imgType.NumField() {
		field := imgType.Field(i)
		var one ims.Image
		fill(t, reflect.ValueOf(&one).Elem().Field(i), field.Name)
		fill(t, reflect.ValueOf(&all).Elem().Field(i), field.Name)
		if reflect.DeepEqual(ImageRecord(&one), empty) {
			t.Errorf("ims.Image.%s does not reach the CloudImage record (controllers/record.go)", field.Name)
		}
	}
	record := reflect.ValueOf(ImageRecord(&all))
	for i := range record.NumField() {
		if record.Field(i).IsZero() {
			t.Errorf("ImageRecord.%s is not filled from the listing (controllers/record.go)", record.Type().Field(i).Name)
		}
	}
}

// fill sets v to a non-zero value of its type.
func fill(t *testing.T, v reflect.Value, name string) {
	t.Helper()
	switch {
	case v.Kind() == reflect.String:
		v.SetString("v-" + name)
	case v.Kind() == reflect.Bool:
		v.SetBool(true)
	case v.Kind() == reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), name)
	case v.Kind() == reflect.Int64:
		v.SetInt(7)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		v.Set(reflect.ValueOf([]string{"v-" + name}))
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.String:
		v.Set(reflect.ValueOf(map[string]string{"k-" + name: "v"}))
	default:
		t.Fatalf("ims.Image.%s has type %s: teach fill (record_test.go) to set it", name, v.Type())
	}
}
