package soak

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/pause"
	"github.com/imagecatalog/ims-operator/internal/testenv"
)

// phase is chaos for a while from one seed, then a quiet period in which everything must
// converge to the truth and stay there without writing.
type phase struct {
	seed  int64
	chaos time.Duration
}

// phases reads SOAK (the chaos time, e.g. 10m) and SOAK_SEED. Without SOAK it is the short
// form `make test` runs: 90 s from the fixed seed 1, then 90 s from a random seed, on the
// same cluster and queries (one setup, two seeds).
func phases(t *testing.T) []phase {
	seed := rand.Int64N(1 << 40)
	if s := os.Getenv("SOAK_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("SOAK_SEED=%q: %v", s, err)
		}
		seed = n
	}
	d := os.Getenv("SOAK")
	if d == "" {
		return []phase{{seed: 1, chaos: 90 * time.Second}, {seed: seed, chaos: 90 * time.Second}}
	}
	chaos, err := time.ParseDuration(d)
	if err != nil || chaos <= 0 {
		t.Fatalf("SOAK=%q: want a duration such as 10m", d)
	}
	return []phase{{seed: seed, chaos: chaos}}
}

// The chaos soak: see the package doc and invariants listed in converged and auditor.
func TestSoak(t *testing.T) {
	testenv.Integration(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plan := phases(t)
	for i, p := range plan {
		t.Logf("phase %d: seed %d, %s of chaos (replay with SOAK=%s SOAK_SEED=%d)", i+1, p.seed, p.chaos, p.chaos, p.seed)
	}
	start := time.Now()
	tpls := templates(firstArmImage())
	h := newHistory(tpls)
	tenants, err := createTenants(ctx, tpls)
	if err != nil {
		t.Fatal(err)
	}
	audit := newAuditor(h, tenants)
	audit.logf = t.Logf
	defer func() { audit.mu.Lock(); audit.logf = nil; audit.mu.Unlock() }() // no log after the test
	if err := audit.start(ctx); err != nil {
		t.Fatal(err)
	}
	s := &soak{t: t, tpls: tpls, tenants: tenants, h: h, audit: audit}
	logDir, err := os.MkdirTemp("", "ims-soak-logs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the manager logs are kept in %s", logDir) // for the replay's comparison
			return
		}
		_ = os.RemoveAll(logDir)
	})
	s.m = &manager{logDir: logDir, onExit: func(run int, tail string) {
		audit.check(fmt.Sprintf("manager run %d exited by itself:\n%s", run, tail))
	}}
	if err := s.m.start(); err != nil {
		t.Fatal(err)
	}
	defer s.m.kill()
	go s.sampleMemory(ctx)

	// The first mirror, undisturbed: the soak is about keeping a mirror, not about the first one.
	// Bounds for a loaded machine (the first mirror took 38 s alone, 1m50s beside two other
	// soaks here): only a failing run waits them out.
	s.waitConverged(ctx, "the first mirror", 10*time.Minute)
	s.checkFilters()
	for i, p := range plan {
		s.runPhase(ctx, i+1, p, i == len(plan)-1)
	}
	s.checkSecrets()
	s.checkMemory()
	s.summary(time.Since(start), plan)
	if len(audit.violations) > 0 {
		t.Errorf("%d invariant violations:\n%s", len(audit.violations), strings.Join(audit.violations[:min(len(audit.violations), 40)], "\n"))
	}
}

// soak is one run's state.
type soak struct {
	t       *testing.T
	tpls    []template
	tenants []tenant
	h       *history
	audit   *auditor
	m       *manager

	faults, churn, disruptions tally
	quietChecks                int
	quietWrites                string

	memMu sync.Mutex
	mem   []memSample
}

type memSample struct {
	at  time.Time
	mib float64
}

// runPhase runs chaos from p's seed, then the quiet period and its checks; the final phase
// also watches for a write loop.
func (s *soak) runPhase(ctx context.Context, n int, p phase, final bool) {
	s.t.Logf("phase %d: chaos from seed %d for %s", n, p.seed, p.chaos)
	chaosCtx, stop := context.WithTimeout(ctx, p.chaos)
	defer stop()
	var wg sync.WaitGroup
	var lastAdd time.Time
	var disruptErr error
	wg.Add(3)
	go func() { defer wg.Done(); injectFaults(chaosCtx, p.seed, &s.faults) }()
	go func() { defer wg.Done(); churnCatalog(chaosCtx, p.seed, s.h, &s.churn, &lastAdd) }()
	go func() { defer wg.Done(); disruptErr = disrupt(chaosCtx, p.seed, s.m, &s.disruptions) }()
	wg.Wait()
	if disruptErr != nil {
		s.t.Fatalf("phase %d (seed %d): %v", n, p.seed, disruptErr)
	}
	sim.ClearFaults()
	if proc, _ := s.m.current(); proc == nil {
		if err := s.m.start(); err != nil {
			s.t.Fatal(err)
		}
	}

	// Quiet: no fault, no change. Scheduled syncs may share listings taken during the chaos
	// for a while (README, Performance), and an image uploaded last comes of age after minAge:
	// wait a little and for that, then ask every query for a sync, as a user would (a
	// requested sync lists afresh), and wait for the truth.
	quiet := time.Now()
	settle := quiet.Add(20 * time.Second)
	for _, tpl := range s.tpls {
		if at := lastAdd.Add(tpl.minAge + 5*time.Second); at.After(settle) {
			settle = at
		}
	}
	pause.For(ctx, time.Until(settle))
	s.requestSyncs(ctx, fmt.Sprintf("phase-%d", n))
	// A removal over the deletion guard's share (a query whose matches the churn halved) is
	// applied only after --deletion-guard-delay (2m) and one more sync: the deadline leaves
	// room for that.
	settled := s.waitConverged(ctx, fmt.Sprintf("phase %d's quiet period", n), 8*time.Minute)
	s.t.Logf("phase %d: converged %s after the quiet period began", n, settled.Sub(quiet).Round(time.Second))
	if !final {
		return
	}

	// No write loop: a refresh interval with its jitter, in which every query syncs again on
	// an unchanged catalog; no CloudImage or ConfigMap may be written, and an ImageQuery at
	// most twice (its status after each sync).
	if !s.audit.caughtUp(ctx, 2*time.Minute) {
		s.audit.check(fmt.Sprintf("phase %d: the auditor's informers did not catch up with the API server within 2 minutes", n))
	}
	from := time.Now() // writes seen from here on are made from here on
	pause.For(ctx, refreshInterval*11/10+5*time.Second)
	to := time.Now()
	ci, cm, iq := s.audit.writesBetween("CloudImage", from, to), s.audit.writesBetween("ConfigMap", from, to), s.audit.writesBetween("ImageQuery", from, to)
	s.t.Logf("phase %d: %s without a change: %d CloudImage, %d ConfigMap, %d ImageQuery writes",
		n, to.Sub(from).Round(time.Second), ci, cm, iq)
	s.quietWrites = fmt.Sprintf("%d CloudImage, %d ConfigMap, %d ImageQuery in the final %s of quiet", ci, cm, iq, to.Sub(from).Round(time.Second))
	loop := ""
	if ci > 0 || cm > 0 || iq > 2*len(s.tpls)*len(s.tenants) {
		loop = fmt.Sprintf("phase %d: a write loop: %d CloudImage, %d ConfigMap, %d ImageQuery writes in %s of an unchanged catalog", n, ci, cm, iq, to.Sub(from).Round(time.Second))
	}
	s.audit.check(loop)
	problems, checks := converged(ctx, s.tpls, s.tenants)
	s.quietChecks += checks
	for _, p := range problems {
		s.audit.check(fmt.Sprintf("phase %d, after the write window: %s", n, p))
	}
}

// checkFilters makes sure that the operator sends each template's filter as the soak spells
// it (tpl.wire), so that the auditor finds the short pages served to it.
func (s *soak) checkFilters() {
	reqs := sim.Requests()
	for _, tpl := range s.tpls {
		want, _ := url.ParseQuery(tpl.wire)
		if !slices.ContainsFunc(reqs, func(r imssim.RecordedRequest) bool { return r.Path == imssim.Path && sameFilter(r.Query, want) }) {
			s.t.Fatalf("no listing of query %s with the filter %q: the operator spells it otherwise", tpl.name, tpl.wire)
		}
	}
}

// requestSyncs sets the requested-at annotation of every query to value.
func (s *soak) requestSyncs(ctx context.Context, value string) {
	for _, t := range s.tenants {
		for _, tpl := range s.tpls {
			q := &imsv1.ImageQuery{}
			q.Namespace, q.Name = t.namespace, tpl.name
			patch := client.RawPatch("application/merge-patch+json",
				[]byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, imsv1.RequestedAtAnnotation, value)))
			if err := k8s.Patch(ctx, q, patch); err != nil {
				s.t.Fatalf("requesting a sync of %s/%s: %v", t.namespace, tpl.name, err)
			}
		}
	}
}

// waitConverged checks the state against the truth every 5 s until it holds, and records
// the differences of the last check as violations if it never does within timeout.
func (s *soak) waitConverged(ctx context.Context, what string, timeout time.Duration) time.Time {
	start := time.Now()
	deadline, report := start.Add(timeout), start.Add(30*time.Second)
	for {
		problems, checks := converged(ctx, s.tpls, s.tenants)
		s.quietChecks += checks
		if len(problems) == 0 {
			s.t.Logf("%s: converged in %s", what, time.Since(start).Round(time.Second))
			return time.Now()
		}
		if time.Now().After(report) {
			report = time.Now().Add(30 * time.Second)
			s.t.Logf("%s: %d differences after %s, e.g. %s", what, len(problems), time.Since(start).Round(time.Second), strings.Join(problems[:min(3, len(problems))], "; "))
		}
		if time.Now().After(deadline) {
			for _, p := range problems[:min(len(problems), 20)] {
				s.audit.check(fmt.Sprintf("%s: not converged after %s: %s", what, timeout, p))
			}
			return time.Now()
		}
		pause.For(ctx, 5*time.Second)
	}
}

// sampleMemory records the manager's resident set every 2 s, once a run has been up for
// 30 s (its start is not its steady state).
func (s *soak) sampleMemory(ctx context.Context) {
	for pause.For(ctx, 2*time.Second) {
		proc, since := s.m.current()
		if proc == nil || time.Since(since) < 30*time.Second {
			continue
		}
		if mib, ok := proc.RSSMiB(); ok {
			s.memMu.Lock()
			s.mem = append(s.mem, memSample{time.Now(), mib})
			s.memMu.Unlock()
		}
	}
}

// checkMemory compares the median resident set of the run's last quarter with its first
// quarter's: it must not grow by more than a quarter (plus 16 MiB of allocator noise).
func (s *soak) checkMemory() {
	s.memMu.Lock()
	defer s.memMu.Unlock()
	if len(s.mem) < 8 {
		s.t.Logf("memory: only %d samples, no comparison", len(s.mem))
		return
	}
	first, last := s.mem[0].at, s.mem[len(s.mem)-1].at
	quarter := last.Sub(first) / 4
	var a, b []float64
	for _, m := range s.mem {
		switch {
		case m.at.Before(first.Add(quarter)):
			a = append(a, m.mib)
		case !m.at.Before(last.Add(-quarter)):
			b = append(b, m.mib)
		}
	}
	ma, mb := median(a), median(b)
	s.t.Logf("memory: manager RSS median %.0f MiB in the first quarter, %.0f MiB in the last (%d samples)", ma, mb, len(s.mem))
	grew := ""
	if mb > ma*1.25+16 {
		grew = fmt.Sprintf("the manager's memory grew: median RSS %.0f MiB in the first quarter, %.0f MiB in the last", ma, mb)
	}
	s.audit.check(grew)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Sorted(slices.Values(v))
	return v[len(v)/2]
}

// checkSecrets reads every manager log for a secret: the tenants' secret keys, the
// temporary credentials IAM issued, a ServiceAccount token (a JWT).
func (s *soak) checkSecrets() {
	secrets := []string{"sim-temporary-sk-", "sim-security-token-", "eyJhbGci"}
	for _, t := range s.tenants {
		if t.sk != "" {
			secrets = append(secrets, t.sk)
		}
	}
	for _, path := range s.m.logPaths() {
		b, err := os.ReadFile(path)
		if err != nil {
			s.audit.check(fmt.Sprintf("reading %s: %v", path, err))
			continue
		}
		for _, secret := range slices.Compact(slices.Sorted(slices.Values(secrets))) {
			leak := ""
			if strings.Contains(string(b), secret) {
				leak = fmt.Sprintf("a secret (%.8s…) in the manager log %s", secret, path)
			}
			s.audit.check(leak)
		}
	}
}

// summary prints what the run did and found.
func (s *soak) summary(d time.Duration, plan []phase) {
	a := s.audit
	a.mu.Lock()
	defer a.mu.Unlock()
	var seeds []string
	for _, p := range plan {
		seeds = append(seeds, fmt.Sprintf("%d (%s)", p.seed, p.chaos))
	}
	writes := 0
	for _, w := range a.writes {
		writes += len(w)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "soak summary\n  duration        %s\n  seeds           %s\n", d.Round(time.Second), strings.Join(seeds, ", "))
	fmt.Fprintf(&b, "  faults fired    %s\n", formatTally(s.faults.snapshot()))
	fmt.Fprintf(&b, "  catalog churn   %s\n", formatTally(s.churn.snapshot()))
	fmt.Fprintf(&b, "  disruptions     %s\n", formatTally(s.disruptions.snapshot()))
	fmt.Fprintf(&b, "  manager runs    %d\n  syncs           %d (lastSyncTime changes seen)\n", s.m.runs, a.syncs)
	fmt.Fprintf(&b, "  writes          %d (CloudImage %d, ImageQuery %d, ConfigMap %d)\n", writes,
		len(a.writes["CloudImage"]), len(a.writes["ImageQuery"]), len(a.writes["ConfigMap"]))
	fmt.Fprintf(&b, "  quiet writes    %s\n", s.quietWrites)
	fmt.Fprintf(&b, "  IMS requests    %d\n", sim.RequestCount())
	fmt.Fprintf(&b, "  checks          %d invariant checks by the auditor and at the end, %d comparisons with the truth\n", a.checks, s.quietChecks)
	fmt.Fprintf(&b, "  short pages     %d losses (deletions, released claims) of listed images that a short 200 page explains (documented: a removal below the deletion guard's share is applied at once)\n", len(a.shortPage))
	fmt.Fprintf(&b, "  cut twice       %d losses of listed images that two cut listings explain (a removal over the guard's share confirmed by a listing --deletion-guard-delay later, cut the same way)\n", len(a.cutTwice))
	fmt.Fprintf(&b, "  violations      %d\n", len(a.violations))
	s.t.Log(b.String())
	if path := os.Getenv("SOAK_SUMMARY"); path != "" {
		_ = os.WriteFile(path, []byte(b.String()), 0o644)
	}
	for _, e := range a.shortPage[:min(len(a.shortPage), 5)] {
		s.t.Logf("short page: %s", e)
	}
	for _, e := range a.cutTwice[:min(len(a.cutTwice), 5)] {
		s.t.Logf("cut twice: %s", e)
	}
}

func formatTally(m map[string]int) string {
	total := 0
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		total += m[k]
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}
