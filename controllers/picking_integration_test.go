package controllers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// Picking an image: minAge, exclude, latestBy, previousLatestImage and its event and metrics,
// the export ConfigMap, market images and open platforms, on the real control plane with the
// simulator. Each test lists the private images of a project of its own, so the images it
// adds touch no other test.

// testProject is a project ID of the test's own.
func testProject() string { return strings.ReplaceAll(newUUID(), "-", "") }

func newUUID() string { return imssim.NewImageID() }

// putImage adds a private Ubuntu image of project to the simulator's catalog until the test
// ends, and returns its ID.
func putImage(t *testing.T, project, name string, created time.Time) string {
	t.Helper()
	id := newUUID()
	sim.PutImage(imssim.PrivateUbuntu(id, project, name, created))
	t.Cleanup(func() { sim.DeleteImage(id) })
	return id
}

func projectQuery(ns, name, project string, spec imsv1.ImageQuerySpec) *imsv1.ImageQuery {
	spec.Filter.Owner = imsv1.PlainText(project)
	return newQuery(ns, name, spec)
}

func updateQuery(t *testing.T, ns, name string, change func(*imsv1.ImageQuery)) {
	t.Helper()
	q := getQuery(t, ns, name)
	patch := client.MergeFrom(q.DeepCopy())
	change(q)
	if err := k8s.Patch(context.Background(), q, patch); err != nil {
		t.Fatal(err)
	}
}

func latestID(q *imsv1.ImageQuery) string { return summaryID(q.Status.LatestImage) }

// waitLatest waits until the query's current generation synced with this latest image.
func waitLatest(t *testing.T, ns, name, id string) *imsv1.ImageQuery {
	t.Helper()
	var q *imsv1.ImageQuery
	eventually(t, fmt.Sprintf("%s/%s latest image %s", ns, name, id), func() error {
		q = waitReady(t, ns, name)
		if latestID(q) != id {
			return fmt.Errorf("latest image is %q", latestID(q))
		}
		return nil
	})
	return q
}

func sorted(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

// minAge hides a fresh image, and the query picks it up by itself when it comes of age, long
// before its refreshInterval.
func TestMinAgeHidesAFreshImageUntilItComesOfAge(t *testing.T) {
	integration(t)
	ns, project := newNamespace(t), testProject()
	old := putImage(t, project, "base-2025", time.Now().Add(-30*24*time.Hour))
	fresh := putImage(t, project, "base-today", time.Now())
	createQuery(t, projectQuery(ns, "soaked", project, imsv1.ImageQuerySpec{
		MinAge:          &metav1.Duration{Duration: 5 * time.Second},
		RefreshInterval: &metav1.Duration{Duration: time.Hour},
	}))

	q := waitLatest(t, ns, "soaked", old)
	if q.Status.MatchedImages != 1 || !slices.Equal(claimedIDs(t, ns, "soaked"), []string{old}) {
		t.Errorf("before the soak: matched %d, claimed %v; want only %s", q.Status.MatchedImages, claimedIDs(t, ns, "soaked"), old)
	}
	if q.Status.NextComingOfAgeTime == nil {
		t.Fatal("no nextComingOfAgeTime for the fresh image")
	}

	q = waitLatest(t, ns, "soaked", fresh) // no requested-at: minAge scheduled this sync
	if q.Status.MatchedImages != 2 || !slices.Equal(claimedIDs(t, ns, "soaked"), sorted(old, fresh)) {
		t.Errorf("after the soak: matched %d, claimed %v", q.Status.MatchedImages, claimedIDs(t, ns, "soaked"))
	}
	if q.Status.NextComingOfAgeTime != nil {
		t.Errorf("nextComingOfAgeTime %v with no image left to soak", q.Status.NextComingOfAgeTime)
	}
}

// exclude drops images by ID and by name; CloudImages, status and the query label follow the
// matched set, and changing exclude syncs at once.
func TestExcludeByIDAndName(t *testing.T) {
	integration(t)
	ns, project := newNamespace(t), testProject()
	now := time.Now()
	good := putImage(t, project, "node-1.30", now.Add(-72*time.Hour))
	bad := putImage(t, project, "node-1.31", now.Add(-48*time.Hour))
	rc := putImage(t, project, "node-1.32-rc1", now.Add(-24*time.Hour))
	createQuery(t, projectQuery(ns, "nodes", project, imsv1.ImageQuerySpec{
		Exclude: &imsv1.ImageExclusion{IDs: []imsv1.PlainText{imsv1.PlainText(bad)}, NameRegex: `-rc\d+$`},
	}))
	q := waitLatest(t, ns, "nodes", good)
	if q.Status.MatchedImages != 1 || len(q.Status.Images) != 1 || !slices.Equal(claimedIDs(t, ns, "nodes"), []string{good}) {
		t.Errorf("matched %d, status images %+v, claimed %v; want only %s", q.Status.MatchedImages, q.Status.Images, claimedIDs(t, ns, "nodes"), good)
	}

	updateQuery(t, ns, "nodes", func(q *imsv1.ImageQuery) { q.Spec.Exclude.IDs = nil })
	waitLatest(t, ns, "nodes", bad)
	if got := claimedIDs(t, ns, "nodes"); !slices.Equal(got, sorted(good, bad)) {
		t.Errorf("claimed %v after dropping the ID", got)
	}
	updateQuery(t, ns, "nodes", func(q *imsv1.ImageQuery) { q.Spec.Exclude = nil })
	waitLatest(t, ns, "nodes", rc)
	if got := claimedIDs(t, ns, "nodes"); !slices.Equal(got, sorted(good, bad, rc)) {
		t.Errorf("claimed %v without exclude", got)
	}
}

// latestBy: nameVersion picks by the version in the name, against the upload order.
func TestLatestByNameVersionOnTheControlPlane(t *testing.T) {
	integration(t)
	ns, project := newNamespace(t), testProject()
	now := time.Now()
	v132 := putImage(t, project, "caphw-hwi-2204-v1.32.0-1767139200", now.Add(-72*time.Hour))
	putImage(t, project, "caphw-hwi-2204-v1.31.10-1767225600", now.Add(-48*time.Hour))
	putImage(t, project, "caphw-hwi-2204-v1.31.9-1767312000", now.Add(-24*time.Hour))
	unversioned := putImage(t, project, "caphw-hwi-2204-vnext-1767398400", now.Add(-time.Hour))
	spec := imsv1.ImageQuerySpec{NameRegex: `^caphw-hwi-\d+-v([0-9a-z.]+)-\d+$`}
	createQuery(t, projectQuery(ns, "by-date", project, spec))
	spec.LatestBy = imsv1.LatestByNameVersion
	createQuery(t, projectQuery(ns, "by-version", project, spec))

	waitLatest(t, ns, "by-date", unversioned)
	q := waitLatest(t, ns, "by-version", v132)
	if q.Status.MatchedImages != 4 {
		t.Errorf("matched %d, want 4: a name without a version matches, it is only never the latest", q.Status.MatchedImages)
	}
}

// A regex whose groups are all non-capturing passes the API server's check for a '(' but has
// no version to read: the query stalls with InvalidNameRegex, and nothing is mirrored.
func TestNameVersionWithoutCaptureStalls(t *testing.T) {
	integration(t)
	ns, project := newNamespace(t), testProject()
	putImage(t, project, "Ubuntu 22.04 server", time.Now().Add(-time.Hour))
	createQuery(t, projectQuery(ns, "no-capture", project, imsv1.ImageQuerySpec{
		NameRegex: `^Ubuntu (?:\d+\.\d+) server`, LatestBy: imsv1.LatestByNameVersion,
	}))
	q := waitCondition(t, ns, "no-capture", metav1.ConditionFalse, imsv1.ReasonInvalidNameRegex)
	if c := findCondition(q, imsv1.ConditionStalled); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Stalled = %+v", c)
	}
	if got := claimedIDs(t, ns, "no-capture"); len(got) != 0 {
		t.Errorf("claimed %v", got)
	}
}

// When the latest image changes to another one, the old one moves to previousLatestImage, a
// Normal LatestImageChanged event names both, and the metrics follow; a sync with the same
// latest image changes none of these; deleting the query removes its series.
func TestLatestImageChangeIsRecordedAnnouncedAndMeasured(t *testing.T) {
	integration(t)
	ns, project := newNamespace(t), testProject()
	created := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	first := putImage(t, project, "app-base-1", created)
	createQuery(t, projectQuery(ns, "app", project, imsv1.ImageQuerySpec{}))
	q := waitLatest(t, ns, "app", first)
	if q.Status.PreviousLatestImage != nil {
		t.Errorf("previousLatestImage %+v after the first sync", q.Status.PreviousLatestImage)
	}
	if got := testutil.ToFloat64(latestImageInfo.WithLabelValues(ns, "app", first, "app-base-1")); got != 1 {
		t.Errorf("info series of the first image = %v", got)
	}
	if got := testutil.ToFloat64(latestImageCreated.WithLabelValues(ns, "app")); got != float64(created.Unix()) {
		t.Errorf("created timestamp = %v, want %d", got, created.Unix())
	}

	second := putImage(t, project, "app-base-2", time.Now().Add(-time.Hour))
	requestSync(t, ns, "app")
	q = waitLatest(t, ns, "app", second)
	if q.Status.PreviousLatestImage == nil || q.Status.PreviousLatestImage.ID != first || q.Status.PreviousLatestImage.Name != "app-base-1" {
		t.Errorf("previousLatestImage = %+v, want %s", q.Status.PreviousLatestImage, first)
	}
	waitEvent(t, ns, imsv1.EventLatestImageChanged, fmt.Sprintf("from %s (app-base-1) to %s (app-base-2)", first, second))
	if n := querySeries(latestImageInfo, ns, "app"); n != 1 {
		t.Errorf("%d info series for the query, want 1 (the old one deleted)", n)
	}
	if got := testutil.ToFloat64(latestImageInfo.WithLabelValues(ns, "app", second, "app-base-2")); got != 1 {
		t.Errorf("info series of the second image = %v", got)
	}

	// The same latest image: no event, no change of previousLatestImage.
	q = requestSync(t, ns, "app")
	settle()
	if n := countEvents(t, ns, imsv1.EventLatestImageChanged); n != 1 {
		t.Errorf("%d LatestImageChanged events, want 1", n)
	}
	if q.Status.PreviousLatestImage == nil || q.Status.PreviousLatestImage.ID != first {
		t.Errorf("an unchanged sync moved previousLatestImage to %+v", q.Status.PreviousLatestImage)
	}

	deleteAndWaitGone(t, q)
	eventually(t, "the query's latest-image series to go", func() error {
		if n, m := querySeries(latestImageInfo, ns, "app"), querySeries(latestImageCreated, ns, "app"); n+m != 0 {
			return fmt.Errorf("%d info and %d created series", n, m)
		}
		return nil
	})
}

// series lists the label sets of a metric vector's series.
func series(c prometheus.Collector) []map[string]string {
	ch := make(chan prometheus.Metric)
	go func() { c.Collect(ch); close(ch) }()
	var out []map[string]string
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			panic(err)
		}
		labels := map[string]string{}
		for _, l := range pb.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		out = append(out, labels)
	}
	return out
}

// querySeries counts a metric vector's series of one query.
func querySeries(c prometheus.Collector, ns, name string) int {
	n := 0
	for _, l := range series(c) {
		if l["namespace"] == ns && l["name"] == name {
			n++
		}
	}
	return n
}

// countEvents counts the occurrences of ns's events with this reason.
func countEvents(t *testing.T, ns, reason string) int {
	t.Helper()
	return countEventsSaying(t, ns, reason, "")
}

func configMap(t *testing.T, ns, name string) (*corev1.ConfigMap, error) {
	t.Helper()
	cm := &corev1.ConfigMap{}
	return cm, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, cm)
}

// wantExport waits until the ConfigMap holds exactly the contract's keys for this image.
func wantExport(t *testing.T, q *imsv1.ImageQuery, cmName string, want imsv1.ImageSummary) *corev1.ConfigMap {
	t.Helper()
	wantData := map[string]string{
		"imageID": want.ID, "imageName": want.Name, "region": "cn-north-4", "platform": want.Platform,
		"osVersion": want.OSVersion, "architecture": want.Architecture, "createdAt": want.CreatedAt,
	}
	var cm *corev1.ConfigMap
	eventually(t, "ConfigMap "+cmName+" holding "+want.ID, func() error {
		var err error
		if cm, err = configMap(t, q.Namespace, cmName); err != nil {
			return err
		}
		if !maps.Equal(cm.Data, wantData) || len(cm.BinaryData) != 0 {
			return fmt.Errorf("data %v", cm.Data)
		}
		return nil
	})
	if !metav1.IsControlledBy(cm, q) || cm.Labels[imsv1.LabelManagedBy] != imsv1.ManagedByValue {
		t.Errorf("ConfigMap owners %+v, labels %v", cm.OwnerReferences, cm.Labels)
	}
	return cm
}

func waitConfigMapGone(t *testing.T, ns, name string) {
	t.Helper()
	eventually(t, "ConfigMap "+name+" to go", func() error {
		if _, err := configMap(t, ns, name); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there (%v)", err)
		}
		return nil
	})
}

// startExport creates a query over one image of a project of its own, exporting to cmName,
// and waits for its export.
func startExport(t *testing.T, query, cmName string) (string, *imsv1.ImageQuery, *corev1.ConfigMap) {
	t.Helper()
	ns, project := newNamespace(t), testProject()
	image := putImage(t, project, query+"-base", time.Now().Add(-time.Hour))
	createQuery(t, projectQuery(ns, query, project, imsv1.ImageQuerySpec{
		Export: &imsv1.ExportSpec{ConfigMapName: cmName},
	}))
	q := waitLatest(t, ns, query, image)
	return ns, q, wantExport(t, q, cmName, *q.Status.LatestImage)
}

// The export ConfigMap: created with exactly the contract's keys, put back after an edit or a
// deletion by hand, moved on rename, deleted when export is removed and, by the garbage
// collector, with the query.
func TestExportConfigMap(t *testing.T) {
	integration(t)
	ns, q, cm := startExport(t, "exported", "node-image")
	latest := *q.Status.LatestImage

	// Edited by hand: a value changed, a key added. Put back, extra key gone; a label that
	// another tool needs (Flux's watch label) stays.
	cm.Data["imageID"] = "tampered"
	cm.Data["extra"] = "x"
	cm.Labels["reconcile.fluxcd.io/watch"] = "Enabled"
	if err := k8s.Update(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	if restored := wantExport(t, q, "node-image", latest); restored.Labels["reconcile.fluxcd.io/watch"] != "Enabled" {
		t.Errorf("labels after the edit was put back: %v", restored.Labels)
	}

	// Deleted by hand: recreated.
	if err := k8s.Delete(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	wantExport(t, q, "node-image", latest)

	// Renamed: the new one appears, the old one goes.
	updateQuery(t, ns, "exported", func(q *imsv1.ImageQuery) { q.Spec.Export.ConfigMapName = "node-image-v2" })
	wantExport(t, q, "node-image-v2", latest)
	waitConfigMapGone(t, ns, "node-image")

	// Removed: deleted.
	updateQuery(t, ns, "exported", func(q *imsv1.ImageQuery) { q.Spec.Export = nil })
	waitConfigMapGone(t, ns, "node-image-v2")

	// Back, then the query deleted: the garbage collector deletes it.
	updateQuery(t, ns, "exported", func(q *imsv1.ImageQuery) { q.Spec.Export = &imsv1.ExportSpec{ConfigMapName: "node-image"} })
	wantExport(t, q, "node-image", latest)
	deleteAndWaitGone(t, q)
	waitConfigMapGone(t, ns, "node-image")
}

// A sync that matches nothing leaves the export's values in place and says so.
func TestNoMatchKeepsTheExport(t *testing.T) {
	integration(t)
	ns, q, before := startExport(t, "keeper", "keeper-image")
	image := latestID(q)

	updateQuery(t, ns, "keeper", func(q *imsv1.ImageQuery) { q.Spec.NameRegex = "^nothing-matches-this$" })
	q = waitLatest(t, ns, "keeper", "")
	waitEvent(t, ns, imsv1.EventNoLatestImage, "keeper-image")
	if q.Status.PreviousLatestImage == nil || q.Status.PreviousLatestImage.ID != image {
		t.Errorf("previousLatestImage = %+v, want the last latest image %s", q.Status.PreviousLatestImage, image)
	}
	after, err := configMap(t, ns, "keeper-image")
	if err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion != before.ResourceVersion || after.Data["imageID"] != image {
		t.Errorf("the export changed: %v (resourceVersion %s, was %s)", after.Data, after.ResourceVersion, before.ResourceVersion)
	}
}

// A ConfigMap of the export's name that the query does not own is never touched, labelled
// with the operator's label or not: the query stalls with ExportConflict, naming it.
func TestExportConflictLeavesAForeignConfigMapAlone(t *testing.T) {
	integration(t)
	for _, labelled := range []bool{false, true} {
		t.Run(fmt.Sprintf("labelled=%v", labelled), func(t *testing.T) {
			ns, project := newNamespace(t), testProject()
			putImage(t, project, "conflict-base", time.Now().Add(-time.Hour))
			foreign := &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "platform-values"},
				Data:       map[string]string{"imageID": "chosen-by-hand", "owner": "platform team"},
			}
			if labelled {
				foreign.Labels = map[string]string{imsv1.LabelManagedBy: imsv1.ManagedByValue}
			}
			if err := k8s.Create(context.Background(), foreign); err != nil {
				t.Fatal(err)
			}
			createQuery(t, projectQuery(ns, "greedy", project, imsv1.ImageQuerySpec{
				Export: &imsv1.ExportSpec{ConfigMapName: "platform-values"},
			}))
			q := waitCondition(t, ns, "greedy", metav1.ConditionFalse, imsv1.ReasonExportConflict)
			c := findCondition(q, imsv1.ConditionStalled)
			if c == nil || c.Status != metav1.ConditionTrue || !strings.Contains(c.Message, ns+"/platform-values") {
				t.Errorf("Stalled = %+v, want True naming the ConfigMap", c)
			}
			settle()
			after, err := configMap(t, ns, "platform-values")
			if err != nil {
				t.Fatal(err)
			}
			if after.ResourceVersion != foreign.ResourceVersion || !maps.Equal(after.Data, foreign.Data) || len(after.OwnerReferences) != 0 {
				t.Errorf("the foreign ConfigMap was touched: %+v", after)
			}

			// Another name clears the conflict.
			updateQuery(t, ns, "greedy", func(q *imsv1.ImageQuery) { q.Spec.Export.ConfigMapName = "greedy-image" })
			q = waitReady(t, ns, "greedy")
			wantExport(t, q, "greedy-image", *q.Status.LatestImage)
		})
	}
}

// imageType: market and the platforms newer than the reference reach IMS as written, and
// match the simulator's market and openEuler images.
func TestMarketImagesAndOpenPlatformsReachIMS(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	cases := []struct {
		name  string
		spec  imsv1.ImageQuerySpec
		param string
		value string
		want  func(imssim.Image) bool
	}{
		{"market", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{ImageType: "market"}}, "__imagetype", "market",
			func(i imssim.Image) bool { return str(i, "__imagetype") == "market" }},
		{"open-euler", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{ImageType: "gold", Platform: "openEuler"}}, "__platform", "openEuler",
			func(i imssim.Image) bool {
				return str(i, "__imagetype") == "gold" && str(i, "__platform") == "openEuler"
			}},
		{"hce", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "Huawei Cloud EulerOS"}}, "__platform", "Huawei Cloud EulerOS",
			func(i imssim.Image) bool { return str(i, "__platform") == "Huawei Cloud EulerOS" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim.ResetRequests()
			createQuery(t, newQuery(ns, tc.name, tc.spec))
			q := waitReady(t, ns, tc.name)
			expected := expectedIDs(tc.want)
			if len(expected) == 0 {
				t.Fatal("the default catalog has no such image: the test would prove nothing")
			}
			if got := claimedIDs(t, ns, tc.name); !slices.Equal(got, expected) || int(q.Status.MatchedImages) != len(expected) {
				t.Errorf("claimed %v, want %v", got, expected)
			}
			sent := false
			for _, r := range sim.Requests() {
				if r.Path == "/v2/cloudimages" && r.Query.Get(tc.param) == tc.value {
					sent = true
				}
			}
			if !sent {
				t.Errorf("no request sent %s=%s", tc.param, tc.value)
			}
		})
	}
}
