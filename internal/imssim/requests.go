package imssim

import (
	"net/url"
	"slices"
	"time"
)

// maxRecorded bounds the request log so a long-running demo server does
// not grow without end; RequestCount keeps counting past it.
const maxRecorded = 10000

// RecordedRequest is what the simulator remembers of a request. It never
// holds a secret: no signature, token or security token, only which kind
// of credentials came and the access key's id.
type RecordedRequest struct {
	Time      time.Time // arrival, by Options.Now
	Method    string
	Path      string
	Query     url.Values // as received (parsed leniently)
	Auth      string     // AuthAKSK, AuthToken or AuthNone: what was presented, accepted or not
	AccessKey string     // the AK of a signed request
	// Identity is who holds the temporary credentials used: the ID token's
	// subject (system:serviceaccount:<ns>:<sa>) or "agency:<name>" for ECS
	// metadata credentials; "" for permanent credentials.
	Identity  string
	ProjectID string // X-Project-Id
	Status    int    // the status answered; 0 if the client went away first
	Page      int    // page of the listing (see Fault.OnPage); 0 if refused before paging
	// Fault is the fault that fired on the request (nil: none); a Hangup
	// is recorded with Status 0.
	Fault *Fault
	// Withheld, after a Fault.Drop, is the IDs of the listing from the first
	// image the page left out to the end of the listing: what a client that
	// takes the short page for the last one misses.
	Withheld []string
}

func (s *Simulator) record(r RecordedRequest) {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	s.count++
	if len(s.requests) == maxRecorded {
		s.requests = s.requests[1:] // append reallocates now and then, dropping the head
	}
	s.requests = append(s.requests, r)
}

// Requests returns the recorded requests in the order they were answered
// (at most the last 10,000).
func (s *Simulator) Requests() []RecordedRequest {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	out := make([]RecordedRequest, len(s.requests))
	for i, r := range s.requests {
		r.Query = cloneValues(r.Query)
		r.Withheld = slices.Clone(r.Withheld)
		if r.Fault != nil {
			f := *r.Fault
			r.Fault = &f
		}
		out[i] = r
	}
	return out
}

// RequestCount returns how many requests were answered (or abandoned)
// since New or ResetRequests.
func (s *Simulator) RequestCount() int {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	return s.count
}

// ResetRequests forgets the recorded requests and zeroes the count.
func (s *Simulator) ResetRequests() {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	s.requests = nil
	s.count = 0
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
