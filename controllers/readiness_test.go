package controllers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllertest"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/metaonly"
)

// fakeInformers hands out one unsynced fake informer per kind.
type fakeInformers map[string]*controllertest.FakeInformer

func (f fakeInformers) GetInformer(_ context.Context, obj client.Object, _ ...cache.InformerGetOption) (cache.Informer, error) {
	k := kindOf(obj)
	if f[k] == nil {
		f[k] = controllertest.NewFakeInformer()
	}
	return f[k], nil
}

// Until every one of its informers has synced, the manager is not ready, and the check names
// the one it waits for.
func TestReadinessWaitsForEveryInformer(t *testing.T) {
	informers := fakeInformers{}
	objs := []client.Object{metaonly.CloudImage(), metaonly.Secret(), &imsv1.ImageQuery{}}
	check := informersSynced(informers, objs)
	req := httptest.NewRequest(http.MethodGet, "/readyz", nil)

	for _, kind := range []string{"CloudImage", "Secret", "ImageQuery"} {
		err := check(req)
		if err == nil || !strings.Contains(err.Error(), kind+" has not synced") {
			t.Fatalf("with %s not synced: %v", kind, err)
		}
		informers[kind].Synced()
	}
	if err := check(req); err != nil {
		t.Errorf("not ready once every informer synced: %v", err)
	}
}

// The manager's /readyz has one check per controller, and both pass against a real API server
// once the manager runs: the check asks for the informers the controllers start (CloudImages,
// Secrets and Namespaces as metadata only) with the RBAC they have.
func TestReadyzNamesEachController(t *testing.T) {
	integration(t)
	var body string
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + probeAddr + "/readyz?verbose")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not OK after a minute: %v\n%s", err, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{"[+]imagequery ok", "[+]cloudimage ok"} {
		if !strings.Contains(body, want) {
			t.Errorf("/readyz?verbose lacks %q:\n%s", want, body)
		}
	}
}
