package controllers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/selection"
)

const waitTimeout = 60 * time.Second

// eventually polls cond until it returns nil or the timeout passes.
func eventually(t testing.TB, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var err error
	for time.Now().Before(deadline) {
		if err = cond(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s: %v", what, err)
}

func getQuery(t testing.TB, ns, name string) *imsv1.ImageQuery {
	t.Helper()
	q := &imsv1.ImageQuery{}
	if err := k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, q); err != nil {
		t.Fatal(err)
	}
	return q
}

// waitReady waits until the query's current generation synced, and returns it.
func waitReady(t testing.TB, ns, name string) *imsv1.ImageQuery {
	t.Helper()
	return waitCondition(t, ns, name, metav1.ConditionTrue, imsv1.ReasonSynced)
}

// waitCondition waits for Ready with the given status and reason on the current generation.
func waitCondition(t testing.TB, ns, name string, status metav1.ConditionStatus, reason string) *imsv1.ImageQuery {
	t.Helper()
	var q *imsv1.ImageQuery
	eventually(t, fmt.Sprintf("%s/%s Ready=%s/%s", ns, name, status, reason), func() error {
		q = getQuery(t, ns, name)
		c := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady)
		if c == nil || c.Status != status || c.Reason != reason || c.ObservedGeneration != q.Generation {
			return fmt.Errorf("Ready is %+v", c)
		}
		return nil
	})
	return q
}

// requestSync sets the requested-at annotation and waits until a sync answered it.
func requestSync(t testing.TB, ns, name string) *imsv1.ImageQuery {
	t.Helper()
	stamp := time.Now().Format(time.RFC3339Nano)
	q := getQuery(t, ns, name)
	patch := client.MergeFrom(q.DeepCopy())
	if q.Annotations == nil {
		q.Annotations = map[string]string{}
	}
	q.Annotations[imsv1.RequestedAtAnnotation] = stamp
	if err := k8s.Patch(context.Background(), q, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, "sync answering requested-at "+stamp, func() error {
		q = getQuery(t, ns, name)
		if q.Status.LastHandledRequestedAt != stamp {
			return fmt.Errorf("lastHandledRequestedAt is %q", q.Status.LastHandledRequestedAt)
		}
		return nil
	})
	return q
}

func createQuery(t testing.TB, q *imsv1.ImageQuery) {
	t.Helper()
	if err := k8s.Create(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

func newQuery(ns, name string, spec imsv1.ImageQuerySpec) *imsv1.ImageQuery {
	if spec.CredentialsSecretRef == nil {
		spec.CredentialsSecretRef = &imsv1.SecretReference{Name: "ims-credentials"}
	}
	return &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec}
}

// claimedIDs lists the names of the CloudImages that carry the query's label.
func claimedIDs(t testing.TB, ns, query string) []string {
	t.Helper()
	var list imsv1.CloudImageList
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns),
		client.MatchingLabels{imsv1.QueryLabel(query): "true"}); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(list.Items))
	for _, ci := range list.Items {
		ids = append(ids, ci.Name)
	}
	slices.Sort(ids)
	return ids
}

func cloudImages(t testing.TB, ns string) map[string]imsv1.CloudImage {
	t.Helper()
	var list imsv1.CloudImageList
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	out := map[string]imsv1.CloudImage{}
	for _, ci := range list.Items {
		out[ci.Name] = ci
	}
	return out
}

// expectedIDs filters the simulator's catalog with plain field comparisons, independently of
// both the simulator's and the client's filtering code.
func expectedIDs(match func(imssim.Image) bool) []string {
	var ids []string
	for _, img := range sim.Catalog() {
		if registered(img) && match(img) {
			ids = append(ids, img["id"].(string))
		}
	}
	slices.Sort(ids)
	return ids
}

func registered(img imssim.Image) bool { return str(img, "__isregistered") != "false" }

func str(img imssim.Image, key string) string {
	v, ok := img[key]
	if !ok || v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// loadSamples reads config/samples as a user would apply them.
func loadSamples(t testing.TB, ns string) []*imsv1.ImageQuery {
	t.Helper()
	var kust struct {
		Resources []string `json:"resources"`
	}
	dir := filepath.Join("..", "config", "samples")
	readYAML(t, filepath.Join(dir, "kustomization.yaml"), &kust)
	var out []*imsv1.ImageQuery
	for _, f := range kust.Resources {
		q := &imsv1.ImageQuery{}
		readYAML(t, filepath.Join(dir, f), q)
		q.Namespace = ns
		out = append(out, q)
	}
	return out
}

func readYAML(t testing.TB, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func deleteAndWaitGone(t testing.TB, obj client.Object) {
	t.Helper()
	if err := k8s.Delete(context.Background(), obj); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	eventually(t, "deletion of "+obj.GetName(), func() error {
		err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (err %v)", err)
	})
}

var errNotYet = fmt.Errorf("not yet")

// settle gives the operator time to act on something it must ignore, before the test checks
// that nothing happened.
func settle() { time.Sleep(3 * time.Second) }

func findCondition(q *imsv1.ImageQuery, condType string) *metav1.Condition {
	return meta.FindStatusCondition(q.Status.Conditions, condType)
}

// waitEvent waits for an event in ns with this reason whose message contains text.
func waitEvent(t testing.TB, ns, reason, text string) {
	t.Helper()
	eventually(t, fmt.Sprintf("a %s event saying %q", reason, text), func() error {
		var events corev1.EventList
		if err := k8s.List(context.Background(), &events, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.Reason == reason && strings.Contains(e.Message, text) {
				return nil
			}
		}
		return errNotYet
	})
}

func ptr[T any](v T) *T { return &v }

// latestOf is the image latestBy: createdAt picks among images.
func latestOf(images []*ims.Image) *ims.Image {
	res, err := selection.Select(&imsv1.ImageQuerySpec{}, images, time.Now())
	if err != nil {
		panic(err)
	}
	return res.Latest
}
