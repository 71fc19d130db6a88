package controllers

import (
	"strings"
	"testing"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// What a kubectl user sees: the short names, the imagecatalog category, the printer columns and
// kubectl explain's field documentation.
func TestKubectlView(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "redhat", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "RedHat"}}))
	q := waitReady(t, ns, "redhat")

	kubectl := func(args ...string) string {
		t.Helper()
		out, stderr, err := runKubectl(t, nil, append([]string{"-n", ns}, args...)...)
		if err != nil {
			t.Fatalf("kubectl %v: %v\n%s", args, err, stderr)
		}
		return out
	}
	names := kubectl("get", "imagecatalog", "-o", "name")
	if !strings.Contains(names, "imagequery.ims.imagecatalog.io/redhat") || !strings.Contains(names, "cloudimage.ims.imagecatalog.io/") {
		t.Errorf("kubectl get imagecatalog lists:\n%s", names)
	}

	iq := strings.Split(kubectl("get", "iq"), "\n")
	for _, col := range []string{"NAME", "READY", "MATCHED", "LATEST", "LAST SYNC", "AGE"} {
		if !strings.Contains(iq[0], col) {
			t.Errorf("kubectl get iq has no %s column: %q", col, iq[0])
		}
	}
	if len(iq) < 2 || !strings.Contains(iq[1], "True") || !strings.Contains(iq[1], q.Status.LatestImage.Name) {
		t.Errorf("kubectl get iq row: %q, want Ready True and the latest image %q", iq[1], q.Status.LatestImage.Name)
	}

	cimg := strings.Split(kubectl("get", "cimg"), "\n")
	for _, col := range []string{"NAME", "IMAGE NAME", "PLATFORM", "OS VERSION", "ARCH", "STATUS", "AGE"} {
		if !strings.Contains(cimg[0], col) {
			t.Errorf("kubectl get cimg has no %s column: %q", col, cimg[0])
		}
	}
	if len(cimg) < 2 || !strings.Contains(cimg[1], "RedHat") {
		t.Errorf("kubectl get cimg row: %q", cimg[1])
	}

	explain := kubectl("explain", "imagequery.spec.filter.memberStatus")
	if !strings.Contains(explain, "Requires visibility: shared") {
		t.Errorf("kubectl explain does not carry the field's documentation:\n%s", explain)
	}
}
