package listing

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imagecatalog/ims-operator/internal/ims"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

const (
	testAK = "TESTACCESSKEY0000001"
	testSK = "test-secret-key-do-not-print-0001"
)

// fastRetryClient gives up on an endpoint quickly, so that a dead one costs the test little.
func fastRetryClient(cfg ims.Config) (ImageClient, error) {
	cfg.BaseDelay, cfg.MaxDelay, cfg.MaxAttempts = 50*time.Millisecond, 200*time.Millisecond, 2
	return ims.New(cfg)
}

// A region's endpoints from the environment: the first cannot be reached, the fall-back lists.
func TestRegionEndpointsFallBackWhenUnreachable(t *testing.T) {
	s := imssim.New(imssim.Options{Credentials: map[string]string{testAK: testSK}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now

	env := map[string]string{"HUAWEICLOUD_SDK_REGION_IMS_XX_TEST_1": dead + "," + srv.URL}
	endpoints, err := ims.NewEndpoints(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	r := &Cloud{Endpoints: endpoints, NewClient: fastRetryClient}
	lister, err := r.client(Target{Region: "xx-test-1"}, ims.Credentials{AccessKey: testAK, SecretKey: testSK}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range lister.ListImages(context.Background(), ims.ListImagesRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 || s.RequestCount() == 0 {
		t.Fatalf("listed %d images, %d requests at the fall-back", n, s.RequestCount())
	}

	// --ims-endpoint overrides the region's endpoints.
	r.Endpoint = dead
	lister, _ = r.client(Target{Region: "xx-test-1"}, ims.Credentials{AccessKey: testAK, SecretKey: testSK}, nil)
	for _, err := range lister.ListImages(context.Background(), ims.ListImagesRequest{}) {
		if ims.ClassOf(err) != ims.ClassNetwork {
			t.Fatalf("--ims-endpoint not used: %v", err)
		}
	}
}

// A region's endpoint from the regions file (HUAWEICLOUD_SDK_REGIONS_FILE), as for a
// dedicated region: the listing goes there.
func TestRegionEndpointFromRegionsFile(t *testing.T) {
	s := imssim.New(imssim.Options{Credentials: map[string]string{testAK: testSK}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "regions.yaml")
	if err := os.WriteFile(file, []byte("IMS:\n  - id: hcs-test-1\n    endpoint: "+srv.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	endpoints, err := ims.NewEndpoints(func(k string) string {
		return map[string]string{"HUAWEICLOUD_SDK_REGIONS_FILE": file}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &Cloud{Endpoints: endpoints, NewClient: fastRetryClient}
	client, err := r.client(Target{Region: "hcs-test-1"}, ims.Credentials{AccessKey: testAK, SecretKey: testSK}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range client.ListImages(context.Background(), ims.ListImagesRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if s.RequestCount() == 0 {
		t.Fatal("no request reached the regions file's endpoint")
	}
}
