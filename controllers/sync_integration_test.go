package controllers

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// The samples are the reference's common queries; each must mirror exactly what the
// simulator's catalog holds for it.
//
//nolint:gocyclo // one expectation per sample query, each checked the same way: a table, not branching logic
func TestSamplesSyncTheCommonQueries(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	want := map[string]func(imssim.Image) bool{
		"public-images": func(i imssim.Image) bool {
			return str(i, "__imagetype") == "gold" && str(i, "visibility") == "public" && str(i, "protected") == "true"
		},
		"ubuntu-x86": func(i imssim.Image) bool {
			return str(i, "__imagetype") == "gold" && str(i, "__platform") == "Ubuntu" && str(i, "__os_bit") == "64" &&
				str(i, "__support_arm") != "true" && str(i, "status") == "active" && str(i, "__support_kvm") == "true" &&
				regexp.MustCompile(`^Ubuntu 2[2-9]\.`).MatchString(str(i, "name"))
		},
		"ubuntu-lts": func(i imssim.Image) bool {
			return str(i, "__imagetype") == "gold" && str(i, "__platform") == "Ubuntu" &&
				str(i, "__support_arm") != "true" && str(i, "status") == "active" && str(i, "__support_kvm") == "true" &&
				regexp.MustCompile(`^Ubuntu (\d+\.04) server 64bit$`).MatchString(str(i, "name"))
		},
		"private-images": func(i imssim.Image) bool { return str(i, "owner") == imssim.DemoProjectID },
		"shared-accepted": func(i imssim.Image) bool {
			return str(i, "member_status") == "accepted" && str(i, "visibility") == "shared" && str(i, "__imagetype") == "shared"
		},
		"shared-rejected": func(i imssim.Image) bool {
			return str(i, "member_status") == "rejected" && str(i, "visibility") == "shared" && str(i, "__imagetype") == "shared"
		},
		"shared-pending": func(i imssim.Image) bool {
			return str(i, "member_status") == "pending" && str(i, "visibility") == "shared" && str(i, "__imagetype") == "shared"
		},
		"capi-node-images": func(i imssim.Image) bool {
			return str(i, "__imagetype") == "private" && regexp.MustCompile(`^caphw-hwi-2204(-arm64)?-v`).MatchString(str(i, "name")) &&
				strings.HasPrefix(tagOf(i, "kubernetes_version"), "v1.32.") && tagOf(i, "distribution_version") == "22.04"
		},
		"golden-images": func(i imssim.Image) bool {
			return str(i, "__imagetype") == "gold" && str(i, "__platform") == "Ubuntu" && str(i, "status") == "active" ||
				str(i, "__imagetype") == "private" && str(i, "__platform") == "RedHat"
		},
	}
	samples := loadSamples(t, ns)
	if len(samples) != len(want) {
		t.Fatalf("config/samples has %d ImageQueries, the test knows %d", len(samples), len(want))
	}
	for _, q := range samples {
		createQuery(t, q)
	}
	for _, s := range samples {
		t.Run(s.Name, func(t *testing.T) {
			match, ok := want[s.Name]
			if !ok {
				t.Fatalf("no expectation for sample %s", s.Name)
			}
			expected := expectedIDs(match)
			if len(expected) == 0 {
				t.Fatalf("the default catalog has no image for %s: the test would prove nothing", s.Name)
			}
			q := waitReady(t, ns, s.Name)
			if int(q.Status.MatchedImages) != len(expected) {
				t.Errorf("matchedImages = %d, want %d", q.Status.MatchedImages, len(expected))
			}
			if got := claimedIDs(t, ns, s.Name); !slices.Equal(got, expected) {
				t.Errorf("CloudImages claimed:\n got %v\nwant %v", got, expected)
			}
			var listed []string
			for _, img := range q.Status.Images {
				listed = append(listed, img.ID)
			}
			if len(listed) != min(len(expected), int(*q.Spec.MaxStatusImages)) {
				t.Errorf("status.images has %d entries, want %d", len(listed), min(len(expected), int(*q.Spec.MaxStatusImages)))
			}
			if q.Status.LatestImage == nil || q.Status.LatestImage.ID != newestOf(expected) {
				t.Errorf("latestImage = %+v, want id %s", q.Status.LatestImage, newestOf(expected))
			}
			if q.Status.LastSyncTime == nil || q.Status.ObservedGeneration != q.Generation {
				t.Errorf("lastSyncTime %v, observedGeneration %d (generation %d)", q.Status.LastSyncTime, q.Status.ObservedGeneration, q.Generation)
			}
		})
	}

	checkCAPISample(t, ns)

	// public-images sorts by name ascending: status.images follows that order.
	q := getQuery(t, ns, "public-images")
	if !slices.IsSortedFunc(q.Status.Images, func(a, b imsv1.ImageSummary) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("status.images of public-images is not sorted by name")
	}
}

// checkCAPISample checks what capi-node-images gives a cluster with x86 and arm node pools:
// the newest usable image of each architecture in status and export, the allow list of every
// usable match, and image-builder's tags as labels.
func checkCAPISample(t *testing.T, ns string) {
	t.Helper()
	q := getQuery(t, ns, "capi-node-images")
	claimed := claimedIDs(t, ns, "capi-node-images")
	perArch := map[string][]string{}
	var usable []string
	for _, id := range claimed {
		img := catalogImage(t, id)
		arch := "x86"
		if str(img, "__support_arm") == "true" {
			arch = "arm"
		}
		perArch[arch] = append(perArch[arch], id)
		if str(img, "status") == "active" {
			usable = append(usable, id)
		}
	}
	if len(usable) == len(claimed) {
		t.Fatalf("every capi-node-images match is usable: the sample proves nothing about picking only what boots")
	}
	got := map[string]string{}
	for _, v := range q.Status.LatestImages {
		got[v.Variant] = v.Image.ID
	}
	cm := &corev1.ConfigMap{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "capi-node-image"}, cm); err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"x86", "arm"} {
		want := newestOf(perArch[arch])
		if want == "" || got[arch] != want || cm.Data[arch+".imageID"] != want {
			t.Errorf("%s: latestImages %s, export %s, want %s", arch, got[arch], cm.Data[arch+".imageID"], want)
		}
	}
	if len(got) != 2 {
		t.Errorf("latestImages %v, want x86 and arm", got)
	}
	if cm.Data["allowedImageIDs"] != strings.Join(usable, " ") { // claimedIDs is sorted
		t.Errorf("allowedImageIDs %q, want the usable matches %v", cm.Data["allowedImageIDs"], usable)
	}
	images := cloudImages(t, ns)
	for _, id := range claimed {
		for _, key := range []string{"kubernetes_version", "distribution_version", "containerd_version"} {
			if v := images[id].Labels[imsv1.TagLabel(key)]; v == "" || v != tagOf(catalogImage(t, id), key) {
				t.Errorf("%s: label %s = %q, want the tag's value", id, imsv1.TagLabel(key), v)
			}
		}
	}
	if holders := latestHolders(t, ns, "capi-node-images"); len(holders) != 1 || holders[0] != q.Status.LatestImage.ID {
		t.Errorf("latest label on %v, want only %s", holders, q.Status.LatestImage.ID)
	}
}

// tagOf is the value of the IMS tag key=value of img, read independently of the operator's
// parser (the default catalog's image-builder tags are all key=value).
func tagOf(img imssim.Image, key string) string {
	tags, _ := img["tags"].([]any)
	for _, t := range tags {
		if k, v, ok := strings.Cut(fmt.Sprint(t), "="); ok && k == key {
			return v
		}
	}
	return ""
}

// newestOf is the usable image (active, not off-shelved) with the newest created_at among ids:
// the only kind that can be latest.
func newestOf(ids []string) string {
	var best, bestAt string
	for _, img := range sim.Catalog() {
		id := str(img, "id")
		usable := str(img, "status") == "active" && str(img, "__is_offshelved") != "true"
		if usable && slices.Contains(ids, id) && str(img, "created_at") > bestAt { // one layout in the catalog: string order is time order
			best, bestAt = id, str(img, "created_at")
		}
	}
	return best
}

// A CloudImage carries the contract's labels, the image record and an ownerReference, and can
// be found with label and field selectors as another controller would.
func TestCloudImageRecordLabelsAndSelectors(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "oracle", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "Oracle Linux"}}))
	q := waitReady(t, ns, "oracle")
	expected := expectedIDs(func(i imssim.Image) bool { return str(i, "__platform") == "Oracle Linux" })
	if len(expected) == 0 {
		t.Fatal("catalog has no Oracle Linux image")
	}
	images := cloudImages(t, ns)
	ci, ok := images[expected[0]]
	if !ok {
		t.Fatalf("no CloudImage %s", expected[0])
	}
	src := catalogImage(t, expected[0])
	wantLabels := map[string]string{
		"app.kubernetes.io/managed-by":     "ims-operator",
		"ims.imagecatalog.io/region":       "cn-north-4",
		"ims.imagecatalog.io/platform":     "Oracle_Linux",
		"ims.imagecatalog.io/os-type":      str(src, "__os_type"),
		"ims.imagecatalog.io/os-bit":       str(src, "__os_bit"),
		"ims.imagecatalog.io/image-type":   str(src, "__imagetype"),
		"ims.imagecatalog.io/visibility":   str(src, "visibility"),
		"ims.imagecatalog.io/status":       str(src, "status"),
		"query.ims.imagecatalog.io/oracle": "true",
		"ims.imagecatalog.io/architecture": map[bool]string{true: "arm", false: "x86"}[str(src, "__support_arm") == "true"],
	}
	if v := str(src, "virtual_env_type"); v != "" {
		wantLabels["ims.imagecatalog.io/virtual-env-type"] = v
	}
	for k, v := range wantLabels {
		if ci.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, ci.Labels[k], v)
		}
	}
	if ci.Region != "cn-north-4" || ci.Image.ID != expected[0] || ci.Image.Name != str(src, "name") ||
		ci.Image.OSVersion != str(src, "__os_version") || ci.Image.CreatedAt != str(src, "created_at") {
		t.Errorf("record does not match the catalog: %+v", ci.Image)
	}
	if len(ci.OwnerReferences) != 1 || ci.OwnerReferences[0].UID != q.UID || ci.OwnerReferences[0].Kind != "ImageQuery" {
		t.Errorf("ownerReferences = %+v", ci.OwnerReferences)
	}

	var byLabel imsv1.CloudImageList
	if err := k8s.List(context.Background(), &byLabel, client.InNamespace(ns),
		client.MatchingLabels{"ims.imagecatalog.io/platform": "Oracle_Linux"}); err != nil {
		t.Fatal(err)
	}
	var byField imsv1.CloudImageList
	if err := k8s.List(context.Background(), &byField, client.InNamespace(ns),
		client.MatchingFields{"image.platform": "Oracle Linux"}); err != nil {
		t.Fatalf("field selector on image.platform: %v", err)
	}
	if len(byLabel.Items) != len(expected) || len(byField.Items) != len(expected) {
		t.Errorf("selectors found %d by label and %d by field, want %d", len(byLabel.Items), len(byField.Items), len(expected))
	}
}

// The seed's sample images carry fields the schema does not know: they are kept.
func TestUnknownFieldsAreKept(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	var withExtra imssim.Image
	for _, img := range sim.Catalog() {
		if _, ok := img["__lazyloading"]; ok {
			withExtra = img
			break
		}
	}
	if withExtra == nil {
		t.Fatal("the default catalog has no image with __lazyloading (the seed's sample)")
	}
	id := str(withExtra, "id")
	createQuery(t, newQuery(ns, "by-id", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{ID: imsv1.PlainText(id)}}))
	waitReady(t, ns, "by-id")
	ci := cloudImages(t, ns)[id]
	if ci.Image.ExtraProperties["__lazyloading"] != str(withExtra, "__lazyloading") {
		t.Errorf("extraProperties = %v, want __lazyloading=%v", ci.Image.ExtraProperties, withExtra["__lazyloading"])
	}
}

func catalogImage(t *testing.T, id string) imssim.Image {
	t.Helper()
	for _, img := range sim.Catalog() {
		if str(img, "id") == id {
			return img
		}
	}
	t.Fatalf("image %s not in catalog", id)
	return nil
}

// suspend: true stops syncing and leaves everything in place.
func TestSuspendStopsSyncing(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	createQuery(t, newQuery(ns, "suspended", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "Debian"}}))
	before := waitReady(t, ns, "suspended")
	patch := client.MergeFrom(before.DeepCopy())
	before.Spec.Suspend = true
	if err := k8s.Patch(context.Background(), before, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, "observedGeneration of the suspended query", func() error {
		if q := getQuery(t, ns, "suspended"); q.Status.ObservedGeneration != q.Generation {
			return errNotYet
		}
		return nil
	})
	sim.ResetRequests()
	q := getQuery(t, ns, "suspended")
	patch = client.MergeFrom(q.DeepCopy())
	q.Annotations = map[string]string{imsv1.RequestedAtAnnotation: "now"}
	if err := k8s.Patch(context.Background(), q, patch); err != nil {
		t.Fatal(err)
	}
	settle()
	if n := sim.RequestCount(); n != 0 {
		t.Errorf("a suspended query sent %d requests to IMS", n)
	}
	after := getQuery(t, ns, "suspended")
	if after.Status.MatchedImages != before.Status.MatchedImages || len(claimedIDs(t, ns, "suspended")) != int(before.Status.MatchedImages) {
		t.Errorf("suspending changed the status or the CloudImages")
	}
	if c := findCondition(after, imsv1.ConditionReady); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Ready after suspend = %+v", c)
	}
}

// An image whose ID is not a valid object name is listed in the status but not mirrored, and
// an event says so; the other images are mirrored as usual.
func TestInvalidImageIDIsReportedNotRenamed(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	const badID = "Not_A_Valid_Object_Name"
	sim.PutImage(imssim.Image{"id": badID, "name": "odd-image", "status": "active", "__platform": "Fedora",
		"visibility": "public", "__imagetype": "gold", "created_at": "2019-01-01T00:00:00Z"})
	defer sim.DeleteImage(badID)
	createQuery(t, newQuery(ns, "fedora", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "Fedora"}}))
	q := waitReady(t, ns, "fedora")
	expected := expectedIDs(func(i imssim.Image) bool { return str(i, "__platform") == "Fedora" })
	if int(q.Status.MatchedImages) != len(expected) {
		t.Errorf("matchedImages = %d, want %d (the odd image matched too)", q.Status.MatchedImages, len(expected))
	}
	claimed := claimedIDs(t, ns, "fedora")
	if slices.Contains(claimed, badID) || slices.Contains(claimed, strings.ToLower(badID)) || len(claimed) != len(expected)-1 {
		t.Errorf("claimed %v", claimed)
	}
	waitEvent(t, ns, imsv1.EventInvalidImageID, badID)
}
