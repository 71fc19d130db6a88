package dist

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	managerOnce sync.Once
	managerPath string
	managerErr  error
	managerHelp []byte
)

// managerBinary builds the manager from main.go once per test run.
func managerBinary(t testing.TB) string {
	t.Helper()
	managerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ims-dist-manager-")
		if err != nil {
			managerErr = err
			return
		}
		managerPath = filepath.Join(dir, "manager")
		if _, managerErr = runErr("go", "build", "-o", managerPath, "."); managerErr != nil {
			return
		}
		// The flag package prints the usage on stderr.
		managerHelp, _ = exec.Command(managerPath, "--help").CombinedOutput()
	})
	if managerErr != nil {
		t.Fatal(managerErr)
	}
	return managerPath
}

// removeManager removes the built manager at the end of the run.
func removeManager() {
	if managerPath != "" {
		_ = os.RemoveAll(filepath.Dir(managerPath))
	}
}

// managerHasFlag says whether the manager defines --name.
func managerHasFlag(t testing.TB, name string) bool {
	t.Helper()
	managerBinary(t)
	if !bytes.Contains(managerHelp, []byte("-default-region")) {
		t.Fatalf("manager --help printed no flags:\n%s", managerHelp)
	}
	return bytes.Contains(managerHelp, []byte("  -"+name+" ")) || bytes.Contains(managerHelp, []byte("  -"+name+"\n"))
}
