package chaos

import (
	"context"
	"maps"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// A manager killed with SIGKILL in the middle of a promotion's soak resumes the soak from the
// upstream's latestImageSince when it comes back, not from zero: production takes staging's
// new image when the soak ends, not a whole soak after the restart.
func TestRestartMidSoakResumesTheSoak(t *testing.T) {
	cluster(t)
	const soak = 40 * time.Second
	sim.SetCatalog(imssim.GenerateCatalog(20, 7))
	ns := newNamespace(t)
	staging := createQuery(t, ns, "staging")
	prod := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "prod"}, Spec: imsv1.ImageQuerySpec{
		CredentialsSecretRef: &imsv1.SecretReference{Name: "ims-credentials"}, PageSize: 500,
		Promotion: &imsv1.PromotionSpec{From: &imsv1.PromotionSource{Name: "staging"}}}}
	if err := k8s.Create(context.Background(), prod); err != nil {
		t.Fatal(err)
	}
	m := startManager(t)
	first := waitLatestOf(t, staging, "", 2*time.Minute)
	waitLatestOf(t, prod, first.Status.LatestImage.ID, time.Minute)
	// The soak time from now on (the first image came through at once).
	cur := &imsv1.ImageQuery{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(prod), cur); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.Promotion.MinSoak = &metav1.Duration{Duration: soak}
	if err := k8s.Patch(context.Background(), cur, patch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "prod to sync its soak time", time.Minute, func() bool {
		_ = k8s.Get(context.Background(), client.ObjectKeyFromObject(prod), cur)
		return cur.Status.ObservedGeneration == cur.Generation
	})

	// A newer image (a copy of the latest under a new ID): staging takes it at once, its
	// soak starts.
	img := copyImage(t, first.Status.LatestImage.ID, "3f8e2a6c-5b1d-4c7e-9a0f-2d4b6c8e0a1f")
	img["created_at"] = time.Now().UTC().Format(time.RFC3339)
	sim.PutImage(img)
	requestSync(t, staging)
	next := waitLatestOf(t, staging, img.ID(), time.Minute)
	since := next.Status.LatestImageSince.Time

	// Kill the manager a third of the way into the soak; start it again at once.
	time.Sleep(time.Until(since.Add(soak / 3)))
	m.Kill()
	restarted := time.Now()
	startManager(t)

	got := waitLatestOf(t, prod, img.ID(), soak+time.Minute)
	took := got.Status.LatestImageSince.Sub(since)
	t.Logf("soak %s, killed at +%s, production took the image at +%s", soak, restarted.Sub(since).Round(time.Second), took)
	if took < soak {
		t.Errorf("production took the image %s after staging, before the %s soak ended", took, soak)
	}
	// From zero it could not be before restart + soak; the margin covers a loaded machine.
	if fromZero := restarted.Add(soak).Sub(since); took >= fromZero {
		t.Errorf("production took the image at +%s: the soak restarted with the manager (a resumed soak ends at +%s)", took, soak)
	}
}

// waitLatestOf waits until q's latest image is id (any, when id is ""), and returns q.
func waitLatestOf(t *testing.T, q *imsv1.ImageQuery, id string, timeout time.Duration) *imsv1.ImageQuery {
	t.Helper()
	cur := &imsv1.ImageQuery{}
	waitFor(t, q.Name+"'s latest image "+id, timeout, func() bool {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(q), cur); err != nil {
			return false
		}
		l := cur.Status.LatestImage
		return l != nil && (id == "" || l.ID == id) && cur.Status.LatestImageSince != nil
	})
	return cur
}

// requestSync asks q for a sync with the requested-at annotation.
func requestSync(t *testing.T, q *imsv1.ImageQuery) {
	t.Helper()
	cur := &imsv1.ImageQuery{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(q), cur); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Annotations = map[string]string{imsv1.RequestedAtAnnotation: time.Now().Format(time.RFC3339Nano)}
	if err := k8s.Patch(context.Background(), cur, patch); err != nil {
		t.Fatal(err)
	}
}

// copyImage is a copy of the catalog's image id under the ID newID.
func copyImage(t *testing.T, id, newID string) imssim.Image {
	t.Helper()
	for _, img := range sim.Catalog() {
		if img.ID() == id {
			c := maps.Clone(img)
			c["id"] = newID
			return c
		}
	}
	t.Fatalf("no image %s", id)
	return nil
}
