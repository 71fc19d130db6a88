package main

import (
	"github.com/imagecatalog/ims-operator/internal/controlplane"

	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/childproc"
)

// kubectl runs bin/k8s/kubectl against the demo's cluster and prints the command, as a user
// would paste it, then its output (at most head lines when head > 0).
func (d *demo) kubectl(ctx context.Context, head int, args ...string) error {
	line := "$ " + shellJoin(append([]string{d.kubectlPath}, args...))
	if head > 0 {
		line += fmt.Sprintf(" | head -n %d", head)
	}
	fmt.Fprintln(d.out, line)
	out, err := d.kubectlOutput(ctx, args...)
	if head > 0 {
		if lines := strings.SplitAfter(out, "\n"); len(lines) > head {
			out = strings.Join(lines[:head], "")
		}
	}
	fmt.Fprint(d.out, out)
	fmt.Fprintln(d.out)
	if err != nil {
		return fmt.Errorf("%s: %w", strings.TrimPrefix(line, "$ "), err)
	}
	return nil
}

// kubectlOutput runs kubectl quietly and returns its combined output.
func (d *demo) kubectlOutput(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, d.kubectlPath, args...)
	// KUBECACHEDIR keeps kubectl's discovery cache in the temp folder, not in ~/.kube/cache.
	cmd.Env = childproc.CleanEnv("KUBECONFIG="+d.kubeconfig, "KUBECACHEDIR="+filepath.Join(d.tmp, "kube-cache"))
	cmd.SysProcAttr = controlplane.ProcAttr()
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

// show prints what a user wants to see once every sample is Ready: the queries, the images
// with a few labels as columns, the two kinds of query another controller would make, and the
// ConfigMap a query exports for tools that read ConfigMaps.
func (d *demo) show(ctx context.Context) error {
	d.section("What the operator made")
	steps := []struct {
		head int
		args []string
	}{
		{0, []string{"get", "imagequeries"}},
		{15, []string{"get", "cloudimages", "-L", "ims.imagecatalog.io/platform,ims.imagecatalog.io/image-type,ims.imagecatalog.io/visibility"}},
		{0, []string{"get", "cloudimages", "-l", "ims.imagecatalog.io/platform=Ubuntu,ims.imagecatalog.io/architecture=x86"}},
		{0, []string{"get", "cloudimages", "--field-selector", "image.platform=CentOS"}},
		// The sample ubuntu-lts exports its latest image (minAge, latestBy, exclude) here.
		{0, []string{"get", "configmap", "ubuntu-lts-image", "-o", "yaml"}},
		// capi-node-images: one latest per architecture among image-builder's builds, their tags
		// as labels (the newest x86 build, still queued, is mirrored but never picked), the one
		// CloudImage carrying the chosen-image label, and the allow list for admission policies.
		{0, []string{"get", "imagequery", "capi-node-images", "-o",
			`jsonpath={range .status.latestImages[*]}{.variant}{": "}{.image.name}{" ("}{.image.id}{")\n"}{end}`}},
		{0, []string{"get", "cloudimages", "-l", imsv1.QueryLabel("capi-node-images") + "=true",
			"-L", imsv1.TagLabel("kubernetes_version") + "," + imsv1.TagLabel("containerd_version")}},
		{0, []string{"get", "cloudimages", "-l", imsv1.LatestLabel("capi-node-images") + "=true"}},
		{0, []string{"get", "configmap", "capi-node-image", "-o", `jsonpath={.data.allowedImageIDs}{"\n"}`}},
	}
	for _, s := range steps {
		if err := d.kubectl(ctx, s.head, s.args...); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) section(title string) {
	fmt.Fprintf(d.out, "\n==> %s\n", title)
}

func (d *demo) info(format string, args ...any) {
	fmt.Fprintf(d.out, "    "+format+"\n", args...)
}

// shellJoin quotes the words that need it, so that a printed command can be pasted.
func shellJoin(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		if w != "" && strings.IndexFunc(w, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=,:@%+", r))
		}) < 0 {
			quoted[i] = w
		} else {
			quoted[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
	}
	return strings.Join(quoted, " ")
}
