package dist

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ociLayout reads the OCI image layout that `make image` writes to bin/image.
type ociLayout struct {
	t   testing.TB
	dir string
}

type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	Platform  *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
	} `json:"platform"`
}

type manifest struct {
	MediaType string       `json:"mediaType"`
	Manifests []descriptor `json:"manifests"`
	Config    descriptor   `json:"config"`
	Layers    []descriptor `json:"layers"`
}

type imageConfig struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Config       struct {
		User       string            `json:"User"`
		Entrypoint []string          `json:"Entrypoint"`
		Labels     map[string]string `json:"Labels"`
	} `json:"config"`
}

// blob reads a blob and checks it against its digest and size.
func (l ociLayout) blob(d descriptor) []byte {
	l.t.Helper()
	algo, hexDigest, _ := strings.Cut(d.Digest, ":")
	b, err := os.ReadFile(filepath.Join(l.dir, "blobs", algo, hexDigest))
	if err != nil {
		l.t.Fatal(err)
	}
	if sum := sha256.Sum256(b); algo != "sha256" || hex.EncodeToString(sum[:]) != hexDigest || int64(len(b)) != d.Size {
		l.t.Fatalf("blob %s does not match its descriptor", d.Digest)
	}
	return b
}

func (l ociLayout) json(d descriptor, into any) {
	l.t.Helper()
	if err := json.Unmarshal(l.blob(d), into); err != nil {
		l.t.Fatalf("%s: %v", d.Digest, err)
	}
}

// The image `make image` builds: one index with linux/amd64 and linux/arm64, each a static
// binary of that architecture as the only file, run as 65532 with /manager as entrypoint and
// the OCI source and version labels; the amd64 binary runs here and prints its version.
func TestImageLayout(t *testing.T) {
	dir := filepath.Dir(built(t, filepath.Join(root, "bin", "image", "index.json")))
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	l := ociLayout{t, dir}
	var outer manifest
	if err := json.Unmarshal(raw, &outer); err != nil || len(outer.Manifests) != 1 {
		t.Fatalf("bin/image/index.json should point at one image index: %v %s", err, raw)
	}
	var index manifest
	l.json(outer.Manifests[0], &index)
	if index.MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Errorf("media type %q, want an OCI image index", index.MediaType)
	}
	var platforms []string
	for _, d := range index.Manifests {
		if d.Platform == nil {
			t.Fatalf("index entry %s names no platform", d.Digest)
		}
		platform := d.Platform.OS + "/" + d.Platform.Architecture
		platforms = append(platforms, platform)
		t.Run(platform, func(t *testing.T) {
			l := ociLayout{t, dir}
			checkPlatformImage(t, l, d, d.Platform.OS, d.Platform.Architecture)
		})
	}
	slices.Sort(platforms)
	if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("platforms %v, want linux/amd64 and linux/arm64", platforms)
	}
}

func checkPlatformImage(t *testing.T, l ociLayout, d descriptor, goos, goarch string) {
	var m manifest
	l.json(d, &m)
	var cfg imageConfig
	l.json(m.Config, &cfg)
	if cfg.OS != goos || cfg.Architecture != goarch {
		t.Errorf("config says %s/%s", cfg.OS, cfg.Architecture)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532 (non-root)", cfg.Config.User)
	}
	if !slices.Equal(cfg.Config.Entrypoint, []string{"/manager"}) {
		t.Errorf("entrypoint %v, want [/manager]", cfg.Config.Entrypoint)
	}
	version := cfg.Config.Labels["org.opencontainers.image.version"]
	if src := cfg.Config.Labels["org.opencontainers.image.source"]; src != "https://github.com/imagecatalog/ims-operator" || version == "" {
		t.Errorf("labels %v lack the source or the version", cfg.Config.Labels)
	}

	files := map[string][]byte{}
	var size int64
	for _, layer := range m.Layers {
		size += layer.Size
		for name, content := range untar(t, l.blob(layer)) {
			files[name] = content
		}
	}
	t.Logf("%s/%s: %d layer(s), %.1f MiB compressed, manager %.1f MiB", goos, goarch, len(m.Layers),
		float64(size)/(1<<20), float64(len(files["manager"]))/(1<<20))
	if len(files) != 1 || files["manager"] == nil {
		t.Fatalf("the image should hold /manager only (no shell, no OS), holds %v", slices.Collect(maps.Keys(files)))
	}
	bin := filepath.Join(t.TempDir(), "manager")
	if err := os.WriteFile(bin, files["manager"], 0o755); err != nil {
		t.Fatal(err)
	}
	checkStaticBinary(t, bin, goarch)
	if goarch != "amd64" {
		return
	}
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	if !bytes.Contains(out, []byte("ims-operator "+version+"\n")) || !bytes.Contains(out, []byte("-default-region")) {
		t.Errorf("the image's manager --help does not print version %s and the flags:\n%s", version, out)
	}
}

// untar reads a gzip-compressed layer: regular files by name; anything else fails the test.
func untar(t testing.TB, layer []byte) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(layer))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			t.Errorf("layer holds %s of type %c", h.Name, h.Typeflag)
			continue
		}
		if h.Mode&0o222 != 0 {
			t.Errorf("%s is writable (mode %o)", h.Name, h.Mode)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimPrefix(h.Name, "/")] = b
	}
}

// checkStaticBinary: an ELF executable of the architecture, with no dynamic loader (the image
// has no libc).
func checkStaticBinary(t testing.TB, path, goarch string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("/manager is not an ELF binary: %v", err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[goarch]
	if f.Machine != want {
		t.Errorf("/manager is built for %v, want %v", f.Machine, want)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("/manager is dynamically linked")
		}
	}
}
