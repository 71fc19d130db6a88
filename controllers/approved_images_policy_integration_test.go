package controllers

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// imageIDAnnotation is the annotation the sample policy of config/samples/policy judges.
const imageIDAnnotation = "ims.imagecatalog.io/image-id"

// The sample admission policy, applied with kubectl as a platform team would, with the export
// of the sample capi-node-images (synced from the simulator) as its parameter: a Pod naming an
// approved image ID is admitted, one naming another (the family's build still uploading, or an
// unknown ID) is refused with the policy's message, and changing an admitted Pod's annotation to
// such an ID is refused too, while its other updates are not judged.
func TestSamplePolicyAdmitsOnlyApprovedImageIDs(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	for _, q := range loadSamples(t, ns) {
		if q.Name == "capi-node-images" {
			createQuery(t, q)
		}
	}
	q := waitReady(t, ns, "capi-node-images")
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: q.Spec.Export.ConfigMapName}, cm); err != nil {
		t.Fatal(err)
	}
	allowed := strings.Fields(cm.Data["allowedImageIDs"])
	var queued string
	for _, id := range claimedIDs(t, ns, q.Name) {
		if str(catalogImage(t, id), "status") != "active" {
			queued = id
		}
	}
	if len(allowed) < 2 || queued == "" {
		t.Fatalf("allowedImageIDs %v, a not-yet-usable match %q: the sample proves nothing", allowed, queued)
	}

	applySamplePolicy(t, ns, cm.Name)
	ensureDefaultServiceAccount(t, ns)
	refusal := "is not approved by the platform: it is not in allowedImageIDs of ConfigMap " + ns + "/" + cm.Name
	eventually(t, "the sample policy enforced", func() error {
		err := k8s.Create(context.Background(), annotatedPod(ns, "probe", queued))
		if err == nil {
			_ = k8s.Delete(context.Background(), annotatedPod(ns, "probe", queued))
			return errNotYet
		}
		if !strings.Contains(err.Error(), refusal) {
			return err
		}
		return nil
	})

	// A kubectl user sees the policy's message, naming the image.
	for _, id := range []string{queued, "00000000-0000-4000-8000-000000000000"} {
		manifest, err := yamlOf(annotatedPod(ns, "refused", id))
		if err != nil {
			t.Fatal(err)
		}
		_, stderr, err := runKubectl(t, manifest, "apply", "-f", "-")
		if err == nil || !strings.Contains(stderr, "image "+id+" "+refusal) || !strings.Contains(stderr, "ims-approved-image-ids") {
			t.Errorf("a Pod naming %s: %v\n%s", id, err, stderr)
		}
		t.Logf("kubectl apply of a Pod naming %s: %s", id, stderr)
	}
	for i, id := range []string{q.Status.LatestImages[0].Image.ID, q.Status.LatestImages[1].Image.ID} {
		if err := k8s.Create(context.Background(), annotatedPod(ns, "approved-"+string(rune('a'+i)), id)); err != nil {
			t.Errorf("a Pod naming the %s latest image %s: %v", q.Status.LatestImages[i].Variant, id, err)
		}
	}
	if err := k8s.Create(context.Background(), annotatedPod(ns, "no-image", "")); err != nil {
		t.Errorf("a Pod without the annotation: %v", err)
	}

	// Updates: changing the annotation is judged, anything else is not.
	pod := &corev1.Pod{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "approved-a"}, pod); err != nil {
		t.Fatal(err)
	}
	pod.Annotations[imageIDAnnotation] = queued
	if err := k8s.Update(context.Background(), pod.DeepCopy()); err == nil || !strings.Contains(err.Error(), refusal) {
		t.Errorf("changing the annotation to %s: %v", queued, err)
	}
	pod.Annotations[imageIDAnnotation] = allowed[0]
	pod.Labels = map[string]string{"tier": "nodes"}
	if err := k8s.Update(context.Background(), pod); err != nil {
		t.Errorf("relabelling an admitted Pod: %v", err)
	}
}

// applySamplePolicy applies config/samples/policy with kubectl, made to judge only ns and to
// read the export of ns: the policy and binding are cluster-wide, and other tests run after
// this one. Both are deleted when the test ends.
func applySamplePolicy(t *testing.T, ns, configMap string) {
	t.Helper()
	objs, err := renderAdmissionObjects(kubectlPath, filepath.Join("..", "config", "samples", "policy"))
	if err != nil || len(objs) != 2 {
		t.Fatalf("config/samples/policy: %d admission objects, want the policy and its binding (%v)", len(objs), err)
	}
	var manifest bytes.Buffer
	for _, obj := range objs {
		obj.SetName(obj.GetName() + "-" + ns)
		if obj.GetKind() == "ValidatingAdmissionPolicyBinding" {
			set := func(v any, path ...string) {
				if err := unstructured.SetNestedField(obj.Object, v, path...); err != nil {
					t.Fatal(err)
				}
			}
			name, _, _ := unstructured.NestedString(obj.Object, "spec", "policyName")
			set(name+"-"+ns, "spec", "policyName")
			set(configMap, "spec", "paramRef", "name")
			set(ns, "spec", "paramRef", "namespace")
			set(map[string]any{"kubernetes.io/metadata.name": ns}, "spec", "matchResources", "namespaceSelector", "matchLabels")
		}
		y, err := yamlOf(obj.Object)
		if err != nil {
			t.Fatal(err)
		}
		manifest.WriteString("---\n")
		manifest.Write(y)
		kind, name := obj.GetKind(), obj.GetName()
		t.Cleanup(func() { _, _, _ = runKubectl(t, nil, "delete", strings.ToLower(kind), name, "--ignore-not-found") })
	}
	if stdout, stderr, err := runKubectl(t, manifest.Bytes(), "apply", "-f", "-"); err != nil {
		t.Fatalf("kubectl apply of the sample policy: %v\n%s%s", err, stdout, stderr)
	}
}

// ensureDefaultServiceAccount makes sure a Pod can be created in ns at once, whether or not
// kube-controller-manager has made the namespace's default ServiceAccount yet.
func ensureDefaultServiceAccount(t *testing.T, ns string) {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default"}}
	if err := k8s.Create(context.Background(), sa); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// annotatedPod is a Pod that names image id in the policy's annotation (none when id is "").
func annotatedPod(ns, name, id string) *corev1.Pod {
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: map[string]string{}},
		Spec: corev1.PodSpec{
			Containers:                   []corev1.Container{{Name: "launcher", Image: "registry.example/node-launcher:1"}},
			AutomountServiceAccountToken: ptr(false),
		},
	}
	if id != "" {
		pod.Annotations[imageIDAnnotation] = id
	}
	return pod
}
