package chaos

import (
	"testing"
	"time"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// apiServerDown takes kube-apiserver down for d and brings it back.
func apiServerDown(t *testing.T, d time.Duration) {
	t.Helper()
	if err := harness.APIServerDown(d); err != nil {
		t.Fatal(err)
	}
}

// kube-apiserver down for 10 s in the middle of a sync: the manager keeps running, and the
// sync completes once the API server is back, with exactly the listed CloudImages.
func TestAPIServerOutageMidSync(t *testing.T) {
	cluster(t)
	sim.SetCatalog(imssim.GenerateCatalog(catalogSize/2, 43))
	want := expectedIDs(t)
	ns := newNamespace(t)
	q := createQuery(t, ns, "all")
	m := startManager(t)
	start := time.Now()
	waitFor(t, "mirroring to start", time.Minute, func() bool { return countCloudImages(t, ns) >= len(want)/4 || m.Exited() })
	apiServerDown(t, 10*time.Second)
	if m.Exited() {
		t.Fatalf("the manager exited during the outage:\n%s", m.LogTail(40))
	}
	assertConverged(t, q, want)
	t.Logf("converged to exactly %d CloudImages %s after the sync began (10 s of it without an API server)", len(want), time.Since(start).Round(time.Second))
}
