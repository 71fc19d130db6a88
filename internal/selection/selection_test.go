package selection

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// syncTime is the operator's clock at the sync in these tables.
var syncTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// listed is an active image (usable: only usable images can be latest).
func listed(id, name, created string) *ims.Image {
	return &ims.Image{ID: id, Name: name, CreatedAt: created, Status: "active"}
}

func ids(images []*ims.Image) []string {
	out := []string{}
	for _, img := range images {
		out = append(out, img.ID)
	}
	return out
}

func TestMatchAppliesNameRegexExcludeAndMinAgeInOrder(t *testing.T) {
	listing := []*ims.Image{
		listed("u2204", "Ubuntu 22.04 server 64bit", "2026-02-01T00:00:00Z"),
		listed("u2204-rc", "Ubuntu 22.04 server 64bit rc1", "2026-02-20T00:00:00Z"),
		listed("u2004", "Ubuntu 20.04 server 64bit", "2025-01-01T00:00:00Z"),
		listed("u2404-fresh", "Ubuntu 24.04 server 64bit", "2026-02-28T12:00:00Z"),     // one day old
		listed("u2404-fresher", "Ubuntu 24.04.1 server 64bit", "2026-03-01T06:00:00Z"), // six hours old
		listed("centos", "CentOS 7.9 64bit", "2020-12-01T10:00:00Z"),
		listed("no-date", "Ubuntu 18.04 server 64bit", "yesterday"),
		listed("space-layout", "Ubuntu 16.04 server 64bit", "2017-09-18 03:14:07"),
	}
	week := &metav1.Duration{Duration: 7 * 24 * time.Hour}
	hours := func(h int) *metav1.Duration { return &metav1.Duration{Duration: time.Duration(h) * time.Hour} }
	cases := []struct {
		name       string
		spec       imsv1.ImageQuerySpec
		want       []string
		latest     string
		comesOfAge time.Time
	}{
		{name: "everything", spec: imsv1.ImageQuerySpec{},
			want:   ids(listing),
			latest: "u2404-fresher"},
		{name: "nameRegex", spec: imsv1.ImageQuerySpec{NameRegex: `^Ubuntu 2\d\.`},
			want:   []string{"u2204", "u2204-rc", "u2004", "u2404-fresh", "u2404-fresher"},
			latest: "u2404-fresher"},
		{name: "exclude ids", spec: imsv1.ImageQuerySpec{NameRegex: `^Ubuntu`, Exclude: &imsv1.ImageExclusion{IDs: []imsv1.PlainText{"u2404-fresher", "u2004", "not-listed"}}},
			want:   []string{"u2204", "u2204-rc", "u2404-fresh", "no-date", "space-layout"},
			latest: "u2404-fresh"},
		{name: "exclude name", spec: imsv1.ImageQuerySpec{NameRegex: `^Ubuntu 22`, Exclude: &imsv1.ImageExclusion{NameRegex: `\brc\d+$`}},
			want:   []string{"u2204"},
			latest: "u2204"},
		{name: "exclude both", spec: imsv1.ImageQuerySpec{Exclude: &imsv1.ImageExclusion{IDs: []imsv1.PlainText{"centos"}, NameRegex: `^Ubuntu (1|24)`}},
			want:   []string{"u2204", "u2204-rc", "u2004"},
			latest: "u2204-rc"},
		// A week of soak: the two 24.04 images are too young; the sooner one comes of age
		// seven days after 2026-02-28T12:00. An unreadable createdAt never matches.
		{name: "minAge", spec: imsv1.ImageQuerySpec{NameRegex: `^Ubuntu`, MinAge: week},
			want:       []string{"u2204", "u2204-rc", "u2004", "space-layout"},
			latest:     "u2204-rc",
			comesOfAge: time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)},
		{name: "minAge exactly reached", spec: imsv1.ImageQuerySpec{NameRegex: `^Ubuntu 24`, MinAge: hours(24)},
			want:       []string{"u2404-fresh"},
			latest:     "u2404-fresh",
			comesOfAge: time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)},
		// Excluded images never schedule a sync: they will not match when they come of age.
		{name: "minAge after exclude", spec: imsv1.ImageQuerySpec{NameRegex: `^Ubuntu 24`, MinAge: week, Exclude: &imsv1.ImageExclusion{IDs: []imsv1.PlainText{"u2404-fresh"}}},
			want:       []string{},
			comesOfAge: time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC)},
		{name: "minAge zero", spec: imsv1.ImageQuerySpec{NameRegex: `^Ubuntu 18`, MinAge: hours(0)},
			want:   []string{"no-date"},
			latest: ""}, // matched, but a createdAt that cannot be read is never the newest
		{name: "nothing", spec: imsv1.ImageQuerySpec{NameRegex: `^Windows`},
			want: []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, f := match(&tc.spec, listing, syncTime)
			if f != nil {
				t.Fatal(f)
			}
			if got := ids(res.Images); !slices.Equal(got, tc.want) {
				t.Errorf("matched %v, want %v", got, tc.want)
			}
			if got := idOf(res.Latest); got != tc.latest {
				t.Errorf("latest %q, want %q", got, tc.latest)
			}
			if !res.ComesOfAge.Equal(tc.comesOfAge) {
				t.Errorf("comes of age %v, want %v", res.ComesOfAge, tc.comesOfAge)
			}
		})
	}
}

func idOf(img *ims.Image) string {
	if img == nil {
		return ""
	}
	return img.ID
}

func TestMatchRefusesExpressionsItCannotUse(t *testing.T) {
	cases := []struct {
		name string
		spec imsv1.ImageQuerySpec
	}{
		{"invalid nameRegex", imsv1.ImageQuerySpec{NameRegex: `(`}},
		{"invalid exclude.nameRegex", imsv1.ImageQuerySpec{Exclude: &imsv1.ImageExclusion{NameRegex: `[a-`}}},
		{"nameVersion without nameRegex", imsv1.ImageQuerySpec{LatestBy: imsv1.LatestByNameVersion}},
		// The API server only sees a '('; the operator sees that no group captures.
		{"nameVersion with non-capturing groups only", imsv1.ImageQuerySpec{NameRegex: `^Ubuntu (?:\d+\.\d+) (?i:server)`, LatestBy: imsv1.LatestByNameVersion}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, f := match(&tc.spec, []*ims.Image{listed("a", "Ubuntu 22.04 server", "2026-01-01T00:00:00Z")}, syncTime)
			if f == nil {
				t.Fatal("accepted")
			}
			if f.Reason != imsv1.ReasonInvalidNameRegex || !f.Terminal {
				t.Errorf("got %s (terminal %v), want a terminal %s", f.Reason, f.Terminal, imsv1.ReasonInvalidNameRegex)
			}
		})
	}
}

func TestLatestByNameVersion(t *testing.T) {
	cases := []struct {
		name      string
		nameRegex string
		listing   []*ims.Image
		want      string
	}{
		// Upload order says 20.04 (re-uploaded later); the version says 22.04.
		{"22.04 over 20.04", `^Ubuntu (\d+\.\d+) server`, []*ims.Image{
			listed("2204", "Ubuntu 22.04 server 64bit", "2022-06-15T08:05:41Z"),
			listed("2004", "Ubuntu 20.04 server 64bit", "2025-06-03T04:22:18Z"),
		}, "2204"},
		{"1.32.10 over 1.32.9", `-v(\d+\.\d+\.\d+)$`, []*ims.Image{
			listed("9", "node-v1.32.9", "2026-01-02T00:00:00Z"),
			listed("10", "node-v1.32.10", "2026-01-01T00:00:00Z"),
			listed("2", "node-v1.32.2", "2026-01-03T00:00:00Z"),
		}, "10"},
		// Kubernetes image-builder names: the version sits inside a longer name, with a v.
		{"v1.32.0 inside a longer name", `^caphw-hwi-\d+-(v[\d.]+)-\d+$`, []*ims.Image{
			listed("131", "caphw-hwi-2204-v1.31.4-1767225600", "2026-02-01T00:00:00Z"),
			listed("132", "caphw-hwi-2204-v1.32.0-1767139200", "2026-01-01T00:00:00Z"),
			listed("130", "caphw-hwi-2404-v1.30.9-1767312000", "2026-02-02T00:00:00Z"),
		}, "132"},
		{"the README's image-builder expression", `^caphw-hwi-\d+-v(\d+\.\d+\.\d+)-\d+$`, []*ims.Image{
			listed("131", "caphw-hwi-2204-v1.31.4-1767225600", "2026-02-01T00:00:00Z"),
			listed("132", "caphw-hwi-2404-v1.32.0-1767139200", "2026-01-01T00:00:00Z"),
		}, "132"},
		{"separators - and _", `^build (\S+)$`, []*ims.Image{
			listed("a", "build 2024_10-3", "2026-01-01T00:00:00Z"),
			listed("b", "build 2024.9.30", "2026-01-02T00:00:00Z"),
		}, "a"},
		{"longer version wins a common prefix", `^os (\S+)$`, []*ims.Image{
			listed("short", "os 1.32", "2026-01-02T00:00:00Z"),
			listed("long", "os 1.32.1", "2026-01-01T00:00:00Z"),
		}, "long"},
		{"numbers beyond int64", `^os (\S+)$`, []*ims.Image{
			listed("big", "os 99999999999999999999999.1", "2026-01-01T00:00:00Z"),
			listed("small", "os 9999999999999999999999.2", "2026-01-02T00:00:00Z"),
		}, "big"},
		// Captures that are not versions match but are never the latest, however new.
		{"non-version captures", `^Ubuntu (\S+) server`, []*ims.Image{
			listed("lts", "Ubuntu lts server", "2026-02-01T00:00:00Z"),
			listed("rc", "Ubuntu 24.04-rc1 server", "2026-02-02T00:00:00Z"),
			listed("dots", "Ubuntu 24..04 server", "2026-02-03T00:00:00Z"),
			listed("ok", "Ubuntu 22.04 server", "2020-01-01T00:00:00Z"),
		}, "ok"},
		{"an optional group that did not take part", `^Ubuntu (\d+\.\d+)?`, []*ims.Image{
			listed("none", "Ubuntu server", "2026-02-01T00:00:00Z"),
		}, ""},
		{"only non-versions", `^(\w+) image$`, []*ims.Image{
			listed("x", "alpha image", "2026-02-01T00:00:00Z"),
		}, ""},
		// Equal versions (04 == 4): the newer createdAt wins, whatever the listing order.
		{"tie goes to the newer createdAt", `^Ubuntu (\d+\.\d+)`, []*ims.Image{
			listed("old", "Ubuntu 22.04 server", "2022-06-15T08:05:41Z"),
			listed("new", "Ubuntu 22.4 server (rebuilt)", "2024-06-15T08:05:41Z"),
			listed("older", "Ubuntu 22.04 minimal", "2021-06-15T08:05:41Z"),
		}, "new"},
		{"tie with an unreadable createdAt", `^Ubuntu (\d+\.\d+)`, []*ims.Image{
			listed("unknown", "Ubuntu 22.04 server", "?"),
			listed("dated", "Ubuntu 22.04 minimal", "2021-06-15T08:05:41Z"),
		}, "dated"},
		{"only the first group counts", `^(\d+)\.(\d+)$`, []*ims.Image{
			listed("a", "2.1", "2026-01-01T00:00:00Z"),
			listed("b", "1.9", "2026-01-02T00:00:00Z"),
		}, "a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := imsv1.ImageQuerySpec{NameRegex: imsv1.PlainText(tc.nameRegex), LatestBy: imsv1.LatestByNameVersion}
			res, f := match(&spec, tc.listing, syncTime)
			if f != nil {
				t.Fatal(f)
			}
			if len(res.Images) != len(tc.listing) {
				t.Errorf("%d of %d images matched; a version only orders, it never filters", len(res.Images), len(tc.listing))
			}
			if got := idOf(res.Latest); got != tc.want {
				t.Errorf("latest %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseVersion(t *testing.T) {
	cases := []struct {
		in   string
		want []string // nil: not a version
	}{
		{"22.04", []string{"22", "4"}},
		{"v1.32.0", []string{"1", "32", "0"}},
		{"V2", []string{"2"}},
		{"2024_10-3", []string{"2024", "10", "3"}},
		{"000", []string{"0"}},
		{"", nil},
		{"v", nil},
		{"1.", nil},
		{".1", nil},
		{"1..2", nil},
		{"1.2a", nil},
		{"24.04 LTS", nil},
		{"١٢", nil}, // digits of another script are not numbers here
	}
	for _, tc := range cases {
		got, ok := parseVersion(tc.in)
		if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
			t.Errorf("parseVersion(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
}

// match is Select with its failure as the *failure.Error the tables read.
func match(spec *imsv1.ImageQuerySpec, images []*ims.Image, now time.Time) (Result, *failure.Error) {
	res, err := Select(spec, images, now)
	if err != nil {
		f, ok := failure.As(err)
		if !ok {
			panic("not a failure: " + err.Error())
		}
		return res, f
	}
	return res, nil
}
