// Package fluxevents forwards the operator's events to Flux's notification-controller
// (--events-addr), in Flux's event format, so that a Flux Alert can send them to chat or a
// webhook. Forwarding never slows a sync down: an event is recorded as before and a copy is
// queued; one goroutine posts the queue, each event once, with a timeout. When the queue is
// full (the receiver is down or slow) the copy is dropped and counted.
package fluxevents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// Defaults of Config.
const (
	DefaultQueueSize   = 1000
	DefaultPostTimeout = 5 * time.Second
	// DefaultDrainTimeout bounds the posting of what is still queued when the manager stops.
	DefaultDrainTimeout = 5 * time.Second
)

// Config configures a Forwarder.
type Config struct {
	// Address is the URL events are posted to (Flux: the notification-controller's event
	// server, e.g. http://notification-controller.flux-system.svc.cluster.local./).
	Address string
	// Controller is the event's reportingController.
	Controller string
	// Scheme gives the kind and apiVersion of the objects events are about.
	Scheme *runtime.Scheme
	// Revision is the revision an object's events carry in their metadata ("" for none).
	Revision func(runtime.Object) string
	// HTTPClient posts the events; its Timeout is ignored in favour of PostTimeout.
	HTTPClient *http.Client
	Clock      clock.PassiveClock
	Log        logr.Logger

	QueueSize    int
	PostTimeout  time.Duration
	DrainTimeout time.Duration
}

// Forwarder queues events and posts them. It is a manager Runnable (Start).
type Forwarder struct {
	cfg    Config
	target string // Address, for requests
	shown  string // Address without a password, for logs
	queue  chan eventv1.Event
}

// New checks the address and makes a Forwarder; Start sends what it queues.
func New(cfg Config) (*Forwarder, error) {
	u, err := url.Parse(cfg.Address)
	if err != nil {
		// Not the address itself: it may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("--events-addr is not a valid URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--events-addr must be an http or https URL, got %q", u.Redacted())
	}
	if cfg.Scheme == nil || cfg.Controller == "" {
		return nil, fmt.Errorf("fluxevents: Scheme and Controller are required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Revision == nil {
		cfg.Revision = func(runtime.Object) string { return "" }
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.PostTimeout <= 0 {
		cfg.PostTimeout = DefaultPostTimeout
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	return &Forwarder{cfg: cfg, target: u.String(), shown: u.Redacted(), queue: make(chan eventv1.Event, cfg.QueueSize)}, nil
}

// enqueue queues e without ever waiting: a full queue drops it.
func (f *Forwarder) enqueue(e eventv1.Event) {
	select {
	case f.queue <- e:
	default:
		dropped.Inc()
	}
}

// NeedLeaderElection is false: a replica that is not the leader records no ImageQuery events,
// and one that is must forward them from its first sync on.
func (f *Forwarder) NeedLeaderElection() bool { return false }

// Start posts queued events, one at a time, until ctx ends; then it posts what is still
// queued. A post in flight when ctx ends and the drain after it get DrainTimeout together;
// what is left then is dropped and counted.
func (f *Forwarder) Start(ctx context.Context) error {
	log := f.cfg.Log.WithValues("eventsAddr", f.shown)
	posting, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(f.cfg.DrainTimeout, cancel) })
	defer stop()
	failing := false
	for {
		select {
		case e := <-f.queue:
			failing = f.post(posting, log, e, failing)
		case <-ctx.Done():
			f.drain(posting, log, failing)
			return nil
		}
	}
}

// drain posts the queue's remaining events until ctx ends.
func (f *Forwarder) drain(ctx context.Context, log logr.Logger, failing bool) {
	for {
		select {
		case e := <-f.queue:
			failing = f.post(ctx, log, e, failing)
		default:
			return
		}
	}
}

// post sends e once. A failure is counted; it is logged when posting starts to fail and
// when it works again, not for every event, so that a receiver that is down does not flood
// the log. It returns whether posting is failing. Once ctx has ended (the drain's time is
// up), e is dropped unsent.
func (f *Forwarder) post(ctx context.Context, log logr.Logger, e eventv1.Event, failing bool) bool {
	if ctx.Err() != nil {
		dropped.Inc()
		return failing
	}
	err := f.send(ctx, e)
	switch {
	case err != nil && !failing:
		log.Error(err, "posting events failed; events are dropped until posting works again", "reason", e.Reason)
	case err != nil:
		log.V(1).Info("posting an event failed", "reason", e.Reason, "error", err.Error())
	case failing:
		log.Info("posting events works again")
	}
	if err != nil {
		failed.Inc()
		return true
	}
	sent.Inc()
	return false
}

// send posts e with PostTimeout; a response other than 2xx is an error.
func (f *Forwarder) send(ctx context.Context, e eventv1.Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.PostTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return nil
}
