package controllers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// The README documents every condition reason that alert rules may match on; the constants in
// api/v1alpha1/reasons.go are what the operator writes. The two must list the same names.
func TestReadmeReasonsMatchConstants(t *testing.T) {
	documented := readmeReasons(t)
	declared := map[string]bool{}
	for name, value := range stringConsts(t, "../api/v1alpha1/reasons.go", "Reason") {
		if name != "Reason"+value {
			t.Errorf("%s = %q: a reason constant is named Reason<value>", name, value)
		}
		declared[value] = true
	}
	for _, name := range slices.Sorted(maps.Keys(declared)) {
		if !documented[name] {
			t.Errorf("reason %s (api/v1alpha1/reasons.go) is not in the README's reason tables", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(documented)) {
		if !declared[name] {
			t.Errorf("the README documents reason %s, but api/v1alpha1/reasons.go has no Reason constant for it", name)
		}
	}
}

// Every event reason is named in the README's list of events.
func TestReadmeEventsMatchConstants(t *testing.T) {
	section := readmeSection(t, "## Conditions and reasons")
	_, events, ok := strings.Cut(section, "Events:")
	if !ok {
		t.Fatal("README's Conditions section has no \"Events:\" paragraph")
	}
	for name, value := range stringConsts(t, "../api/v1alpha1/reasons.go", "Event") {
		if !strings.Contains(events, "`"+value+"`") {
			t.Errorf("event reason %s (%s) is not in the README's Events paragraph", value, name)
		}
	}
}

// Each IMS error class has a reason of its own, and the README's Stalled column says what the
// class says: a retryable class is retried, any other stalls.
func TestClassReasons(t *testing.T) {
	stalled := readmeStalled(t)
	seen := map[string]ims.Class{}
	for name, value := range stringConsts(t, "../internal/ims/errors.go", "Class") {
		class := ims.Class(value)
		if class == ims.ClassCanceled {
			continue // a sync that is cancelled writes no condition
		}
		reason := failure.IMSReason(class)
		if reason == imsv1.ReasonListFailed {
			t.Errorf("ims.%s has no reason of its own", name)
			continue
		}
		if other, dup := seen[reason]; dup {
			t.Errorf("ims.%s and %q both map to %s", name, other, reason)
		}
		seen[reason] = class
		if want := !class.Retryable(); stalled[reason] != want {
			t.Errorf("README says %s stalls: %v; ims.%s.Retryable() = %v", reason, stalled[reason], name, class.Retryable())
		}
	}
	if failure.IMSReason("SomethingNew") != imsv1.ReasonListFailed {
		t.Error("an unknown class must map to ListFailed")
	}
}

// readmeReasons are the reasons in the Conditions section: the failure-reason table's first
// column, and the reasons the state table names for Ready, Reconciling and Stalled.
func readmeReasons(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for name := range readmeStalled(t) {
		names[name] = true
	}
	state := false
	for _, line := range strings.Split(readmeSection(t, "## Conditions and reasons"), "\n") {
		if strings.HasPrefix(line, "| state |") {
			state = true
			continue
		}
		if state && !strings.HasPrefix(line, "|") {
			break
		}
		if !state {
			continue
		}
		cells := strings.Split(line, "|") // "", state, Ready, Reconciling, Stalled, kstatus, ""
		if len(cells) < 5 {
			continue
		}
		for _, m := range regexp.MustCompile("`([A-Za-z]+)`").FindAllStringSubmatch(strings.Join(cells[2:5], "|"), -1) {
			if m[1] != "True" && m[1] != "False" && m[1] != "Unknown" {
				names[m[1]] = true
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("no reasons found in the README")
	}
	return names
}

// readmeStalled reads the failure-reason table: reason → its Stalled column says yes.
func readmeStalled(t *testing.T) map[string]bool {
	t.Helper()
	row := regexp.MustCompile("^\\| `([A-Za-z]+)` \\|.*\\| (yes|no) \\|$")
	out := map[string]bool{}
	for _, line := range strings.Split(readmeSection(t, "## Conditions and reasons"), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			out[m[1]] = m[2] == "yes"
		}
	}
	if len(out) == 0 {
		t.Fatal("no reason table (| `Reason` | cause | yes/no |) in the README")
	}
	return out
}

func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q section", heading)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	return section
}

// stringConsts reads the string constants named prefix* declared in a Go file: name → value.
func stringConsts(t *testing.T, path, prefix string) map[string]string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range spec.Names {
			lit, ok := valueAt(spec, i).(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING || !strings.HasPrefix(name.Name, prefix) {
				continue
			}
			value, _ := strconv.Unquote(lit.Value)
			out[name.Name] = value
		}
		return true
	})
	if len(out) == 0 {
		t.Fatalf("no %s* string constants in %s", prefix, path)
	}
	return out
}

func valueAt(spec *ast.ValueSpec, i int) ast.Expr {
	if i < len(spec.Values) {
		return spec.Values[i]
	}
	return nil
}
