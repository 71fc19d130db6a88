package flux

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// alert makes a generic webhook Provider for url and an Alert on every ImageQuery of ns.
func alert(t *testing.T, ns, url string) {
	t.Helper()
	if err := apply(fmt.Sprintf(`apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: webhook, namespace: %[1]s}
spec: {type: generic, address: %[2]q}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: images, namespace: %[1]s}
spec:
  providerRef: {name: webhook}
  eventSeverity: info
  eventSources:
  - {kind: ImageQuery, name: '*'}
`, ns, url)); err != nil {
		t.Fatal(err)
	}
}

// notifierDelivers posts probe events to the notification-controller until the webhook gets
// one: its caches hold the Alert and Provider, so the manager's events will not be lost to
// its start-up.
func notifierDelivers(t *testing.T, ns string, hook *webhook) {
	t.Helper()
	var n int
	waitFor(t, "the notification-controller to deliver a probe event", 2*time.Minute, func() error {
		n++
		e := eventv1.Event{
			InvolvedObject:      corev1.ObjectReference{Kind: "ImageQuery", APIVersion: imsv1.GroupVersion.String(), Namespace: ns, Name: "probe"},
			Severity:            eventv1.EventSeverityInfo,
			Timestamp:           metav1.Now(),
			Message:             fmt.Sprintf("probe %d", n),
			Reason:              "Probe",
			ReportingController: "test",
		}
		b, _ := json.Marshal(e)
		resp, err := http.Post(eventsURL, "application/json", bytes.NewReader(b))
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if hook.find("Probe", func(map[string]any) bool { return true }) == nil {
			return fmt.Errorf("the event server answered %s; nothing reached the webhook yet", resp.Status)
		}
		return nil
	})
}

// The manager's --events-addr pointed at the real notification-controller: an Alert with a
// generic webhook Provider on ImageQueries (a kind dist/flux adds) forwards LatestImageChanged
// to the webhook, with the new image's ID as metadata.revision.
func TestAlertForwardsLatestImageChanged(t *testing.T) {
	cluster(t)
	ns := newNamespace(t)
	hook := newWebhook(t)
	alert(t, ns, hook.URL)
	notifierDelivers(t, ns, hook)

	metrics := manager(t, "--events-addr="+eventsURL)
	owner := strings.ReplaceAll(newUUID(), "-", "")
	first := putImage(t, owner, "app-base-1", time.Now().Add(-48*time.Hour))
	createQuery(t, ns, "app", owner)
	q := waitLatest(t, ns, "app", first)
	second := putImage(t, owner, "app-base-2", time.Now().Add(-time.Hour))
	requestSync(t, ns, "app")
	waitLatest(t, ns, "app", second)

	var got map[string]any
	waitFor(t, "the webhook to receive LatestImageChanged", 2*time.Minute, func() error {
		if got = hook.find(imsv1.EventLatestImageChanged, func(map[string]any) bool { return true }); got == nil {
			return fmt.Errorf("the manager has sent %v events", counter(metrics, "ims_operator_events_sent_total"))
		}
		return nil
	})
	for path, want := range map[string]string{
		"involvedObject.kind":      "ImageQuery",
		"involvedObject.namespace": ns,
		"involvedObject.name":      "app",
		"involvedObject.uid":       string(q.UID),
		"severity":                 "info",
		"reportingController":      "ims-operator",
		"metadata.revision":        second,
	} {
		if v := str(got, strings.Split(path, ".")...); v != want {
			t.Errorf("the webhook's %s = %q, want %q (%v)", path, v, want, got)
		}
	}
	if msg := str(got, "message"); !strings.Contains(msg, first) || !strings.Contains(msg, second) {
		t.Errorf("message %q does not name both images", msg)
	}
	if hook.find(imsv1.EventSynced, func(map[string]any) bool { return true }) == nil {
		t.Error("the first sync's event did not reach the webhook")
	}
	if d := counter(metrics, "ims_operator_events_dropped_total"); d != 0 {
		t.Errorf("%v events dropped with the notification-controller up", d)
	}
}

// With --events-addr pointing at a receiver that accepts connections and never answers,
// requested syncs still complete one after another, nothing is answered, and the events that
// find the queue full are dropped and counted.
func TestStuckReceiverNeverHoldsSyncs(t *testing.T) {
	cluster(t)
	var posts atomic.Int32
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		<-release
	}))
	t.Cleanup(stuck.Close)
	t.Cleanup(func() { close(release) })

	ns := newNamespace(t)
	metrics := manager(t, "--events-addr="+stuck.URL, "--events-queue-size=1")
	owner := strings.ReplaceAll(newUUID(), "-", "")
	created := time.Now().Add(-48 * time.Hour)
	latest := putImage(t, owner, "app-base-0", created)
	createQuery(t, ns, "app", owner)
	waitLatest(t, ns, "app", latest)
	// Each requested sync finds a newer image: ImagesChanged and LatestImageChanged, two
	// events a sync while the receiver holds the first post for --events-addr's timeout.
	for i := 1; i <= 4; i++ {
		latest = putImage(t, owner, fmt.Sprintf("app-base-%d", i), created.Add(time.Duration(i)*time.Hour))
		requestSync(t, ns, "app")
		waitLatest(t, ns, "app", latest)
	}
	waitFor(t, "dropped events to be counted", time.Minute, func() error {
		if d := counter(metrics, "ims_operator_events_dropped_total"); d < 1 {
			return fmt.Errorf("ims_operator_events_dropped_total = %v", d)
		}
		return nil
	})
	if s := counter(metrics, "ims_operator_events_sent_total"); s != 0 {
		t.Errorf("%v events counted as sent to a receiver that never answers", s)
	}
	if posts.Load() < 1 {
		t.Error("the stuck receiver was never posted to")
	}
}
