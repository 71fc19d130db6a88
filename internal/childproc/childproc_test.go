package childproc

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// A child's output lands in its log; Stop ends it (and its own children: the process group)
// with SIGTERM.
func TestStartLogAndStop(t *testing.T) {
	p, err := Start("sh", t.TempDir(), CleanEnv(), "/bin/sh", "-c", "echo one; echo two; sleep 60 & wait")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.LogTail(1) != "two" {
		if time.Now().After(deadline) {
			t.Fatalf("log tail %q, want %q", p.LogTail(1), "two")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := p.LogTail(5); got != "one\ntwo" {
		t.Errorf("LogTail(5) = %q", got)
	}
	if p.Exited() {
		t.Fatal("exited before Stop")
	}
	p.Stop(5 * time.Second)
	if !p.Exited() || p.Err() == nil {
		t.Errorf("after Stop: exited %v, err %v; want a signal exit", p.Exited(), p.Err())
	}
}

// Kill ends the child at once, as a crash would.
func TestKill(t *testing.T) {
	p, err := Start("sleep", t.TempDir(), CleanEnv(), "/bin/sleep", "60")
	if err != nil {
		t.Fatal(err)
	}
	p.Kill()
	if !p.Exited() || !strings.Contains(p.Err().Error(), "killed") {
		t.Errorf("after Kill: exited %v, err %v", p.Exited(), p.Err())
	}
}

// A child never inherits what could point it at a real cluster or real cloud credentials.
func TestCleanEnv(t *testing.T) {
	t.Setenv("KUBECONFIG", "/real/cluster")
	t.Setenv("HUAWEICLOUD_SDK_AK", "real-key")
	t.Setenv("IMS_SIM_AK", "sim-key")
	env := CleanEnv("EXTRA=1")
	for _, kv := range env {
		if strings.HasPrefix(kv, "KUBECONFIG=") || strings.HasPrefix(kv, "HUAWEICLOUD_SDK_") || strings.HasPrefix(kv, "IMS_SIM_") {
			t.Errorf("CleanEnv kept %s", kv)
		}
	}
	if !slices.Contains(env, "EXTRA=1") {
		t.Error("CleanEnv dropped the extra variable")
	}
}
