package controllers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// installReadOnlyPolicy applies the ValidatingAdmissionPolicy and binding of config/default,
// as `kubectl apply -k config/default` would, with one change: the operator's identity is the
// suite manager's user rather than the ServiceAccount of a Deployment. So every integration
// test runs under the policy that production runs under. It returns that identity.
func installReadOnlyPolicy(c client.Client, kubectl string) (string, error) {
	ctx := context.Background()
	review := &authnv1.SelfSubjectReview{}
	if err := c.Create(ctx, review); err != nil {
		return "", fmt.Errorf("who is the manager: %w", err)
	}
	manager := review.Status.UserInfo.Username
	objs, err := renderPolicy(kubectl)
	if err != nil {
		return "", err
	}
	for _, obj := range objs {
		obj.SetNamespace("") // cluster-scoped; kustomize does not know these kinds
		if obj.GetKind() == "ValidatingAdmissionPolicy" {
			if err := setOperatorIdentity(obj, manager); err != nil {
				return "", err
			}
		}
		if err := c.Create(ctx, obj); err != nil {
			return "", fmt.Errorf("creating %s: %w", obj.GetName(), err)
		}
	}
	return manager, nil
}

// renderPolicy renders config/default and returns the admission policy objects in it.
func renderPolicy(kubectl string) ([]*unstructured.Unstructured, error) {
	objs, err := renderAdmissionObjects(kubectl, filepath.Join("..", "config", "default"))
	if err != nil {
		return nil, err
	}
	if len(objs) != 2 {
		return nil, fmt.Errorf("config/default holds %d admission objects, want the policy and its binding", len(objs))
	}
	return objs, nil
}

// renderAdmissionObjects renders the kustomize layout dir and returns its admission objects.
func renderAdmissionObjects(kubectl, dir string) ([]*unstructured.Unstructured, error) {
	out, err := exec.Command(kubectl, "kustomize", dir).Output()
	if err != nil {
		return nil, fmt.Errorf("kubectl kustomize %s: %w", dir, err)
	}
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		if obj.GroupVersionKind().Group == "admissionregistration.k8s.io" {
			objs = append(objs, obj)
		}
	}
	return objs, nil
}

// setOperatorIdentity replaces the policy's operator variable (the ServiceAccount's username).
func setOperatorIdentity(policy *unstructured.Unstructured, username string) error {
	vars, _, _ := unstructured.NestedSlice(policy.Object, "spec", "variables")
	for _, v := range vars {
		if m, ok := v.(map[string]any); ok && m["name"] == "operator" {
			m["expression"] = fmt.Sprintf("'%s'", username)
			return unstructured.SetNestedSlice(policy.Object, vars, "spec", "variables")
		}
	}
	return errors.New("the policy has no variable named operator")
}

// waitPolicyActive waits until the API server enforces the policy: admission plugins learn of
// new policies through an informer, a moment after they are created.
func waitPolicyActive(forger client.Client, ns string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ci := forgedCloudImage(ns, "0f0f0f0f-0000-4000-8000-00000000beef")
		err := forger.Create(context.Background(), ci)
		if err != nil && isPolicyRefusal(err) {
			return nil
		}
		if err == nil {
			_ = forger.Delete(context.Background(), ci)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New("the read-only policy was not enforced within 30s")
}

// enforceReadOnlyPolicy installs the policy and waits until the API server enforces it.
func enforceReadOnlyPolicy() error {
	manager, err := installReadOnlyPolicy(k8s, kubectlPath)
	if err != nil {
		return err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "policy-check-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		return err
	}
	defer func() { _ = k8s.Delete(context.Background(), ns) }()
	forger, err := impersonatedAdmin("not-" + manager)
	if err != nil {
		return err
	}
	return waitPolicyActive(forger, ns.Name)
}

// yamlOf is obj as a manifest for kubectl.
func yamlOf(obj any) ([]byte, error) { return yaml.Marshal(obj) }

// impersonatedAdmin is a client of a cluster admin named name: not the operator.
func impersonatedAdmin(name string) (client.Client, error) {
	cfg := rest.CopyConfig(restConfig)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: name, Groups: []string{"system:masters", "system:authenticated"}}
	return client.New(cfg, client.Options{Scheme: scheme})
}
