package imssim

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// walk pages through a listing the way a client does and returns every
// image in order, failing if it does not end.
func walk(t *testing.T, f *fixture, query url.Values, limit int) []Image {
	t.Helper()
	var all []Image
	q := cloneValues(query)
	q.Set("limit", fmt.Sprint(limit))
	for range 10000 {
		page := f.list(t, q.Encode())
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
		q.Set("marker", page[len(page)-1].ID())
	}
	t.Fatal("listing never ended")
	return nil
}

func TestPagingMatchesFullListing(t *testing.T) {
	f := newFixture(t, GenerateCatalog(237, 7))
	keys := []string{"", "name", "container_format", "disk_format", "status", "id", "size", "created_at", "create_at"}
	for _, key := range keys {
		for _, dir := range []string{"", "asc", "desc"} {
			for _, filter := range []string{"", "__imagetype=gold", "architecture=arm"} {
				q, _ := url.ParseQuery(filter)
				if key != "" {
					q.Set("sort_key", key)
				}
				if dir != "" {
					q.Set("sort_dir", dir)
				}
				t.Run(q.Encode(), func(t *testing.T) {
					q1000 := cloneValues(q)
					q1000.Set("limit", "1000")
					full := f.list(t, q1000.Encode())
					if len(full) == 0 {
						t.Fatal("empty listing")
					}
					paged := walk(t, f, q, 7)
					if !slices.Equal(idsOf(paged), idsOf(full)) {
						t.Fatalf("paged listing differs from the full one:\n%v\n%v", idsOf(paged), idsOf(full))
					}
					checkOrder(t, full, cmp.Or(key, "created_at"), dir != "asc")
				})
			}
		}
	}
}

// checkOrder verifies the order independently of the simulator's sorting:
// by the key, then by id, both in the requested direction.
func checkOrder(t *testing.T, images []Image, key string, desc bool) {
	t.Helper()
	if key == "create_at" {
		key = "created_at"
	}
	compare := func(a, b Image) int {
		var c int
		switch key {
		case "size":
			x, _ := a["size"].(float64)
			y, _ := b["size"].(float64)
			c = cmp.Compare(x, y)
		case "created_at":
			x, _ := time.Parse(time.RFC3339, a["created_at"].(string))
			y, _ := time.Parse(time.RFC3339, b["created_at"].(string))
			c = x.Compare(y)
		default:
			x, _ := a[key].(string)
			y, _ := b[key].(string)
			c = strings.Compare(x, y)
		}
		if c == 0 {
			c = strings.Compare(a.ID(), b.ID())
		}
		if desc {
			c = -c
		}
		return c
	}
	for i := 1; i < len(images); i++ {
		if compare(images[i-1], images[i]) >= 0 {
			t.Fatalf("sort_key %s desc=%v: %v (%v) before %v (%v)", key, desc,
				images[i-1].ID(), images[i-1][key], images[i].ID(), images[i][key])
		}
	}
}

func TestDefaultOrderIsNewestFirst(t *testing.T) {
	f := newFixture(t, nil)
	images := f.list(t, "__platform=CentOS&__imagetype=gold")
	checkOrder(t, images, "created_at", true)
	if got := images[0]["name"]; got != "CentOS 7.9 64bit for InfiniBand" {
		t.Errorf("newest CentOS image = %v", got)
	}
}

func TestDefaultLimitIs500(t *testing.T) {
	f := newFixture(t, GenerateCatalog(1200, 3))
	if n := len(f.list(t, "")); n != 500 {
		t.Errorf("default page has %d images, want 500", n)
	}
	if n := len(f.list(t, "limit=1000")); n != 1000 {
		t.Errorf("limit=1000 page has %d images", n)
	}
}

// Pages of exactly limit images end with an empty page; the marker of the
// last image is valid and yields nothing.
func TestExactMultipleOfLimit(t *testing.T) {
	f := newFixture(t, GenerateCatalog(21, 1))
	all := walk(t, f, url.Values{}, 7)
	if len(all) != 21 {
		t.Fatalf("walked %d images, want 21", len(all))
	}
	if got := f.sim.RequestCount(); got != 4 {
		t.Errorf("%d requests, want 3 full pages and an empty one", got)
	}
	last := f.list(t, "limit=7&marker="+all[20].ID())
	if len(last) != 0 {
		t.Errorf("page after the last image has %d images", len(last))
	}
}

func TestEmptyCatalog(t *testing.T) {
	f := newFixture(t, []Image{})
	res := f.do(t, call{})
	if res.status != 200 || string(res.body) != `{"images":[]}` {
		t.Errorf("status %d, body %s", res.status, res.body)
	}
}

// Pages are counted from the marker's position, for faults and records.
func TestPageNumbers(t *testing.T) {
	f := newFixture(t, GenerateCatalog(20, 2))
	walk(t, f, url.Values{}, 6) // pages of 6, 6, 6, 2
	var pages []int
	for _, r := range f.sim.Requests() {
		pages = append(pages, r.Page)
	}
	if !slices.Equal(pages, []int{1, 2, 3, 4}) {
		t.Errorf("recorded pages %v, want [1 2 3 4]", pages)
	}
}

// Changing the catalog between pages keeps later pages consistent with
// the markers: a deleted marker is a 400, as on the real API.
func TestMarkerDeletedBetweenPages(t *testing.T) {
	f := newFixture(t, GenerateCatalog(10, 4))
	page := f.list(t, "limit=3")
	if !f.sim.DeleteImage(page[2].ID()) {
		t.Fatal("DeleteImage: not found")
	}
	if res := f.do(t, call{query: "limit=3&marker=" + page[2].ID()}); res.status != 400 {
		t.Errorf("status %d for a deleted marker, body %s", res.status, res.body)
	}
}
