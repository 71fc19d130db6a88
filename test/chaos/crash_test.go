package chaos

import (
	"testing"
	"time"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// catalogSize is the listing the crash and outage tests mirror: big enough that a sync takes
// seconds, so that a crash or an outage lands in the middle of it.
const catalogSize = 2000

// The manager killed with SIGKILL twice while it mirrors converges once restarted: exactly one
// CloudImage per listed image, each claimed once, by the query alone.
func TestManagerKilledMidMirrorConverges(t *testing.T) {
	cluster(t)
	sim.SetCatalog(imssim.GenerateCatalog(catalogSize, 42))
	want := expectedIDs(t)
	ns := newNamespace(t)
	q := createQuery(t, ns, "all")
	start := time.Now()
	for i, at := range []int{len(want) / 4, len(want) * 3 / 5} {
		m := startManager(t)
		waitFor(t, "mirroring to pass the kill point", time.Minute, func() bool { return countCloudImages(t, ns) >= at || m.Exited() })
		if m.Exited() {
			t.Fatalf("the manager exited by itself:\n%s", m.LogTail(40))
		}
		m.Kill()
		t.Logf("kill -9 #%d at %d of %d CloudImages (%s)", i+1, countCloudImages(t, ns), len(want), time.Since(start).Round(time.Second))
	}
	m := startManager(t)
	assertConverged(t, q, want)
	if m.Exited() {
		t.Fatalf("the manager exited:\n%s", m.LogTail(40))
	}
	t.Logf("converged to exactly %d CloudImages %s after the first start", len(want), time.Since(start).Round(time.Second))
}
