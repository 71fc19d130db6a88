package flux

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/loopback"
)

// manager runs the manager against the cluster and the simulator, with args; it returns the
// URL of its metrics. The test's end kills it.
func manager(t *testing.T, args ...string) string {
	t.Helper()
	metrics, err := loopback.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	m, err := harness.StartManager(t.TempDir(), "manager", nil, append([]string{
		"--ims-endpoint=" + simURL, "--metrics-bind-address=" + metrics, "--health-probe-bind-address=0",
		"--default-refresh-interval=1h",
	}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("manager's log (last 30 lines):\n%s", m.LogTail(30))
		}
		m.Kill()
	})
	return "http://" + metrics + "/metrics"
}

// counter reads a counter without labels from the manager's metrics page (-1 when it cannot).
func counter(metricsURL, name string) float64 {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// newNamespace gives a test a namespace with the credentials Secret.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "flux-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "ims-credentials"},
		StringData: map[string]string{"accessKey": testAK, "secretKey": testSK}}
	if err := k8s.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func newUUID() string { return imssim.NewImageID() }

// putImage adds a private image of owner to the simulator until the test ends; its ID.
func putImage(t *testing.T, owner, name string, created time.Time) string {
	t.Helper()
	id := newUUID()
	sim.PutImage(imssim.PrivateUbuntu(id, owner, name, created))
	t.Cleanup(func() { sim.DeleteImage(id) })
	return id
}

// createQuery creates an ImageQuery of owner's images.
func createQuery(t *testing.T, ns, name, owner string) {
	t.Helper()
	q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: imsv1.ImageQuerySpec{
		CredentialsSecretRef: &imsv1.SecretReference{Name: "ims-credentials"},
		Filter:               imsv1.ImageFilter{Owner: imsv1.PlainText(owner)},
	}}
	if err := k8s.Create(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

// waitLatest waits until the query synced its generation with this latest image.
func waitLatest(t *testing.T, ns, name, id string) *imsv1.ImageQuery {
	t.Helper()
	q := &imsv1.ImageQuery{}
	waitFor(t, fmt.Sprintf("%s/%s to sync with latest image %s", ns, name, id), 2*time.Minute, func() error {
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, q); err != nil {
			return err
		}
		c := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady)
		if c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != q.Generation {
			return fmt.Errorf("Ready %+v", c)
		}
		if q.Status.LatestImage == nil || q.Status.LatestImage.ID != id {
			return fmt.Errorf("latest image %+v", q.Status.LatestImage)
		}
		return nil
	})
	return q
}

// requestSync sets requested-at and waits until a sync handled it.
func requestSync(t *testing.T, ns, name string) {
	t.Helper()
	stamp := time.Now().Format(time.RFC3339Nano)
	q := &imsv1.ImageQuery{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, q); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(q.DeepCopy())
	metav1.SetMetaDataAnnotation(&q.ObjectMeta, imsv1.RequestedAtAnnotation, stamp)
	if err := k8s.Patch(context.Background(), q, patch); err != nil {
		t.Fatal(err)
	}
	waitHandled(t, ns, name, stamp)
}

// waitHandled waits until a sync of the query handled this requested-at value.
func waitHandled(t *testing.T, ns, name, value string) {
	t.Helper()
	waitFor(t, "a sync answering "+value, 2*time.Minute, func() error {
		q := &imsv1.ImageQuery{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, q); err != nil {
			return err
		}
		if q.Status.LastHandledRequestedAt != value {
			return fmt.Errorf("lastHandledRequestedAt %q", q.Status.LastHandledRequestedAt)
		}
		return nil
	})
}

// webhook is a test HTTP server on loopback that keeps the JSON it is posted.
type webhook struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
}

func newWebhook(t *testing.T) *webhook {
	w := &webhook{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("the webhook got a body that is not JSON: %v", err)
		}
		w.mu.Lock()
		w.bodies = append(w.bodies, body)
		w.mu.Unlock()
	}))
	t.Cleanup(w.Close)
	return w
}

// find returns the first body posted with this reason for which match holds, or nil.
func (w *webhook) find(reason string, match func(map[string]any) bool) map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range w.bodies {
		if b["reason"] == reason && match(b) {
			return b
		}
	}
	return nil
}

// str reads a string at path in a JSON object.
func str(v any, path ...string) string {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}
