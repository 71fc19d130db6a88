package dist

import (
	"slices"
	"strings"
	"testing"
)

// manager.shards renders one Deployment per shard: its own name and Pod labels (so that no
// Deployment selects another's Pods), its --namespace-selector, and no other Deployment. The
// Lease is the manager's own per selector (leader.go), so no value names it.
func TestChartShards(t *testing.T) {
	objs := byKey(helmTemplate(t,
		"--set", "manager.shards[0].name=a", "--set-string", `manager.shards[0].namespaceSelector=shard=a`,
		"--set", "manager.shards[1].name=b", "--set-string", `manager.shards[1].namespaceSelector=shard in (b\,c)`))
	want := map[string]string{"a": "--namespace-selector=shard=a", "b": "--namespace-selector=shard in (b,c)"}
	deployments := 0
	for key, o := range objs {
		if !strings.HasPrefix(key, "Deployment/") {
			continue
		}
		deployments++
		name := str(o, "metadata", "name")
		shard := strings.TrimPrefix(name, "ims-operator-controller-manager-")
		if want[shard] == "" {
			t.Errorf("Deployment %s is no shard's", name)
			continue
		}
		if got := str(o, "spec", "selector", "matchLabels", "ims.imagecatalog.io/shard"); got != shard {
			t.Errorf("Deployment %s selects Pods of shard %q", name, got)
		}
		if got := str(o, "spec", "template", "metadata", "labels", "ims.imagecatalog.io/shard"); got != shard {
			t.Errorf("Deployment %s's Pods are labelled shard %q", name, got)
		}
		var args []string
		for _, a := range field(o, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["args"].([]any) {
			args = append(args, a.(string))
			if flag := strings.SplitN(strings.TrimLeft(a.(string), "-"), "=", 2)[0]; !managerHasFlag(t, flag) {
				t.Errorf("Deployment %s passes %s, which the manager does not define", name, a)
			}
		}
		if !slices.Contains(args, want[shard]) || !slices.Contains(args, "--leader-elect") {
			t.Errorf("Deployment %s args %v lack %s or --leader-elect", name, args, want[shard])
		}
	}
	if deployments != len(want) {
		t.Errorf("%d Deployments rendered, want one per shard (%d)", deployments, len(want))
	}
}
