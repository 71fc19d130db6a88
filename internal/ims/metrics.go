package ims

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// RequestsTotal counts requests sent to IMS by outcome. It is not registered here: the
// manager registers it beside its other metrics (controllers/metrics.go).
var RequestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "ims_operator_ims_requests_total",
	Help: "Requests sent to IMS, by outcome: the HTTP status code, or \"error\" when no response came back.",
}, []string{"outcome"})

// InstrumentTransport counts every request that next sends, each retry included, in
// RequestsTotal. Wrap the transport of the HTTP client given to Config.HTTPClient.
func InstrumentTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		outcome := "error"
		if err == nil {
			outcome = strconv.Itoa(resp.StatusCode)
		}
		RequestsTotal.WithLabelValues(outcome).Inc()
		return resp, err
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
