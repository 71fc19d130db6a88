package ims

import (
	"encoding/json"
	"net/url"
	"os"
	"testing"
)

// FuzzDecodeImages: no input panics, a body that is not JSON is an error,
// and a body encoding/json reads as a page of objects decodes to the same
// number of images with the same IDs.
func FuzzDecodeImages(f *testing.F) {
	if seed, err := os.ReadFile("testdata/seed-response.json"); err == nil {
		f.Add(seed)
	}
	f.Add([]byte(`{"images":[]}`))
	f.Add([]byte(`{"images":[{"id":"a\u0062","tags":["x",1],"min_disk":"40","protected":"True","x":{"y":[null]}}]}`))
	f.Add([]byte(`{"images":[{"id":7,"size":1e400,"virtual_size":-0.0,"name":null}],"images":[]}`))
	f.Add([]byte(`{"images":[{"id":"a"},{"id":"b"`))
	f.Add([]byte(`[{"id":"a"}]`))

	f.Fuzz(func(t *testing.T, body []byte) {
		images, err := decodePage(body)

		// The oracle: encoding/json, with the exact key "images" as the API
		// spells it (a struct field would also match "IMAGES").
		var top map[string]json.RawMessage
		var page []map[string]json.RawMessage
		valid := json.Unmarshal(body, &top) == nil && json.Unmarshal(top["images"], &page) == nil && page != nil
		for _, m := range page {
			valid = valid && m != nil // a null element is not an image
		}
		if !json.Valid(body) && err == nil {
			t.Fatal("decoded a body that is not JSON")
		}
		if !valid {
			return // valid JSON of another shape: an error or not, it must not panic
		}
		if err != nil {
			t.Fatalf("rejected a valid page: %v", err)
		}
		if len(images) != len(page) {
			t.Fatalf("%d images, want %d", len(images), len(page))
		}
		for i, m := range page {
			raw, ok := m["id"]
			if !ok {
				continue
			}
			var id string
			if json.Unmarshal(raw, &id) == nil && images[i].ID != id {
				t.Fatalf("image %d: id %q, want %q", i, images[i].ID, id)
			}
		}
	})
}

// FuzzQueryValues: arbitrary field text survives the wire encoding.
func FuzzQueryValues(f *testing.F) {
	f.Add("Oracle Linux", "a=b", "gt", "2018-10-28T10:00:00Z", "C++ & co")
	f.Add("", "", "", "", "")
	f.Add("%zz;", "k=v&x=y", "neq", "2018-10-28 10:00:00", "\x00\xff+")

	f.Fuzz(func(t *testing.T, platform, tag, op, when, name string) {
		req := ListImagesRequest{Platform: platform, Tag: tag, Name: name, CreatedAt: &TimeFilter{Operator: op, Time: when}}
		want := req.Values()
		got, err := url.ParseQuery(encodeQuery(want))
		if err != nil {
			t.Fatalf("ParseQuery: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for k := range want {
			if got.Get(k) != want.Get(k) {
				t.Fatalf("%s = %q, want %q", k, got.Get(k), want.Get(k))
			}
		}
		if platform != "" && got.Get("__platform") != platform {
			t.Fatalf("__platform = %q, want %q", got.Get("__platform"), platform)
		}
		if (op != "" || when != "") && got.Get("created_at") != op+":"+when {
			t.Fatalf("created_at = %q", got.Get("created_at"))
		}
	})
}
