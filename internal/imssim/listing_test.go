package imssim

import (
	"net/http"
	"slices"
	"testing"
)

// Listing is what paging through the listing gives, whatever faults are installed, and is
// not recorded.
func TestListingIsTheWholeListing(t *testing.T) {
	f := newFixture(t, GenerateCatalog(200, 3))
	var paged []Image
	for query := "__platform=Ubuntu&limit=4"; ; {
		page := f.list(t, query)
		paged = append(paged, page...)
		if len(page) < 4 {
			break
		}
		query = "__platform=Ubuntu&limit=4&marker=" + page[3].ID()
	}
	f.sim.AddFault(Fault{Status: http.StatusServiceUnavailable})
	f.sim.AddFault(Fault{Drop: 100})
	before := f.sim.RequestCount()
	got, err := f.sim.Listing("__platform=Ubuntu")
	if err != nil {
		t.Fatal(err)
	}
	if len(paged) < 5 || !slices.Equal(idsOf(got), idsOf(paged)) {
		t.Errorf("Listing %v, paged %v", idsOf(got), idsOf(paged))
	}
	if f.sim.RequestCount() != before {
		t.Error("Listing was recorded as a request")
	}
	got[0]["name"] = "changed by the caller"
	if again, _ := f.sim.Listing("__platform=Ubuntu"); again[0]["name"] == "changed by the caller" {
		t.Error("Listing handed out the simulator's own record")
	}
}

func TestListingRefusesBadQueries(t *testing.T) {
	sim := New(Options{})
	for _, q := range []string{"limit=5", "marker=x", "__platform=", "sort_key=owner"} {
		if _, err := sim.Listing(q); err == nil {
			t.Errorf("Listing(%q) succeeded", q)
		}
	}
}
