package ims

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Endpoints resolves a region's IMS endpoints as the official SDK does
// (../shared/huawei-credentials.md §4): HUAWEICLOUD_SDK_REGION_IMS_<REGION> (a comma-separated
// list: the primary endpoint and fall-backs), then the regions file
// (HUAWEICLOUD_SDK_REGIONS_FILE, default ~/.huaweicloud/regions.yaml), then
// https://ims.{region}.myhuaweicloud.com. They come from the manager's environment only.
type Endpoints struct {
	getenv func(string) string
	file   map[string][]string // region -> endpoints of the IMS service
}

// regionEntry is one region of a service in the regions file.
type regionEntry struct {
	ID        string   `json:"id"`
	Endpoint  string   `json:"endpoint"`
	Endpoints []string `json:"endpoints"`
}

// NewEndpoints reads the regions file, if any. A file named by HUAWEICLOUD_SDK_REGIONS_FILE
// must exist; the default one may not.
func NewEndpoints(getenv func(string) string) (*Endpoints, error) {
	e := &Endpoints{getenv: getenv, file: map[string][]string{}}
	path, required := getenv("HUAWEICLOUD_SDK_REGIONS_FILE"), true
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return e, nil
		}
		path, required = filepath.Join(home, ".huaweicloud", "regions.yaml"), false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !required && os.IsNotExist(err) {
			return e, nil
		}
		return nil, fmt.Errorf("regions file: %w", err)
	}
	var services map[string][]regionEntry
	if err := yaml.Unmarshal(data, &services); err != nil {
		return nil, fmt.Errorf("regions file %s: %w", path, err)
	}
	for service, regions := range services {
		if !strings.EqualFold(service, "ims") {
			continue
		}
		for _, r := range regions {
			urls := r.Endpoints
			if r.Endpoint != "" {
				urls = append([]string{r.Endpoint}, urls...)
			}
			if r.ID != "" && len(urls) > 0 {
				e.file[r.ID] = urls
			}
		}
	}
	return e, nil
}

// For returns region's configured endpoints, the primary first; nil means the public one,
// EndpointForRegion (which New builds after checking the region's name).
func (e *Endpoints) For(region string) []string {
	key := "HUAWEICLOUD_SDK_REGION_IMS_" + strings.ToUpper(strings.ReplaceAll(region, "-", "_"))
	var urls []string
	for u := range strings.SplitSeq(e.getenv(key), ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	if len(urls) > 0 {
		return urls
	}
	return e.file[region]
}
