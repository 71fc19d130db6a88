package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
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

	useExisting := false
	env := &envtest.Environment{
		UseExistingCluster:    &useExisting, // never a real cluster, whatever USE_EXISTING_CLUSTER says
		CRDDirectoryPaths:     []string{filepath.Join("config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(d.k8sDir, "etcd"), Out: etcdLog, Err: etcdLog}
	api := env.ControlPlane.GetAPIServer()
	api.Path = filepath.Join(d.k8sDir, "kube-apiserver")
	api.Out, api.Err = apiLog, apiLog
	// On loopback the apiserver cannot advertise itself in the kubernetes Service's endpoints.
	api.Configure().Append("endpoint-reconciler-type", "none")
	d.env = env // stop what did start, even if Start fails half-way
	if _, err := env.Start(); err != nil {
		return fmt.Errorf("starting etcd and kube-apiserver: %w (logs: %s)", err, d.logDir)
	}
	d.envPIDs = childPIDs() // the demo's only children so far

	user, err := env.ControlPlane.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(d.kubeconfig, kubeconfig, 0o600)
}

// startControllerManager runs kube-controller-manager, so that deleting an ImageQuery
// garbage-collects the CloudImages it owned, as in a real cluster. envtest has installed the
// CRDs already, so it sees them from the start.
func (d *demo) startControllerManager() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	keyPath := filepath.Join(d.tmp, "sa.key")
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	p, err := startProc("kube-controller-manager", d.logDir, childEnv(), filepath.Join(d.k8sDir, "kube-controller-manager"),
		"--kubeconfig="+d.kubeconfig,
		"--authentication-kubeconfig="+d.kubeconfig,
		"--authorization-kubeconfig="+d.kubeconfig,
		"--authentication-skip-lookup=true",
		"--controllers=*",
		"--leader-elect=false",
		"--secure-port=0", // serves nothing, so it needs no port
		"--use-service-account-credentials=false",
		"--service-account-private-key-file="+keyPath,
		"--flex-volume-plugin-dir="+filepath.Join(d.tmp, "flex"),
		"-v=0",
	)
	if err != nil {
		return err
	}
	d.procs = append(d.procs, p)
	return nil
}
