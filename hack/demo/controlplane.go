package main

import (
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/imagecatalog/ims-operator/internal/childproc"
	"github.com/imagecatalog/ims-operator/internal/controlplane"
)

// startControlPlane starts etcd and kube-apiserver on free loopback ports through envtest,
// which also makes the certificates and installs the CRDs, and writes an admin kubeconfig to
// d.kubeconfig. envtest keeps its data and certificates under TMPDIR, which main points at the
// demo's temporary folder.
func (d *demo) startControlPlane() error {
	etcdLog, err := os.Create(filepath.Join(d.logDir, "etcd.log"))
	if err != nil {
		return err
	}
	apiLog, err := os.Create(filepath.Join(d.logDir, "kube-apiserver.log"))
	if err != nil {
		return err
	}
	d.closers = append(d.closers, etcdLog, apiLog)

	env := controlplane.Environment(d.k8sDir, filepath.Join("config", "crd", "bases"))
	env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(d.k8sDir, "etcd"), Out: etcdLog, Err: etcdLog}
	api := env.ControlPlane.GetAPIServer()
	api.Path = filepath.Join(d.k8sDir, "kube-apiserver")
	api.Out, api.Err = apiLog, apiLog
	d.env = env // stop what did start, even if Start fails half-way
	if _, err := env.Start(); err != nil {
		return fmt.Errorf("starting etcd and kube-apiserver: %w (logs: %s)", err, d.logDir)
	}
	d.envPIDs = childPIDs() // the demo's only children so far

	return controlplane.WriteAdminKubeconfig(env, d.kubeconfig)
}

// startControllerManager runs kube-controller-manager, so that deleting an ImageQuery
// garbage-collects the CloudImages it owned, as in a real cluster. envtest has installed the
// CRDs already, so it sees them from the start.
func (d *demo) startControllerManager() error {
	args, err := controlplane.ControllerManagerArgs(d.kubeconfig, d.tmp)
	if err != nil {
		return err
	}
	p, err := childproc.Start("kube-controller-manager", d.logDir, childproc.CleanEnv(), filepath.Join(d.k8sDir, "kube-controller-manager"), args...)
	if err != nil {
		return err
	}
	d.procs = append(d.procs, p)
	return nil
}
