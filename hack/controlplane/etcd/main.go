// Command etcd is etcd's own server, built from the Go module proxy because prebuilt
// binaries cannot be downloaded on the machines this project is developed on.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
