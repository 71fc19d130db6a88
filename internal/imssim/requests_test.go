package imssim

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestRequestsRecorded(t *testing.T) {
	var mu sync.Mutex
	var logs []string
	f := newFixture(t, GenerateCatalog(5, 1), func(o *Options) {
		o.Logf = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			logs = append(logs, fmt.Sprintf(format, args...))
		}
	})
	f.sim.SetTemporaryCredential("TEMPAK", "temp-SK-Secret", testSecurityToken)
	first := f.list(t, "limit=2&__imagetype=gold")
	f.do(t, call{query: "limit=2&__imagetype=gold&marker=" + first[1].ID()})
	f.do(t, call{token: testToken, query: "sort_key=name"})
	f.do(t, call{ak: "TEMPAK", sk: "temp-SK-Secret", securityToken: testSecurityToken})
	f.do(t, call{sk: "wrong-SK-Secret"})
	f.do(t, call{token: "bad-token-Secret"})
	f.do(t, call{noAuth: true, path: "/v2/images"})
	f.do(t, call{method: http.MethodPost})
	f.do(t, call{query: "limit=0"})

	got := f.sim.Requests()
	want := []RecordedRequest{
		{Method: "GET", Path: Path, Auth: AuthAKSK, AccessKey: testAK, Status: 200, Page: 1},
		{Method: "GET", Path: Path, Auth: AuthAKSK, AccessKey: testAK, Status: 200, Page: 2},
		{Method: "GET", Path: Path, Auth: AuthToken, Status: 200, Page: 1},
		{Method: "GET", Path: Path, Auth: AuthAKSK, AccessKey: "TEMPAK", Status: 200, Page: 1},
		{Method: "GET", Path: Path, Auth: AuthAKSK, AccessKey: testAK, Status: 401},
		{Method: "GET", Path: Path, Auth: AuthToken, Status: 401},
		{Method: "GET", Path: "/v2/images", Auth: AuthNone, Status: 404},
		{Method: "POST", Path: Path, Auth: AuthAKSK, AccessKey: testAK, Status: 405},
		{Method: "GET", Path: Path, Auth: AuthAKSK, AccessKey: testAK, Status: 400},
	}
	if len(got) != len(want) || f.sim.RequestCount() != len(want) {
		t.Fatalf("%d recorded, count %d, want %d", len(got), f.sim.RequestCount(), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Method != w.Method || g.Path != w.Path || g.Auth != w.Auth || g.AccessKey != w.AccessKey ||
			g.Status != w.Status || g.Page != w.Page || g.ProjectID != DemoProjectID || g.Time.IsZero() {
			t.Errorf("request %d: got %+v\nwant %+v", i, g, w)
		}
	}
	if q := got[1].Query; q.Get("marker") != first[1].ID() || q.Get("limit") != "2" || q.Get("__imagetype") != "gold" {
		t.Errorf("recorded query %v", q)
	}

	// Nothing recorded or logged holds a secret or a signature.
	dump := fmt.Sprintf("%#v", got)
	mu.Lock()
	dump += strings.Join(logs, "\n")
	nLogs := len(logs)
	mu.Unlock()
	assertNoSecret(t, dump, "temp-SK-Secret", "wrong-SK-Secret", "bad-token-Secret")
	if strings.Contains(dump, "Signature=") {
		t.Error("a signature was recorded or logged")
	}
	if nLogs != len(want) {
		t.Errorf("%d log lines, want one per request", nLogs)
	}

	// Records are copies.
	got[1].Query.Set("marker", "changed")
	if f.sim.Requests()[1].Query.Get("marker") != first[1].ID() {
		t.Error("Requests() shares its query values")
	}

	f.sim.ResetRequests()
	if f.sim.RequestCount() != 0 || len(f.sim.Requests()) != 0 {
		t.Error("ResetRequests left requests behind")
	}
	f.do(t, call{})
	if f.sim.RequestCount() != 1 {
		t.Errorf("count after reset and one request: %d", f.sim.RequestCount())
	}
}

// A response is recorded before the client can read it, so counting right
// after a call is exact, even under parallel load.
func TestRequestCountExactUnderConcurrency(t *testing.T) {
	f := newFixture(t, GenerateCatalog(300, 5))
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				c := call{query: fmt.Sprintf("limit=%d", 1+(w*each+i)%50)}
				if w%2 == 0 {
					c = call{token: testToken, query: "sort_key=name&sort_dir=asc"}
				}
				if res, err := f.try(c); err != nil || res.status != 200 {
					t.Errorf("status %d, err %v", res.status, err)
				}
			}
		})
	}
	// Change the state while requests are in flight.
	for i := range 20 {
		f.sim.PutImage(rec(fmt.Sprint("concurrent-", i), i))
		f.sim.SetCredential("OTHER", "other-SK")
		f.sim.AddFault(Fault{Status: 0})
		f.sim.ClearFaults()
		_ = f.sim.Catalog()
	}
	wg.Wait()
	if got := f.sim.RequestCount(); got != workers*each {
		t.Errorf("RequestCount %d, want %d", got, workers*each)
	}
}
