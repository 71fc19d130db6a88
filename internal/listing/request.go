package listing

import (
	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// Request maps one filter of an ImageQuery's spec onto the IMS List-images request. Paging
// (marker) is the client's job; the page size and sort order come from the spec.
func Request(spec *imsv1.ImageQuerySpec, f *imsv1.ImageFilter) ims.ListImagesRequest {
	req := ims.ListImagesRequest{
		IsRegistered:           f.IsRegistered,
		ImageType:              string(f.ImageType),
		WholeImage:             f.WholeImage,
		Protected:              f.Protected,
		Visibility:             f.Visibility,
		Owner:                  string(f.Owner),
		ID:                     string(f.ID),
		Status:                 f.Status,
		Name:                   string(f.Name),
		FlavorID:               string(f.FlavorID),
		ContainerFormat:        f.ContainerFormat,
		DiskFormat:             f.DiskFormat,
		MinRAM:                 f.MinRAM,
		MinDisk:                f.MinDisk,
		OSBit:                  f.OSBit,
		Platform:               f.Platform,
		OSType:                 f.OSType,
		Tag:                    string(f.Tag),
		MemberStatus:           f.MemberStatus,
		SupportKVM:             f.SupportKVM,
		SupportXen:             f.SupportXen,
		SupportLargeMemory:     f.SupportLargeMemory,
		SupportDiskIntensive:   f.SupportDiskIntensive,
		SupportHighPerformance: f.SupportHighPerformance,
		SupportXenGPUType:      string(f.SupportXenGPUType),
		SupportKVMGPUType:      string(f.SupportKVMGPUType),
		SupportXenHANA:         f.SupportXenHANA,
		SupportKVMInfiniband:   f.SupportKVMInfiniband,
		VirtualEnvType:         f.VirtualEnvType,
		EnterpriseProjectID:    f.EnterpriseProjectID,
		CreatedAt:              timeFilter(f.CreatedAt),
		UpdatedAt:              timeFilter(f.UpdatedAt),
		Architecture:           string(f.Architecture),
		Limit:                  ims.DefaultPageSize,
	}
	if spec.PageSize > 0 {
		req.Limit = int(spec.PageSize)
	}
	if spec.Sort != nil {
		req.SortKey, req.SortDir = string(spec.Sort.Key), string(spec.Sort.Direction)
	}
	return req
}

func timeFilter(t *imsv1.TimeFilter) *ims.TimeFilter {
	if t == nil {
		return nil
	}
	return &ims.TimeFilter{Operator: string(t.Operator), Time: t.Time}
}
