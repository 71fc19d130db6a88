package dist

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// promql parses expressions with Prometheus' own parser (hack/promql, a module of its own)
// and returns, per expression, the parse error or the metric names it selects.
func promql(t testing.TB, exprs []string) []struct {
	Error   string
	Metrics []string
} {
	t.Helper()
	bin := promqlBinary(t)
	var in bytes.Buffer
	for _, e := range exprs {
		b, _ := json.Marshal(e)
		in.Write(append(b, '\n'))
	}
	cmd := exec.Command(bin)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/promql: %v", err)
	}
	var results []struct {
		Error   string
		Metrics []string
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct {
			Error   string
			Metrics []string
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	if len(results) != len(exprs) {
		t.Fatalf("hack/promql answered %d of %d expressions", len(results), len(exprs))
	}
	return results
}

// promqlBinary is hack/promql, a module of its own, built once per run.
func promqlBinary(t testing.TB) string {
	t.Helper()
	return buildOnce(t, "hack/promql", "GOWORK=off", "GOFLAGS=-mod=readonly")
}

// knownMetrics are the metric names the operator serves: its own, as defined in the Go source
// (histograms with their series suffixes), and controller-runtime's and client-go's as the
// README's Metrics section lists them (a trailing * is a family).
func knownMetrics(t testing.TB) func(string) bool {
	t.Helper()
	names := map[string]bool{}
	var prefixes []string
	defined := regexp.MustCompile(`Name:\s*"(ims_operator_[a-z_]+)"`)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == "bin" || d.Name() == "hack" || d.Name() == ".git") {
			if err == nil {
				err = filepath.SkipDir
			}
			return err
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			src, _ := os.ReadFile(path)
			for _, m := range defined.FindAllSubmatch(src, -1) {
				for _, suffix := range []string{"", "_bucket", "_count", "_sum"} {
					names[string(m[1])+suffix] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Metrics\n")
	section, _, _ = strings.Cut(section, "\n## ")
	for _, m := range regexp.MustCompile("`((?:controller_runtime|workqueue|rest_client|leader_election)_[a-z_*]*)").FindAllStringSubmatch(section, -1) {
		if name, family := strings.CutSuffix(m[1], "*"); family {
			prefixes = append(prefixes, name)
		} else {
			names[name] = true
		}
	}
	return func(name string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
		return names[name]
	}
}

// checkQueries fails on each expression that does not parse or reads a metric the operator
// does not serve; names[i] says where expression i comes from.
func checkQueries(t testing.TB, exprs, names []string, known func(string) bool) {
	t.Helper()
	for i, res := range promql(t, exprs) {
		if res.Error != "" {
			t.Errorf("%s: %s", names[i], res.Error)
		}
		for _, m := range res.Metrics {
			if !known(m) {
				t.Errorf("%s reads %s, which the operator does not serve", names[i], m)
			}
		}
	}
}

type prometheusRule struct {
	Spec struct {
		Groups []struct {
			Name  string
			Rules []struct {
				Alert       string
				Expr        string
				For         string
				Labels      map[string]string
				Annotations map[string]string
			}
		}
	}
}

// Each alert of config/prometheus/rules.yaml parses as PromQL, reads only metrics the operator
// serves, waits before firing, and carries a severity, a summary and a description; the four
// the operators asked for are there.
func TestPrometheusRules(t *testing.T) {
	var rule prometheusRule
	readYAML(t, filepath.Join(root, "config", "prometheus", "rules.yaml"), &rule)
	known := knownMetrics(t)
	var exprs, alerts []string
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, "alert "+r.Alert)
			exprs = append(exprs, r.Expr)
			if r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s lacks for, a severity label, or a summary or description annotation", r.Alert)
			}
		}
	}
	checkQueries(t, exprs, alerts, known)
	for _, want := range []string{"ImageQueryStalled", "ImageQuerySyncOverdue", "IMSThrottling", "ImageQueryLatestImageTooOld"} {
		if !strings.Contains(strings.Join(alerts, " "), want) {
			t.Errorf("no alert %s", want)
		}
	}
}

// The chart's PrometheusRule is config/prometheus/rules.yaml; only the latest-image age
// follows prometheusRule.latestImageMaxAgeDays.
func TestChartPrometheusRule(t *testing.T) {
	var config prometheusRule
	readYAML(t, filepath.Join(root, "config", "prometheus", "rules.yaml"), &config)
	render := func(args ...string) prometheusRule {
		for _, o := range helmTemplate(t, append([]string{"--set", "prometheusRule.enable=true"}, args...)...) {
			if o["kind"] == "PrometheusRule" {
				var r prometheusRule
				b, _ := json.Marshal(o)
				_ = json.Unmarshal(b, &r)
				return r
			}
		}
		t.Fatal("prometheusRule.enable=true renders no PrometheusRule")
		return prometheusRule{}
	}
	if got := render(); !reflect.DeepEqual(got.Spec, config.Spec) {
		t.Errorf("the chart's rules differ from config/prometheus/rules.yaml:\n%s\n%s", asYAML(got.Spec), asYAML(config.Spec))
	}
	got := render("--set", "prometheusRule.latestImageMaxAgeDays=30")
	if !strings.Contains(asYAML(got.Spec), "> 30 * 86400") {
		t.Errorf("latestImageMaxAgeDays=30 is not in the rules:\n%s", asYAML(got.Spec))
	}
}

// The Grafana dashboard is valid JSON whose every query parses and reads metrics the operator
// serves.
func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile("grafana/ims-operator.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("grafana/ims-operator.json: %v", err)
	}
	// Grafana's variables, as Grafana substitutes them before Prometheus sees the query.
	vars := strings.NewReplacer("$__rate_interval", "5m", "$namespace", ".*")
	var exprs, titles []string
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			exprs, titles = append(exprs, vars.Replace(target.Expr)), append(titles, "panel "+p.Title)
		}
	}
	checkQueries(t, exprs, titles, knownMetrics(t))
}

// `promtool test rules` (Prometheus' own, bin/promtool: `make promtool` builds it at hack/promql's
// pin) on config/prometheus/rules_test.yaml: every alert fires on series that should fire
// it, after its `for`, with the labels and annotations a receiver gets, and not on others.
func TestPrometheusRulesFire(t *testing.T) {
	var rule map[string]any
	readYAML(t, filepath.Join(root, "config", "prometheus", "rules.yaml"), &rule)
	dir := t.TempDir()
	// promtool reads Prometheus' rule files: the PrometheusRule's spec.
	groups, err := yaml.Marshal(rule["spec"])
	if err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "rules_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), groups, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules_test.yaml"), tests, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t, "promtool"), "test", "rules", filepath.Join(dir, "rules_test.yaml"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}
