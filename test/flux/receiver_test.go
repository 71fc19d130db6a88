package flux

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// A Flux Receiver of type generic on an ImageQuery (a kind dist/flux adds, annotated with the
// rights dist/flux grants): a POST to its hook makes the notification-controller set
// reconcile.fluxcd.io/requestedAt, and the manager syncs the query afresh: an image uploaded
// just before is its latest, and lastHandledRequestedAt is the Receiver's value.
func TestReceiverAsksForASync(t *testing.T) {
	cluster(t)
	ns := newNamespace(t)
	manager(t)
	owner := strings.ReplaceAll(newUUID(), "-", "")
	first := putImage(t, owner, "app-base-1", time.Now().Add(-48*time.Hour))
	createQuery(t, ns, "app", owner)
	waitLatest(t, ns, "app", first)

	if err := apply(fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata: {name: receiver-token, namespace: %[1]s}
stringData: {token: %[2]s}
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: images-uploaded, namespace: %[1]s}
spec:
  type: generic
  secretRef: {name: receiver-token}
  resources:
  - {apiVersion: ims.imagecatalog.io/v1alpha1, kind: ImageQuery, name: app}
`, ns, newUUID())); err != nil {
		t.Fatal(err)
	}
	var path string
	waitFor(t, "the Receiver's webhook path", 2*time.Minute, func() error {
		out, err := kube("", "-n", ns, "get", "receiver", "images-uploaded", "-o", "jsonpath={.status.webhookPath}")
		if path = strings.TrimSpace(out); err != nil || path == "" {
			return fmt.Errorf("no status.webhookPath yet (%v)", err)
		}
		return nil
	})

	second := putImage(t, owner, "app-base-2", time.Now().Add(-time.Hour))
	// Without the rights of dist/flux the notification-controller's cache never syncs
	// ImageQueries and the hook never answers: a bounded wait makes that a failure.
	hookClient := &http.Client{Timeout: time.Minute}
	resp, err := hookClient.Post(receiverURL+path, "application/json", strings.NewReader(`{"image":"uploaded"}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the Receiver's hook answered %s", resp.Status)
	}
	var asked string
	waitFor(t, "the notification-controller to annotate the query", time.Minute, func() error {
		q := &imsv1.ImageQuery{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "app"}, q); err != nil {
			return err
		}
		if asked = q.Annotations[imsv1.FluxRequestedAtAnnotation]; asked == "" {
			return fmt.Errorf("annotations %v", q.Annotations)
		}
		return nil
	})
	waitHandled(t, ns, "app", asked)
	waitLatest(t, ns, "app", second)
}
