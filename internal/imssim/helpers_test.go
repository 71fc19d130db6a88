package imssim

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/imagecatalog/ims-operator/internal/sign"
)

// Test credentials. The secrets carry "Secret" so leak checks can look for
// them; they must never show in bodies, records or logs.
const (
	testAK            = "TESTAK0001"
	testSK            = "test-SK-Secret-0123456789"
	testToken         = "test-TOKEN-Secret-abcdef"
	testSecurityToken = "test-STS-Secret-987654"
)

type fixture struct {
	sim *Simulator
	srv *httptest.Server
}

// newFixture serves catalog (nil = default catalog) over real HTTP with the
// test AK/SK and token accepted.
func newFixture(t *testing.T, catalog []Image, configure ...func(*Options)) *fixture {
	t.Helper()
	opts := Options{
		Catalog:     catalog,
		Credentials: map[string]string{testAK: testSK},
		Tokens:      []string{testToken},
	}
	for _, c := range configure {
		c(&opts)
	}
	sim := New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &fixture{sim: sim, srv: srv}
}

// call describes one request; the zero value is a GET of Path signed
// with the test AK/SK as the IMS client signs (host and project signed).
type call struct {
	method, path  string
	query         string // raw query
	ak, sk        string
	securityToken string
	token         string // X-Auth-Token instead of a signature
	noAuth        bool
	signedAt      time.Time
	mutate        func(*http.Request) // after signing
	ctx           context.Context
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) do(t *testing.T, c call) result {
	t.Helper()
	res, err := f.try(c)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) try(c call) (result, error) {
	method, path := c.method, c.path
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = Path
	}
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	url := f.srv.URL + path
	if c.query != "" {
		url += "?" + c.query
	}
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return result{}, err
	}
	req.Header.Set("X-Project-Id", DemoProjectID)
	switch {
	case c.noAuth:
	case c.token != "":
		req.Header.Set("X-Auth-Token", c.token)
	default:
		ak, sk := cmp.Or(c.ak, testAK), cmp.Or(c.sk, testSK)
		if c.securityToken != "" {
			req.Header.Set("X-Security-Token", c.securityToken)
		}
		at := c.signedAt
		if at.IsZero() {
			at = time.Now()
		}
		req.Header.Set("Host", req.URL.Host) // sign the host, as the client does
		if err := sign.Sign(req, nil, ak, sk, at); err != nil {
			return result{}, err
		}
		req.Header.Del("Host")
	}
	if c.mutate != nil {
		c.mutate(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: body}, err
}

// list GETs a listing and returns its images, failing unless it is a 200.
func (f *fixture) list(t *testing.T, query string) []Image {
	t.Helper()
	res := f.do(t, call{query: query})
	if res.status != http.StatusOK {
		t.Fatalf("GET ?%s: status %d, body %s", query, res.status, res.body)
	}
	return decodeImages(t, res.body)
}

func decodeImages(t *testing.T, body []byte) []Image {
	t.Helper()
	var resp struct {
		Images []Image `json:"images"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return resp.Images
}

// errorBody decodes a flat error body.
type errorBody struct {
	Code      string `json:"error_code"`
	Msg       string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

func decodeError(t *testing.T, body []byte) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decode error body %s: %v", body, err)
	}
	return e
}

func idsOf(images []Image) []string {
	ids := make([]string, len(images))
	for i, img := range images {
		ids[i] = img.ID()
	}
	return ids
}

func namesOf(images []Image) []string {
	names := make([]string, len(images))
	for i, img := range images {
		names[i], _ = img["name"].(string)
	}
	return names
}

func sortedNames(images []Image) []string {
	n := namesOf(images)
	slices.Sort(n)
	return n
}
