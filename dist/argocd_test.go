package dist

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

// The Argo CD health check in Argo CD's own layout (resource_customizations/<group>/<kind>/),
// so it can be contributed upstream: each case of health_test.yaml, run as Argo CD runs it
// (gopher-lua, the object as a Lua table named obj), gives the expected status and message.
// The README shows the same script for argocd-cm.
const healthDir = "argocd/ims.imagecatalog.io/ImageQuery"

func TestArgoCDHealthCheck(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(healthDir, "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	var cases struct {
		Tests []struct {
			HealthStatus struct{ Status, Message string } `json:"healthStatus"`
			InputPath    string                           `json:"inputPath"`
		} `json:"tests"`
	}
	readYAML(t, filepath.Join(healthDir, "health_test.yaml"), &cases)
	statuses := map[string]bool{}
	for _, c := range cases.Tests {
		var obj any
		readYAML(t, filepath.Join(healthDir, c.InputPath), &obj)
		status, message := runHealth(t, string(script), obj)
		statuses[status] = true
		if status != c.HealthStatus.Status || message != c.HealthStatus.Message {
			t.Errorf("%s: got %s %q, want %s %q", c.InputPath, status, message, c.HealthStatus.Status, c.HealthStatus.Message)
		}
	}
	for _, s := range []string{"Healthy", "Degraded", "Progressing", "Suspended"} {
		if !statuses[s] {
			t.Errorf("no case of health_test.yaml ends %s", s)
		}
	}
}

// The README's argocd-cm snippet is health.lua, indented.
func TestReadmeShowsTheHealthCheck(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(healthDir, "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var indented strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimRight(string(script), "\n"), "\n") {
		indented.WriteString("    " + line)
	}
	want := "resource.customizations.health.ims.imagecatalog.io_ImageQuery: |\n" + indented.String() + "\n```"
	if !strings.Contains(string(readme), want) {
		t.Errorf("README's Argo CD health check is not %s (indented by four spaces under the argocd-cm key)", filepath.Join("dist", healthDir, "health.lua"))
	}
}

// runHealth runs an Argo CD health script on obj and returns hs.status and hs.message.
func runHealth(t testing.TB, script string, obj any) (string, string) {
	t.Helper()
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	// Argo CD opens the base, table, string and math libraries only.
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(script); err != nil {
		t.Fatalf("health.lua: %v", err)
	}
	hs, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("health.lua returned %v, want a table", L.Get(-1))
	}
	return lua.LVAsString(hs.RawGetString("status")), lua.LVAsString(hs.RawGetString("message"))
}

// toLua converts decoded YAML/JSON as Argo CD does: objects and arrays become tables (arrays
// 1-based), numbers Lua numbers.
func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []any:
		t := L.NewTable()
		for _, e := range v {
			t.Append(toLua(L, e))
		}
		return t
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	default:
		return lua.LNil
	}
}

func readYAML(t testing.TB, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
