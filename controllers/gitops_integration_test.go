package controllers

import (
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// samplesDir is config/samples as kubectl sees it from the test's working directory.
var samplesDir = filepath.Join("..", "config", "samples")

// GitOps tools re-apply the same manifests again and again: after the operator synced them,
// the live objects show no drift (kubectl diff is empty, a re-apply is "unchanged"), a second
// field manager's server-side apply of the same manifests changes nothing either, and neither
// re-apply costs a sync.
func TestReappliedSamplesShowNoDriftAndCauseNoSync(t *testing.T) {
	integration(t)
	ns := newNamespace(t) // holds the Secret ims-credentials the samples refer to

	out := mustKubectl(t, "apply", "-k", samplesDir, "-n", ns)
	samples := loadSamples(t, ns)
	if len(samples) == 0 {
		t.Fatal("config/samples holds no ImageQuery")
	}
	for _, s := range samples {
		if !strings.Contains(out, "imagequery.ims.imagecatalog.io/"+s.Name+" created") {
			t.Errorf("kubectl apply did not create %s: %s", s.Name, out)
		}
	}
	synced := map[string]*imsv1.ImageQuery{}
	for _, s := range samples {
		synced[s.Name] = waitReady(t, ns, s.Name)
	}

	sim.ResetRequests()

	// Client-side apply: no diff, and a second apply changes nothing.
	assertNoDiff(t, "after the first apply", "diff", "-k", samplesDir, "-n", ns)
	out = mustKubectl(t, "apply", "-k", samplesDir, "-n", ns)
	for _, s := range samples {
		if !strings.Contains(out, "imagequery.ims.imagecatalog.io/"+s.Name+" unchanged") {
			t.Errorf("a second kubectl apply did not leave %s unchanged: %s", s.Name, out)
		}
	}
	if n := strings.Count(strings.TrimSpace(out), "\n") + 1; n != len(samples) {
		t.Errorf("a second kubectl apply reported %d objects, want %d: %s", n, len(samples), out)
	}

	// Server-side apply of the same manifests by another field manager.
	out = mustKubectl(t, "apply", "--server-side", "--field-manager=gitops-bot", "--force-conflicts",
		"-k", samplesDir, "-n", ns)
	for _, s := range samples {
		if !strings.Contains(out, "imagequery.ims.imagecatalog.io/"+s.Name+" serverside-applied") {
			t.Errorf("server-side apply did not report %s: %s", s.Name, out)
		}
	}
	assertNoDiff(t, "after server-side apply, for gitops-bot", "diff", "--server-side", "--field-manager=gitops-bot",
		"-k", samplesDir, "-n", ns)
	assertNoDiff(t, "after server-side apply, for client-side apply", "diff", "-k", samplesDir, "-n", ns)

	settle()
	if n := sim.RequestCount(); n != 0 {
		t.Errorf("re-applying unchanged manifests cost %d IMS requests, want 0", n)
	}
	for _, s := range samples {
		q := getQuery(t, ns, s.Name)
		before := synced[s.Name]
		if q.Generation != before.Generation {
			t.Errorf("%s: re-applies moved the generation from %d to %d", s.Name, before.Generation, q.Generation)
		}
		if !q.Status.LastSyncTime.Equal(before.Status.LastSyncTime) {
			t.Errorf("%s: re-applies triggered a sync (lastSyncTime %v, was %v)", s.Name, q.Status.LastSyncTime, before.Status.LastSyncTime)
		}
		assertSpecOwnedByAppliersOnly(t, q)
	}
}

// assertSpecOwnedByAppliersOnly checks that only the users' apply field managers own spec
// fields: the operator never writes an ImageQuery's spec. (kubectl's server-side apply takes
// over the fields of client-side apply, so either may own them.)
func assertSpecOwnedByAppliersOnly(t *testing.T, q *imsv1.ImageQuery) {
	t.Helper()
	appliers := []string{"kubectl-client-side-apply", "gitops-bot"}
	appliedSpec := false
	for _, mf := range q.ManagedFields {
		if mf.FieldsV1 == nil {
			continue
		}
		var fields map[string]any
		if err := json.Unmarshal(mf.FieldsV1.GetRawBytes(), &fields); err != nil {
			t.Fatal(err)
		}
		if _, ok := fields["f:spec"]; !ok {
			continue
		}
		if slices.Contains(appliers, mf.Manager) {
			appliedSpec = true
		} else {
			t.Errorf("%s: field manager %q (%s %s) owns spec fields; managers: %v", q.Name, mf.Manager, mf.Operation, mf.Subresource, managers(q))
		}
	}
	if !appliedSpec {
		t.Errorf("%s: no applier owns the spec; managers: %v", q.Name, managers(q))
	}
}

func managers(obj client.Object) []string {
	var out []string
	for _, mf := range obj.GetManagedFields() {
		out = append(out, mf.Manager+"/"+string(mf.Operation)+"/"+mf.Subresource)
	}
	return out
}

// mustKubectl runs kubectl and fails the test if it fails; it returns stdout.
func mustKubectl(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, err := runKubectl(t, nil, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout
}

// assertNoDiff runs kubectl diff, which exits 0 with no output when the live objects match
// the manifests and 1 with a diff when they do not.
func assertNoDiff(t *testing.T, when string, args ...string) {
	t.Helper()
	stdout, stderr, err := runKubectl(t, nil, args...)
	var exit *exec.ExitError
	switch {
	case err == nil && stdout == "":
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		t.Errorf("kubectl %s shows drift %s:\n%s", strings.Join(args, " "), when, stdout)
	default:
		t.Errorf("kubectl %s %s: %v, stdout %q, stderr %q", strings.Join(args, " "), when, err, stdout, stderr)
	}
}
