package selection

import (
	"maps"
	"slices"
	"strings"
	"testing"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

func image(id, status, created string, mutate ...func(*ims.Image)) *ims.Image {
	img := &ims.Image{ID: id, Name: id, Status: status, CreatedAt: created}
	for _, m := range mutate {
		m(img)
	}
	return img
}

func offshelved(img *ims.Image) { t := true; img.IsOffshelved = &t }
func arch(a string) func(*ims.Image) {
	return func(img *ims.Image) {
		img.SupportARM = ptrBool(a == "arm")
		img.Extra = map[string]string{"architecture": a}
	}
}
func platform(p string) func(*ims.Image)     { return func(img *ims.Image) { img.Platform = p } }
func tagged(tags ...string) func(*ims.Image) { return func(img *ims.Image) { img.Tags = tags } }
func ptrBool(b bool) *bool                   { return &b }

// Only an active, not off-shelved image can be latest; every match is still a match.
func TestOnlyUsableImagesCanBeLatest(t *testing.T) {
	listing := []*ims.Image{
		image("queued-newest", "queued", "2026-02-01T00:00:00Z"),
		image("saving", "saving", "2026-01-20T00:00:00Z"),
		image("withdrawn", "active", "2026-01-15T00:00:00Z", offshelved),
		image("active", "active", "2026-01-01T00:00:00Z"),
		image("killed", "killed", "2026-01-30T00:00:00Z"),
	}
	res, f := match(&imsv1.ImageQuerySpec{}, listing, syncTime)
	if f != nil {
		t.Fatal(f)
	}
	if len(res.Images) != 5 || idOf(res.Latest) != "active" || len(res.Usable) != 1 {
		t.Errorf("matched %d, latest %q, usable %v; want 5, the active one, 1", len(res.Images), idOf(res.Latest), ids(res.Usable))
	}
	res, _ = match(&imsv1.ImageQuerySpec{}, listing[:3], syncTime)
	if res.Latest != nil || len(res.Images) != 3 {
		t.Errorf("nothing usable: latest %q, want none (matched %d)", idOf(res.Latest), len(res.Images))
	}
}

func TestParseTags(t *testing.T) {
	long := strings.Repeat("v", 1000)
	for _, tc := range []struct {
		tags []string
		want map[string]string
	}{
		{[]string{"kubernetes_version=v1.32.0", "distribution_version=22.04"}, map[string]string{"kubernetes_version": "v1.32.0", "distribution_version": "22.04"}},
		{[]string{"a=b=c"}, map[string]string{"a": "b=c"}},                                   // '=' in the value
		{[]string{"legacy.value.with.dots"}, map[string]string{"legacy": "value.with.dots"}}, // the legacy form
		{[]string{"a.b=c"}, map[string]string{"a.b": "c"}},                                   // '=' wins over '.'
		{[]string{"bare"}, map[string]string{"bare": ""}},
		{[]string{"k=1", "k=2"}, map[string]string{"k": "2"}}, // the last wins
		{[]string{"k=" + long}, map[string]string{"k": long}},
		{[]string{"=v"}, map[string]string{"": "v"}},
		{nil, map[string]string{}},
	} {
		if got := ims.ParseTags(tc.tags); !maps.Equal(got, tc.want) {
			t.Errorf("ParseTags(%q) = %v, want %v", tc.tags, got, tc.want)
		}
	}
}

func TestMatchTags(t *testing.T) {
	builder := func(id, k8s string, extra ...string) *ims.Image {
		return image(id, "active", "2026-01-01T00:00:00Z", tagged(append([]string{"kubernetes_version=" + k8s, "containerd_version=1.7.2"}, extra...)...))
	}
	listing := []*ims.Image{
		builder("132", "v1.32.0"),
		builder("1310", "v1.31.0"),
		builder("1321", "v1.32.1", "distribution_version.22.04"), // legacy form
		image("untagged", "active", "2026-01-01T00:00:00Z"),
	}
	for _, tc := range []struct {
		name string
		tags map[string]imsv1.TagGlob
		want []string
	}{
		{"present", map[string]imsv1.TagGlob{"kubernetes_version": "*"}, []string{"132", "1310", "1321"}},
		{"star", map[string]imsv1.TagGlob{"kubernetes_version": "v1.32.*"}, []string{"132", "1321"}},
		{"question mark", map[string]imsv1.TagGlob{"kubernetes_version": "v1.3?.0"}, []string{"132", "1310"}},
		{"exact", map[string]imsv1.TagGlob{"kubernetes_version": "v1.32.0"}, []string{"132"}},
		{"regexp characters are literal", map[string]imsv1.TagGlob{"kubernetes_version": "v1.32.+"}, []string{}},
		{"every entry", map[string]imsv1.TagGlob{"kubernetes_version": "v1.32.*", "distribution_version": "22.04"}, []string{"1321"}},
		{"missing key", map[string]imsv1.TagGlob{"gpu": "*"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, f := match(&imsv1.ImageQuerySpec{MatchTags: tc.tags}, listing, syncTime)
			if f != nil {
				t.Fatal(f)
			}
			if got := ids(res.Images); !slices.Equal(got, tc.want) {
				t.Errorf("matched %v, want %v", got, tc.want)
			}
		})
	}
}

// latestPer: the latestBy choice within each variant, variants sorted and label-safe; an
// image without the field's value is in the "unknown" variant and breaks nothing.
func TestLatestPerVariant(t *testing.T) {
	listing := []*ims.Image{
		image("x86-old", "active", "2026-01-01T00:00:00Z", arch("x86"), platform("Ubuntu")),
		image("x86-new", "active", "2026-01-05T00:00:00Z", arch("x86"), platform("Ubuntu")),
		image("arm-new-queued", "queued", "2026-01-09T00:00:00Z", arch("arm"), platform("Ubuntu")),
		image("arm", "active", "2026-01-03T00:00:00Z", arch("arm"), platform("Ubuntu")),
		image("oracle-x86", "active", "2026-01-02T00:00:00Z", arch("x86"), platform("Oracle Linux")),
		image("no-platform", "active", "2026-01-04T00:00:00Z", arch("x86")),
	}
	for _, tc := range []struct {
		per  []imsv1.VariantField
		want map[string]string
	}{
		{[]imsv1.VariantField{"architecture"}, map[string]string{"arm": "arm", "x86": "x86-new"}},
		{[]imsv1.VariantField{"platform", "architecture"}, map[string]string{
			"Ubuntu-arm": "arm", "Ubuntu-x86": "x86-new", "Oracle_Linux-x86": "oracle-x86", "unknown-x86": "no-platform"}},
	} {
		res, f := match(&imsv1.ImageQuerySpec{LatestPer: tc.per}, listing, syncTime)
		if f != nil {
			t.Fatal(f)
		}
		got := map[string]string{}
		var names []string
		for _, v := range res.Variants {
			got[v.Name] = v.Latest.ID
			names = append(names, v.Name)
		}
		if !maps.Equal(got, tc.want) || !slices.IsSorted(names) {
			t.Errorf("latestPer %v: variants %v (order %v), want %v sorted", tc.per, got, names, tc.want)
		}
		if idOf(res.Latest) != "x86-new" {
			t.Errorf("latestPer %v: overall latest %q, want x86-new", tc.per, idOf(res.Latest))
		}
	}
}

// Usable is in latestBy order: the allow list's order when it must be cut.
func TestUsableInLatestByOrder(t *testing.T) {
	listing := []*ims.Image{
		image("b", "active", "2026-01-02T00:00:00Z"),
		image("undated", "active", "yesterday"),
		image("c", "active", "2026-01-03T00:00:00Z"),
		image("queued", "queued", "2026-01-09T00:00:00Z"),
		image("a", "active", "2026-01-01T00:00:00Z"),
	}
	res, _ := match(&imsv1.ImageQuerySpec{}, listing, syncTime)
	if got := ids(res.Usable); !slices.Equal(got, []string{"c", "b", "a", "undated"}) {
		t.Errorf("usable %v, want c b a undated", got)
	}
}
