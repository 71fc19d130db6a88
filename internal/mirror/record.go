package mirror

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/bound"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// ImageRecord converts a listed image into the CloudImage's record. Strings are cut to the
// schema's bounds so that one odd value cannot make the whole object unwritable.
func ImageRecord(img *ims.Image) imsv1.ImageRecord {
	s, l := short, long
	r := imsv1.ImageRecord{
		ID:                     s(img.ID),
		Name:                   s(img.Name),
		Status:                 s(img.Status),
		Visibility:             s(img.Visibility),
		Owner:                  s(img.Owner),
		File:                   l(img.File),
		Self:                   l(img.Self),
		Schema:                 l(img.Schema),
		Checksum:               s(img.Checksum),
		Size:                   img.Size,
		Deleted:                img.Deleted,
		Protected:              img.Protected,
		ContainerFormat:        s(img.ContainerFormat),
		DiskFormat:             s(img.DiskFormat),
		MinRAM:                 img.MinRAM,
		MinDisk:                img.MinDisk,
		MaxRAM:                 s(img.MaxRAM),
		CreatedAt:              s(img.CreatedAt),
		UpdatedAt:              s(img.UpdatedAt),
		DeletedAt:              s(img.DeletedAt),
		OSBit:                  s(img.OSBit),
		OSVersion:              s(img.OSVersion),
		Description:            l(img.Description),
		IsRegistered:           img.IsRegistered,
		Platform:               s(img.Platform),
		OSType:                 s(img.OSType),
		VirtualEnvType:         s(img.VirtualEnvType),
		ImageSourceType:        s(img.ImageSourceType),
		ImageType:              s(img.ImageType),
		VirtualSize:            img.VirtualSize,
		OriginalImageName:      s(img.OriginalImageName),
		BackupID:               s(img.BackupID),
		ProductCode:            s(img.ProductCode),
		ImageSize:              s(img.ImageSize),
		DataOrigin:             l(img.DataOrigin),
		SupportKVM:             img.SupportKVM,
		SupportXen:             img.SupportXen,
		SupportLargeMemory:     img.SupportLargeMemory,
		SupportDiskIntensive:   img.SupportDiskIntensive,
		SupportHighPerformance: img.SupportHighPerformance,
		SupportXenHANA:         img.SupportXenHANA,
		SupportKVMInfiniband:   img.SupportKVMInfiniband,
		SupportXenGPUType:      s(img.SupportXenGPUType),
		SupportKVMGPUType:      s(img.SupportKVMGPUType),
		SystemSupportMarket:    img.SystemSupportMarket,
		IsOffshelved:           img.IsOffshelved,
		EnterpriseProjectID:    s(img.EnterpriseProjectID),
		RootOrigin:             s(img.RootOrigin),
		SequenceNum:            s(img.SequenceNum),
		SupportFCInject:        img.SupportFCInject,
		SupportARM:             img.SupportARM,
		HWFirmwareType:         s(img.HWFirmwareType),
		Architecture:           img.Architecture(),
	}
	var droppedTags, droppedExtra int
	var kept []string
	r.Tags, droppedTags = boundedTags(img.Tags)
	r.ExtraProperties, kept, droppedExtra = boundedExtra(img.Extra)
	fitRecord(&r, kept, droppedExtra, droppedTags)
	return r
}

// ImageLabels are the contract's attribute labels of a CloudImage.
func ImageLabels(region string, r *imsv1.ImageRecord) map[string]string {
	labels := map[string]string{imsv1.LabelManagedBy: imsv1.ManagedByValue}
	for key, value := range map[string]string{
		imsv1.LabelRegion:         region,
		imsv1.LabelPlatform:       r.Platform,
		imsv1.LabelOSType:         r.OSType,
		imsv1.LabelOSBit:          r.OSBit,
		imsv1.LabelArchitecture:   r.Architecture,
		imsv1.LabelImageType:      r.ImageType,
		imsv1.LabelVisibility:     r.Visibility,
		imsv1.LabelStatus:         r.Status,
		imsv1.LabelVirtualEnvType: r.VirtualEnvType,
	} {
		if v := imsv1.LabelValue(value); v != "" {
			labels[key] = v
		}
	}
	if r.IsOffshelved != nil && *r.IsOffshelved {
		labels[imsv1.LabelOffshelved] = "true"
	}
	return labels
}

func short(s string) string { return bound.String(s, imsv1.MaxShortString) }
func long(s string) string  { return bound.String(s, imsv1.MaxLongString) }

// ContentHash is a hash of what the listing decides about a CloudImage's region and record.
func ContentHash(ci *imsv1.CloudImage) string {
	b, err := json.Marshal(struct {
		Region string            `json:"region"`
		Image  imsv1.ImageRecord `json:"image"`
	}{ci.Region, ci.Image})
	if err != nil {
		return "" // cannot happen for these types; "" never matches, so the record is rewritten
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
