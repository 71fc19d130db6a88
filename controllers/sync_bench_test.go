package controllers

import (
	"context"
	"testing"
	"time"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// BenchmarkSteadyStateSync measures one sync of a 1,000-image query whose catalog did not
// change: the full IMS listing (2 pages from the simulator, signed) and the comparison with
// every mirrored CloudImage in the cache. It reports the CloudImage writes per sync, which
// must be 0.
func BenchmarkSteadyStateSync(b *testing.B) {
	integration(b)
	saved := sim.Catalog()
	sim.SetCatalog(imssim.GenerateCatalog(1000, 1))
	defer sim.SetCatalog(saved)

	ns := newNamespace(b)
	createQuery(b, newQuery(ns, "bench", imsv1.ImageQuerySpec{}))
	q := waitReady(b, ns, "bench")
	if q.Status.MatchedImages != 1000 {
		b.Fatalf("setup failed: matched %d", q.Status.MatchedImages)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	writes := 0
	for b.Loop() {
		res, err := queries.run(ctx, q, time.Time{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		writes += res.mirrored.Written
	}
	b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
}
