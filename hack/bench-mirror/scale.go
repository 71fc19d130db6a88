package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// scaleShape is the multi-tenant figure: one catalog of images mirrored into namespaces
// namespaces, each with one query for every image and platforms queries for one platform
// each, all listing as the manager's own credentials (one account), every interval. The
// issue's shape is 100 namespaces × 1,000 images × (1 + 9) queries: 100,000 CloudImages.
type scaleShape struct {
	namespaces, images, platforms int
	sample                        int // namespaces whose CloudImages client-go creates, for the estimate
	interval                      time.Duration
}

// scaleFigures: the first mirror of the whole shape (every query created at once) against
// client-go creating a sample of namespaces' CloudImages (scaled up: the estimate says so),
// the manager's memory between syncs, two steady-state rounds (every query synced once: IMS
// listings by filter, CloudImage writes, CPU time), and a restart with everything in the
// cluster (start to ready, and to a complete round). It runs last: nothing is cleaned up.
func (b *bench) scaleFigures(ctx context.Context, s scaleShape) error {
	catalog := imssim.GenerateCatalog(s.images, 1)
	b.sim.SetCatalog(catalog)
	platforms := commonPlatforms(catalog, s.platforms)
	want := map[types.NamespacedName]int{}
	var queries []*imsv1.ImageQuery
	for i := range s.namespaces {
		ns := fmt.Sprintf("scale-%03d", i)
		if err := b.managerCredentialsNamespace(ctx, ns); err != nil {
			return err
		}
		all := scaleQuery(ns, "all", "", s.interval)
		queries = append(queries, all)
		want[client.ObjectKeyFromObject(all)] = len(catalog)
		for j, p := range platforms {
			q := scaleQuery(ns, fmt.Sprintf("platform-%d", j), p.name, s.interval)
			queries = append(queries, q)
			want[client.ObjectKeyFromObject(q)] = p.images
		}
	}
	total := s.namespaces * len(catalog)
	b.managerEnv = []string{"HUAWEICLOUD_SDK_AK=" + b.sim.ak, "HUAWEICLOUD_SDK_SK=" + b.sim.sk}
	defer func() { b.managerEnv = nil }()
	mgr, err := b.startManager("scale")
	if err != nil {
		return err
	}
	defer func() { mgr.stop() }()

	fmt.Printf("\n== scale: %d CloudImages over %d namespaces from %d ImageQueries (%d images; per namespace 1 query for all, %d for one platform each), refreshInterval %s\n",
		total, s.namespaces, len(queries), len(catalog), len(platforms), s.interval)
	b.sim.ResetRequests()
	calls := b.apiCalls(ctx)
	start := time.Now()
	if err := b.parallel(len(queries), func(i int) error { return b.c.Create(ctx, queries[i]) }); err != nil {
		return err
	}
	if err := b.waitQueries(ctx, want, time.Time{}); err != nil {
		return fmt.Errorf("%w\nmanager log:\n%s", err, mgr.LogTail(logTailLines))
	}
	opTime := time.Since(start)
	c := b.apiCalls(ctx).minus(calls)
	rss, heap := mgr.memory()
	fmt.Printf("first mirror  %8s  (CloudImage calls %s; %.2f writes per object; IMS requests %d)\n",
		round(opTime), c, float64(c.writes)/float64(total), b.sim.RequestCount())
	fmt.Printf("manager       RSS %.0f MiB, heap in use %.0f MiB right after\n", rss, heap)

	for r := 1; r <= 2; r++ {
		if err := b.scaleRound(ctx, mgr, want, r); err != nil {
			return err
		}
	}
	b.heapProfileTo(mgr, "heap-scale-steady.pprof")
	b.sampleMemory(mgr, s.interval)
	mgr.stop()

	if err := b.scaleReference(ctx, s, len(catalog), opTime); err != nil {
		return err
	}

	// A restart with every CloudImage in the cluster: informers fill, then every query
	// (overdue or not) syncs once.
	mgr, err = b.startManager("scale-restart")
	if err != nil {
		return err
	}
	rss, heap = mgr.memory()
	fmt.Printf("restart       ready after %s with %d CloudImages in the cluster (RSS %.0f MiB, heap in use %.0f MiB)\n",
		round(mgr.ready.Sub(mgr.started)), total, rss, heap)
	return b.scaleRound(ctx, mgr, want, 0)
}

// scaleRound waits until every query has synced once more (round 0: once since the manager
// started) and prints what that took: IMS listings by filter, CloudImage calls, CPU time.
func (b *bench) scaleRound(ctx context.Context, mgr *managerProc, want map[types.NamespacedName]int, n int) error {
	b.sim.ResetRequests()
	calls := b.apiCalls(ctx)
	cpu := mgr.cpuSeconds()
	since := time.Now()
	if n == 0 {
		since = mgr.started
	}
	if n == 2 && b.profileDir != "" {
		go func() { // where the steady state's CPU goes: its first 30 s
			if err := mgr.cpuProfile(filepath.Join(b.profileDir, "cpu-scale-steady.pprof"), 30); err != nil {
				fmt.Printf("(CPU profile: %v)\n", err)
			}
		}()
	}
	if err := b.waitQueries(ctx, want, since); err != nil {
		return fmt.Errorf("%w\nmanager log:\n%s", err, mgr.LogTail(logTailLines))
	}
	took := time.Since(since)
	name := fmt.Sprintf("steady round %d", n)
	if n == 0 {
		name = "first round after the restart"
	}
	rss, heap := mgr.memory()
	fmt.Printf("%s  %8s  every query synced once: CloudImage calls %s; manager CPU %.1f s; RSS %.0f MiB, heap in use %.0f MiB at its end\n",
		name, round(took), b.apiCalls(ctx).minus(calls), mgr.cpuSeconds()-cpu, rss, heap)
	fmt.Printf("              IMS: %s\n", listingsByFilter(b.sim.Requests()))
	return nil
}

// sampleMemory samples the manager's RSS every second for one interval and prints the
// lowest (between syncs), the median and the highest.
func (b *bench) sampleMemory(mgr *managerProc, interval time.Duration) {
	var samples, heaps []float64
	for end := time.Now().Add(interval); time.Now().Before(end); time.Sleep(time.Second) {
		rss, heap := mgr.memory()
		samples, heaps = append(samples, rss), append(heaps, heap)
	}
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	slices.Sort(heaps)
	fmt.Printf("manager       RSS over %s of steady state, sampled each second: lowest %.0f MiB, median %.0f MiB, highest %.0f MiB (heap in use %.0f–%.0f MiB)\n",
		interval, samples[0], median(samples), samples[len(samples)-1], heaps[0], heaps[len(heaps)-1])
}

// scaleReference is client-go creating the CloudImages of s.sample namespaces (with the
// manager stopped), scaled up to the whole shape.
func (b *bench) scaleReference(ctx context.Context, s scaleShape, perNamespace int, opTime time.Duration) error {
	sample := min(max(s.sample, 1), s.namespaces)
	var copies []*imsv1.CloudImage
	for i := range sample {
		ns, refNS := fmt.Sprintf("scale-%03d", i), fmt.Sprintf("scale-reference-%03d", i)
		if err := b.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: refNS}}); err != nil {
			return err
		}
		var mirrored imsv1.CloudImageList
		if err := b.c.List(ctx, &mirrored, client.InNamespace(ns)); err != nil {
			return err
		}
		for j := range mirrored.Items {
			copies = append(copies, referenceCopy(&mirrored.Items[j], refNS))
		}
	}
	start := time.Now()
	if err := b.parallel(len(copies), func(i int) error { return b.raw.Create(ctx, copies[i]) }); err != nil {
		return fmt.Errorf("reference creates: %w", err)
	}
	refTime := time.Since(start)
	estimate := time.Duration(float64(refTime) * float64(s.namespaces) / float64(sample))
	fmt.Printf("client-go     %8s  for %d creates (%d of %d namespaces, %d workers, no client rate limit, the manager stopped): %s estimated for all %d\n",
		round(refTime), len(copies), sample, s.namespaces, b.workers, round(estimate), s.namespaces*perNamespace)
	fmt.Printf("ratio         %8.2f×  first mirror against the estimate\n", opTime.Seconds()/estimate.Seconds())
	return nil
}

// heapProfileTo saves the manager's heap profile under the bench's profile folder, if any.
func (b *bench) heapProfileTo(mgr *managerProc, name string) {
	if b.profileDir == "" {
		return
	}
	if err := mgr.heapProfile(filepath.Join(b.profileDir, name)); err != nil {
		fmt.Printf("(heap profile: %v)\n", err)
	}
}

// listingsByFilter summarises IMS requests: listings (first pages) per distinct filter.
func listingsByFilter(reqs []imssim.RecordedRequest) string {
	firsts := map[string]int{}
	pages := 0
	for _, r := range reqs {
		if r.Page == 0 {
			continue
		}
		pages++
		if r.Page == 1 {
			firsts[filterOf(r.Query)]++
		}
	}
	counts := slices.Sorted(maps.Values(firsts))
	listings := 0
	for _, n := range counts {
		listings += n
	}
	if len(counts) == 0 {
		return "no listing"
	}
	return fmt.Sprintf("%d requests, %d listings (first pages) for %d distinct filters, %d to %d per filter",
		pages, listings, len(firsts), counts[0], counts[len(counts)-1])
}

// filterOf is a listing request's query without its paging parameters.
func filterOf(q url.Values) string {
	q = maps.Clone(q)
	q.Del("marker")
	q.Del("offset")
	return q.Encode()
}

// platformCount is a platform and how many of the catalog's images have it.
type platformCount struct {
	name   string
	images int
}

// commonPlatforms are the n platforms with the most images in catalog.
func commonPlatforms(catalog []imssim.Image, n int) []platformCount {
	counts := map[string]int{}
	for _, img := range catalog {
		if p, ok := img["__platform"].(string); ok {
			counts[p]++
		}
	}
	var out []platformCount
	for p, c := range counts {
		out = append(out, platformCount{p, c})
	}
	sort.Slice(out, func(i, j int) bool {
		return cmp.Or(cmp.Compare(out[j].images, out[i].images), strings.Compare(out[i].name, out[j].name)) < 0
	})
	return out[:min(n, len(out))]
}

// scaleQuery lists every image (platform "") or one platform's, as the manager's credentials.
func scaleQuery(ns, name, platform string, interval time.Duration) *imsv1.ImageQuery {
	q := &imsv1.ImageQuery{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       imsv1.ImageQuerySpec{RefreshInterval: &metav1.Duration{Duration: interval}},
	}
	q.Spec.Filter.Platform = platform
	return q
}

// managerCredentialsNamespace creates ns, labelled so that its queries may use the manager's
// own credentials.
func (b *bench) managerCredentialsNamespace(ctx context.Context, ns string) error {
	return b.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
		Labels: map[string]string{imsv1.ManagerCredentialsLabel: imsv1.ManagerCredentialsAllowed}}})
}

// waitQueries watches ImageQueries in every namespace until each in want is Ready for its
// generation with want's number of matches and a last sync after since (zero: any).
func (b *bench) waitQueries(ctx context.Context, want map[types.NamespacedName]int, since time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Minute)
	defer cancel()
	synced := map[types.NamespacedName]bool{}
	after := since.Truncate(time.Second).Add(time.Second) // status times have seconds
	see := func(q *imsv1.ImageQuery) {
		key := client.ObjectKeyFromObject(q)
		n, ok := want[key]
		if !ok {
			return
		}
		ready := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady)
		if ready != nil && ready.Status == metav1.ConditionTrue && ready.ObservedGeneration == q.Generation &&
			int(q.Status.MatchedImages) == n && q.Status.LastSyncTime != nil && !q.Status.LastSyncTime.Time.Before(after) {
			synced[key] = true
		}
	}
	done := func() bool { return len(synced) == len(want) }
	var err error
	for ctx.Err() == nil {
		var list imsv1.ImageQueryList
		if err = b.c.List(ctx, &list); err != nil {
			break
		}
		for i := range list.Items {
			see(&list.Items[i])
		}
		if done() {
			return nil
		}
		w, werr := b.c.Watch(ctx, &imsv1.ImageQueryList{}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
		if err = werr; err != nil {
			break
		}
		for ev := range w.ResultChan() {
			if q, ok := ev.Object.(*imsv1.ImageQuery); ok {
				see(q)
				if done() {
					w.Stop()
					return nil
				}
			}
		}
		w.Stop()
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%d of %d ImageQueries not synced: %w", len(want)-len(synced), len(want), cmpOr(err, context.Cause(ctx)))
}
