package ims

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestEndpointsResolveAsTheSDK(t *testing.T) {
	file := filepath.Join(t.TempDir(), "regions.yaml")
	yaml := `
ECS:
  - id: cn-north-4
    endpoint: https://ecs.example
IMS:
  - id: hcs-region-1
    endpoint: https://ims.hcs.example
  - id: hcs-region-2
    endpoints: [https://ims-a.hcs2.example, https://ims-b.hcs2.example]
  - id: cn-north-4
    endpoint: https://ims.from-file.example
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := NewEndpoints(envOf(map[string]string{
		"HUAWEICLOUD_SDK_REGIONS_FILE":          file,
		"HUAWEICLOUD_SDK_REGION_IMS_CN_NORTH_4": "https://primary.example, https://fallback.example",
	}))
	if err != nil {
		t.Fatal(err)
	}
	for region, want := range map[string][]string{
		"cn-north-4":     {"https://primary.example", "https://fallback.example"}, // the environment wins
		"hcs-region-1":   {"https://ims.hcs.example"},
		"hcs-region-2":   {"https://ims-a.hcs2.example", "https://ims-b.hcs2.example"},
		"ap-southeast-1": nil, // the public https://ims.{region}.myhuaweicloud.com
	} {
		if got := e.For(region); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", region, got, want)
		}
	}
}

func TestEndpointsFileErrors(t *testing.T) {
	if _, err := NewEndpoints(envOf(map[string]string{"HUAWEICLOUD_SDK_REGIONS_FILE": "/no/such/file.yaml"})); err == nil {
		t.Error("a named regions file that does not exist is not an error")
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte("IMS: {id: [\n"), 0o600)
	if _, err := NewEndpoints(envOf(map[string]string{"HUAWEICLOUD_SDK_REGIONS_FILE": bad})); err == nil {
		t.Error("a malformed regions file is not an error")
	}
	t.Setenv("HOME", t.TempDir()) // no ~/.huaweicloud/regions.yaml: fine
	if e, err := NewEndpoints(envOf(nil)); err != nil || e.For("cn-north-4") != nil {
		t.Errorf("without a regions file: %v %v", e.For("cn-north-4"), err)
	}
}

func TestManagerChainOrder(t *testing.T) {
	fed := map[string]string{"HUAWEICLOUD_SDK_IDP_ID": "idp", "HUAWEICLOUD_SDK_ID_TOKEN_FILE": "/var/run/token",
		"HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "SK"}
	if src, _ := ManagerChain(envOf(fed), ChainOptions{ECSMetadata: true}); src == nil || src.Identity()[:11] != "federation:" {
		t.Errorf("federation does not win over AK/SK: %v", src)
	}
	delete(fed, "HUAWEICLOUD_SDK_IDP_ID")
	if src, _ := ManagerChain(envOf(fed), ChainOptions{ECSMetadata: true}); src == nil || src.Identity() != "aksk:AK" {
		t.Errorf("AK/SK does not win over metadata: %v", src)
	}
	if src, _ := ManagerChain(envOf(nil), ChainOptions{ECSMetadata: true}); src == nil || src.Identity()[:13] != "ecs-metadata:" {
		t.Errorf("metadata not used when asked: %v", src)
	}
	if src, what := ManagerChain(envOf(nil), ChainOptions{}); src != nil || what != "none" {
		t.Errorf("metadata used without --ecs-metadata-credentials: %v", src)
	}
}
