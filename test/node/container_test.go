package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// imageUser is the user and group the image runs its entrypoint as (hack/image: distroless'
// "nonroot"); the chart asks only runAsNonRoot, so the image decides.
const imageUser = 65532

// assertImageUser checks that the process of each of p's containers runs as the image's user
// and group, as the kubelet and runc started it: read from /proc on the node (this machine),
// where the container's cgroup names its ID.
func assertImageUser(t testing.TB, p *corev1.Pod) {
	t.Helper()
	for _, c := range p.Status.ContainerStatuses {
		id := c.ContainerID[strings.Index(c.ContainerID, "://")+3:]
		pid, err := containerProcess(id)
		if err != nil {
			t.Errorf("container %s of %s: %v", c.Name, p.Name, err)
			continue
		}
		uid, gid, err := processIDs(pid)
		if err != nil {
			t.Errorf("container %s of %s: %v", c.Name, p.Name, err)
			continue
		}
		if uid != imageUser || gid != imageUser {
			t.Errorf("container %s of %s runs as uid %d gid %d, want the image's %d:%d", c.Name, p.Name, uid, gid, imageUser, imageUser)
		}
	}
}

// containerProcess is a process whose cgroup path holds the container's ID.
func containerProcess(id string) (int, error) {
	procs, err := filepath.Glob("/proc/[0-9]*/cgroup")
	if err != nil {
		return 0, err
	}
	for _, f := range procs {
		b, err := os.ReadFile(f)
		if err == nil && strings.Contains(string(b), id) {
			return strconv.Atoi(filepath.Base(filepath.Dir(f)))
		}
	}
	return 0, fmt.Errorf("no process in the cgroup of container %s", id)
}

// processIDs are a process's effective user and group IDs (/proc/<pid>/status).
func processIDs(pid int) (uid, gid int, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	uid, gid = -1, -1
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "Uid:" {
			uid, _ = strconv.Atoi(f[2])
		}
		if len(f) >= 3 && f[0] == "Gid:" {
			gid, _ = strconv.Atoi(f[2])
		}
	}
	return uid, gid, nil
}

// assertLivenessProbed waits until the kubelet has probed the liveness of p's manager
// container at least once, and checks that no liveness probe failed. A Pod turns Ready
// through its readiness probe alone, long before a wrong liveness probe restarts it (three
// failures, after initialDelaySeconds): only the kubelet's probe counters show it in time.
func assertLivenessProbed(t testing.TB, p *corev1.Pod) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		results := livenessResults(t, p)
		if results["failed"] > 0 {
			t.Errorf("the kubelet's liveness probes of %s failed %g times (%v)", p.Name, results["failed"], results)
			return
		}
		if results["successful"] > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the kubelet made no successful liveness probe of %s in 90s (%v)", p.Name, results)
			return
		}
		time.Sleep(2 * time.Second)
	}
}

// livenessResults counts the kubelet's liveness probes of p's manager container by result,
// from its prober metrics (read through the API server's node proxy).
func livenessResults(t testing.TB, p *corev1.Pod) map[string]float64 {
	t.Helper()
	raw, err := node.Clientset.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes", p.Spec.NodeName, "proxy", "metrics", "probes").
		DoRaw(context.Background())
	if err != nil {
		t.Fatalf("the kubelet's probe metrics: %v", err)
	}
	results := map[string]float64{}
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "prober_probe_total{") || !strings.Contains(line, `pod="`+p.Name+`"`) ||
			!strings.Contains(line, `probe_type="Liveness"`) || !strings.Contains(line, `container="manager"`) {
			continue
		}
		_, after, _ := strings.Cut(line, `result="`)
		result, _, _ := strings.Cut(after, `"`)
		fields := strings.Fields(line)
		v, _ := strconv.ParseFloat(fields[len(fields)-1], 64)
		results[result] += v
	}
	return results
}
