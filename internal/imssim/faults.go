package imssim

import (
	"time"
)

// Fault makes the simulator misbehave on purpose, so a test can prove how
// a client copes with throttling, outages, slowness and broken bodies.
// Faults apply to authenticated, well-formed requests of their API only: a
// request refused with 400/401/404/405 neither triggers a fault nor counts
// towards OnRequest.
type Fault struct {
	// API is the call the fault applies to: "" (APIListImages) for IMS
	// listings, or one of the IAM and ECS metadata calls.
	API string
	// OnRequest fires on the Nth request served from now on, counting from
	// 1 after AddFault (0 = any request).
	OnRequest int
	// OnPage fires only on page N of a listing: page 1 is a request without
	// marker, page k the request whose marker ends page k-1 (0 = any page).
	OnPage int
	// Times is how many times the fault fires; 0 = every time while installed.
	Times int
	// Status replaces the answer's status, e.g. 429, 500, 503 (0 = normal),
	// with an error body unless Body says otherwise.
	Status int
	// RetryAfter is sent as the Retry-After header, e.g. "1".
	RetryAfter string
	// Delay is waited before answering; a request cancelled meanwhile gets
	// no answer and is recorded with Status 0.
	Delay time.Duration
	// Drop leaves out the last N images of a listing page: a short page, which
	// ends the listing early as if the catalog had shrunk (a whole page: an
	// empty one).
	Drop int
	// Body replaces the body: "" normal, BodyTruncated, BodyMalformed,
	// BodyEmptyObject, BodyCut; any other value is sent verbatim.
	Body string
	// Hangup closes the connection without an answer, as a load balancer
	// dropping it would (after Delay, if any).
	Hangup bool
}

// Values of Fault.Body.
const (
	BodyTruncated   = "truncated"    // the normal JSON, cut in half
	BodyMalformed   = "malformed"    // not JSON at all (an HTML error page)
	BodyEmptyObject = "empty-object" // {}
	// BodyCut announces the whole body in Content-Length, sends its first
	// half and closes the connection: a body cut in transit.
	BodyCut = "cut"
)

// Values of Fault.API.
const (
	APIListImages          = ""                     // GET /v2/cloudimages
	APIIAMIDToken          = "iam-id-token"         // step A: POST /v3.0/OS-AUTH/id-token/tokens
	APIIAMSecurityToken    = "iam-securitytoken"    // step B: POST /v3.0/OS-CREDENTIAL/securitytokens
	APIMetadataToken       = "metadata-token"       // PUT /meta-data/latest/api/token
	APIMetadataSecurityKey = "metadata-securitykey" // GET /openstack/latest/securitykey
)

type installedFault struct {
	Fault
	id    int
	seen  int // requests counted since AddFault
	fired int
}

// AddFault installs a fault and returns its id for RemoveFault.
func (s *Simulator) AddFault(f Fault) int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.lastFaultID++
	s.faults = append(s.faults, &installedFault{Fault: f, id: s.lastFaultID})
	return s.lastFaultID
}

// RemoveFault uninstalls a fault and returns how many times it fired;
// unknown ids are ignored (0).
func (s *Simulator) RemoveFault(id int) int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, f := range s.faults {
		if f.id == id {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			return f.fired
		}
	}
	return 0
}

// ClearFaults uninstalls every fault.
func (s *Simulator) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = nil
}

// takeFault counts a request of api against every installed fault of that
// api and returns the first one, in installation order, that fires on it;
// one request suffers at most one fault. page is 0 outside listings.
func (s *Simulator) takeFault(api string, page int) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	var fired *installedFault
	for _, f := range s.faults {
		if f.API != api {
			continue
		}
		f.seen++
		switch {
		case fired != nil,
			f.Times > 0 && f.fired >= f.Times,
			f.OnRequest != 0 && f.seen != f.OnRequest,
			f.OnPage != 0 && f.OnPage != page:
			continue
		}
		fired = f
	}
	if fired == nil {
		return Fault{}, false
	}
	fired.fired++
	return fired.Fault, true
}

// faultBody applies Fault.Body to the body the request would have had.
func faultBody(kind string, body []byte) []byte {
	switch kind {
	case "":
		return body
	case BodyTruncated, BodyCut:
		return body[:len(body)/2]
	case BodyMalformed:
		return []byte("<html><body><h1>502 Bad Gateway</h1></body></html>")
	case BodyEmptyObject:
		return []byte("{}")
	default:
		return []byte(kind)
	}
}
