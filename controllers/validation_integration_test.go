package controllers

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// imageQueryManifest builds an ImageQuery from the YAML of its spec, exactly as a user would
// write it: values the Go types could not hold (wrong types, unknown enum strings) go to the
// API server as they are.
func imageQueryManifest(t *testing.T, ns, name, specYAML string) *unstructured.Unstructured {
	t.Helper()
	spec := map[string]any{}
	if err := yaml.Unmarshal([]byte(specYAML), &spec); err != nil {
		t.Fatalf("spec of %s: %v", name, err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": imsv1.GroupVersion.String(),
		"kind":       "ImageQuery",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"spec":       spec,
	}}
	return u
}

// runKubectl runs kubectl against the test control plane as a cluster admin, with stdin, and
// returns stdout, stderr and the error (an *exec.ExitError on a non-zero exit).
func runKubectl(t *testing.T, stdin []byte, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(kubectlPath, append([]string{"--kubeconfig", kubeconfigPath}, args...)...)
	// kubectl's discovery cache goes with the suite's temporary folder, not into ~/.kube.
	cmd.Env = append(os.Environ(), "KUBECACHEDIR="+filepath.Join(filepath.Dir(kubeconfigPath), "cache"))
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// A bad ImageQuery is refused by the API server itself, with an Invalid error that names the
// field and, for CEL rules, says what is wrong; nothing is stored.
func TestInvalidImageQueriesAreRefused(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	long := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name string
		spec string   // YAML of spec, as a user writes it
		want []string // substrings the error message must hold
		// kubectl: apply with `kubectl apply -f -` and check what a kubectl user sees.
		kubectl bool
	}{
		// IMS takes __isregistered=true only.
		{name: "is-registered-false", spec: `filter: {isRegistered: false}`,
			want: []string{"spec.filter.isRegistered", "isRegistered can only be true"}},
		// Every closed set of values is an enum.
		{name: "image-type", spec: `filter: {imageType: public}`,
			want: []string{"spec.filter.imageType", "Unsupported value", `"gold"`}, kubectl: true},
		{name: "visibility", spec: `filter: {visibility: everyone}`,
			want: []string{"spec.filter.visibility", "Unsupported value"}},
		{name: "status", spec: `filter: {status: ready}`,
			want: []string{"spec.filter.status", "Unsupported value", `"active"`}},
		{name: "container-format", spec: `filter: {containerFormat: ovf}`,
			want: []string{"spec.filter.containerFormat", "Unsupported value", `"bare"`}},
		{name: "disk-format", spec: `filter: {diskFormat: vmdk}`,
			want: []string{"spec.filter.diskFormat", "Unsupported value", `"qcow2"`}},
		{name: "os-bit", spec: `filter: {osBit: "16"}`,
			want: []string{"spec.filter.osBit", "Unsupported value", `"64"`}},
		{name: "os-bit-integer", spec: `filter: {osBit: 64}`,
			want: []string{"spec.filter.osBit", "must be of type string"}},
		// platform is open, but a name: letters first, then letters, digits, " ._()-".
		{name: "platform", spec: `filter: {platform: "Ubuntu; rm -rf /"}`,
			want: []string{"spec.filter.platform", "should match"}, kubectl: true},
		{name: "platform-digit-first", spec: `filter: {platform: 1Ubuntu}`,
			want: []string{"spec.filter.platform", "should match"}},
		{name: "platform-ampersand", spec: `filter: {platform: "Ubuntu&__imagetype=private"}`,
			want: []string{"spec.filter.platform", "should match"}},
		{name: "platform-long", spec: fmt.Sprintf("filter: {platform: %q}", "P"+long(64)),
			want: []string{"spec.filter.platform", "Too long"}},
		{name: "os-type", spec: `filter: {osType: linux}`,
			want: []string{"spec.filter.osType", "Unsupported value", `"Linux"`}},
		{name: "member-status", spec: `filter: {visibility: shared, memberStatus: declined}`,
			want: []string{"spec.filter.memberStatus", "Unsupported value", `"accepted"`}},
		{name: "virtual-env-type", spec: `filter: {virtualEnvType: KVM}`,
			want: []string{"spec.filter.virtualEnvType", "Unsupported value", `"FusionCompute"`}},
		{name: "architecture", spec: `filter: {architecture: arm64}`,
			want: []string{"spec.filter.architecture", "Unsupported value", `"x86"`}},
		{name: "sort-key", spec: `sort: {key: create_at}`,
			want: []string{"spec.sort.key", "Unsupported value", `"created_at"`}},
		{name: "sort-direction", spec: `sort: {key: name, direction: ascending}`,
			want: []string{"spec.sort.direction", "Unsupported value", `"asc"`}},
		{name: "created-at-operator", spec: `filter: {createdAt: {operator: ge, time: "2018-10-28T10:00:00Z"}}`,
			want: []string{"spec.filter.createdAt.operator", "Unsupported value", `"gte"`}},
		{name: "updated-at-operator", spec: `filter: {updatedAt: {operator: after, time: "2018-10-28T10:00:00Z"}}`,
			want: []string{"spec.filter.updatedAt.operator", "Unsupported value"}},

		// Ranges.
		{name: "min-disk-over", spec: `filter: {minDisk: 1025}`,
			want: []string{"spec.filter.minDisk", "less than or equal to 1024"}},
		{name: "min-disk-negative", spec: `filter: {minDisk: -1}`,
			want: []string{"spec.filter.minDisk", "greater than or equal to 0"}},
		{name: "min-disk-string", spec: `filter: {minDisk: "40"}`,
			want: []string{"spec.filter.minDisk", "must be of type integer"}},
		{name: "page-size-zero", spec: `pageSize: 0`,
			want: []string{"spec.pageSize", "greater than or equal to 1"}},
		{name: "page-size-over", spec: `pageSize: 1001`,
			want: []string{"spec.pageSize", "less than or equal to 1000"}, kubectl: true},
		{name: "max-status-images-over", spec: `maxStatusImages: 1001`,
			want: []string{"spec.maxStatusImages", "less than or equal to 1000"}},
		{name: "refresh-interval-short", spec: `refreshInterval: 30s`,
			want: []string{"spec.refreshInterval", "refreshInterval must be at least 1m"}, kubectl: true},
		{name: "refresh-interval-not-duration", spec: `refreshInterval: every hour`,
			want: []string{"spec.refreshInterval", "should match"}},
		{name: "refresh-interval-number", spec: `refreshInterval: 600`,
			want: []string{"spec.refreshInterval", "must be of type string"}},

		// Strings.
		{name: "name-regex-long", spec: fmt.Sprintf("nameRegex: %q", long(257)),
			want: []string{"spec.nameRegex", "Too long", "256"}},
		{name: "name-regex-invalid", spec: `nameRegex: "("`,
			want: []string{"spec.nameRegex", "nameRegex must be a valid RE2 regular expression"}, kubectl: true},
		{name: "name-long", spec: fmt.Sprintf("filter: {name: %q}", long(256)),
			want: []string{"spec.filter.name", "Too long", "255"}},
		{name: "tag-long", spec: fmt.Sprintf("filter: {tag: %q}", long(256)),
			want: []string{"spec.filter.tag", "Too long"}},
		{name: "created-at-offset", spec: `filter: {createdAt: {operator: gt, time: "2018-10-28T10:00:00+08:00"}}`,
			want: []string{"spec.filter.createdAt.time", "should match"}},
		{name: "created-at-space", spec: `filter: {createdAt: {operator: gt, time: "2018-10-28 10:00:00"}}`,
			want: []string{"spec.filter.createdAt.time", "should match"}},
		{name: "updated-at-date-only", spec: `filter: {updatedAt: {operator: lt, time: "2018-10-28"}}`,
			want: []string{"spec.filter.updatedAt.time", "should match"}},
		{name: "created-at-no-time", spec: `filter: {createdAt: {operator: gt}}`,
			want: []string{"spec.filter.createdAt.time", "Required value"}},
		{name: "enterprise-project-id", spec: `filter: {enterpriseProjectID: "my-project"}`,
			want: []string{"spec.filter.enterpriseProjectID", "should match"}},
		{name: "enterprise-project-id-upper", spec: `filter: {enterpriseProjectID: "0A1B2C3D-0000-4000-8000-000000000000"}`,
			want: []string{"spec.filter.enterpriseProjectID", "should match"}},
		{name: "region-upper", spec: `region: CN-NORTH-4`,
			want: []string{"spec.region", "should match"}},
		{name: "region-url", spec: `region: "https://ims.example.com"`,
			want: []string{"spec.region", "should match"}, kubectl: true},
		{name: "region-host", spec: `region: "cn-north-4.example.com"`,
			want: []string{"spec.region", "should match"}},
		{name: "region-userinfo", spec: `region: "cn-north-4@example"`,
			want: []string{"spec.region", "should match"}},
		{name: "secret-ref-no-name", spec: `credentialsSecretRef: {}`,
			want: []string{"spec.credentialsSecretRef.name", "Required value"}},
		{name: "secret-ref-empty-name", spec: `credentialsSecretRef: {name: ""}`,
			want: []string{"spec.credentialsSecretRef.name"}},

		// Promotion: policy, from, minSoak, accessFrom.
		{name: "promotion-policy-unknown", spec: `promotion: {policy: Sometimes}`,
			want: []string{"spec.promotion.policy", "Automatic", "Manual"}, kubectl: true},
		{name: "promotion-min-soak-without-from", spec: `promotion: {minSoak: 48h}`,
			want: []string{"spec.promotion.minSoak", "it needs from"}, kubectl: true},
		{name: "promotion-min-soak-days", spec: `promotion: {from: {name: staging}, minSoak: 2d}`,
			want: []string{"spec.promotion.minSoak", "should match"}},
		{name: "promotion-from-without-name", spec: `promotion: {from: {namespace: staging}}`,
			want: []string{"spec.promotion.from.name", "Required"}},
		{name: "promotion-from-bad-name", spec: `promotion: {from: {name: "Staging Ubuntu"}}`,
			want: []string{"spec.promotion.from.name", "should match"}},
		{name: "promotion-from-bad-namespace", spec: `promotion: {from: {name: staging, namespace: "team/a"}}`,
			want: []string{"spec.promotion.from.namespace", "should match"}},
		{name: "access-from-empty", spec: `accessFrom: {namespaceSelectors: []}`,
			want: []string{"spec.accessFrom.namespaceSelectors", "at least 1"}},

		// Picking an image: minAge, exclude, latestBy, export.
		{name: "min-age-negative", spec: `minAge: -1h`,
			want: []string{"spec.minAge", "should match"}, kubectl: true},
		{name: "min-age-unparsable", spec: `minAge: a week`,
			want: []string{"spec.minAge", "should match"}},
		{name: "min-age-days", spec: `minAge: 7d`,
			want: []string{"spec.minAge", "should match"}},
		{name: "min-age-number", spec: `minAge: 3600`,
			want: []string{"spec.minAge", "must be of type string"}},
		{name: "min-age-overflow", spec: `minAge: 99999999999999h`,
			want: []string{"spec.minAge"}},
		{name: "exclude-name-regex-invalid", spec: `exclude: {nameRegex: "rc[0-9"}`,
			want: []string{"spec.exclude.nameRegex", "exclude.nameRegex must be a valid RE2 regular expression"}, kubectl: true},
		{name: "exclude-name-regex-long", spec: fmt.Sprintf("exclude: {nameRegex: %q}", long(257)),
			want: []string{"spec.exclude.nameRegex", "Too long"}},
		{name: "exclude-too-many-ids", spec: fmt.Sprintf("exclude: {ids: [%s]}", excludedIDs(imsv1.MaxExcludedIDs+1)),
			want: []string{"spec.exclude.ids", "Too many", "256"}},
		{name: "exclude-id-empty", spec: `exclude: {ids: [""]}`,
			want: []string{"spec.exclude.ids[0]"}},
		{name: "exclude-id-duplicate", spec: `exclude: {ids: [a, a]}`,
			want: []string{"spec.exclude.ids[1]", "Duplicate value"}},
		{name: "latest-by-unknown", spec: `latestBy: semver`,
			want: []string{"spec.latestBy", "Unsupported value", `"nameVersion"`}, kubectl: true},
		{name: "latest-by-version-without-regex", spec: `latestBy: nameVersion`,
			want: []string{"spec.latestBy", "latestBy: nameVersion needs a capture group"}, kubectl: true},
		{name: "latest-by-version-without-group", spec: `{latestBy: nameVersion, nameRegex: '^Ubuntu \d+'}`,
			want: []string{"spec.latestBy", "latestBy: nameVersion needs a capture group"}},
		{name: "export-name-invalid", spec: `export: {configMapName: My_Image}`,
			want: []string{"spec.export.configMapName", "should match"}, kubectl: true},
		{name: "export-name-missing", spec: `export: {}`,
			want: []string{"spec.export.configMapName", "Required value"}},
		{name: "export-name-long", spec: fmt.Sprintf("export: {configMapName: %q}", long(254)),
			want: []string{"spec.export.configMapName", "Too long"}},
		{name: "export-name-path", spec: `export: {configMapName: ../kube-system/x}`,
			want: []string{"spec.export.configMapName", "should match"}},

		// Rules across fields (CEL).
		{name: "member-status-alone", spec: `filter: {memberStatus: accepted}`,
			want: []string{"spec.filter.memberStatus", "memberStatus requires visibility: shared"}, kubectl: true},
		{name: "member-status-public", spec: `filter: {memberStatus: pending, visibility: public}`,
			want: []string{"spec.filter.memberStatus", "memberStatus requires visibility: shared"}},
		{name: "xen-gpu-with-xen", spec: `filter: {supportXenGPUType: V100, supportXen: true}`,
			want: []string{"spec.filter.supportXenGPUType", "supportXenGPUType cannot be combined with supportXen or supportKVM"}},
		{name: "xen-gpu-with-kvm", spec: `filter: {supportXenGPUType: V100, supportKVM: true}`,
			want: []string{"spec.filter.supportXenGPUType", "supportXenGPUType cannot be combined with supportXen or supportKVM"}},
		{name: "kvm-gpu-with-xen", spec: `filter: {supportKVMGPUType: V100, supportXen: true}`,
			want: []string{"spec.filter.supportKVMGPUType", "supportKVMGPUType cannot be combined with supportXen or supportKVM"}, kubectl: true},
		{name: "kvm-gpu-with-kvm", spec: `filter: {supportKVMGPUType: V100, supportKVM: true}`,
			want: []string{"spec.filter.supportKVMGPUType", "supportKVMGPUType cannot be combined with supportXen or supportKVM"}},
		{name: "xen-hana-with-xen", spec: `filter: {supportXenHANA: true, supportXen: true}`,
			want: []string{"spec.filter.supportXenHANA", "supportXenHANA cannot be combined with supportXen or supportKVM"}},
		{name: "xen-hana-with-kvm", spec: `filter: {supportXenHANA: true, supportKVM: true}`,
			want: []string{"spec.filter.supportXenHANA", "supportXenHANA cannot be combined with supportXen or supportKVM"}},
		{name: "kvm-infiniband-with-xen", spec: `filter: {supportKVMInfiniband: true, supportXen: true}`,
			want: []string{"spec.filter.supportKVMInfiniband", "supportKVMInfiniband cannot be combined with supportXen"}},
		{name: "support-flag-string", spec: `filter: {supportKVM: "true"}`,
			want: []string{"spec.filter.supportKVM", "must be of type boolean"}},

		// Picking: several terms, tags, variants.
		{name: "filters-with-filter", spec: `{filter: {platform: Ubuntu}, filters: [{platform: CentOS}]}`,
			want: []string{"spec.filters", "filters cannot be combined with filter"}, kubectl: true},
		{name: "filters-empty", spec: `filters: []`,
			want: []string{"spec.filters", "should have at least 1 items"}},
		{name: "filters-eleven", spec: "filters: [" + strings.Repeat("{platform: Ubuntu}, ", 10) + "{platform: CentOS}]",
			want: []string{"spec.filters", "must have at most 10 items"}},
		{name: "filters-term-checked", spec: `filters: [{imageType: public}]`,
			want: []string{"spec.filters[0].imageType", "Unsupported value"}},
		{name: "match-tags-21", spec: "matchTags: {" + matchTags(21) + "}",
			want: []string{"spec.matchTags", "must have at most 20 items"}},
		{name: "match-tags-control", spec: "matchTags: {kubernetes_version: \"v1.32\\u0007*\"}",
			want: []string{"spec.matchTags[kubernetes_version]", "must not contain control characters"}},
		{name: "match-tags-key-control", spec: "matchTags: {\"k\\u202e\": \"*\"}",
			want: []string{"spec.matchTags", "matchTags keys must not contain control characters"}},
		{name: "tag-labels-11", spec: "tagLabels: [" + tagKeyList(11) + "]",
			want: []string{"spec.tagLabels", "must have at most 10 items"}},
		{name: "tag-label-not-a-label", spec: `tagLabels: ["kubernetes version"]`,
			want: []string{"spec.tagLabels[0]", "should match"}, kubectl: true},
		{name: "tag-label-slash", spec: `tagLabels: ["a/b"]`,
			want: []string{"spec.tagLabels[0]", "should match"}},
		{name: "tag-label-repeated", spec: `tagLabels: [kubernetes_version, kubernetes_version]`,
			want: []string{"spec.tagLabels[1]", "Duplicate value"}},
		{name: "latest-per-unknown", spec: `latestPer: [gpu]`,
			want: []string{"spec.latestPer[0]", "Unsupported value", `"architecture"`}, kubectl: true},
		{name: "latest-per-repeated", spec: `latestPer: [architecture, architecture]`,
			want: []string{"spec.latestPer[1]", "Duplicate value"}},
		{name: "latest-per-four", spec: `latestPer: [architecture, platform, osBit, virtualEnvType]`,
			want: []string{"spec.latestPer", "must have at most 3 items"}},
		{name: "allowed-ids-string", spec: `export: {configMapName: x, allowedImageIDs: "yes"}`,
			want: []string{"spec.export.allowedImageIDs", "must be of type boolean"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := imageQueryManifest(t, ns, tc.name, tc.spec)
			var msg string
			if tc.kubectl {
				manifest, err := yaml.Marshal(obj.Object)
				if err != nil {
					t.Fatal(err)
				}
				stdout, stderr, err := runKubectl(t, manifest, "apply", "-f", "-")
				if err == nil {
					t.Fatalf("kubectl apply accepted it: %s", stdout)
				}
				msg = stderr
				if want := fmt.Sprintf("The ImageQuery %q is invalid", tc.name); !strings.Contains(msg, want) {
					t.Errorf("kubectl said %q, want it to contain %q", msg, want)
				}
			} else {
				err := k8s.Create(context.Background(), obj)
				if err == nil {
					t.Fatal("the API server accepted it")
				}
				if !apierrors.IsInvalid(err) {
					t.Fatalf("want an Invalid error, got %v", err)
				}
				msg = err.Error()
			}
			for _, want := range tc.want {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": imsv1.GroupVersion.String(), "kind": "ImageQuery"}})
			if !apierrors.IsNotFound(err) {
				t.Errorf("the refused object exists (get: %v)", err)
			}
		})
	}
}

// kubectl refuses fields the schema does not know, e.g. the paging parameters that the
// operator drives itself, instead of silently dropping them.
func TestUnknownImageQueryFieldsAreRefusedByKubectl(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	for _, field := range []string{"limit", "marker", "sort_key"} {
		obj := imageQueryManifest(t, ns, "unknown-"+strings.ReplaceAll(field, "_", "-"), fmt.Sprintf("filter: {%s: x}", field))
		manifest, err := yaml.Marshal(obj.Object)
		if err != nil {
			t.Fatal(err)
		}
		stdout, stderr, err := runKubectl(t, manifest, "apply", "-f", "-")
		if err == nil {
			t.Errorf("%s: kubectl apply accepted it: %s", field, stdout)
			continue
		}
		if want := fmt.Sprintf("unknown field %q", "spec.filter."+field); !strings.Contains(stderr, want) {
			t.Errorf("%s: kubectl said %q, want it to contain %q", field, stderr, want)
		}
	}
}

// Valid edge cases are accepted and stored as written (plus defaults). They are suspended,
// so they never sync.
func TestValidImageQueryEdgeCasesAreAccepted(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	cases := []struct{ name, spec string }{
		{"min-disk-max", `filter: {minDisk: 1024}`},
		{"min-disk-zero", `filter: {minDisk: 0}`},
		{"page-size-1", `pageSize: 1`},
		{"page-size-1000", `pageSize: 1000`},
		{"max-status-images-0", `maxStatusImages: 0`},
		{"max-status-images-1000", `maxStatusImages: 1000`},
		{"refresh-1m", `refreshInterval: 1m`},
		{"refresh-60s", `refreshInterval: 60s`},
		{"refresh-compound", `refreshInterval: 1h30m`},
		{"refresh-fraction", `refreshInterval: 1.5h`},
		{"member-status-shared", `filter: {memberStatus: accepted, visibility: shared, imageType: shared}`},
		{"oracle-linux", `filter: {platform: Oracle Linux}`},
		{"platform-open-euler", `filter: {platform: openEuler}`},
		{"platform-hce", `filter: {platform: Huawei Cloud EulerOS}`},
		{"platform-punctuation", `filter: {platform: "Kylin V10 (SP3)_x86-64.2"}`},
		{"image-type-market", `filter: {imageType: market}`},
		{"min-age", `minAge: 168h`},
		{"min-age-zero", `minAge: 0s`},
		{"min-age-compound", `minAge: 1h30m`},
		{"exclude", fmt.Sprintf("exclude: {ids: [%s], nameRegex: '-rc\\d+$'}", excludedIDs(imsv1.MaxExcludedIDs))},
		{"latest-by-created-at", `latestBy: createdAt`},
		{"latest-by-name-version", `{latestBy: nameVersion, nameRegex: '^Ubuntu (\d+\.\d+) server'}`},
		{"latest-by-non-capturing-only", `{latestBy: nameVersion, nameRegex: '^Ubuntu (?:\d+)'}`}, // the operator stalls it
		{"export", `export: {configMapName: ubuntu-latest.v1}`},
		{"os-bit-32", `filter: {osBit: "32"}`},
		{"kvm-gpu-alone", `filter: {supportKVMGPUType: V100}`},
		{"kvm-gpu-xen-false", `filter: {supportKVMGPUType: V100, supportXen: false, supportKVM: false}`},
		{"xen-gpu-alone", `filter: {supportXenGPUType: M60}`},
		{"kvm-infiniband-with-kvm", `filter: {supportKVMInfiniband: true, supportKVM: true}`},
		{"xen-hana-alone", `filter: {supportXenHANA: true, supportLargeMemory: true}`},
		{"created-at", `filter: {createdAt: {operator: gte, time: "2018-10-28T10:00:00Z"}, updatedAt: {operator: neq, time: "2024-02-29T23:59:59Z"}}`},
		{"enterprise-project-default", `filter: {enterpriseProjectID: "0"}`},
		{"enterprise-project-all", `filter: {enterpriseProjectID: all_granted_eps}`},
		{"enterprise-project-uuid", `filter: {enterpriseProjectID: 0a1b2c3d-0000-4000-8000-00000000abcd}`},
		{"name-255", fmt.Sprintf("filter: {name: %q}", strings.Repeat("a", 255))},
		{"name-regex-256", fmt.Sprintf("nameRegex: %q", "^"+strings.Repeat("a", 255))},
		{"name-regex-classes", `nameRegex: '^Ubuntu 2[2-9]\.\d+ (server|minimal)?$'`},
		{"region", `region: ap-southeast-1`},
		{"sort", `sort: {key: size, direction: asc}`},
		{"everything-common", `{filter: {imageType: gold, visibility: public, protected: true, status: active, osType: Linux, architecture: arm, diskFormat: zvhd2, containerFormat: bare, virtualEnvType: FusionCompute}, credentialsSecretRef: {name: ims-credentials}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := imageQueryManifest(t, ns, tc.name, tc.spec)
			sent, _, _ := unstructured.NestedMap(obj.Object, "spec")
			if err := unstructured.SetNestedField(obj.Object, true, "spec", "suspend"); err != nil {
				t.Fatal(err)
			}
			if err := k8s.Create(context.Background(), obj); err != nil {
				t.Fatalf("refused: %v", err)
			}
			stored, _, _ := unstructured.NestedMap(obj.Object, "spec")
			if missing := notIn(sent, stored, "spec"); missing != "" {
				t.Errorf("the stored object lost or changed %s: sent %v, stored %v", missing, sent, stored)
			}
		})
	}
}

// excludedIDs is n distinct image IDs as a YAML flow sequence's items.
func excludedIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08x-0000-4000-8000-000000000000", i)
	}
	return strings.Join(ids, ", ")
}

// notIn returns the path of the first value of sent that stored does not hold equally.
func notIn(sent, stored map[string]any, path string) string {
	for k, v := range sent {
		got, ok := stored[k]
		if !ok {
			return path + "." + k
		}
		if m, isMap := v.(map[string]any); isMap {
			gm, _ := got.(map[string]any)
			if p := notIn(m, gm, path+"."+k); p != "" {
				return p
			}
			continue
		}
		if fmt.Sprint(v) != fmt.Sprint(got) || reflect.TypeOf(v).Kind() == reflect.String && reflect.TypeOf(got).Kind() != reflect.String {
			return path + "." + k
		}
	}
	return ""
}

// matchTags is n distinct matchTags entries, as YAML flow mapping content.
func matchTags(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf("k%d: \"*\"", i))
	}
	return strings.Join(parts, ", ")
}

// tagKeyList is n distinct tag keys, as YAML flow sequence content.
func tagKeyList(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf("k%d", i))
	}
	return strings.Join(parts, ", ")
}
