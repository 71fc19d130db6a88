package ims

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestPaging(t *testing.T) {
	tests := []struct {
		name        string
		n, limit    int
		start       string
		wantMarkers []string
	}{
		{name: "empty catalog", n: 0, limit: 3, wantMarkers: []string{""}},
		{name: "one short page", n: 2, limit: 3, wantMarkers: []string{""}},
		{name: "exactly N times limit", n: 6, limit: 3, wantMarkers: []string{"", "img-00003", "img-00006"}},
		{name: "remainder", n: 7, limit: 3, wantMarkers: []string{"", "img-00003", "img-00006"}},
		{name: "limit 1", n: 2, limit: 1, wantMarkers: []string{"", "img-00001", "img-00002"}},
		{name: "starting marker", n: 7, limit: 3, start: "img-00002", wantMarkers: []string{"img-00002", "img-00005"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			all := makeIDs(tc.n)
			var rec recorder
			srv := httptest.NewServer(pagingHandler(&rec, all))
			defer srv.Close()
			c, _ := testClient(t, srv.URL, nil)

			got, err := Collect(c.ListImages(context.Background(), ListImagesRequest{Limit: tc.limit, Marker: tc.start, ImageType: "gold"}))
			if err != nil {
				t.Fatal(err)
			}
			want := all
			if tc.start != "" {
				want = all[slices.Index(all, tc.start)+1:]
			}
			if !slices.Equal(ids(got), want) {
				t.Errorf("ids = %v, want %v", ids(got), want)
			}
			if m := rec.markers(); !slices.Equal(m, tc.wantMarkers) {
				t.Errorf("markers = %q, want %q", m, tc.wantMarkers)
			}
			for _, r := range rec.all() {
				if q := query(r); q.Get("__imagetype") != "gold" || q.Get("limit") == "" {
					t.Errorf("page request %s lost the filter or the limit", r.URL.RawQuery)
				}
			}
		})
	}
}

func TestPagingDefaultLimit(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(pagingHandler(&rec, makeIDs(3)))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, nil)
	if _, err := Collect(c.ListImages(context.Background(), ListImagesRequest{})); err != nil {
		t.Fatal(err)
	}
	if got := query(rec.all()[0]).Get("limit"); got != "500" {
		t.Errorf("limit = %s, want 500", got)
	}
}

// A server that ignores the marker would make the client loop forever.
func TestPagingRepeatedMarker(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		writePage(w, []string{"a", "b"})
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, nil)
	got, err := Collect(c.ListImages(context.Background(), ListImagesRequest{Limit: 2}))
	if ClassOf(err) != ClassIncomplete || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("err = %v (class %q), want IncompleteListing naming the marker", err, ClassOf(err))
	}
	if got != nil {
		t.Errorf("Collect returned %d images with an error", len(got))
	}
	if n := rec.count(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// A marker cycle longer than one page is caught too.
func TestPagingMarkerCycle(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("marker") == "b" {
			writePage(w, []string{"c", "d"})
			return
		}
		writePage(w, []string{"a", "b"}) // for "" and for "d"
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, nil)
	_, err := Collect(c.ListImages(context.Background(), ListImagesRequest{Limit: 2}))
	if ClassOf(err) != ClassIncomplete {
		t.Fatalf("err = %v, want IncompleteListing", err)
	}
}

// A listing that never ends stops at MaxPages.
func TestPagingMaxPages(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := rec.add(r)
		writePage(w, []string{strings.Repeat("x", n)}) // a new id every page
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, func(c *Config) { c.MaxPages = 5 })

	var seen int
	var last error
	for im, err := range c.ListImages(context.Background(), ListImagesRequest{Limit: 1}) {
		if err != nil {
			last = err
			continue
		}
		seen++
		_ = im
	}
	if ClassOf(last) != ClassIncomplete || !strings.Contains(last.Error(), "5 pages") {
		t.Fatalf("err = %v, want IncompleteListing after 5 pages", last)
	}
	if rec.count() != 5 || seen != 5 {
		t.Errorf("%d requests, %d images; want 5 and 5", rec.count(), seen)
	}
}

// Exactly MaxPages pages is fine.
func TestPagingMaxPagesExact(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(pagingHandler(&rec, makeIDs(5)))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, func(c *Config) { c.MaxPages = 3 })
	got, err := Collect(c.ListImages(context.Background(), ListImagesRequest{Limit: 2}))
	if err != nil || len(got) != 5 {
		t.Fatalf("got %d images, %v", len(got), err)
	}
}

func TestPagingFullPageWithoutID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"images":[{"id":"a"},{"name":"no id"}]}`))
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, nil)
	if _, err := Collect(c.ListImages(context.Background(), ListImagesRequest{Limit: 2})); ClassOf(err) != ClassIncomplete {
		t.Fatalf("err = %v, want IncompleteListing", err)
	}
}

// A caller that stops early causes no further requests.
func TestPagingStopEarly(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(pagingHandler(&rec, makeIDs(10)))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, nil)
	for im, err := range c.ListImages(context.Background(), ListImagesRequest{Limit: 2}) {
		if err != nil || im.ID != "img-00001" {
			t.Fatalf("first = %v, %v", im, err)
		}
		break
	}
	if n := rec.count(); n != 1 {
		t.Errorf("%d requests after stopping at the first image, want 1", n)
	}
}

// Images of earlier pages are yielded before a later page's error.
func TestPagingErrorAfterImages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("marker") == "" {
			writePage(w, []string{"a", "b"})
			return
		}
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, nil)
	var got []string
	var errs []error
	for im, err := range c.ListImages(context.Background(), ListImagesRequest{Limit: 2}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, im.ID)
	}
	if !slices.Equal(got, []string{"a", "b"}) || len(errs) != 1 || ClassOf(errs[0]) != ClassForbidden {
		t.Errorf("images %v, errors %v", got, errs)
	}
}

// IMS answers 400 when the marker image vanished between two pages. That is a listing that
// changed underneath, worth listing again, not a bad filter; a 400 on page 1 still is one.
func TestPagingBadRequestAfterFirstPageIsIncomplete(t *testing.T) {
	all := makeIDs(6)
	for _, tc := range []struct {
		failPage int
		want     Class
	}{{1, ClassBadRequest}, {2, ClassIncomplete}} {
		var rec recorder
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n := rec.add(r); n == tc.failPage {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error_code":"IMG.0001","error_msg":"marker not found"}`))
				return
			}
			pagingHandler(&recorder{}, all)(w, r)
		}))
		c, _ := testClient(t, srv.URL, nil)
		_, err := Collect(c.ListImages(context.Background(), ListImagesRequest{Limit: 3}))
		srv.Close()
		if got := ClassOf(err); got != tc.want {
			t.Errorf("400 on page %d: class %q (%v), want %q", tc.failPage, got, err, tc.want)
		}
		if tc.want == ClassIncomplete && !ClassOf(err).Retryable() {
			t.Errorf("a listing that changed while paging must be retryable")
		}
	}
}
