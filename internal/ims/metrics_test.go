package ims

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestInstrumentTransportCountsOutcomes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	c := &http.Client{Transport: InstrumentTransport(nil)}
	ok0, busy0, err0 := count("200"), count("429"), count("error")
	for _, path := range []string{"/", "/", "/busy"} {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	srv.Close()
	if _, err := c.Get(srv.URL); err == nil {
		t.Fatal("a closed server answered")
	}
	if count("200")-ok0 != 2 || count("429")-busy0 != 1 || count("error")-err0 != 1 {
		t.Errorf("counted 200:%v 429:%v error:%v", count("200")-ok0, count("429")-busy0, count("error")-err0)
	}
}

func count(outcome string) float64 { return testutil.ToFloat64(RequestsTotal.WithLabelValues(outcome)) }
