package controllers

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	r := imageRecord(img)
	if len(r.Name) > imsv1.MaxShortString || !utf8.ValidString(r.Name) {
		t.Errorf("name cut to %d bytes, valid UTF-8 %v", len(r.Name), utf8.ValidString(r.Name))
	}
	if len(r.Description) != imsv1.MaxLongString {
		t.Errorf("description is %d bytes, want %d", len(r.Description), imsv1.MaxLongString)
	}
	if len(r.Tags) != imsv1.MaxTags || len(r.ExtraProperties) != imsv1.MaxExtraProperty {
		t.Errorf("tags %d, extra properties %d", len(r.Tags), len(r.ExtraProperties))
	}
	if again := imageRecord(img); len(again.ExtraProperties) != len(r.ExtraProperties) {
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
	r := imageRecord(img)
	got := imageLabels("cn-north-4", &r)
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

func TestRecordListing(t *testing.T) {
	images := []*ims.Image{
		{ID: "a", Name: "A", CreatedAt: "2020-01-01T00:00:00Z"},
		{ID: "b", Name: "B", CreatedAt: "2023-05-01 10:00:00"}, // the API's other layout
		{ID: "c", Name: "C", CreatedAt: "2021-01-01T00:00:00Z"},
		{ID: "d", Name: "D", CreatedAt: "garbage"},
	}
	q := &imsv1.ImageQuery{Spec: imsv1.ImageQuerySpec{MaxStatusImages: ptr(int32(2))}}
	now := time.Date(2026, 11, 27, 10, 0, 0, 123, time.UTC)
	recordListing(q, matchResult{Images: images, Latest: newest(images)}, now)
	if q.Status.MatchedImages != 4 || len(q.Status.Images) != 2 || q.Status.Images[0].ID != "a" || q.Status.Images[1].ID != "b" {
		t.Errorf("status: matched %d, images %+v", q.Status.MatchedImages, q.Status.Images)
	}
	if q.Status.LatestImage == nil || q.Status.LatestImage.ID != "b" {
		t.Errorf("latestImage = %+v, want b", q.Status.LatestImage)
	}
	if !q.Status.LastSyncTime.Equal(&metav1.Time{Time: now.Truncate(time.Second)}) {
		t.Errorf("lastSyncTime = %v", q.Status.LastSyncTime)
	}

	q.Spec.MaxStatusImages = ptr(int32(0))
	recordListing(q, matchResult{}, now)
	if q.Status.MatchedImages != 0 || q.Status.Images != nil || q.Status.LatestImage != nil {
		t.Errorf("empty listing left %+v", q.Status)
	}
}

// Guard: every field of the client's image model reaches the CloudImage record, and every
// record field is filled from the listing. A field added to ims.Image but not to the CRD (or
// the other way round) fails here rather than vanish silently.
func TestImageRecordMapsEveryField(t *testing.T) {
	empty := imageRecord(&ims.Image{})
	imgType := reflect.TypeFor[ims.Image]()
	var all ims.Image
	for i := range imgType.NumField() {
		field := imgType.Field(i)
		var one ims.Image
		fill(t, reflect.ValueOf(&one).Elem().Field(i), field.Name)
		fill(t, reflect.ValueOf(&all).Elem().Field(i), field.Name)
		if reflect.DeepEqual(imageRecord(&one), empty) {
			t.Errorf("ims.Image.%s does not reach the CloudImage record (controllers/record.go)", field.Name)
		}
	}
	record := reflect.ValueOf(imageRecord(&all))
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

// previousLatestImage holds the image consumers saw before the latest one; a change is
// announced only when the latest image becomes another image ID.
func TestRecordLatest(t *testing.T) {
	a := &ims.Image{ID: "a", Name: "A 1.0", CreatedAt: "2026-01-01T00:00:00Z"}
	aRenamed := &ims.Image{ID: "a", Name: "A 1.0 (renamed)", CreatedAt: "2026-01-01T00:00:00Z"}
	b := &ims.Image{ID: "b", Name: "B 2.0", CreatedAt: "2026-02-01T00:00:00Z"}
	c := &ims.Image{ID: "c", Name: "C 3.0", CreatedAt: "2026-03-01T00:00:00Z"}
	var st imsv1.ImageQueryStatus
	steps := []struct {
		name             string
		latest           *ims.Image
		wantLatest, prev string // IDs, "" for none
		wantChange       string // "from→to", "" for no change announced
	}{
		{"first pick is not a change", a, "a", "", ""},
		{"same image", a, "a", "", ""},
		{"same ID, new name", aRenamed, "a", "", ""},
		{"another image", b, "b", "a", "a→b"},
		{"unchanged again", b, "b", "a", ""},
		{"nothing matches: the last latest is kept as previous", nil, "", "b", ""},
		{"still nothing", nil, "", "b", ""},
		{"a match again is a change from the last one seen", c, "c", "b", "b→c"},
		{"nothing, then the same image back", nil, "", "c", ""},
		{"the same image back is no change", c, "c", "c", ""},
		{"rollback", b, "b", "c", "c→b"},
	}
	for _, s := range steps {
		change := recordLatest(&st, s.latest)
		if got := summaryID(st.LatestImage); got != s.wantLatest {
			t.Errorf("%s: latest %q, want %q", s.name, got, s.wantLatest)
		}
		if got := summaryID(st.PreviousLatestImage); got != s.prev {
			t.Errorf("%s: previous %q, want %q", s.name, got, s.prev)
		}
		got := ""
		if change != nil {
			got = change.From.ID + "→" + change.To.ID
		}
		if got != s.wantChange {
			t.Errorf("%s: change %q, want %q", s.name, got, s.wantChange)
		}
	}
	if st.LatestImage.Name != "B 2.0" {
		t.Errorf("latest summary %+v", st.LatestImage)
	}
}

func summaryID(s *imsv1.ImageSummary) string {
	if s == nil {
		return ""
	}
	return s.ID
}

// The next coming of age is kept in whole seconds, rounded up, so that the sync it schedules
// never finds the image a hair too young.
func TestRecordListingComingOfAge(t *testing.T) {
	q := &imsv1.ImageQuery{}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	recordListing(q, matchResult{ComesOfAge: now.Add(90*time.Minute + 300*time.Millisecond)}, now)
	if want := now.Add(90*time.Minute + time.Second); q.Status.NextComingOfAgeTime == nil || !q.Status.NextComingOfAgeTime.Time.Equal(want) {
		t.Errorf("nextComingOfAgeTime %v, want %v", q.Status.NextComingOfAgeTime, want)
	}
	recordListing(q, matchResult{ComesOfAge: now.Add(time.Hour)}, now)
	if want := now.Add(time.Hour); !q.Status.NextComingOfAgeTime.Time.Equal(want) {
		t.Errorf("nextComingOfAgeTime %v, want %v (a whole second stays)", q.Status.NextComingOfAgeTime, want)
	}
	recordListing(q, matchResult{}, now)
	if q.Status.NextComingOfAgeTime != nil {
		t.Errorf("nextComingOfAgeTime %v, want none", q.Status.NextComingOfAgeTime)
	}
}
