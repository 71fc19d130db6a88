package imssim

import (
	"crypto/sha256"
	"fmt"
	"time"
)

// Building blocks shared by the default and the generated catalogs: the
// field set real IMS records carry, so every catalog looks like the API.

// publicOwner owns IMS's public images (the seed sample's owner).
const publicOwner = "1bed856811654c1cb661a6ca845ebc77"

// emptyChecksum is the MD5 of nothing, what IMS reports for its images.
const emptyChecksum = "d41d8cd98f00b204e9800998ecf8427e"

// stableID derives a lower-case version-4-shaped UUID from a name, so the
// default catalog's ids never change between runs.
func stableID(name string) string {
	sum := sha256.Sum256([]byte("imssim/" + name))
	return formatUUID(sum[:16])
}

// formatUUID formats 16 bytes as a lower-case RFC 4122 version-4 UUID.
func formatUUID(b []byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// osTypeOf is the __os_type consistent with a __platform.
func osTypeOf(platform string) string {
	switch platform {
	case "Windows":
		return "Windows"
	case "Other":
		return "Other"
	}
	return "Linux"
}

// baseImage returns a record with every documented field, as IMS fills
// them for an active, registered KVM image.
func baseImage(id, name, platform, osVersion string, created time.Time, updatedAfter time.Duration, imageSize int64) Image {
	minRAM := 0
	if platform == "Windows" {
		minRAM = 2048
	}
	return Image{
		"schema":                  "/v2/schemas/image",
		"id":                      id,
		"name":                    name,
		"file":                    "/v2/images/" + id + "/file",
		"self":                    "/v2/images/" + id,
		"status":                  "active",
		"deleted":                 false,
		"container_format":        "bare",
		"disk_format":             "zvhd2",
		"min_disk":                40,
		"min_ram":                 minRAM,
		"size":                    0,
		"virtual_size":            nil,
		"checksum":                emptyChecksum,
		"tags":                    []string{},
		"created_at":              created.UTC().Format(time.RFC3339),
		"updated_at":              created.Add(updatedAfter).UTC().Format(time.RFC3339),
		"__isregistered":          "true",
		"__platform":              platform,
		"__os_type":               osTypeOf(platform),
		"__os_version":            osVersion,
		"__os_bit":                "64",
		"__description":           "",
		"__image_source_type":     "uds",
		"__image_size":            fmt.Sprint(imageSize),
		"__originalimagename":     "",
		"__backup_id":             "",
		"__productcode":           "",
		"__data_origin":           "",
		"__support_kvm":           "true",
		"__support_arm":           "false",
		"__system_support_market": false,
		"__is_offshelved":         "false",
		"__support_fc_inject":     "false",
		"hw_firmware_type":        "bios",
		"virtual_env_type":        "FusionCompute",
	}
}

// makePublic turns a record into an IMS public ("gold") image.
func makePublic(img Image) {
	img["owner"] = publicOwner
	img["__imagetype"] = "gold"
	img["visibility"] = "public"
	img["protected"] = true
	img["__lazyloading"] = "true"
}

// marketOwner is the project that publishes KooGallery images.
const marketOwner = "c3d9f6e2a1b84f0e9d7c5b3a1f2e4d6c"

// makeMarket turns a record into a KooGallery (marketplace) image: public, not protected,
// with a product code; __is_offshelved says whether it was withdrawn.
func makeMarket(img Image) {
	img["owner"] = marketOwner
	img["__imagetype"] = "market"
	img["visibility"] = "public"
	img["protected"] = false
	img["__system_support_market"] = true
}

// makePrivate turns a record into a private image of owner.
func makePrivate(img Image, owner string) {
	img["owner"] = owner
	img["__imagetype"] = "private"
	img["visibility"] = "private"
	img["protected"] = false
	img["enterprise_project_id"] = "0"
	img["__system_support_market"] = true
}

// makeShared turns a record into a shared image of owner; memberStatus is
// the viewing project's answer to the share ("" for its own shared image).
func makeShared(img Image, owner, memberStatus string) {
	makePrivate(img, owner)
	img["__imagetype"] = "shared"
	img["visibility"] = "shared"
	if memberStatus != "" {
		img["member_status"] = memberStatus
	}
}

// makeArm marks an Arm (Kunpeng) image, which boots with UEFI.
func makeArm(img Image) {
	img["__support_arm"] = "true"
	img["hw_firmware_type"] = "uefi"
}
