// Package controlplane is what the integration tests and `make demo` share to run Kubernetes
// on loopback: envtest's etcd and kube-apiserver (built into bin/k8s by
// hack/build-control-plane.sh), an admin kubeconfig for kubectl, and kube-controller-manager,
// which envtest does not start but garbage collection of ownerReferences needs.
package controlplane

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Environment is an envtest environment on the binaries in binDir that installs the CRDs in
// crdDir. It never uses an existing cluster, whatever USE_EXISTING_CLUSTER says.
func Environment(binDir, crdDir string) *envtest.Environment {
	useExisting := false
	env := &envtest.Environment{
		UseExistingCluster:    &useExisting,
		CRDDirectoryPaths:     []string{crdDir},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: binDir,
		// envtest's 20 s default is too short for a cold kube-apiserver on a loaded 2-core
		// machine (CI runs the suites in parallel): wait longer rather than fail.
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	// On loopback the apiserver cannot advertise itself in the kubernetes Service's endpoints.
	env.ControlPlane.GetAPIServer().Configure().Append("endpoint-reconciler-type", "none")
	return env
}

// AdminUser is the cluster admin of WriteAdminKubeconfig: another identity than envtest's own
// "admin" (the integration suite's manager), as a person using kubectl would be.
const AdminUser = "cluster-admin"

// WriteAdminKubeconfig writes a kubeconfig of a cluster admin of the started env to path.
func WriteAdminKubeconfig(env *envtest.Environment, path string) error {
	user, err := env.ControlPlane.AddUser(envtest.User{Name: AdminUser, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(path, kubeconfig, 0o600)
}

// ControllerManagerArgs are the arguments of a kube-controller-manager that runs every
// controller against the cluster of kubeconfig, serving nothing. It writes the service-account
// key it needs, and keeps its flex-volume folder, under dir. Install CRDs before starting it:
// it notices new ones only after about 30 s.
func ControllerManagerArgs(kubeconfig, dir string) ([]string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	keyPath := filepath.Join(dir, "sa.key")
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return nil, err
	}
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--authentication-skip-lookup=true",
		"--controllers=*",
		"--leader-elect=false",
		"--secure-port=0",
		"--use-service-account-credentials=false",
		"--service-account-private-key-file=" + keyPath,
		"--flex-volume-plugin-dir=" + filepath.Join(dir, "flex"),
		"-v=0",
	}, nil
}
