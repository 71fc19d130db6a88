package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// Promotion on the real control plane with the simulator: a Manual gate, a hold, an upstream
// with a soak time in the same namespace and across namespaces, and the refusals. Each test
// lists a project of its own.

// promote sets the promote annotation and waits until a sync handled it.
func promote(t *testing.T, ns, name, value string) *imsv1.ImageQuery {
	t.Helper()
	updateQuery(t, ns, name, func(q *imsv1.ImageQuery) {
		if q.Annotations == nil {
			q.Annotations = map[string]string{}
		}
		q.Annotations[imsv1.PromoteAnnotation] = value
	})
	var q *imsv1.ImageQuery
	eventually(t, fmt.Sprintf("%s/%s to handle promote %s", ns, name, value), func() error {
		q = getQuery(t, ns, name)
		if q.Status.LastHandledPromote != value {
			return fmt.Errorf("lastHandledPromote is %q", q.Status.LastHandledPromote)
		}
		return nil
	})
	return q
}

func historyIDs(q *imsv1.ImageQuery) []string {
	var ids []string
	for _, h := range q.Status.LatestHistory {
		ids = append(ids, h.ID)
	}
	return ids
}

// wantDriven checks that everything the latest image drives shows id: the export, the
// latest label (on exactly that CloudImage).
func wantDriven(t *testing.T, q *imsv1.ImageQuery, cmName, id string) {
	t.Helper()
	eventually(t, "the export and the latest label to show "+id, func() error {
		cm, err := configMap(t, q.Namespace, cmName)
		if err != nil {
			return err
		}
		if cm.Data["imageID"] != id {
			return fmt.Errorf("export imageID %q", cm.Data["imageID"])
		}
		if got := latestHolders(t, q.Namespace, q.Name); !slices.Equal(got, []string{id}) {
			return fmt.Errorf("latest label on %v", got)
		}
		return nil
	})
}

func TestManualPromotion(t *testing.T) {
	integration(t)
	ns, project := newNamespace(t), testProject()
	a := putImage(t, project, "app-a", time.Now().Add(-3*time.Hour))
	createQuery(t, projectQuery(ns, "prod", project, imsv1.ImageQuerySpec{
		Promotion: &imsv1.PromotionSpec{Policy: imsv1.PromotionManual},
		Export:    &imsv1.ExportSpec{ConfigMapName: "prod-image"}}))

	// Nothing boots until a person promotes: the candidate is announced.
	q := waitReady(t, ns, "prod")
	if q.Status.LatestImage != nil || summaryID(q.Status.CandidateImage) != a {
		t.Fatalf("a new Manual query: latest %+v, candidate %+v", q.Status.LatestImage, q.Status.CandidateImage)
	}
	if c := findCondition(q, imsv1.ConditionLatestImageReady); c == nil || c.Reason != imsv1.ReasonAwaitingPromotion {
		t.Errorf("LatestImageReady %+v, want AwaitingPromotion", c)
	}
	waitEvent(t, ns, imsv1.EventCandidateImageAvailable, a)

	q = promote(t, ns, "prod", imsv1.PromoteLatest)
	if latestID(q) != a || q.Status.LatestImageSince == nil || !slices.Equal(historyIDs(q), []string{a}) {
		t.Fatalf("after promote latest: latest %s, since %v, history %v", latestID(q), q.Status.LatestImageSince, historyIDs(q))
	}
	wantDriven(t, q, "prod-image", a)
	waitEvent(t, ns, imsv1.EventLatestImageChanged, fmt.Sprintf("set to %s (app-a) (promoted", a))

	// A newer image is a candidate only: the export, the label and the metric stay on a.
	b := putImage(t, project, "app-b", time.Now().Add(-time.Hour))
	q = requestSync(t, ns, "prod")
	if latestID(q) != a || summaryID(q.Status.CandidateImage) != b {
		t.Fatalf("Manual followed the candidate: latest %s candidate %s", latestID(q), summaryID(q.Status.CandidateImage))
	}
	waitEvent(t, ns, imsv1.EventCandidateImageAvailable, b)
	wantDriven(t, q, "prod-image", a)
	requestSync(t, ns, "prod")
	if n := countEventsSaying(t, ns, imsv1.EventCandidateImageAvailable, b); n != 1 {
		t.Errorf("%d CandidateImageAvailable events for %s, want 1 (once per candidate)", n, b)
	}

	// Refusals change nothing, and each value is reported once.
	queued := putImage(t, project, "app-upload", time.Now().Add(-time.Minute))
	setStatus(t, queued, "queued")
	for _, tc := range []struct{ value, says string }{
		{newUUID(), "not among the query's"},
		{queued, "is not usable (status queued"},
		{"../etc/passwd", "is not an image ID"},
	} {
		q = promote(t, ns, "prod", tc.value)
		waitEvent(t, ns, imsv1.EventPromotionRefused, tc.says)
		if latestID(q) != a {
			t.Errorf("refused %s moved the latest image to %s", tc.value, latestID(q))
		}
	}
	requestSync(t, ns, "prod")
	if n := countEventsSaying(t, ns, imsv1.EventPromotionRefused, ""); n != 3 {
		t.Errorf("%d PromotionRefused events, want 3 (once per value)", n)
	}

	q = promote(t, ns, "prod", b)
	if latestID(q) != b || !slices.Equal(historyIDs(q), []string{b, a}) || q.Status.Hold != nil {
		t.Errorf("after promoting b: latest %s, history %v, hold %+v", latestID(q), historyIDs(q), q.Status.Hold)
	}
	waitEvent(t, ns, imsv1.EventLatestImageChanged, fmt.Sprintf("to %s (app-b) (promoted", b))
	wantDriven(t, q, "prod-image", b)
	if q.Status.PreviousLatestImage == nil || q.Status.PreviousLatestImage.ID != a {
		t.Errorf("previousLatestImage %+v, want a", q.Status.PreviousLatestImage)
	}

	// On a suspended query a promotion is refused, once, and nothing changes.
	updateQuery(t, ns, "prod", func(q *imsv1.ImageQuery) { q.Spec.Suspend = true })
	q = promote(t, ns, "prod", a)
	waitEvent(t, ns, imsv1.EventPromotionRefused, "suspended")
	if latestID(q) != b {
		t.Errorf("a suspended query's promotion moved the latest image to %s", latestID(q))
	}
}

func TestHoldIsARollback(t *testing.T) {
	integration(t)
	ns, project := newNamespace(t), testProject()
	a := putImage(t, project, "app-a", time.Now().Add(-3*time.Hour))
	b := putImage(t, project, "app-b", time.Now().Add(-2*time.Hour))
	createQuery(t, projectQuery(ns, "app", project, imsv1.ImageQuerySpec{Export: &imsv1.ExportSpec{ConfigMapName: "app-image"}}))
	waitLatest(t, ns, "app", b)

	q := promote(t, ns, "app", a) // b is bad: roll back
	if latestID(q) != a || q.Status.Hold == nil || q.Status.Hold.ImageID != a || summaryID(q.Status.CandidateImage) != b {
		t.Fatalf("rollback: latest %s, hold %+v, candidate %s", latestID(q), q.Status.Hold, summaryID(q.Status.CandidateImage))
	}
	waitEvent(t, ns, imsv1.EventLatestImageChanged, fmt.Sprintf("from %s (app-b) to %s (app-a) (promoted", b, a))
	wantDriven(t, q, "app-image", a)

	c := putImage(t, project, "app-c", time.Now().Add(-time.Hour))
	q = requestSync(t, ns, "app")
	if latestID(q) != a || summaryID(q.Status.CandidateImage) != c {
		t.Fatalf("a held query moved: latest %s, candidate %s", latestID(q), summaryID(q.Status.CandidateImage))
	}
	waitEvent(t, ns, imsv1.EventCandidateImageAvailable, c)

	q = promote(t, ns, "app", imsv1.PromoteLatest)
	if latestID(q) != c || q.Status.Hold != nil || !slices.Equal(historyIDs(q), []string{c, a, b}) {
		t.Errorf("promote latest: latest %s, hold %+v, history %v", latestID(q), q.Status.Hold, historyIDs(q))
	}
	wantDriven(t, q, "app-image", c)
	// Following again: a newer image flows by itself.
	d := putImage(t, project, "app-d", time.Now().Add(-time.Minute))
	requestSync(t, ns, "app")
	waitLatest(t, ns, "app", d)
}

func TestPromotionFromStagingAfterTheSoak(t *testing.T) {
	integration(t)
	ns, project := newNamespace(t), testProject()
	a := putImage(t, project, "app-a", time.Now().Add(-3*time.Hour))
	createQuery(t, projectQuery(ns, "staging", project, imsv1.ImageQuerySpec{}))
	stagingA := waitLatest(t, ns, "staging", a)
	const soak = 6 * time.Second
	createQuery(t, projectQuery(ns, "prod", project, imsv1.ImageQuerySpec{
		Promotion: &imsv1.PromotionSpec{From: &imsv1.PromotionSource{Name: "staging"}, MinSoak: &metav1.Duration{Duration: soak}},
		Export:    &imsv1.ExportSpec{ConfigMapName: "prod-image"}}))

	// The soak's end, not a request, brings a into production.
	prod := waitLatest(t, ns, "prod", a)
	if took := prod.Status.LatestImageSince.Sub(stagingA.Status.LatestImageSince.Time); took < soak {
		t.Errorf("production took a %s after staging did, before the %s soak", took, soak)
	}

	// b reaches staging at once and production only after the soak, with no request to prod.
	b := putImage(t, project, "app-b", time.Now().Add(-time.Hour))
	requestSync(t, ns, "staging")
	stagingB := waitLatest(t, ns, "staging", b)
	if q := getQuery(t, ns, "prod"); latestID(q) != a {
		t.Errorf("production took %s before the soak", latestID(q))
	}
	eventually(t, "production to take b after the soak", func() error {
		if q := getQuery(t, ns, "prod"); latestID(q) != b {
			return fmt.Errorf("latest %s", latestID(q))
		}
		return nil
	})
	prod = getQuery(t, ns, "prod")
	if took := prod.Status.LatestImageSince.Sub(stagingB.Status.LatestImageSince.Time); took < soak {
		t.Errorf("production took b %s after staging, before the %s soak", took, soak)
	}
	wantDriven(t, prod, "prod-image", b)
	waitEvent(t, ns, imsv1.EventLatestImageChanged, fmt.Sprintf("from %s (app-a) to %s (app-b)", a, b))

	// Production's own filter still applies: an image it excludes never becomes its candidate.
	c := putImage(t, project, "app-c", time.Now().Add(-time.Minute))
	updateQuery(t, ns, "prod", func(q *imsv1.ImageQuery) {
		q.Spec.Exclude = &imsv1.ImageExclusion{IDs: []imsv1.PlainText{imsv1.PlainText(c)}}
	})
	waitReady(t, ns, "prod")
	requestSync(t, ns, "staging")
	waitLatest(t, ns, "staging", c)
	time.Sleep(soak + 3*time.Second)
	if q := waitReady(t, ns, "prod"); latestID(q) != b || summaryID(q.Status.CandidateImage) != b {
		t.Errorf("production took an image its filter excludes: latest %s candidate %s", latestID(q), summaryID(q.Status.CandidateImage))
	}

	// The upstream deleted: production keeps its latest image and says why; back, it resumes.
	up := getQuery(t, ns, "staging")
	deleteAndWaitGone(t, up)
	q := waitCondition(t, ns, "prod", metav1.ConditionFalse, imsv1.ReasonPromotionSourceNotFound)
	if latestID(q) != b {
		t.Errorf("an upstream's deletion moved production's latest image to %q", latestID(q))
	}
	wantDriven(t, q, "prod-image", b)
	createQuery(t, projectQuery(ns, "staging", project, imsv1.ImageQuerySpec{Exclude: &imsv1.ImageExclusion{IDs: []imsv1.PlainText{imsv1.PlainText(c)}}}))
	waitReady(t, ns, "prod")
}

func TestPromotionAcrossNamespaces(t *testing.T) {
	integration(t)
	staging, prodNS, project := newNamespace(t), newNamespace(t), testProject()
	a := putImage(t, project, "app-a", time.Now().Add(-3*time.Hour))
	createQuery(t, projectQuery(staging, "ubuntu", project, imsv1.ImageQuerySpec{}))
	waitLatest(t, staging, "ubuntu", a)
	createQuery(t, projectQuery(prodNS, "ubuntu", project, imsv1.ImageQuerySpec{
		Promotion: &imsv1.PromotionSpec{From: &imsv1.PromotionSource{Name: "ubuntu", Namespace: staging}}}))

	q := waitCondition(t, prodNS, "ubuntu", metav1.ConditionFalse, imsv1.ReasonPromotionSourceNotAllowed)
	if c := findCondition(q, imsv1.ConditionStalled); c == nil || c.Status != metav1.ConditionTrue || !strings.Contains(c.Message, "accessFrom") {
		t.Errorf("Stalled %+v, want True naming accessFrom", c)
	}
	if q.Status.LatestImage != nil {
		t.Errorf("a refused source gave a latest image %s", latestID(q))
	}

	// A grant by a label the namespace does not carry is still a refusal; labelling the
	// namespace wakes the downstream by itself.
	updateQuery(t, staging, "ubuntu", func(q *imsv1.ImageQuery) {
		q.Spec.AccessFrom = &imsv1.AccessFrom{NamespaceSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{"stage": "qa"}}, {MatchLabels: map[string]string{"stage": "production"}}}}
	})
	waitReady(t, staging, "ubuntu")
	settle()
	waitCondition(t, prodNS, "ubuntu", metav1.ConditionFalse, imsv1.ReasonPromotionSourceNotAllowed)
	labelNamespace(t, prodNS, "stage", "production")
	waitLatest(t, prodNS, "ubuntu", a)
}

func TestPromotionSourceMissingAndCycles(t *testing.T) {
	integration(t)
	ns, project := newNamespace(t), testProject()
	a := putImage(t, project, "app-a", time.Now().Add(-3*time.Hour))
	from := func(name string) imsv1.ImageQuerySpec {
		return imsv1.ImageQuerySpec{Promotion: &imsv1.PromotionSpec{From: &imsv1.PromotionSource{Name: name}}}
	}
	createQuery(t, projectQuery(ns, "prod", project, from("staging")))
	waitCondition(t, ns, "prod", metav1.ConditionFalse, imsv1.ReasonPromotionSourceNotFound)
	createQuery(t, projectQuery(ns, "staging", project, imsv1.ImageQuerySpec{}))
	waitLatest(t, ns, "prod", a) // its appearance, not a request, wakes prod

	createQuery(t, projectQuery(ns, "self", project, from("self")))
	createQuery(t, projectQuery(ns, "ping", project, from("pong")))
	createQuery(t, projectQuery(ns, "pong", project, from("ping")))
	for _, name := range []string{"self", "ping", "pong"} {
		waitCondition(t, ns, name, metav1.ConditionFalse, imsv1.ReasonPromotionCycle)
	}
	// No sync loop: a cycle's queries stop writing.
	before := map[string]string{}
	for _, name := range []string{"ping", "pong"} {
		before[name] = getQuery(t, ns, name).ResourceVersion
	}
	settle()
	for _, name := range []string{"ping", "pong"} {
		if rv := getQuery(t, ns, name).ResourceVersion; rv != before[name] {
			t.Errorf("%s was written again (resourceVersion %s → %s): a loop", name, before[name], rv)
		}
	}
}

// countEventsSaying counts the occurrences of ns's events with this reason whose message
// contains text.
func countEventsSaying(t *testing.T, ns, reason, text string) int {
	t.Helper()
	var events corev1.EventList
	if err := k8s.List(context.Background(), &events, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events.Items {
		if e.Reason != reason || !strings.Contains(e.Message, text) {
			continue
		}
		// The same event again is one object with a series: count its occurrences.
		switch {
		case e.Series != nil:
			n += int(e.Series.Count)
		case e.Count > 1:
			n += int(e.Count)
		default:
			n++
		}
	}
	return n
}
