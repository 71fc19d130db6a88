// Command chartgen keeps dist/ in step with config/, which controller-gen and the kustomize
// layouts own:
//
//	go run ./hack/chartgen chart [dir] # dist/chart/templates/{crd,rbac,prometheus} from config/
//	go run ./hack/chartgen installer  # stdin (kubectl kustomize config/default) → CRDs first
//
// `make chart` and `make build-installer` run it; the tests in dist/ fail when the committed
// output differs from what config/ renders.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: chartgen chart [chart dir] | chartgen installer")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "chart":
		// The tests write elsewhere, to compare with what is committed.
		dir := "dist/chart"
		if len(os.Args) == 3 {
			dir = os.Args[2]
		}
		err = generateChart(".", dir)
	case "installer":
		err = orderInstaller(os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chartgen:", err)
		os.Exit(1)
	}
}
