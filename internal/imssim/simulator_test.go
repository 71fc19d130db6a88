package imssim

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRoutes(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name   string
		c      call
		status int
	}{
		{"list", call{}, 200},
		{"other path", call{path: "/v2/images"}, 404},
		{"trailing slash", call{path: Path + "/"}, 404},
		{"unauthenticated other path", call{path: "/", noAuth: true}, 404},
		{"POST", call{method: http.MethodPost}, 405},
		{"DELETE", call{method: http.MethodDelete}, 405},
		{"unauthenticated", call{noAuth: true}, 401},
		{"bad query", call{query: "limit=x"}, 400},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		res := f.do(t, tc.c)
		if res.status != tc.status {
			t.Errorf("%s: status %d, want %d; body %s", tc.name, res.status, tc.status, res.body)
		}
		if ct := res.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", tc.name, ct)
		}
		id := res.header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) || seen[id] {
			t.Errorf("%s: X-Request-Id %q missing, malformed or reused", tc.name, id)
		}
		seen[id] = true
		if tc.status == 405 && res.header.Get("Allow") != "GET" {
			t.Errorf("%s: Allow %q", tc.name, res.header.Get("Allow"))
		}
		if tc.status >= 400 {
			if e := decodeError(t, res.body); e.Code == "" || e.Msg == "" {
				t.Errorf("%s: error body %s", tc.name, res.body)
			}
		}
	}
}

func TestCatalogChangesWhileServing(t *testing.T) {
	f := newFixture(t, filterCatalog())
	img := rec("added", 20, "__platform", "Fedora")
	f.sim.PutImage(img)
	if got := namesOf(f.list(t, "__platform=Fedora")); !slices.Equal(got, []string{"added"}) {
		t.Errorf("after PutImage: %v", got)
	}
	img["name"] = "renamed" // the simulator keeps its own copy
	if got := namesOf(f.list(t, "__platform=Fedora")); !slices.Equal(got, []string{"added"}) {
		t.Errorf("caller's map changed the catalog: %v", got)
	}
	f.sim.PutImage(img) // same id: replaces
	if got := namesOf(f.list(t, "__platform=Fedora")); !slices.Equal(got, []string{"renamed"}) {
		t.Errorf("after replacing PutImage: %v", got)
	}
	if n := len(f.sim.Catalog()); n != len(filterCatalog())+1 {
		t.Errorf("catalog has %d records", n)
	}
	if !f.sim.DeleteImage(img.ID()) || f.sim.DeleteImage(img.ID()) {
		t.Error("DeleteImage should report true once, then false")
	}
	if got := f.list(t, "__platform=Fedora"); len(got) != 0 {
		t.Errorf("after DeleteImage: %v", namesOf(got))
	}

	cat := f.sim.Catalog()
	cat[0]["name"] = "mutated"
	if f.sim.Catalog()[0]["name"] == "mutated" {
		t.Error("Catalog() shares state")
	}

	f.sim.SetCatalog([]Image{rec("only", 1)})
	if got := namesOf(f.list(t, "")); !slices.Equal(got, []string{"only"}) {
		t.Errorf("after SetCatalog: %v", got)
	}
}

func TestInvalidCatalogPanics(t *testing.T) {
	for name, catalog := range map[string][]Image{
		"no id":        {{"name": "x"}},
		"numeric id":   {{"id": 7}},
		"duplicate id": {rec("a", 1), rec("a", 2)},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New did not panic", name)
				}
			}()
			New(Options{Catalog: catalog})
		}()
	}
}

func TestLoadCatalog(t *testing.T) {
	for name, in := range map[string]string{
		"array":    `[{"id":"a","virtual_size":null,"__custom":{"k":[1]}},{"id":"b"}]`,
		"response": `{"images":[{"id":"a","virtual_size":null,"__custom":{"k":[1]}},{"id":"b"}]}`,
	} {
		images, err := LoadCatalog(strings.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(images) != 2 || images[0].ID() != "a" {
			t.Errorf("%s: %v", name, images)
		}
		if v, ok := images[0]["virtual_size"]; !ok || v != nil || images[0]["__custom"] == nil {
			t.Errorf("%s: fields lost: %v", name, images[0])
		}
	}
	for name, in := range map[string]string{
		"not JSON":     `hello`,
		"no images":    `{"servers":[]}`,
		"no id":        `[{"name":"x"}]`,
		"duplicate id": `[{"id":"a"},{"id":"a"}]`,
		"truncated":    `[{"id":"a"}`,
	} {
		if _, err := LoadCatalog(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
