package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The repository has no LICENSE file, so no Go file claims a licence: a header on some files
// and not on others would say different things about the same code. Add a LICENSE file and a
// header on every file together, or neither.
func TestNoGoFileCarriesALicenceHeader(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "bin" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		head, _, _ := strings.Cut("\n"+string(b), "\npackage ") // what comes before the package clause
		if strings.Contains(head, "Licensed under") || strings.Contains(head, "Copyright") {
			t.Errorf("%s carries a licence header; the repository has no LICENSE file", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
