package main

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// push uploads the layout's image index to ref, with the credentials of `docker login`
// (~/.docker/config.json) or a credential helper.
func push(layoutDir, ref string) error {
	p, err := layout.FromPath(layoutDir)
	if err != nil {
		return err
	}
	outer, err := p.ImageIndex()
	if err != nil {
		return err
	}
	m, err := outer.IndexManifest()
	if err != nil {
		return err
	}
	if len(m.Manifests) != 1 {
		return fmt.Errorf("%s holds %d entries, want the one index that build writes", layoutDir, len(m.Manifests))
	}
	idx, err := outer.ImageIndex(m.Manifests[0].Digest)
	if err != nil {
		return err
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return err
	}
	if err := remote.WriteIndex(r, idx, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		return err
	}
	d, _ := idx.Digest()
	fmt.Printf("pushed %s@%s\n", r.Context(), d)
	return nil
}
