package dist

import (
	"bytes"
	"os/exec"
	"sync"
	"testing"
)

var (
	helpOnce    sync.Once
	managerHelp []byte
)

// managerBinary is the manager built from main.go, once per test run.
func managerBinary(t testing.TB) string {
	t.Helper()
	return buildOnce(t, ".")
}

// managerHasFlag says whether the manager defines --name.
func managerHasFlag(t testing.TB, name string) bool {
	t.Helper()
	bin := managerBinary(t)
	helpOnce.Do(func() {
		managerHelp, _ = exec.Command(bin, "--help").CombinedOutput() // usage goes to stderr
	})
	if !bytes.Contains(managerHelp, []byte("-default-region")) {
		t.Fatalf("manager --help printed no flags:\n%s", managerHelp)
	}
	return bytes.Contains(managerHelp, []byte("  -"+name+" ")) || bytes.Contains(managerHelp, []byte("  -"+name+"\n"))
}
