// Command image assembles the manager's image from binaries built by hack/build-manager.sh:
//
//	go run . build -version v0.1.0 -out ../../bin/image linux/amd64=<binary> linux/arm64=<binary>
//	go run . push -layout ../../bin/image <registry>/ims-operator:<tag>
//
// -entrypoint puts another program in the image (the node tests' pause image).
//
// The image holds one file, /manager, a static binary that embeds its CA roots; it runs as
// 65532:65532 (the "nonroot" user of distroless) and has no shell. `make image` and
// `make image-push` run it.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "build":
		fs := flag.NewFlagSet("build", flag.ExitOnError)
		version := fs.String("version", "dev", "image and binary version (org.opencontainers.image.version)")
		revision := fs.String("revision", "", "source revision (org.opencontainers.image.revision)")
		source := fs.String("source", "https://github.com/imagecatalog/ims-operator", "org.opencontainers.image.source")
		out := fs.String("out", "", "OCI image layout folder to write (replaced)")
		entrypoint := fs.String("entrypoint", "/manager", "where the binary goes in the image, run as its entrypoint")
		title := fs.String("title", "ims-operator", "org.opencontainers.image.title")
		description := fs.String("description", "Mirrors a Huawei Cloud IMS image catalog into Kubernetes", "org.opencontainers.image.description")
		_ = fs.Parse(os.Args[2:])
		if *out == "" || fs.NArg() == 0 {
			usage()
		}
		err = build(*out, *entrypoint, labels(*title, *description, *version, *revision, *source), fs.Args())
	case "push":
		fs := flag.NewFlagSet("push", flag.ExitOnError)
		layoutDir := fs.String("layout", "", "OCI image layout folder written by build")
		_ = fs.Parse(os.Args[2:])
		if *layoutDir == "" || fs.NArg() != 1 {
			usage()
		}
		err = push(*layoutDir, fs.Arg(0))
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: image build [-entrypoint /manager] -version V -out DIR os/arch=BINARY...\n       image push -layout DIR REFERENCE")
	os.Exit(2)
}

func labels(title, description, version, revision, source string) map[string]string {
	l := map[string]string{
		"org.opencontainers.image.title":       title,
		"org.opencontainers.image.description": description,
		"org.opencontainers.image.source":      source,
		"org.opencontainers.image.version":     version,
	}
	if revision != "" {
		l["org.opencontainers.image.revision"] = revision
	}
	return l
}
