package fluxevents

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Counters of the forwarded events, served on the manager's metrics endpoint. A rising
// dropped count means the receiver is down or too slow for the events recorded.
var (
	sent = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ims_operator_events_sent_total",
		Help: "Events posted to --events-addr and accepted (2xx).",
	})
	failed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ims_operator_events_failed_total",
		Help: "Events posted to --events-addr once and not accepted (an error, a timeout or a non-2xx answer); they are not retried.",
	})
	dropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ims_operator_events_dropped_total",
		Help: "Events not posted to --events-addr because its queue was full (the receiver is down or slow) or the manager was stopping.",
	})
)

func init() {
	metrics.Registry.MustRegister(sent, failed, dropped)
}
