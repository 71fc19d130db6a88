package ims_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

const (
	simAK      = "SIMACCESSKEY"
	simSK      = "sim-secret-key"
	simTempAK  = "SIMTEMPACCESSKEY"
	simTempSK  = "sim-temp-secret-key"
	simSTS     = "sim-security-token"
	simIAMAuth = "sim-iam-token"
)

// text is a record value as the API would compare it.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	return fmt.Sprint(v)
}

func newSim(t testing.TB, catalog []imssim.Image) (*imssim.Simulator, string) {
	sim := imssim.New(imssim.Options{
		Catalog:     catalog,
		Credentials: map[string]string{simAK: simSK},
		Tokens:      []string{simIAMAuth},
	})
	sim.SetTemporaryCredential(simTempAK, simTempSK, simSTS)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// The reference's common queries, with every kind of credentials, against
// the simulator's default catalog, checked against the catalog itself.
func TestCommonQueriesAgainstSimulator(t *testing.T) {
	yes := true
	queries := []struct {
		name  string
		req   ims.ListImagesRequest
		match func(imssim.Image) bool
	}{
		{"public", ims.ListImagesRequest{ImageType: "gold", Visibility: "public", Protected: &yes},
			func(r imssim.Image) bool {
				return text(r["__imagetype"]) == "gold" && text(r["visibility"]) == "public" && text(r["protected"]) == "true"
			}},
		{"private", ims.ListImagesRequest{Owner: imssim.DemoProjectID},
			func(r imssim.Image) bool { return text(r["owner"]) == imssim.DemoProjectID }},
	}
	for _, status := range []string{"accepted", "rejected", "pending"} {
		queries = append(queries, struct {
			name  string
			req   ims.ListImagesRequest
			match func(imssim.Image) bool
		}{"shared " + status, ims.ListImagesRequest{MemberStatus: status, Visibility: "shared", ImageType: "shared"},
			func(r imssim.Image) bool {
				return text(r["member_status"]) == status && text(r["visibility"]) == "shared" && text(r["__imagetype"]) == "shared"
			}})
	}
	creds := []struct {
		name  string
		creds ims.Credentials
		auth  string
	}{
		{"AK/SK", ims.Credentials{AccessKey: simAK, SecretKey: simSK, ProjectID: imssim.DemoProjectID}, imssim.AuthAKSK},
		{"security token", ims.Credentials{AccessKey: simTempAK, SecretKey: simTempSK, SecurityToken: simSTS, ProjectID: imssim.DemoProjectID}, imssim.AuthAKSK},
		{"IAM token", ims.Credentials{Token: simIAMAuth, ProjectID: imssim.DemoProjectID}, imssim.AuthToken},
	}

	sim, url := newSim(t, nil)
	catalog := sim.Catalog()
	const limit = 4
	for _, q := range queries {
		byID := map[string]imssim.Image{}
		var want []string
		for _, r := range catalog {
			if text(r["__isregistered"]) != "false" && q.match(r) {
				want = append(want, r.ID())
				byID[r.ID()] = r
			}
		}
		slices.Sort(want)
		if len(want) == 0 {
			t.Fatalf("%s: the default catalog has no matching image; the test would prove nothing", q.name)
		}
		for _, cr := range creds {
			t.Run(q.name+"/"+cr.name, func(t *testing.T) {
				c, err := ims.New(ims.Config{Endpoint: url, Credentials: cr.creds})
				if err != nil {
					t.Fatal(err)
				}
				sim.ResetRequests()
				req := q.req
				req.Limit = limit
				images, err := ims.Collect(c.ListImages(context.Background(), req))
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, im := range images {
					got = append(got, im.ID)
					rec := byID[im.ID]
					if im.Name != text(rec["name"]) || im.Platform != text(rec["__platform"]) || im.ImageType != text(rec["__imagetype"]) {
						t.Errorf("image %s decoded as %q/%q/%q", im.ID, im.Name, im.Platform, im.ImageType)
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("listed %d images %v\nwant %d %v", len(got), got, len(want), want)
				}
				reqs := sim.Requests()
				if wantReqs := len(want)/limit + 1; len(reqs) != wantReqs {
					t.Errorf("%d requests, want %d", len(reqs), wantReqs)
				}
				for _, r := range reqs {
					if r.Auth != cr.auth || r.Status != 200 || r.ProjectID != imssim.DemoProjectID {
						t.Errorf("request %+v", r)
					}
				}
			})
		}
	}
}

// Wrong credentials are rejected end to end, without retries.
func TestSimulatorRejectsWrongCredentials(t *testing.T) {
	sim, url := newSim(t, nil)
	for _, creds := range []ims.Credentials{
		{AccessKey: simAK, SecretKey: "wrong"},
		{AccessKey: simTempAK, SecretKey: simTempSK}, // temporary key without its token
		{Token: "not-a-token"},
	} {
		sim.ResetRequests()
		c, err := ims.New(ims.Config{Endpoint: url, Credentials: creds})
		if err != nil {
			t.Fatal(err)
		}
		_, err = ims.Collect(c.ListImages(context.Background(), ims.ListImagesRequest{}))
		if ims.ClassOf(err) != ims.ClassUnauthorized {
			t.Errorf("err = %v, want CredentialsRejected", err)
		}
		if n := sim.RequestCount(); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	}
}

// Faults on a later page are retried and the listing still completes.
func TestSimulatorFaultsRetried(t *testing.T) {
	sim, url := newSim(t, imssim.GenerateCatalog(50, 7))
	sim.AddFault(imssim.Fault{OnPage: 2, Times: 1, Status: 429, RetryAfter: "1"})
	sim.AddFault(imssim.Fault{OnPage: 3, Times: 1, Status: 503})
	sim.AddFault(imssim.Fault{OnPage: 4, Times: 1, Body: imssim.BodyTruncated})
	c, err := ims.New(ims.Config{
		Endpoint:    url,
		Credentials: ims.Credentials{AccessKey: simAK, SecretKey: simSK},
		BaseDelay:   time.Millisecond,
		MaxDelay:    5 * time.Millisecond, // caps Retry-After: 1s
	})
	if err != nil {
		t.Fatal(err)
	}
	images, err := ims.Collect(c.ListImages(context.Background(), ims.ListImagesRequest{Limit: 10}))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, im := range images {
		seen[im.ID] = true
	}
	want := 0
	for _, r := range sim.Catalog() {
		if text(r["__isregistered"]) != "false" {
			want++
			if !seen[r.ID()] {
				t.Errorf("image %s missing", r.ID())
			}
		}
	}
	if len(images) != want || len(seen) != want {
		t.Errorf("%d images (%d distinct), want %d", len(images), len(seen), want)
	}
	if n := sim.RequestCount(); n < want/10+1+3 {
		t.Errorf("%d requests: the faults did not fire", n)
	}
}

// BenchmarkListImages10k lists a 10,000-image catalog from the simulator
// through the client, 500 images a page, with AK/SK signing. The figures
// include the simulator's own work, which runs in the same process.
func BenchmarkListImages10k(b *testing.B) {
	_, url := newSim(b, imssim.GenerateCatalog(10000, 1))
	c, err := ims.New(ims.Config{Endpoint: url, Credentials: ims.Credentials{AccessKey: simAK, SecretKey: simSK}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.ListImages(context.Background(), ims.ListImagesRequest{Limit: 500}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n == 0 {
			b.Fatal("no images")
		}
	}
}

// A page whose answer exceeds the body bound is asked again with half the page size, until it
// fits: the listing completes, exact, instead of failing at every sync.
func TestOversizedPageIsAskedAgainSmaller(t *testing.T) {
	catalog := imssim.GenerateCatalog(40, 3)
	sim, url := newSim(t, catalog)
	c, err := ims.New(ims.Config{Endpoint: url, Credentials: ims.Credentials{AccessKey: simAK, SecretKey: simSK},
		MaxBody: 12 << 10}) // ~ a page of 10 generated images
	if err != nil {
		t.Fatal(err)
	}
	images, err := ims.Collect(c.ListImages(context.Background(), ims.ListImagesRequest{Limit: 40}))
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != len(catalog) {
		t.Errorf("listed %d images, want %d", len(images), len(catalog))
	}
	var limits []string
	for _, r := range sim.Requests() {
		limits = append(limits, r.Query.Get("limit"))
	}
	if len(limits) < 3 || limits[0] != "40" || limits[1] != "20" {
		t.Errorf("page sizes asked: %v, want 40, 20, … halving until a page fits", limits)
	}
	t.Logf("page sizes asked: %v", limits)

	// One image larger than the bound on its own cannot fit: the listing fails, classified.
	tiny, err := ims.New(ims.Config{Endpoint: url, Credentials: ims.Credentials{AccessKey: simAK, SecretKey: simSK}, MaxBody: 100})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ims.Collect(tiny.ListImages(context.Background(), ims.ListImagesRequest{Limit: 4})); ims.ClassOf(err) != ims.ClassIncomplete {
		t.Errorf("an image over the bound: %v, want IncompleteListing", err)
	}
}
