package ims

import (
	"encoding/json"
	"testing"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// BenchmarkDecodePage isolates the client's decoding of one full page (500
// generated images) from the HTTP and simulator costs of
// BenchmarkListImages10k.
func BenchmarkDecodePage(b *testing.B) {
	body, err := json.Marshal(map[string]any{"images": imssim.GenerateCatalog(500, 1)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		images, err := decodePage(body)
		if err != nil || len(images) != 500 {
			b.Fatal(len(images), err)
		}
	}
}
