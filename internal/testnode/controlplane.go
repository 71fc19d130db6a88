package testnode

import (
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/imagecatalog/ims-operator/internal/controlplane"
)

// startAPIServer starts etcd (on loopback) and a kube-apiserver that serves on the bridge's
// address and advertises it in the kubernetes Service, as a cluster's API server does: Pods
// reach it through that Service (kube-proxy), with the CA the kubelet mounts into them. Unlike
// the integration tests' envtest, it runs the ServiceAccount admission (Pods get their token
// volume) and the Node authorizer (the kubelet acts as system:node:<name>).
func (n *Node) startAPIServer() error {
	pki := filepath.Join(n.Dir, "pki")
	certDir := filepath.Join(pki, "apiserver")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return err
	}
	serving, err := newCA("ims-node-apiserver-ca")
	if err != nil {
		return err
	}
	// envtest keeps a CertDir that already holds apiserver.crt: it then trusts SecureServing.CA.
	if err := serving.issue(filepath.Join(certDir, "apiserver.crt"), filepath.Join(certDir, "apiserver.key"),
		"kube-apiserver", nil, []net.IP{n.net.hostIP, n.net.kubernetesServiceIP(), net.IPv4(127, 0, 0, 1)},
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		x509.ExtKeyUsageServerAuth); err != nil {
		return err
	}
	if err := writeSigningKey(filepath.Join(certDir, "sa-signer.key"), filepath.Join(certDir, "sa-signer.crt")); err != nil {
		return err
	}
	n.caPath = filepath.Join(pki, "ca.crt")
	if err := os.WriteFile(n.caPath, serving.pem, 0o600); err != nil {
		return err
	}
	// The API server's client certificate towards the kubelet (logs, exec), from a CA that only
	// the kubelet trusts.
	kubeletClients, err := newCA("ims-node-kubelet-client-ca")
	if err != nil {
		return err
	}
	n.kubeletClientCA = filepath.Join(pki, "kubelet-client-ca.crt")
	if err := os.WriteFile(n.kubeletClientCA, kubeletClients.pem, 0o600); err != nil {
		return err
	}
	clientCert, clientKey := filepath.Join(pki, "apiserver-kubelet-client.crt"), filepath.Join(pki, "apiserver-kubelet-client.key")
	if err := kubeletClients.issue(clientCert, clientKey, "kube-apiserver-kubelet-client", nil, nil, nil, x509.ExtKeyUsageClientAuth); err != nil {
		return err
	}
	port, err := freePort(n.net.hostIP)
	if err != nil {
		return err
	}

	useExisting := false
	env := &envtest.Environment{
		UseExistingCluster:       &useExisting,
		BinaryAssetsDirectory:    n.opts.ControlPlaneDir,
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	api := env.ControlPlane.GetAPIServer()
	api.CertDir = certDir
	api.Address = n.net.hostIP.String() // of the embedded SecureServing
	api.Port = strconv.Itoa(port)
	api.CA = serving.pem
	api.Out, api.Err = n.logFile("kube-apiserver")
	args := api.Configure()
	args.Disable("disable-admission-plugins") // envtest turns the ServiceAccount admission off
	args.Set("enable-admission-plugins", "NodeRestriction")
	args.Set("authorization-mode", "Node,RBAC")
	args.Set("advertise-address", n.net.hostIP.String())
	args.Set("endpoint-reconciler-type", "lease")
	args.Set("service-cluster-ip-range", n.net.serviceCIDR.String())
	args.Set("kubelet-client-certificate", clientCert)
	args.Set("kubelet-client-key", clientKey)
	// The kubelet at the Node's InternalIP, the bridge's address: its Hostname address would be
	// looked up in this machine's DNS, an address outside the test.
	args.Set("kubelet-preferred-address-types", "InternalIP")
	env.ControlPlane.Etcd = &envtest.Etcd{}
	env.ControlPlane.Etcd.Out, env.ControlPlane.Etcd.Err = n.logFile("etcd")
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("starting etcd and kube-apiserver: %w", err)
	}
	n.env, n.Config = env, cfg
	n.Kubeconfig = filepath.Join(n.Dir, "admin.kubeconfig")
	return controlplane.WriteAdminKubeconfig(env, n.Kubeconfig)
}

// userKubeconfig writes a kubeconfig of a user with a client certificate, as a component of a
// cluster has one (system:kube-scheduler, system:node:<name>, ...).
func (n *Node) userKubeconfig(name string, groups ...string) (string, error) {
	user, err := n.env.ControlPlane.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return "", err
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	// Validate it, so that a component does not fail later on an unreadable file.
	if _, err := clientcmd.Load(kc); err != nil {
		return "", err
	}
	path := filepath.Join(n.Dir, "kubeconfig-"+filepath.Base(name))
	return path, os.WriteFile(path, kc, 0o600)
}

// startControllers starts kube-controller-manager (Deployments, ReplicaSets, endpoints, the
// kube-root-ca.crt ConfigMap, disruption budgets, garbage collection) and kube-scheduler.
func (n *Node) startControllers() error {
	kcmDir := filepath.Join(n.Dir, "kube-controller-manager")
	if err := os.MkdirAll(kcmDir, 0o700); err != nil {
		return err
	}
	args, err := controlplane.ControllerManagerArgs(n.Kubeconfig, kcmDir)
	if err != nil {
		return err
	}
	// The CA that Pods find in kube-root-ca.crt and trust the API server with.
	args = append(args, "--root-ca-file="+n.caPath)
	if err := n.start("kube-controller-manager", filepath.Join(n.opts.ControlPlaneDir, "kube-controller-manager"), args...); err != nil {
		return err
	}
	kc, err := n.userKubeconfig("system:kube-scheduler")
	if err != nil {
		return err
	}
	return n.start("kube-scheduler", filepath.Join(n.opts.NodeDir, "kube-scheduler"),
		"--kubeconfig="+kc, "--leader-elect=false", "--secure-port=0", "-v=0")
}

// freePort is a free TCP port on ip.
func freePort(ip net.IP) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		return 0, err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
