package testnode

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// pushPauseImage builds hack/pause into an image with hack/image (the manager's image tooling,
// a static binary on an empty base, user 65532) and pushes it to the registry as the sandbox
// image.
func (n *Node) pushPauseImage() error {
	dir := filepath.Join(n.Dir, "pause")
	bin := filepath.Join(dir, "pause")
	if err := n.run(n.opts.RepoDir, []string{"CGO_ENABLED=0"}, "go", "build", "-trimpath", "-o", bin, "./hack/pause"); err != nil {
		return err
	}
	layout := filepath.Join(dir, "image")
	n.PauseImage = n.Registry + "/pause:node-test"
	tool := filepath.Join(n.opts.RepoDir, "hack", "image")
	env := []string{"GOWORK=off", "GOFLAGS=-mod=readonly"}
	if err := n.run(tool, env, "go", "run", ".", "build", "-entrypoint", "/pause", "-title", "pause",
		"-description", "The node tests' sandbox image", "-version", "node-test", "-out", layout,
		runtime.GOOS+"/"+runtime.GOARCH+"="+bin); err != nil {
		return err
	}
	return n.run(tool, env, "go", "run", ".", "push", "-layout", layout, n.PauseImage)
}

// PushManagerImage runs `make image-push` for this machine's platform to the registry, as a
// user pushes the manager's image to theirs, and returns the image reference.
func (n *Node) PushManagerImage(tag string) (string, error) {
	ref := n.Registry + "/ims-operator:" + tag
	layout := filepath.Join(n.Dir, "image-"+tag)
	err := n.run(n.opts.RepoDir, nil, "make", "--no-print-directory", "image-push", "IMAGE="+ref,
		"PLATFORMS="+runtime.GOOS+"/"+runtime.GOARCH, "IMAGE_LAYOUT="+layout, "VERSION="+tag)
	return ref, err
}

// run runs a build step in dir, its output going to LogDir/build.log.
func (n *Node) run(dir string, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if f, ferr := os.OpenFile(filepath.Join(n.LogDir, "build.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); ferr == nil {
		fmt.Fprintf(f, "$ (cd %s && %s %s)\n%s\n", dir, name, strings.Join(args, " "), out)
		_ = f.Close()
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// logger is a log.Logger to LogDir/<name>.log, for what runs in the test process.
func (n *Node) logger(name string) *log.Logger {
	f, err := os.Create(filepath.Join(n.LogDir, name+".log"))
	if err != nil {
		return log.New(os.Stderr, name+": ", log.LstdFlags)
	}
	n.onStop(f.Close)
	return log.New(f, "", log.LstdFlags|log.Lmicroseconds)
}
