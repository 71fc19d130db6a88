// Command bench-mirror measures how fast the operator mirrors a large catalog, next to what
// client-go alone needs on the same control plane in the same run. It starts etcd and
// kube-apiserver from bin/k8s (internal/controlplane), the IMS simulator serving
// imssim.GenerateCatalog(N, 1), and the real manager binary, and prints figures: it is a
// benchmark, never a pass/fail test.
//
// For each N (1,000 and 10,000): the first mirror's time, client-go creating the same
// CloudImages with 16 workers and no client rate limit, the ratio, the CloudImage API calls by
// verb, IMS requests, the manager's RSS and heap; then 5% churn (the operator against client-go
// updating as many objects) and a steady-state sync; each size -repeat times (3) on a fresh
// manager and namespaces, then the median ratios, because single runs of a few seconds vary
// by half on a shared machine. Then K=10 ImageQueries with the same
// filter over 2,000 images: IMS requests, CloudImage writes per object, time.
//
// `make bench-mirror` builds the binaries and runs it from the repository root.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/controlplane"
)

type bench struct {
	tmp        string
	cfg        *rest.Config // admin
	kubeconfig string
	c          client.WithWatch // admin, for setup and watching
	raw        client.Client    // admin, no client rate limit: the reference
	sim        *simulator
	manager    string
	extraArgs  []string
	managerEnv []string // extra environment of the manager (its own credentials, for the scale figure)
	workers    int
	profileDir string // where heap profiles of the manager go; "" takes none
	repeat     int    // runs of each size's mirror figures
}

func main() {
	k8sDir := flag.String("k8s", "bin/k8s", "folder with etcd and kube-apiserver")
	manager := flag.String("manager", "bin/manager", "the manager binary")
	sizes := flag.String("sizes", "1000,10000", "catalog sizes for the first-mirror and churn figures")
	k := flag.Int("k", 10, "ImageQueries with the same filter in the overlap figure (0 skips it)")
	kImages := flag.Int("k-images", 2000, "catalog size of the overlap figure")
	kTags := flag.String("k-tag-labels", "kubernetes_version,distribution_version,containerd_version",
		"IMS tag keys of a second overlap figure whose queries label with tagLabels (image-builder's tags on every image); empty skips it")
	args := flag.String("manager-args", "", "extra manager flags, space-separated (e.g. --kube-api-qps=50)")
	repeat := flag.Int("repeat", 3, "runs of each size's first-mirror and churn figures, each on a fresh manager; more than one prints the median ratio")
	var scale scaleShape
	flag.IntVar(&scale.namespaces, "scale", 0, "namespaces of the scale figure (0 skips it; the issue's shape is 100); it runs after the others")
	flag.IntVar(&scale.images, "scale-images", 1000, "catalog size of the scale figure: each namespace mirrors all of it")
	flag.IntVar(&scale.platforms, "scale-platforms", 9, "queries per namespace of the scale figure for one platform each, besides the one for every image")
	flag.IntVar(&scale.sample, "scale-reference-namespaces", 10, "namespaces whose CloudImages client-go creates in the scale figure; its time is scaled up to all")
	flag.DurationVar(&scale.interval, "scale-interval", time.Minute, "refreshInterval of the scale figure's queries")
	profiles := flag.String("heap-profile", "", "folder for the manager's heap profile after each first mirror (go tool pprof reads it)")
	flag.Parse()

	b := &bench{manager: *manager, workers: 16, profileDir: *profiles, repeat: max(*repeat, 1)}
	if *args != "" {
		b.extraArgs = strings.Fields(*args)
	}
	var tagLabels []string
	if *kTags != "" {
		tagLabels = strings.Split(*kTags, ",")
	}
	if err := b.run(*k8sDir, parseSizes(*sizes), *k, *kImages, tagLabels, scale); err != nil {
		fmt.Fprintln(os.Stderr, "bench-mirror:", err)
		os.Exit(1)
	}
}

func parseSizes(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func (b *bench) run(k8sDir string, sizes []int, k, kImages int, tagLabels []string, scale scaleShape) error {
	for _, bin := range []string{filepath.Join(k8sDir, "kube-apiserver"), b.manager} {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("%v: run `make bench-mirror`, which builds it", err)
		}
	}
	tmp, err := os.MkdirTemp("", "ims-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	b.tmp = tmp
	os.Setenv("TMPDIR", tmp) // envtest's data and certificates

	env := controlplane.Environment(k8sDir, filepath.Join("config", "crd", "bases"))
	b.cfg, err = env.Start()
	if err != nil {
		return fmt.Errorf("starting etcd and kube-apiserver: %w", err)
	}
	defer func() { _ = env.Stop() }()
	b.kubeconfig = filepath.Join(tmp, "kubeconfig")
	if err := controlplane.WriteAdminKubeconfig(env, b.kubeconfig); err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(imsv1.AddToScheme(scheme))
	if b.c, err = client.NewWithWatch(b.cfg, client.Options{Scheme: scheme}); err != nil {
		return err
	}
	unlimited := rest.CopyConfig(b.cfg)
	unlimited.QPS, unlimited.Burst = -1, 0 // client-go without its client-side limiter
	if b.raw, err = client.New(unlimited, client.Options{Scheme: scheme}); err != nil {
		return err
	}
	b.sim = startSimulator()
	defer b.sim.close()

	fmt.Printf("bench-mirror: manager %s %s, %d reference workers, GOMAXPROCS from %d CPUs\n",
		b.manager, strings.Join(b.extraArgs, " "), b.workers, numCPU())
	ctx := context.Background()
	for _, n := range sizes {
		var runs []ratios
		for run := 1; run <= b.repeat; run++ {
			r, err := b.mirrorFigures(ctx, n, run)
			if err != nil {
				return err
			}
			runs = append(runs, r)
		}
		summarize(n, runs)
	}
	if k > 0 {
		if err := b.overlapFigures(ctx, k, kImages, nil); err != nil {
			return err
		}
		if len(tagLabels) > 0 {
			if err := b.overlapFigures(ctx, k, kImages, tagLabels); err != nil {
				return err
			}
		}
	}
	if scale.namespaces == 0 {
		return nil
	}
	return b.scaleFigures(ctx, scale)
}
