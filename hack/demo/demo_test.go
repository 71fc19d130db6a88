package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/testenv"
)

// TestDemo runs the demo as `make demo` does, twice at once: one run that keeps going (as a
// user leaves it), and a DEMO_ONCE=1 run beside it, which must not disturb the first. Both must
// show every sample Ready and selector queries with rows, and leave no process and no temp
// folder behind: the DEMO_ONCE one on its own, the other on SIGTERM.
func TestDemo(t *testing.T) {
	assets := testenv.Integration(t)
	bin := buildDemo(t)
	demoCmd := func(once bool) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, "ims-demo"), "--root=../..", "--k8s="+assets,
			"--manager="+filepath.Join(bin, "manager"), "--simulator="+filepath.Join(bin, "ims-simulator"))
		cmd.Env = append(os.Environ(), "DEMO_ONCE=")
		if once {
			cmd.Env = append(cmd.Env, "DEMO_ONCE=1")
		}
		return cmd
	}

	// The long-running demo, as a user starts it.
	first := demoCmd(false)
	firstOut := &syncBuffer{}
	first.Stdout, first.Stderr = firstOut, firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	firstDone := make(chan error, 1)
	go func() { firstDone <- first.Wait() }()
	defer func() { // on failure, never leave it running
		_ = first.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-firstDone:
			_ = err // it was told to stop: how it exited does not matter here
		case <-time.After(time.Minute):
			_ = first.Process.Kill()
		}
	}()
	deadline := time.After(5 * time.Minute)
	for !strings.Contains(firstOut.String(), "Press Ctrl-C") {
		select {
		case err := <-firstDone:
			firstDone <- err
			t.Fatalf("the demo exited before it was ready: %v\n%s", err, firstOut)
		case <-deadline:
			t.Fatalf("the demo was not ready after 5 minutes:\n%s", firstOut)
		case <-time.After(500 * time.Millisecond):
		}
	}
	checkOutput(t, "running demo", firstOut.String())

	// A second demo while the first runs, exiting after printing.
	second := demoCmd(true)
	out, err := second.CombinedOutput()
	if err != nil {
		t.Fatalf("DEMO_ONCE=1 demo: %v\n%s", err, out)
	}
	checkOutput(t, "DEMO_ONCE=1 demo", string(out))
	checkNothingLeft(t, "DEMO_ONCE=1 demo", string(out))

	// The first one still works, and stops cleanly on SIGTERM.
	kubeconfig := match(t, firstOut.String(), `kubeconfig:\s+(\S+)`)
	get := exec.Command(filepath.Join(assets, "kubectl"), "get", "imagequeries",
		"-o", `jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`)
	get.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "KUBECACHEDIR="+t.TempDir())
	if out, err := get.CombinedOutput(); err != nil || strings.Count(string(out), "=True") != len(sampleQueries(t)) {
		t.Errorf("the first demo's ImageQueries after the second demo ran: %v\n%s", err, out)
	}
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-firstDone:
		firstDone <- err
		if err != nil {
			t.Errorf("the demo exited with %v on SIGTERM:\n%s", err, firstOut)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("the demo did not stop within 2 minutes of SIGTERM:\n%s", firstOut)
	}
	checkNothingLeft(t, "running demo", firstOut.String())
}

// checkOutput checks what the demo printed: every sample Ready, and rows from the selectors.
func checkOutput(t *testing.T, name, out string) {
	t.Helper()
	queries := section(t, out, "get imagequeries")
	for _, q := range sampleQueries(t) {
		if row := rowOf(queries, q); column(queries, row, "READY") != "True" {
			t.Errorf("%s: ImageQuery %s is not shown Ready:\n%s", name, q, strings.Join(queries, "\n"))
		}
	}
	checks := []struct{ cmd, column, want string }{
		{"-l ims.imagecatalog.io/platform=Ubuntu,ims.imagecatalog.io/architecture=x86", "PLATFORM", "Ubuntu"},
		{"-l ims.imagecatalog.io/platform=Ubuntu,ims.imagecatalog.io/architecture=x86", "ARCH", "x86"},
		{"--field-selector image.platform=CentOS", "PLATFORM", "CentOS"},
	}
	for _, c := range checks {
		table := section(t, out, c.cmd)
		if len(table) < 2 {
			t.Errorf("%s: `%s` returned no rows:\n%s", name, c.cmd, strings.Join(table, "\n"))
		}
		for row := 1; row < len(table); row++ {
			if got := column(table, row, c.column); got != c.want {
				t.Errorf("%s: `%s` row %d has %s %q, want %q", name, c.cmd, row, c.column, got, c.want)
			}
		}
	}
	if len(section(t, out, "get cloudimages -L")) < 2 {
		t.Errorf("%s: no CloudImages listed", name)
	}
	// The exported ConfigMap holds the highest soaked Ubuntu LTS version of the catalog.
	exported := strings.Join(section(t, out, "get configmap ubuntu-lts-image -o yaml"), "\n")
	for _, want := range []string{"imageName: Ubuntu 22.04 server 64bit", "app.kubernetes.io/managed-by: ims-operator", "kind: ImageQuery"} {
		if !strings.Contains(exported, want) {
			t.Errorf("%s: the exported ConfigMap lacks %q:\n%s", name, want, exported)
		}
	}
	checkPicking(t, name, out, queries)
	match(t, out, `(?m)^KUBECONFIG=\S+/kubeconfig \S*kubectl get imagecatalog$`)
}

// checkPicking checks what the demo shows of picking: no query's LATEST is an image that
// cannot boot (not active, or off-shelved, in the simulator's catalog), capi-node-images has
// one latest per architecture, each of that architecture's family, and exactly one CloudImage
// carries its chosen-image label: the one its status names.
func checkPicking(t *testing.T, name, out string, queries []string) {
	t.Helper()
	unusable := map[string]bool{}
	for _, img := range imssim.DefaultCatalog() {
		if img["status"] != "active" || img["__is_offshelved"] == "true" {
			unusable[img["name"].(string)] = true
		}
	}
	if len(unusable) == 0 {
		t.Fatal("the default catalog has no unusable image: the check proves nothing")
	}
	for row := 1; row < len(queries); row++ {
		if latest := column(queries, row, "LATEST"); latest == "" || unusable[latest] {
			t.Errorf("%s: LATEST %q cannot boot:\n%s", name, latest, queries[row])
		}
	}
	variants := section(t, out, "get imagequery capi-node-images -o")
	perArch := map[string]string{}
	for _, l := range variants {
		variant, image, _ := strings.Cut(l, ": ")
		perArch[variant] = image
	}
	if len(perArch) != 2 || !strings.HasPrefix(perArch["arm"], "caphw-hwi-2204-arm64-v1.32.") ||
		!regexp.MustCompile(`^caphw-hwi-2204-v1\.32\.`).MatchString(perArch["x86"]) {
		t.Errorf("%s: capi-node-images' latest per architecture:\n%s", name, strings.Join(variants, "\n"))
	}
	chosen := section(t, out, "get cloudimages -l latest.ims.imagecatalog.io/capi-node-images=true")
	if len(chosen) != 2 || column(queries, rowOf(queries, "capi-node-images"), "LATEST") != column(chosen, 1, "IMAGE NAME") {
		t.Errorf("%s: the CloudImages with the chosen-image label:\n%s", name, strings.Join(chosen, "\n"))
	}
	mirrored := section(t, out, "get cloudimages -l query.ims.imagecatalog.io/capi-node-images=true")
	var queued int
	var active []string
	for row := 1; row < len(mirrored); row++ {
		switch column(mirrored, row, "STATUS") {
		case "queued":
			queued++
		case "active":
			active = append(active, column(mirrored, row, "NAME"))
		}
		if !strings.HasPrefix(column(mirrored, row, "KUBERNETES_VERSION"), "v1.32.") {
			t.Errorf("%s: capi-node-images row without its kubernetes_version tag label: %s", name, mirrored[row])
		}
	}
	if queued != 1 {
		t.Errorf("%s: capi-node-images mirrors %d queued images, want the one still uploading:\n%s", name, queued, strings.Join(mirrored, "\n"))
	}
	// kubectl sorts by name, the export by ID: the same order.
	if allowed := section(t, out, "get configmap capi-node-image"); len(allowed) != 1 || allowed[0] != strings.Join(active, " ") {
		t.Errorf("%s: the export's allowedImageIDs %q, want the active images %v", name, allowed, active)
	}
}

// checkNothingLeft checks that every process the demo reported has gone, and its temp folder.
func checkNothingLeft(t *testing.T, name, out string) {
	t.Helper()
	pids := match(t, out, `processes:\s+(.+)`)
	for _, want := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "ims-simulator", "manager"} {
		if !strings.Contains(pids, want+"=") {
			t.Errorf("%s: no PID reported for %s: %s", name, want, pids)
		}
	}
	for _, kv := range strings.Fields(pids) {
		_, v, _ := strings.Cut(kv, "=")
		pid, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s: bad PID in %q", name, pids)
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s: %s is still running after the demo ended (kill -0: %v)", name, kv, err)
		}
	}
	tmp := match(t, out, `temp folder:\s+(\S+)`)
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s: temp folder %s left behind (%v)", name, tmp, err)
	}
}

// sampleQueries are the names of the ImageQueries in config/samples.
func sampleQueries(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join("..", "..", "config", "samples")
	kustomization, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, file := range regexp.MustCompile(`(?m)^- (\S+\.yaml)$`).FindAllStringSubmatch(string(kustomization), -1) {
		b, err := os.ReadFile(filepath.Join(dir, file[1]))
		if err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`(?m)^kind: ImageQuery$`).Match(b) {
			names = append(names, regexp.MustCompile(`(?m)^  name: (\S+)$`).FindStringSubmatch(string(b))[1])
		}
	}
	if len(names) == 0 {
		t.Fatal("no ImageQuery found in config/samples")
	}
	return names
}

// section is the output of the printed command that contains cmd: the lines after its "$ "
// line, up to the first empty line.
func section(t *testing.T, out, cmd string) []string {
	t.Helper()
	var lines []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		switch line := sc.Text(); {
		case strings.HasPrefix(line, "$ "):
			in = !in && strings.Contains(line, cmd)
		case in && line == "":
			return lines
		case in:
			lines = append(lines, line)
		}
	}
	if !in {
		t.Fatalf("the output has no `%s`:\n%s", cmd, out)
	}
	return lines
}

func rowOf(table []string, name string) int {
	for i, line := range table {
		if strings.HasPrefix(line, name+" ") {
			return i
		}
	}
	return -1
}

// column reads a cell of a kubectl table by the header's offsets (cells may contain spaces).
func column(table []string, row int, header string) string {
	if row < 1 || row >= len(table) {
		return ""
	}
	start := strings.Index(table[0], header)
	if start < 0 || start >= len(table[row]) {
		return ""
	}
	cell, _, _ := strings.Cut(table[row][start:], "  ")
	return strings.TrimSpace(cell)
}

func match(t *testing.T, out, expr string) string {
	t.Helper()
	m := regexp.MustCompile(expr).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the output has no match for %s:\n%s", expr, out)
	}
	return m[len(m)-1]
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// buildDemo builds the manager, the simulator and the demo into a temporary folder.
func buildDemo(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	for _, b := range [][2]string{
		{"manager", "github.com/imagecatalog/ims-operator"},
		{"ims-simulator", "github.com/imagecatalog/ims-operator/cmd/ims-simulator"},
		{"ims-demo", "github.com/imagecatalog/ims-operator/hack/demo"},
	} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, b[0]), b[1]).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	return bin
}

// With DEMO_ONCE=1 a failure is a non-zero exit, and the demo still cleans up after itself:
// here the manager refuses to start.
func TestDemoFailsLoudlyAndCleansUp(t *testing.T) {
	assets := testenv.Integration(t)
	bin := buildDemo(t)
	broken := filepath.Join(bin, "broken-manager")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\necho 'broken manager: refusing to start' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "ims-demo"), "--root=../..", "--k8s="+assets,
		"--manager="+broken, "--simulator="+filepath.Join(bin, "ims-simulator"), "--ready-timeout=30s")
	cmd.Env = append(os.Environ(), "DEMO_ONCE=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("a demo whose manager fails exited with %v, want a non-zero status:\n%s", err, out)
	}
	tmp := match(t, string(out), `temp folder:\s+(\S+)`)
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp folder %s left behind after a failure (%v)", tmp, err)
	}
}
