package imssim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/imagecatalog/ims-operator/internal/pause"
)

// Path is the one route the simulator serves.
const Path = "/v2/cloudimages"

// maxBody bounds what is read of a request body (to verify its signature);
// a listing has none.
const maxBody = 1 << 20

// Options configure a Simulator.
type Options struct {
	Catalog     []Image           // nil => DefaultCatalog(); an empty non-nil slice is an empty catalog
	Credentials map[string]string // AK -> SK accepted for AK/SK signing
	Tokens      []string          // accepted X-Auth-Token values
	// IdentityProviders are the IAM identity providers that steps A and B of
	// OIDC federation accept (iam.go).
	IdentityProviders []IdentityProvider
	// Metadata, when set, serves the ECS metadata service's credential calls
	// (metadata.go); nil answers them 404.
	Metadata *Metadata
	// CredentialLifetime caps the lifetime of the temporary credentials that
	// IAM and the metadata service issue (0: what step B asks for; one hour
	// from the metadata service).
	CredentialLifetime time.Duration
	// Now is the simulator's clock (default time.Now), used for signature
	// skew, expiry and recording.
	Now func() time.Time
	// Logf, if set, receives one line per request (never a secret).
	Logf func(format string, args ...any)
}

// Simulator is an http.Handler behaving like IMS GET /v2/cloudimages. It is
// safe for concurrent use, and its catalog, credentials and faults may
// change while it serves.
type Simulator struct {
	now  func() time.Time
	logf func(format string, args ...any)

	mu     sync.RWMutex // guards snap, creds, tokens and the IAM and metadata state
	snap   *snapshot
	creds  map[string]credential
	tokens map[string]struct{}
	iam    iamState

	faultMu     sync.Mutex
	faults      []*installedFault
	lastFaultID int

	reqMu    sync.Mutex
	requests []RecordedRequest
	count    int
}

// New returns a simulator. It panics if Options.Catalog holds a record
// without a string id or two records with the same id: such a catalog
// cannot be paged and is a bug in the test that built it.
func New(opts Options) *Simulator {
	s := &Simulator{
		now:    opts.Now,
		logf:   opts.Logf,
		creds:  map[string]credential{},
		tokens: map[string]struct{}{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	for ak, sk := range opts.Credentials {
		s.creds[ak] = credential{secretKey: sk}
	}
	for _, t := range opts.Tokens {
		s.tokens[t] = struct{}{}
	}
	s.iam = newIAMState(opts)
	catalog := opts.Catalog
	if catalog == nil {
		catalog = DefaultCatalog()
	}
	s.SetCatalog(catalog)
	return s
}

// ServeHTTP answers one request: route, authentication, query validation,
// listing, then any installed fault.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	rec := RecordedRequest{
		Time:      s.now(),
		Method:    r.Method,
		Path:      r.URL.Path,
		Query:     r.URL.Query(),
		ProjectID: r.Header.Get("X-Project-Id"),
	}
	rec.Auth, rec.AccessKey = presentedAuth(r)

	resp, images := s.answer(r, &rec, requestID)
	if resp != nil {
		rec.Status, rec.Fault = resp.status, resp.fault
		if resp.fault != nil && resp.fault.Hangup {
			rec.Status = 0 // nothing is answered
		}
	}
	s.record(rec)
	if s.logf != nil {
		target := rec.Path
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		s.logf("%s %s -> %d auth=%s ak=%q page=%d images=%d request_id=%s",
			rec.Method, target, rec.Status, rec.Auth, rec.AccessKey, rec.Page, images, requestID)
	}
	if resp == nil {
		return // the client went away during an injected delay
	}
	if resp.fault != nil && resp.fault.Hangup {
		panic(http.ErrAbortHandler) // net/http closes the connection without a word
	}
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("X-Request-Id", requestID)
	h.Set("Content-Length", fmt.Sprint(max(resp.length, len(resp.body))))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
	if resp.length > len(resp.body) {
		if f, ok := w.(http.Flusher); ok {
			f.Flush() // the client gets the first half before the connection drops
		}
		panic(http.ErrAbortHandler)
	}
}

// answer builds the whole response; nil means nothing is to be sent. It
// also returns the number of images listed, for the log.
func (s *Simulator) answer(r *http.Request, rec *RecordedRequest, requestID string) (*response, int) {
	switch r.URL.Path {
	case Path:
		return s.answerList(r, rec, requestID)
	case IAMIDTokenPath:
		return s.answerIDToken(r, rec, requestID), 0
	case IAMSecurityTokenPath:
		return s.answerSecurityToken(r, rec, requestID), 0
	case MetadataTokenPath:
		return s.answerMetadataToken(r, requestID), 0
	case MetadataSecurityKeyPath:
		return s.answerSecurityKey(r, rec, requestID), 0
	}
	return notFound(r.URL.Path, requestID), 0
}

// answerList answers GET /v2/cloudimages.
func (s *Simulator) answerList(r *http.Request, rec *RecordedRequest, requestID string) (*response, int) {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r.Method, requestID), 0
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return jsonResponse(http.StatusBadRequest, map[string]string{"error_code": "IMG.0001", "error_msg": "unreadable request body"}), 0
	}
	if reason := s.authenticate(r, body, rec); reason != "" {
		return unauthorized(reason, requestID), 0
	}
	q, perr := parseListQuery(r.URL.RawQuery)
	if perr != nil {
		return paramErrorResponse(perr), 0
	}
	s.mu.RLock()
	snap := s.snap
	s.mu.RUnlock()
	page, pageNum, perr := q.run(snap)
	if perr != nil {
		return paramErrorResponse(perr), 0
	}
	rec.Page = pageNum

	resp := &response{status: http.StatusOK, header: http.Header{}, body: encodeImages(page), page: page}
	resp = s.withFault(r, APIListImages, pageNum, requestID, resp)
	if resp == nil || resp.status != http.StatusOK {
		return resp, 0
	}
	if f := resp.fault; f != nil && f.Drop > 0 && len(page) > 0 {
		kept := len(page) - min(f.Drop, len(page))
		rec.Withheld = q.from(snap, page[kept].id)
		return resp, kept
	}
	return resp, len(page)
}

// withFault applies the fault, if any, that fires on this request of api to
// the answer it would have had; nil means the client went away during an
// injected delay.
func (s *Simulator) withFault(r *http.Request, api string, page int, requestID string, resp *response) *response {
	f, fired := s.takeFault(api, page)
	if !fired {
		return resp
	}
	if !pause.For(r.Context(), f.Delay) {
		return nil
	}
	if f.Status != 0 && f.Status != resp.status {
		resp = injectedError(f.Status, requestID)
	}
	if f.RetryAfter != "" {
		resp.header.Set("Retry-After", f.RetryAfter)
	}
	if f.Drop > 0 && resp.page != nil {
		resp.body = encodeImages(resp.page[:len(resp.page)-min(f.Drop, len(resp.page))])
	}
	if f.Body == BodyCut {
		resp.length = len(resp.body)
	}
	resp.body = faultBody(f.Body, resp.body)
	resp.fault = &f
	return resp
}

// encodeImages writes {"images":[...]} from the records' prepared JSON.
func encodeImages(page []*entry) []byte {
	n := len(`{"images":[]}`)
	for _, e := range page {
		n += len(e.raw) + 1
	}
	var b bytes.Buffer
	b.Grow(n)
	b.WriteString(`{"images":[`)
	for i, e := range page {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(e.raw)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// newRequestID returns 32 hex digits, the form of Huawei request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
