package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// builderImage is an image of an image-builder family owned by owner: its tags are those
// image-builder writes on every Cluster API image.
func builderImage(t *testing.T, owner, name, k8sVersion, created, status string, arm bool) string {
	t.Helper()
	img := imssim.GenerateCatalog(1, int64(len(name))*7919+int64(len(created)))[0]
	img["id"] = fmt.Sprintf("%08x-0000-4000-8000-%012x", len(owner)*31+len(name), hashString(owner+name))
	img["owner"], img["__imagetype"], img["visibility"] = owner, "private", "private"
	img["name"], img["created_at"], img["status"] = name, created, status
	img["__platform"], img["__os_version"] = "Ubuntu", "Ubuntu 22.04 server 64bit"
	img["__is_offshelved"] = "false"
	delete(img, "__support_arm")
	if arm {
		img["__support_arm"] = "true"
	}
	img["tags"] = []string{"kubernetes_version=" + k8sVersion, "distribution_version=22.04", "containerd_version=1.7.20", "legacy.form"}
	sim.PutImage(img)
	t.Cleanup(func() { sim.DeleteImage(img.ID()) })
	return img.ID()
}

func hashString(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h & 0xffffffffffff
}

// setStatus changes an image's IMS status in the simulator, as an upload or a re-upload would.
func setStatus(t *testing.T, id, status string) {
	t.Helper()
	for _, img := range sim.Catalog() {
		if img.ID() == id {
			img["status"] = status
			sim.PutImage(img)
			return
		}
	}
	t.Fatalf("no image %s", id)
}

// latestHolders are the CloudImages of ns carrying query's latest label.
func latestHolders(t testing.TB, ns, query string) []string {
	t.Helper()
	var list imsv1.CloudImageList
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{imsv1.LatestLabel(query): "true"}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ci := range list.Items {
		names = append(names, ci.Name)
	}
	return names
}

// watchLatestLabels records, while a test runs, the most CloudImages that carried query's
// latest label at once, from a watch (every change, not samples).
func watchLatestLabels(t *testing.T, ns, query string) func() int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := k8s.Watch(ctx, &imsv1.CloudImageList{}, client.InNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	holders, most := map[string]bool{}, 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			ci, ok := ev.Object.(*imsv1.CloudImage)
			if !ok {
				continue
			}
			mu.Lock()
			if ev.Type != watch.Deleted && ci.Labels[imsv1.LatestLabel(query)] == "true" {
				holders[ci.Name] = true
			} else {
				delete(holders, ci.Name)
			}
			most = max(most, len(holders))
			mu.Unlock()
		}
	}()
	return func() int {
		cancel()
		w.Stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return most
	}
}

// Only an active, not off-shelved image is picked: a newer queued upload is mirrored but never
// latest; when the latest image stops being usable, the withdrawal is announced, nothing else
// is usable so LatestImageReady says so, the export keeps its values and no CloudImage carries
// the latest label; a usable image coming back is picked again. Never two latest labels.
func TestOnlyWhatBootsIsPicked(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	owner := "boots-" + ns
	active := builderImage(t, owner, "node-a", "v1.31.0", "2026-01-01T00:00:00Z", "active", false)
	queued := builderImage(t, owner, "node-b", "v1.32.0", "2026-02-01T00:00:00Z", "queued", false)
	saving := builderImage(t, owner, "node-c", "v1.32.1", "2026-03-01T00:00:00Z", "saving", false)
	most := watchLatestLabels(t, ns, "nodes")
	createQuery(t, newQuery(ns, "nodes", imsv1.ImageQuerySpec{
		Filter: imsv1.ImageFilter{Owner: imsv1.PlainText(owner)},
		Export: &imsv1.ExportSpec{ConfigMapName: "nodes-image"},
	}))
	q := waitReady(t, ns, "nodes")
	if q.Status.MatchedImages != 3 || q.Status.LatestImage == nil || q.Status.LatestImage.ID != active {
		t.Fatalf("matched %d, latest %+v; want 3 mirrored and the active one latest", q.Status.MatchedImages, q.Status.LatestImage)
	}
	if c := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionLatestImageReady); c == nil || c.Status != metav1.ConditionTrue || c.Reason != imsv1.ReasonLatestImageChosen {
		t.Errorf("LatestImageReady = %+v, want True/LatestImageChosen", c)
	}
	if got := latestHolders(t, ns, "nodes"); !slices.Equal(got, []string{active}) {
		t.Errorf("latest label on %v, want only %s", got, active)
	}

	setStatus(t, active, "queued") // re-uploaded: nothing usable now
	q = requestSync(t, ns, "nodes")
	c := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionLatestImageReady)
	if q.Status.LatestImage != nil || c == nil || c.Status != metav1.ConditionFalse || c.Reason != imsv1.ReasonNoUsableImage {
		t.Errorf("nothing usable: latest %+v, LatestImageReady %+v; want none, False/NoUsableImage", q.Status.LatestImage, c)
	}
	if ready := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady); ready == nil || ready.Status != metav1.ConditionTrue {
		t.Errorf("Ready = %+v: the sync itself succeeded", ready)
	}
	waitEvent(t, ns, imsv1.EventLatestImageWithdrawn, active)
	if got := latestHolders(t, ns, "nodes"); len(got) != 0 {
		t.Errorf("latest label on %v with nothing usable", got)
	}
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "nodes-image"}, cm); err != nil || cm.Data["imageID"] != active {
		t.Errorf("export %v (%v): want its last values kept", cm.Data, err)
	}

	setStatus(t, saving, "active") // the newest upload finished
	q = requestSync(t, ns, "nodes")
	if q.Status.LatestImage == nil || q.Status.LatestImage.ID != saving {
		t.Errorf("latest %+v, want %s now that it is active", q.Status.LatestImage, saving)
	}
	eventually(t, "the latest label on the new latest image", func() error {
		if got := latestHolders(t, ns, "nodes"); !slices.Equal(got, []string{saving}) {
			return fmt.Errorf("on %v", got)
		}
		return nil
	})
	_ = queued
	newer := builderImage(t, owner, "node-d", "v1.33.0", "2026-04-01T00:00:00Z", "active", false)
	q = requestSync(t, ns, "nodes") // the label moves straight from one image to another
	eventually(t, "the latest label on the newer image", func() error {
		if got := latestHolders(t, ns, "nodes"); !slices.Equal(got, []string{newer}) || q.Status.LatestImage.ID != newer {
			return fmt.Errorf("on %v, latest %s", got, q.Status.LatestImage.ID)
		}
		return nil
	})
	deleteAndWaitGone(t, q)
	eventually(t, "the latest label gone with the query", func() error {
		if got := latestHolders(t, ns, "nodes"); len(got) != 0 {
			return fmt.Errorf("still on %v", got)
		}
		return nil
	})
	if n := most(); n > 1 {
		t.Errorf("%d CloudImages carried the latest label at once", n)
	}
}

// One latest per architecture, tags as selectors and labels, over two ORed terms: the
// per-variant latest images in status and export, the tag labels on every claimed
// CloudImage (image-builder's tags), and matchTags applied to the union.
func TestLatestPerArchitectureTagsAndTerms(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	a, b := "terms-a-"+ns, "terms-b-"+ns
	x86old := builderImage(t, a, "cap-x86-1.31", "v1.31.4", "2026-01-01T00:00:00Z", "active", false)
	x86new := builderImage(t, a, "cap-x86-1.32", "v1.32.0", "2026-02-01T00:00:00Z", "active", false)
	arm := builderImage(t, b, "cap-arm-1.32", "v1.32.0", "2026-01-15T00:00:00Z", "active", true)
	armQueued := builderImage(t, b, "cap-arm-1.32.1", "v1.32.1", "2026-03-01T00:00:00Z", "queued", true)
	builderImage(t, b, "cap-arm-1.30", "v1.30.9", "2026-03-02T00:00:00Z", "active", true) // matchTags drops it
	createQuery(t, newQuery(ns, "capi", imsv1.ImageQuerySpec{
		Filters:   []imsv1.ImageFilter{{Owner: imsv1.PlainText(a)}, {Owner: imsv1.PlainText(b)}},
		MatchTags: map[string]imsv1.TagGlob{"kubernetes_version": "v1.3[12].*"},
		TagLabels: []imsv1.TagKey{"kubernetes_version", "distribution_version", "legacy"},
		LatestPer: []imsv1.VariantField{imsv1.VariantArchitecture},
		Export:    &imsv1.ExportSpec{ConfigMapName: "capi-images", AllowedImageIDs: true},
	}))
	// "v1.3[12].*" is a literal bracket for the glob: nothing matches it.
	q := waitReady(t, ns, "capi")
	if q.Status.MatchedImages != 0 {
		t.Fatalf("matched %d: '[' is not a glob class", q.Status.MatchedImages)
	}
	q.Spec.MatchTags = map[string]imsv1.TagGlob{"kubernetes_version": "v1.3?.*", "containerd_version": "*"}
	q.Spec.Exclude = &imsv1.ImageExclusion{NameRegex: `1\.30$`}
	if err := k8s.Update(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	q = waitReady(t, ns, "capi")
	want := []string{x86old, x86new, arm, armQueued}
	slices.Sort(want)
	if got := claimedIDs(t, ns, "capi"); !slices.Equal(got, want) {
		t.Fatalf("claimed %v, want the union of both terms' v1.31/v1.32 images %v", got, want)
	}
	if q.Status.LatestImage == nil || q.Status.LatestImage.ID != x86new {
		t.Errorf("overall latest %+v, want %s", q.Status.LatestImage, x86new)
	}
	variants := map[string]string{}
	for _, v := range q.Status.LatestImages {
		variants[v.Variant] = v.Image.ID
	}
	if len(variants) != 2 || variants["x86"] != x86new || variants["arm"] != arm {
		t.Errorf("latestImages %v, want x86 %s and arm %s (never the queued one)", variants, x86new, arm)
	}
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "capi-images"}, cm); err != nil {
		t.Fatal(err)
	}
	usable := []string{x86old, x86new, arm}
	slices.Sort(usable)
	if cm.Data["arm.imageID"] != arm || cm.Data["x86.imageID"] != x86new || cm.Data["arm.imageName"] != "cap-arm-1.32" ||
		cm.Data["allowedImageIDs"] != strings.Join(usable, " ") {
		t.Errorf("export %v: want the variants' keys and the usable IDs", cm.Data)
	}
	images := cloudImages(t, ns)
	for _, id := range want {
		l := images[id].Labels
		if l[imsv1.TagLabel("distribution_version")] != "22.04" || l[imsv1.TagLabel("legacy")] != "form" ||
			!strings.HasPrefix(l[imsv1.TagLabel("kubernetes_version")], "v1.3") || l[imsv1.TagLabel("containerd_version")] != "" {
			t.Errorf("%s labels %v: want the tagLabels' keys, and only them", id, l)
		}
	}
	var sel imsv1.CloudImageList
	if err := k8s.List(context.Background(), &sel, client.InNamespace(ns), client.MatchingLabels{
		imsv1.TagLabel("kubernetes_version"): "v1.32.0", imsv1.LabelArchitecture: "arm"}); err != nil {
		t.Fatal(err)
	}
	if len(sel.Items) != 1 || sel.Items[0].Name != arm {
		t.Errorf("selecting by a tag label and the architecture found %d CloudImages, want %s", len(sel.Items), arm)
	}

	// A failing term fails the sync and changes nothing.
	id := sim.AddFault(imssim.Fault{Status: 503})
	defer sim.RemoveFault(id)
	stamp := time.Now().Format(time.RFC3339Nano)
	q = getQuery(t, ns, "capi")
	q.Annotations = map[string]string{imsv1.RequestedAtAnnotation: stamp}
	if err := k8s.Update(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, ns, "capi", metav1.ConditionFalse, imsv1.ReasonServiceUnavailable)
	if got := claimedIDs(t, ns, "capi"); !slices.Equal(got, want) {
		t.Errorf("a failed term changed the claims: %v", got)
	}
}
