package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// mirrorFigures: the first mirror of n images, client-go creating the same objects, 5% churn
// against client-go updating as many, and a steady-state sync.
// run counts the repetitions of one size (from 1); each has its own namespaces and manager.
// It returns the first-mirror and churn ratios.
func (b *bench) mirrorFigures(ctx context.Context, n, run int) (ratios, error) {
	var r ratios
	ns := fmt.Sprintf("mirror-%d-%d", n, run)
	refNS := ns + "-reference"
	if err := b.namespace(ctx, ns); err != nil {
		return r, err
	}
	if err := b.namespace(ctx, refNS); err != nil {
		return r, err
	}
	catalog := imssim.GenerateCatalog(n, 1)
	b.sim.SetCatalog(catalog)
	mgr, err := b.startManager(ns)
	if err != nil {
		return r, err
	}
	defer mgr.stop()

	fmt.Printf("\n== %d images, run %d: first mirror (one ImageQuery, empty filter)\n", n, run)
	b.sim.ResetRequests()
	calls := b.apiCalls(ctx)
	start := time.Now()
	if err := b.c.Create(ctx, query(ns, "all")); err != nil {
		return r, err
	}
	if err := b.waitSynced(ctx, ns, []string{"all"}, "", n); err != nil {
		return r, fmt.Errorf("%w\nmanager log:\n%s", err, mgr.LogTail(logTailLines))
	}
	opTime := time.Since(start)
	opCalls := b.apiCalls(ctx).minus(calls)
	imsRequests := b.sim.RequestCount()
	rss, heap := mgr.memory()
	if b.profileDir != "" {
		path := filepath.Join(b.profileDir, fmt.Sprintf("heap-%d-%d.pprof", n, run))
		if err := mgr.heapProfile(path); err != nil {
			fmt.Printf("(heap profile: %v)\n", err)
		}
	}

	var mirrored imsv1.CloudImageList
	if err := b.c.List(ctx, &mirrored, client.InNamespace(ns)); err != nil {
		return r, err
	}
	copies := make([]*imsv1.CloudImage, len(mirrored.Items))
	for i := range mirrored.Items {
		copies[i] = referenceCopy(&mirrored.Items[i], refNS)
	}
	start = time.Now()
	if err := b.parallel(len(copies), func(i int) error { return b.raw.Create(ctx, copies[i]) }); err != nil {
		return r, fmt.Errorf("reference creates: %w", err)
	}
	refTime := time.Since(start)
	fmt.Printf("operator   %8s  (CloudImage calls %s; IMS requests %d)\n", round(opTime), opCalls, imsRequests)
	fmt.Printf("client-go  %8s  (%d creates, %d workers, no client rate limit)\n", round(refTime), len(copies), b.workers)
	r.first = opTime.Seconds() / refTime.Seconds()
	fmt.Printf("ratio      %8.2f×\n", r.first)
	fmt.Printf("manager    RSS %.0f MiB, heap in use %.0f MiB (%.1f KiB per mirrored image)\n", rss, heap, heap*1024/float64(n))

	// A completed listing answers identical ones for 15 s (listing.DefaultListingWindow):
	// wait that out so that the churn sync lists afresh.
	// (start is when the first mirror was done and the reference began.)
	time.Sleep(time.Until(start.Add(16 * time.Second)))
	if r.churn, err = b.churnFigures(ctx, mgr, ns, catalog, copies); err != nil {
		return r, err
	}
	if err := b.steadyFigures(ctx, ns); err != nil {
		return r, err
	}
	rss, heap = mgr.memory()
	fmt.Printf("manager    RSS %.0f MiB, heap in use %.0f MiB right after\n", rss, heap)
	if run == b.repeat {
		// After a large sync the manager hands freed heap back to the OS, at most every 30 s
		// (controllers/memory.go): what it holds between syncs shows once that has passed.
		time.Sleep(31 * time.Second)
		rss, heap = mgr.memory()
		fmt.Printf("manager    RSS %.0f MiB, heap in use %.0f MiB 30 s later, between syncs\n", rss, heap)
		if b.profileDir != "" {
			if err := mgr.heapProfile(filepath.Join(b.profileDir, fmt.Sprintf("heap-%d-between-syncs.pprof", n))); err != nil {
				fmt.Printf("(heap profile: %v)\n", err)
			}
		}
	}
	mgr.stop()
	// Leave nothing for the next figure's manager to cache, nor for the API server to delete
	// while the next figure runs.
	if err := b.c.DeleteAllOf(ctx, &imsv1.ImageQuery{}, client.InNamespace(ns)); err != nil {
		fmt.Printf("(cleaning up %s: %v)\n", ns, err)
	}
	b.clear(ctx, ns, refNS)
	return r, nil
}

// churnFigures changes 5% of the catalog and syncs, next to client-go updating as many objects.
func (b *bench) churnFigures(ctx context.Context, mgr *managerProc, ns string, catalog []imssim.Image, copies []*imsv1.CloudImage) (float64, error) {
	changed := map[string]bool{}
	for i := 0; i < len(catalog); i += 20 {
		img := catalog[i]
		img["updated_at"] = "2026-06-01T00:00:00Z"
		img["__description"] = "changed for the churn figure"
		changed[img.ID()] = true
	}
	b.sim.SetCatalog(catalog)
	fmt.Printf("-- 5%% churn: %d images changed\n", len(changed))
	b.sim.ResetRequests()
	calls := b.apiCalls(ctx)
	start := time.Now()
	if err := b.request(ctx, ns, "all", "churn"); err != nil {
		return 0, err
	}
	if err := b.waitSynced(ctx, ns, []string{"all"}, "churn", len(catalog)); err != nil {
		return 0, fmt.Errorf("%w\nmanager log:\n%s", err, mgr.LogTail(logTailLines))
	}
	opTime := time.Since(start)
	opCalls := b.apiCalls(ctx).minus(calls)

	var targets []*imsv1.CloudImage
	for _, c := range copies {
		if changed[c.Name] {
			c.Image.UpdatedAt = "2026-06-01T00:00:00Z"
			c.Image.Description = "changed for the churn figure"
			targets = append(targets, c)
		}
	}
	start = time.Now()
	if err := b.parallel(len(targets), func(i int) error { return b.raw.Update(ctx, targets[i]) }); err != nil {
		return 0, fmt.Errorf("reference updates: %w", err)
	}
	refTime := time.Since(start)
	fmt.Printf("operator   %8s  (CloudImage calls %s; IMS requests %d)\n", round(opTime), opCalls, b.sim.RequestCount())
	fmt.Printf("client-go  %8s  (%d updates, %d workers)\n", round(refTime), len(targets), b.workers)
	ratio := opTime.Seconds() / refTime.Seconds()
	fmt.Printf("ratio      %8.2f×\n", ratio)
	return ratio, nil
}

// steadyFigures syncs once more with nothing changed.
func (b *bench) steadyFigures(ctx context.Context, ns string) error {
	b.sim.ResetRequests()
	calls := b.apiCalls(ctx)
	start := time.Now()
	if err := b.request(ctx, ns, "all", "steady"); err != nil {
		return err
	}
	var q imsv1.ImageQuery
	if err := b.waitSynced(ctx, ns, []string{"all"}, "steady", -1); err != nil {
		return err
	}
	if err := b.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "all"}, &q); err != nil {
		return err
	}
	fmt.Printf("-- steady state: %s (CloudImage calls %s; IMS requests %d)\n", round(time.Since(start)), b.apiCalls(ctx).minus(calls), b.sim.RequestCount())
	return nil
}

// overlapFigures: k ImageQueries with the same filter, created together, over n images. With
// tagLabels, the images carry image-builder's tags and query i labels with the keys from the
// i-th on (so their unions differ), as platform teams' queries over one catalog would.
func (b *bench) overlapFigures(ctx context.Context, k, n int, tagLabels []string) error {
	ns := "overlap"
	if len(tagLabels) > 0 {
		ns = "overlap-tags"
	}
	if err := b.namespace(ctx, ns); err != nil {
		return err
	}
	catalog := imssim.GenerateCatalog(n, 1)
	if len(tagLabels) > 0 {
		for i, img := range catalog {
			img["tags"] = []string{fmt.Sprintf("kubernetes_version=v1.%d.%d", 28+i%5, i%11), "distribution_version=22.04",
				fmt.Sprintf("containerd_version=1.7.%d", i%20)}
		}
	}
	b.sim.SetCatalog(catalog)
	mgr, err := b.startManager(ns)
	if err != nil {
		return err
	}
	defer mgr.stop()
	with := ""
	if len(tagLabels) > 0 {
		with = fmt.Sprintf(", each with tagLabels (%d of %v)", min(2, len(tagLabels)), tagLabels)
	}
	fmt.Printf("\n== %d ImageQueries with the same filter over %d images, created together%s\n", k, n, with)
	names := make([]string, k)
	for i := range names {
		names[i] = fmt.Sprintf("same-%02d", i)
	}
	b.sim.ResetRequests()
	calls := b.apiCalls(ctx)
	start := time.Now()
	for i, name := range names {
		q := query(ns, name)
		for j := range min(2, len(tagLabels)) {
			q.Spec.TagLabels = append(q.Spec.TagLabels, imsv1.TagKey(tagLabels[(i+j)%len(tagLabels)]))
		}
		if err := b.c.Create(ctx, q); err != nil {
			return err
		}
	}
	if err := b.waitSynced(ctx, ns, names, "", n); err != nil {
		return fmt.Errorf("%w\nmanager log:\n%s", err, mgr.LogTail(logTailLines))
	}
	elapsed := time.Since(start)
	c := b.apiCalls(ctx).minus(calls)
	fmt.Printf("first sync  %8s  IMS requests %d; CloudImage calls %s; %.2f writes per object\n",
		round(elapsed), b.sim.RequestCount(), c, float64(c.writes)/float64(n))

	b.sim.ResetRequests()
	calls = b.apiCalls(ctx)
	start = time.Now()
	for _, name := range names {
		if err := b.request(ctx, ns, name, "round-2"); err != nil {
			return err
		}
	}
	if err := b.waitSynced(ctx, ns, names, "round-2", n); err != nil {
		return err
	}
	fmt.Printf("next round  %8s  IMS requests %d; CloudImage calls %s\n",
		round(time.Since(start)), b.sim.RequestCount(), b.apiCalls(ctx).minus(calls))
	return nil
}

// query is an ImageQuery with an empty filter (every image) and the bench's credentials.
func query(ns, name string) *imsv1.ImageQuery {
	return &imsv1.ImageQuery{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: imsv1.ImageQuerySpec{
			CredentialsSecretRef: &imsv1.SecretReference{Name: "ims-credentials"},
			MaxStatusImages:      ptr(int32(10)),
		},
	}
}

func ptr[T any](v T) *T { return &v }

// namespace creates ns with the simulator's credentials Secret.
func (b *bench) namespace(ctx context.Context, ns string) error {
	if err := b.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return err
	}
	return b.c.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ims-credentials"},
		StringData: map[string]string{"accessKey": b.sim.ak, "secretKey": b.sim.sk},
	})
}

// request asks for a sync now, as a user would.
func (b *bench) request(ctx context.Context, ns, name, value string) error {
	q := &imsv1.ImageQuery{}
	if err := b.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, q); err != nil {
		return err
	}
	patch := client.MergeFrom(q.DeepCopy())
	if q.Annotations == nil {
		q.Annotations = map[string]string{}
	}
	q.Annotations[imsv1.RequestedAtAnnotation] = value
	return b.c.Patch(ctx, q, patch)
}

// waitSynced watches until every named query is Ready for its generation, has handled the
// requested-at value and matched want images (want < 0: any number). A watch, not polling:
// the figures of a sub-second sync would otherwise carry the poll's interval.
func (b *bench) waitSynced(ctx context.Context, ns string, names []string, requested string, want int) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	synced := map[string]bool{}
	see := func(q *imsv1.ImageQuery) bool {
		ready := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady)
		synced[q.Name] = ready != nil && ready.Status == metav1.ConditionTrue && ready.ObservedGeneration == q.Generation &&
			q.Status.LastHandledRequestedAt == requested && (want < 0 || int(q.Status.MatchedImages) == want)
		return !slices.ContainsFunc(names, func(n string) bool { return !synced[n] })
	}
	var err error
	for ctx.Err() == nil { // a watch the server ends early starts again from a fresh list
		var list imsv1.ImageQueryList
		if err = b.c.List(ctx, &list, client.InNamespace(ns)); err != nil {
			break
		}
		done := false
		for i := range list.Items {
			done = see(&list.Items[i])
		}
		if done {
			return nil
		}
		w, werr := b.c.Watch(ctx, &imsv1.ImageQueryList{}, client.InNamespace(ns),
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
		if err = werr; err != nil {
			break
		}
		for ev := range w.ResultChan() {
			if q, ok := ev.Object.(*imsv1.ImageQuery); ok && see(q) {
				w.Stop()
				return nil
			}
		}
		w.Stop()
		time.Sleep(100 * time.Millisecond) // a watch that keeps ending at once: do not spin
	}
	missing := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return synced[n] })
	return fmt.Errorf("ImageQueries %v in %s not synced: %w", missing, ns, cmpOr(err, context.Cause(ctx)))
}

// clear deletes the namespaces' CloudImages and waits until they are gone, so that the API
// server's deletes of one figure neither slow down nor show up in the call counts of the
// next. A busy API server may time out or abort a collection delete of thousands of objects
// part way: clear asks again until none is left (for at most 10 minutes).
func (b *bench) clear(ctx context.Context, namespaces ...string) {
	deadline := time.Now().Add(10 * time.Minute)
	for _, ns := range namespaces {
		for {
			var left metav1.PartialObjectMetadataList
			left.SetGroupVersionKind(imsv1.GroupVersion.WithKind("CloudImageList"))
			if err := b.c.List(ctx, &left, client.InNamespace(ns), client.Limit(1)); err == nil && len(left.Items) == 0 {
				break
			}
			if time.Now().After(deadline) {
				fmt.Printf("(CloudImages still left in %s after 10 minutes: the next figures may be slower)\n", ns)
				break
			}
			_ = b.c.DeleteAllOf(ctx, &imsv1.CloudImage{}, client.InNamespace(ns)) // an abort: the next round asks again
			time.Sleep(time.Second)
		}
	}
}

// referenceCopy is a mirrored CloudImage as client-go would create it in ns: the same record
// and attribute labels, without server-set metadata, owners, claims or the managed-by label
// (so that the operator leaves the copies alone).
func referenceCopy(ci *imsv1.CloudImage, ns string) *imsv1.CloudImage {
	labels := maps.Clone(ci.Labels)
	maps.DeleteFunc(labels, func(k, _ string) bool { return imsv1.IsQueryLabel(k) || k == imsv1.LabelManagedBy })
	return &imsv1.CloudImage{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ci.Name, Labels: labels},
		Region:     ci.Region,
		Image:      *ci.Image.DeepCopy(),
	}
}

// parallel runs fn(0..n-1) on b.workers goroutines and returns the first error.
func (b *bench) parallel(n int, fn func(int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range b.workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					first = cmpOr(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// callCounts are the API server's CloudImage requests by verb, and the successful writes.
type callCounts struct {
	byVerb map[string]float64
	writes int
}

func (c callCounts) minus(o callCounts) callCounts {
	out := callCounts{byVerb: map[string]float64{}, writes: c.writes - o.writes}
	for v, n := range c.byVerb {
		if d := n - o.byVerb[v]; d > 0 {
			out.byVerb[v] = d
		}
	}
	return out
}

func (c callCounts) String() string {
	var parts []string
	for _, v := range slices.Sorted(maps.Keys(c.byVerb)) {
		parts = append(parts, fmt.Sprintf("%s %.0f", v, c.byVerb[v]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; %d writes", c.writes)
}

// apiCalls reads apiserver_request_total for CloudImages from the API server's metrics.
func (b *bench) apiCalls(ctx context.Context) callCounts {
	out := callCounts{byVerb: map[string]float64{}}
	hc, err := rest.HTTPClientFor(b.cfg)
	if err != nil {
		return out
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(b.cfg.Host, "/")+"/metrics", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, "apiserver_request_total{") || !strings.Contains(line, `resource="cloudimages"`) {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		var v float64
		if _, err := fmt.Sscan(line[sp+1:], &v); err != nil {
			continue // not a sample line
		}
		verb, code := label(line, "verb"), label(line, "code")
		out.byVerb[verb] += v
		if strings.HasPrefix(code, "2") && (verb == "POST" || verb == "PUT" || verb == "PATCH" || verb == "DELETE") {
			out.writes += int(v)
		}
	}
	return out
}

func label(line, name string) string {
	i := strings.Index(line, name+`="`)
	if i < 0 {
		return ""
	}
	value := line[i+len(name)+2:]
	return value[:strings.IndexByte(value, '"')]
}

func round(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }
