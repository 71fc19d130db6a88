package main

import (
	"flag"
	"fmt"
)

// version is stamped by hack/build-manager.sh (-X main.version=...), which `make build`,
// `make image` and the Dockerfile share; `--help` prints it first.
var version = "dev"

func init() {
	usage := flag.Usage
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "ims-operator %s\n", version)
		usage()
	}
}
