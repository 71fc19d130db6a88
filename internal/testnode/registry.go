package testnode

import (
	"net"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// startRegistry serves go-containerregistry's in-process registry on loopback: the node's
// containerd pulls every image from it (nothing can be pulled from outside), and `make
// image-push` pushes the manager's image to it.
func (n *Node) startRegistry() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	log := n.logger("registry")
	srv := &http.Server{Handler: registry.New(registry.Logger(log)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	n.Registry = ln.Addr().String()
	n.onStop(func() error { return srv.Close() })
	return nil
}
