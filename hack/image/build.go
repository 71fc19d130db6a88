package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// nonroot is distroless' unprivileged user and group.
const nonroot = "65532:65532"

// build writes an OCI image layout holding an index of one image per os/arch=binary, the binary
// at entrypoint.
func build(out, entrypoint string, labels map[string]string, binaries []string) error {
	if !strings.HasPrefix(entrypoint, "/") || strings.Count(entrypoint, "/") != 1 {
		return fmt.Errorf("-entrypoint %q: want a file at the image's root, such as /manager", entrypoint)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arg := range binaries {
		platform, binary, ok := strings.Cut(arg, "=")
		goos, goarch, ok2 := strings.Cut(platform, "/")
		if !ok || !ok2 {
			return fmt.Errorf("want os/arch=binary, got %q", arg)
		}
		img, err := image(goos, goarch, binary, entrypoint, labels)
		if err != nil {
			return fmt.Errorf("%s: %w", platform, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: goos, Architecture: goarch}},
		})
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	p, err := layout.Write(out, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendIndex(idx)
}

// image is one platform's image: the binary as entrypoint on an empty base.
func image(goos, goarch, binary, entrypoint string, labels map[string]string) (v1.Image, error) {
	content, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar(entrypoint[1:], content))), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, History: v1.History{
		CreatedBy: "hack/image build: " + entrypoint, Created: v1.Time{Time: epoch},
	}})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = goos, goarch
	cfg.Created = v1.Time{Time: epoch}
	cfg.Config.User = nonroot
	cfg.Config.Entrypoint = []string{entrypoint}
	cfg.Config.WorkingDir = "/"
	cfg.Config.Labels = labels
	return mutate.ConfigFile(img, cfg)
}

// epoch makes the image reproducible: the same binaries give the same digest.
var epoch = time.Unix(0, 0).UTC()

// layerTar is a tar of the binary as /name, owned by root and not writable, so the non-root
// process cannot change it.
func layerTar(name string, binary []byte) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o555, Size: int64(len(binary)), ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX})
	_, _ = tw.Write(binary)
	_ = tw.Close()
	return b.Bytes()
}
