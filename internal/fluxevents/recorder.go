package fluxevents

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"

	"github.com/imagecatalog/ims-operator/internal/bound"
)

// maxMessage is the longest message Flux's event format allows.
const maxMessage = 39000

// Wrap returns a recorder that records with r as before and queues a copy of each event.
func (f *Forwarder) Wrap(r recorder.EventRecorder) recorder.EventRecorder {
	return forwarding{EventRecorder: r, f: f}
}

type forwarding struct {
	recorder.EventRecorder
	f *Forwarder
}

func (r forwarding) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	r.EventRecorder.Eventf(regarding, related, eventtype, reason, action, note, args...)
	r.f.queueEvent(regarding, eventtype, reason, note, args)
}

func (r forwarding) AnnotatedEventf(regarding, related runtime.Object, annotations map[string]string, eventtype, reason, action, note string, args ...any) {
	r.EventRecorder.AnnotatedEventf(regarding, related, annotations, eventtype, reason, action, note, args...)
	r.f.queueEvent(regarding, eventtype, reason, note, args)
}

// queueEvent makes the Flux event of a Kubernetes one and queues it. An object whose kind
// the scheme does not know is not forwarded: the receiver could not match it to an Alert.
func (f *Forwarder) queueEvent(obj runtime.Object, eventtype, reason, note string, args []any) {
	e, ok := f.event(obj, eventtype, reason, fmt.Sprintf(note, args...))
	if ok {
		f.enqueue(e)
	}
}

// event is the Flux event about obj. The revision goes under the object's API group, as
// Flux's own controllers send it: the notification-controller keeps only metadata keys
// prefixed with the involved object's group and strips that prefix before it notifies, so
// an Alert's webhook sees metadata.revision.
func (f *Forwarder) event(obj runtime.Object, eventtype, reason, message string) (eventv1.Event, bool) {
	gvk, err := apiutil.GVKForObject(obj, f.cfg.Scheme)
	if err != nil {
		return eventv1.Event{}, false
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return eventv1.Event{}, false
	}
	e := eventv1.Event{
		InvolvedObject: corev1.ObjectReference{
			Kind: gvk.Kind, APIVersion: gvk.GroupVersion().String(),
			Namespace: m.GetNamespace(), Name: m.GetName(), UID: m.GetUID(),
		},
		Severity:            Severity(eventtype),
		Timestamp:           metav1.NewTime(f.cfg.Clock.Now()),
		Message:             bound.String(message, maxMessage),
		Reason:              reason,
		ReportingController: f.cfg.Controller,
	}
	if rev := f.cfg.Revision(obj); rev != "" {
		e.Metadata = map[string]string{gvk.Group + "/" + eventv1.MetaRevisionKey: rev}
	}
	return e, true
}

// Severity is Flux's severity of a Kubernetes event type: error for a Warning, info else.
func Severity(eventtype string) string {
	if eventtype == corev1.EventTypeWarning {
		return eventv1.EventSeverityError
	}
	return eventv1.EventSeverityInfo
}
