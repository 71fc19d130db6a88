package controllers

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// Messages of the CRD's rules against hostile text (api/v1alpha1/imagequery_types.go).
const (
	refusedControls = "must not contain control characters or bidirectional text controls"
	refusedSecret   = "must be a Secret name"
)

// hostileCase is one value a hostile or careless user puts at one spec field.
type hostileCase struct {
	name  string
	field string // path under spec, e.g. "filter.flavorID"
	value any    // as it goes over the wire: strings may hold any byte
	want  string // what the error must say besides naming the field
}

// hostileManifests are values no IMS field legitimately holds. Each must be refused by the API
// server itself, naming the field, so that it never reaches IMS or a log line.
func hostileManifests() []hostileCase {
	long := func(n int) string { return strings.Repeat("a", n) }
	return []hostileCase{
		// Control characters, in every free-text field.
		{"flavor-nul", "filter.flavorID", "s3.large.2\x00", refusedControls},
		{"flavor-nul-rlo", "filter.flavorID", "s3.\x00large\u202e.2", refusedControls},
		{"name-crlf", "filter.name", "Ubuntu\r\nX-Injected: 1", refusedControls},
		{"name-lf", "filter.name", "Ubuntu 22.04\n", refusedControls},
		{"name-tab", "filter.name", "Ubuntu\t22.04", refusedControls},
		{"name-escape", "filter.name", "\x1b[31mred", refusedControls},
		{"name-del", "filter.name", "Ubuntu\x7f", refusedControls},
		{"name-c1-next-line", "filter.name", "Ubuntu\u0085", refusedControls},
		{"owner-nul", "filter.owner", "0a1b\x00", refusedControls},
		{"id-bell", "filter.id", "\a0a1b", refusedControls},
		{"tag-crlf", "filter.tag", "env=prod\r\n", refusedControls},
		{"xen-gpu-nul", "filter.supportXenGPUType", "V100\x00", refusedControls},
		{"kvm-gpu-vt", "filter.supportKVMGPUType", "V100\v", refusedControls},
		{"name-regex-nul", "nameRegex", "^Ubuntu\x00", refusedControls},
		{"name-regex-newline", "nameRegex", "^Ubuntu\n$", refusedControls},
		{"exclude-regex-nul", "exclude.nameRegex", "rc\x00", refusedControls},
		{"exclude-id-rlo", "exclude.ids", []any{"0a1b\u202e"}, refusedControls},
		{"exclude-id-lf", "exclude.ids", []any{"ok", "0a1b\n"}, refusedControls},
		{"export-traversal", "export.configMapName", "../kube-system/x", "should match"},
		{"service-account-slash", "serviceAccountName", "kube-system/default", "should match"},

		// Bidirectional text controls: text that reads differently from what it is.
		{"name-rlo", "filter.name", "Ubuntu \u202e46x", refusedControls},
		{"name-lre", "filter.name", "\u202aUbuntu", refusedControls},
		{"name-pdf", "filter.name", "Ubuntu\u202c", refusedControls},
		{"name-lri", "filter.name", "\u2066Ubuntu\u2069", refusedControls},
		{"name-rlm", "filter.name", "Ubuntu\u200f", refusedControls},
		{"name-alm", "filter.name", "Ubuntu\u061c", refusedControls},
		{"tag-fsi", "filter.tag", "env=\u2068prod", refusedControls},
		{"owner-rlo", "filter.owner", "\u202eowner", refusedControls},
		{"name-regex-rlo", "nameRegex", "^Ubuntu\u202e", refusedControls},

		// Overlong values.
		{"owner-long", "filter.owner", long(65), "Too long"},
		{"id-long", "filter.id", long(65), "Too long"},
		{"flavor-long", "filter.flavorID", long(129), "Too long"},
		{"xen-gpu-long", "filter.supportXenGPUType", long(65), "Too long"},
		{"kvm-gpu-long", "filter.supportKVMGPUType", long(65), "Too long"},
		{"secret-long", "credentialsSecretRef.name", long(254), "Too long"},
		{"region-long", "region", "cn-" + long(62), "Too long"},

		// Injection attempts: path traversal, other namespaces, query and header smuggling.
		{"secret-traversal", "credentialsSecretRef.name", "../kube-system/x", refusedSecret},
		{"secret-slash", "credentialsSecretRef.name", "kube-system/ims-credentials", refusedSecret},
		{"secret-upper", "credentialsSecretRef.name", "IMS-Credentials", refusedSecret},
		{"secret-dot-start", "credentialsSecretRef.name", ".hidden", refusedSecret},
		{"secret-dash-end", "credentialsSecretRef.name", "creds-", refusedSecret},
		{"secret-space", "credentialsSecretRef.name", "ims credentials", refusedSecret},
		{"secret-percent", "credentialsSecretRef.name", "ims%2fcredentials", refusedSecret},
		{"secret-crlf", "credentialsSecretRef.name", "ims\r\ncredentials", refusedSecret},
		{"region-query", "region", "cn-north-4&limit=1", "should match"},
		{"region-path", "region", "cn-north-4/../../admin", "should match"},
		{"enterprise-project-query", "filter.enterpriseProjectID", "0&__imagetype=private", "should match"},
		{"created-at-query", "filter.createdAt", map[string]any{"operator": "gt", "time": "2018-10-28T10:00:00Z&marker=x"}, "should match"},
		{"sort-key-query", "sort.key", "name&limit=1", "Unsupported value"},
		{"refresh-shell", "refreshInterval", "1m; rm -rf /", "should match"},
		{"platform-crlf", "filter.platform", "Ubuntu\r\n", "should match"},

		// Wrong types.
		{"flavor-number", "filter.flavorID", int64(5), "must be of type string"},
		{"name-bool", "filter.name", true, "must be of type string"},
		{"tag-list", "filter.tag", []any{"a=b"}, "must be of type string"},
		{"owner-object", "filter.owner", map[string]any{"$ne": ""}, "must be of type string"},
		{"secret-name-list", "credentialsSecretRef.name", []any{"ims-credentials"}, "must be of type string"},
		{"name-regex-number", "nameRegex", int64(1), "must be of type string"},
		{"page-size-string", "pageSize", "500", "must be of type integer"},
		{"suspend-string", "suspend", "yes", "must be of type boolean"},
	}
}

// Every hostile manifest is refused by the API server with the field named; nothing is stored.
func TestHostileImageQueriesAreRefused(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	cases := hostileManifests()
	if len(cases) < 30 {
		t.Fatalf("only %d hostile manifests", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := imageQueryManifest(t, ns, tc.name, "{}")
			path := append([]string{"spec"}, strings.Split(tc.field, ".")...)
			if err := unstructured.SetNestedField(obj.Object, tc.value, path...); err != nil {
				t.Fatal(err)
			}
			err := k8s.Create(context.Background(), obj)
			if err == nil {
				t.Fatal("the API server accepted it")
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want an Invalid error, got %v", err)
			}
			for _, want := range []string{"spec." + tc.field, tc.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			err = k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": imsv1.GroupVersion.String(), "kind": "ImageQuery"}})
			if !apierrors.IsNotFound(err) {
				t.Errorf("the refused object exists (get: %v)", err)
			}
		})
	}
}

// Free text that is legitimate, however odd (URL and shell metacharacters, quotes, non-Latin
// scripts, zero-width characters that are not bidi controls), is accepted and reaches IMS
// byte for byte: escaped on the wire, never altered.
func TestLegitimateFreeTextReachesIMSExactly(t *testing.T) {
	integration(t)
	ns := newNamespace(t)
	want := map[string]string{ // IMS parameter → value
		"name":                   `Ubuntu 22.04 & "server" <64bit> = 100% ../../x?y#z +`,
		"owner":                  "プロジェクト/../%00;$(id)",
		"tag":                    "team=a&b=c",
		"__support_kvm_gpu_type": "V100\u200bPCIe 'x'",
	}
	q := newQuery(ns, "free-text", imsv1.ImageQuerySpec{
		Filter: imsv1.ImageFilter{
			Name:              imsv1.PlainText(want["name"]),
			Owner:             imsv1.PlainText(want["owner"]),
			Tag:               imsv1.PlainText(want["tag"]),
			SupportKVMGPUType: imsv1.PlainText(want["__support_kvm_gpu_type"]),
		},
		NameRegex: `^Ubuntu 22\.04 & "server" <64bit>`,
	})
	sim.ResetRequests()
	createQuery(t, q)
	stored := waitReady(t, ns, q.Name)
	if stored.Spec.Filter != q.Spec.Filter || stored.Spec.NameRegex != q.Spec.NameRegex {
		t.Errorf("stored spec differs: %+v", stored.Spec.Filter)
	}
	for _, r := range sim.Requests() {
		if r.Query.Get("name") != want["name"] {
			continue // another test's query
		}
		for param, v := range want {
			if got := r.Query[param]; len(got) != 1 || got[0] != v {
				t.Errorf("IMS received %s=%q, want %q", param, got, v)
			}
		}
		return
	}
	t.Fatalf("no request for %q reached the simulator", want["name"])
}
