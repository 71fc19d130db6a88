package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxTrackedFileBytes bounds what git tracks: anything larger is a build output or a data
// dump, not source.
const maxTrackedFileBytes = 2 << 20

// Nothing built is committed: no tracked file is a compiled executable, a file with the
// executable bit is a script (#!), and no file is over 2 MB.
func TestNoBuiltFileIsTracked(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "-s", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	for _, entry := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		meta, path, ok := strings.Cut(entry, "\t")
		if !ok {
			continue
		}
		mode := strings.Fields(meta)[0]
		if mode == "120000" || mode == "160000" { // symlink, submodule
			continue
		}
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > maxTrackedFileBytes {
			t.Errorf("%s is %d bytes, over %d: build outputs and data dumps stay out of git", path, len(b), maxTrackedFileBytes)
		}
		if binaryExecutable(b) {
			t.Errorf("%s is a compiled executable: build into bin/ (go build -o bin/...)", path)
		}
		if mode == "100755" && !bytes.HasPrefix(b, []byte("#!")) {
			t.Errorf("%s has the executable bit but is not a script", path)
		}
	}
}

// binaryExecutable recognises ELF, Mach-O and PE files by their magic numbers.
func binaryExecutable(b []byte) bool {
	for _, magic := range [][]byte{
		{0x7f, 'E', 'L', 'F'},
		{0xcf, 0xfa, 0xed, 0xfe}, {0xce, 0xfa, 0xed, 0xfe}, {0xca, 0xfe, 0xba, 0xbe},
		{'M', 'Z'},
	} {
		if bytes.HasPrefix(b, magic) {
			return true
		}
	}
	return false
}

// What `go build ./hack/x` (or ./cmd/x, or . at the root) writes at the root is ignored, so
// that it can never be committed by accident. Folders with a go.mod of their own are other
// modules: a build at the root does not reach them.
func TestEveryCommandsBuildOutputIsIgnored(t *testing.T) {
	if _, err := exec.Command("git", "rev-parse", "--git-dir").Output(); err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	names := []string{"ims-operator"} // the root package: named after the module
	for _, dir := range []string{"cmd", "hack"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // a module of its own: go build at the root does not reach it
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.HasPrefix(b, []byte("package main")) || bytes.Contains(b, []byte("\npackage main")) {
				names = append(names, filepath.Base(filepath.Dir(path)))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range names {
		if err := exec.Command("git", "check-ignore", "-q", "--no-index", name).Run(); err != nil {
			t.Errorf("./%s (what go build writes for the command %s) is not ignored: add /%s to .gitignore", name, name, name)
		}
	}
}
