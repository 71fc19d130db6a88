package node

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// The chart with two replicas, through the life of an installation: exactly one replica syncs;
// deleting the leader's Pod hands over within the lease time and a requested sync completes;
// a drain of the node respects the PodDisruptionBudget; `helm upgrade` to a second image rolls
// the Deployment; `helm uninstall` keeps the CRDs and every object. No CloudImage is lost or
// duplicated on the way.
func TestTwoReplicasLifecycle(t *testing.T) {
	n := needNode(t)
	const ns, rel, tenant = "ims-ha", release, "tenant-ha"
	dumpOnFailure(t, ns)
	image, err := n.PushManagerImage("node-1")
	if err != nil {
		t.Fatal(err)
	}
	repo, _, _ := strings.Cut(image, ":node-1")
	_, simURL := simulator(t, imssim.Options{Credentials: map[string]string{simAK: simSK}})
	restrictedNamespace(t, ns)
	values := []string{"--namespace", ns, "--wait", "--timeout", "150s",
		"--set", "manager.image.repository=" + repo, "--set", "manager.imsEndpoint=" + simURL,
		"--set", "manager.replicas=2"}
	helm(t, append([]string{"install", rel, "dist/chart", "--set", "manager.image.tag=node-1"}, values...)...)
	t.Cleanup(func() { uninstall(t, ns) })
	syncQuery(t, tenant)
	before := cloudImages(t, tenant)
	scraper := metricsScraper(t, rel)

	t.Run("exactly one replica syncs", func(t *testing.T) {
		leader := waitLeader(t, ns, "")
		for _, p := range managerPods(t, ns) {
			syncs := scraper.syncCount(t, p.Status.PodIP)
			if p.Name == leader && syncs == 0 {
				t.Errorf("the leader %s has synced nothing", p.Name)
			}
			if p.Name != leader && syncs != 0 {
				t.Errorf("the standby %s has synced %d times", p.Name, syncs)
			}
		}
	})

	t.Run("failover", func(t *testing.T) {
		leader := waitLeader(t, ns, "")
		released := watchRelease(t, ns)
		start := time.Now()
		kubectl(t, "delete", "pod", "-n", ns, leader, "--wait=false")
		next := waitLeader(t, ns, leader)
		// The manager releases its lease when it stops (LeaderElectionReleaseOnCancel); without
		// that the standby would wait out the 15 s lease. Seen on the Lease itself, not by the
		// time the handover took (which a busy machine stretches).
		if !released(next) {
			t.Errorf("%s took over without %s releasing the lease first: it waited the lease out", next, leader)
		}
		t.Logf("%s took over from %s after %s", next, leader, time.Since(start).Round(100*time.Millisecond))
		requestSync(t, tenant, "ubuntu")
		if got := cloudImages(t, tenant); !equal(got, before) {
			t.Errorf("CloudImages after the failover:\n%v\nbefore:\n%v", got, before)
		}
	})

	t.Run("drain respects the disruption budget", func(t *testing.T) {
		kubectl(t, "rollout", "status", "-n", ns, "deployment/"+rel+"-controller-manager", "--timeout=120s")
		// One node: the evicted Pod cannot come back elsewhere, so the drain evicts one manager
		// Pod and then waits on the budget for the other until it gives up.
		out, err := kubectlErr("drain", n.Name, "--ignore-daemonsets", "--delete-emptydir-data",
			"--pod-selector=control-plane=controller-manager", "--timeout=25s")
		kubectl(t, "uncordon", n.Name)
		if err == nil {
			t.Fatalf("the drain evicted both manager Pods despite the PodDisruptionBudget:\n%s", out)
		}
		if !strings.Contains(out, "disruption budget") {
			t.Errorf("the drain failed for another reason than the disruption budget:\n%s", out)
		}
		running := 0
		for _, p := range managerPods(t, ns) {
			if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		if running == 0 {
			t.Error("no manager Pod is left running after the drain")
		}
		kubectl(t, "rollout", "status", "-n", ns, "deployment/"+rel+"-controller-manager", "--timeout=120s")
	})

	t.Run("helm upgrade to a second image", func(t *testing.T) {
		if _, err := n.PushManagerImage("node-2"); err != nil {
			t.Fatal(err)
		}
		helm(t, append([]string{"upgrade", rel, "dist/chart", "--set", "manager.image.tag=node-2"}, values...)...)
		for _, p := range managerPods(t, ns) {
			if p.DeletionTimestamp == nil && !strings.HasSuffix(p.Spec.Containers[0].Image, ":node-2") {
				t.Errorf("Pod %s still runs %s after the upgrade", p.Name, p.Spec.Containers[0].Image)
			}
		}
		waitLeader(t, ns, "")
		requestSync(t, tenant, "ubuntu")
		if got := cloudImages(t, tenant); !equal(got, before) {
			t.Errorf("CloudImages after the upgrade:\n%v\nbefore:\n%v", got, before)
		}
	})

	t.Run("helm uninstall keeps the CRDs and every object", func(t *testing.T) {
		helm(t, "uninstall", rel, "--namespace", ns, "--wait")
		kubectl(t, "get", "crd", "imagequeries.ims.imagecatalog.io", "cloudimages.ims.imagecatalog.io")
		kubectl(t, "get", "imagequery", "-n", tenant, "ubuntu")
		if got := cloudImages(t, tenant); !equal(got, before) {
			t.Errorf("CloudImages after uninstall:\n%v\nbefore:\n%v", got, before)
		}
	})
}

func managerPods(t testing.TB, ns string) []corev1.Pod {
	t.Helper()
	pods, err := node.Clientset.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "control-plane=controller-manager"})
	if err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

// waitLeader waits until a running manager Pod other than not holds the lease, and returns it.
func waitLeader(t testing.TB, ns, not string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		lease, err := node.Clientset.CoordinationV1().Leases(ns).Get(context.Background(), leaseName, metav1.GetOptions{})
		if err == nil && lease.Spec.HolderIdentity != nil {
			holder, _, _ := strings.Cut(*lease.Spec.HolderIdentity, "_")
			if holder != "" && holder != not {
				return holder
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new leader in %s (lease: %v, %v)", ns, lease, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// leaseName is the manager's leader-election Lease.
const leaseName = "ims-operator.ims.imagecatalog.io"

// watchRelease watches the Lease in ns from now on. The function it returns waits until the
// watch has seen holder take the Lease and tells whether a replica released it before (an
// update with no holder, which is what a manager stopping with LeaderElectionReleaseOnCancel
// writes).
func watchRelease(t testing.TB, ns string) func(holder string) bool {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	leases := node.Clientset.CoordinationV1().Leases(ns)
	lease, err := leases.Get(ctx, leaseName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := leases.Watch(ctx, metav1.ListOptions{ResourceVersion: lease.ResourceVersion,
		FieldSelector: fields.OneTermEqualSelector("metadata.name", leaseName).String()})
	if err != nil {
		t.Fatal(err)
	}
	holders := make(chan string, 100) // each update's holder, "" for a release
	go func() {
		defer close(holders)
		for ev := range w.ResultChan() {
			if l, ok := ev.Object.(*coordinationv1.Lease); ok {
				h := ""
				if l.Spec.HolderIdentity != nil {
					h, _, _ = strings.Cut(*l.Spec.HolderIdentity, "_")
				}
				select {
				case holders <- h:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return func(holder string) bool {
		released := false
		timeout := time.After(60 * time.Second)
		for {
			select {
			case h, ok := <-holders:
				switch {
				case !ok:
					t.Fatalf("the watch of the Lease ended before %s held it", holder)
				case h == "":
					released = true
				case h == holder:
					return released
				}
			case <-timeout:
				t.Fatalf("the watch of the Lease did not see %s take it within a minute", holder)
			}
		}
	}
}

// requestSync sets the query's requested-at annotation and waits until the manager has handled
// it with the query Ready.
func requestSync(t testing.TB, ns, query string) {
	t.Helper()
	v := fmt.Sprint(time.Now().UnixNano())
	kubectl(t, "annotate", "imagequery", "-n", ns, query, "ims.imagecatalog.io/requested-at="+v, "--overwrite")
	kubectl(t, "wait", "-n", ns, "imagequery/"+query, "--timeout=90s",
		"--for=jsonpath={.status.lastHandledRequestedAt}="+v)
	kubectl(t, "wait", "-n", ns, "imagequery/"+query, "--timeout=30s", "--for=condition=Ready")
}

// cloudImages are the names of the CloudImages in ns, sorted.
func cloudImages(t testing.TB, ns string) []string {
	t.Helper()
	names := strings.Fields(kubectl(t, "get", "cloudimages", "-n", ns, "-o", "name"))
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatalf("no CloudImage in %s", ns)
	}
	return names
}

func equal(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// scraper scrapes the manager's metrics, as Prometheus would with a token bound to the
// metrics-reader ClusterRole (the manager's serving certificate is self-signed, the chart's
// serviceMonitor default).
type scraper struct {
	token  string
	client *http.Client
}

func metricsScraper(t testing.TB, fullname string) *scraper {
	t.Helper()
	apply(t, `
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: prometheus, namespace: monitoring}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: prometheus-`+fullname+`-metrics}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: `+fullname+`-metrics-reader}
subjects: [{kind: ServiceAccount, name: prometheus, namespace: monitoring}]
`)
	return &scraper{token: token(t, "monitoring", "prometheus"), client: &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}}
}

// get GETs url with tok as bearer token ("" for none): the status and the body.
func (s *scraper) get(t testing.TB, url, tok string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var syncCountLine = regexp.MustCompile(`(?m)^ims_operator_sync_duration_seconds_count\{[^}]*\} (\d+)`)

// syncCount is how many syncs the manager at podIP has timed.
func (s *scraper) syncCount(t testing.TB, podIP string) int {
	t.Helper()
	code, body := s.get(t, "https://"+podIP+":8443/metrics", s.token)
	if code != http.StatusOK {
		t.Fatalf("metrics of %s: %d %.300s", podIP, code, body)
	}
	total := 0
	for _, m := range syncCountLine.FindAllStringSubmatch(body, -1) {
		var c int
		_, _ = fmt.Sscan(m[1], &c)
		total += c
	}
	return total
}
