package imssim

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"
)

// osFamily is one platform's releases for generated images.
type osFamily struct {
	platform, prefix string
	versions         []string
	arm              bool // has Arm builds
}

var generatedFamilies = []osFamily{
	{"Windows", "Windows Server", []string{"2012 R2 Standard", "2016 Datacenter", "2019 Datacenter", "2022 Datacenter"}, false},
	{"Ubuntu", "Ubuntu", []string{"16.04 server", "18.04 server", "20.04 server", "22.04 server"}, true},
	{"RedHat", "Redhat Linux Enterprise", []string{"7.6", "7.9", "8.4", "9.0"}, false},
	{"SUSE", "SUSE Linux Enterprise Server", []string{"12 SP5", "15 SP3", "15 SP5"}, false},
	{"CentOS", "CentOS", []string{"6.10", "7.6", "7.9", "8.2"}, true},
	{"Debian", "Debian GNU/Linux", []string{"9.13.0", "10.10.0", "11.1.0", "12.0.0"}, true},
	{"OpenSUSE", "OpenSUSE", []string{"15.2", "15.3"}, false},
	{"Oracle Linux", "Oracle Linux Server release", []string{"7.9", "8.4"}, false},
	{"Fedora", "Fedora", []string{"33", "34", "35"}, false},
	{"Other", "Other", []string{"(64 bit)"}, false},
	{"CoreOS", "CoreOS", []string{"2023.5.0", "2247.6.0"}, false},
	{"EulerOS", "EulerOS", []string{"2.2", "2.5", "2.8", "2.9"}, true},
}

var generatedTags = []string{"env.prod", "env=staging", "app=web", "tier.db", "team=ci", "hardened"}

// GenerateCatalog returns n realistic images for benchmarks and large
// tests: about 60% public, 25% private images of DemoProjectID and 15%
// shared with it (in every member status), across every platform, both
// architectures, both hypervisor generations and creation times from 2017
// to 2025. The same n and seed always give the same catalog; ids are
// unique lower-case UUIDs.
func GenerateCatalog(n int, seed int64) []Image {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x696d7373696d)) // "imssim"
	start := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Sub(start)
	seen := make(map[string]bool, n)
	images := make([]Image, 0, max(n, 0))
	for i := range n {
		var b [16]byte
		id := ""
		for id == "" || seen[id] {
			binary.BigEndian.PutUint64(b[:8], rng.Uint64())
			binary.BigEndian.PutUint64(b[8:], rng.Uint64())
			id = formatUUID(b[:])
		}
		seen[id] = true

		fam := generatedFamilies[rng.IntN(len(generatedFamilies))]
		osVersion := fmt.Sprintf("%s %s 64bit", fam.prefix, fam.versions[rng.IntN(len(fam.versions))])
		created := start.Add(time.Duration(rng.Int64N(int64(span))) / time.Second * time.Second)
		lag := time.Duration(rng.IntN(90*24)) * time.Hour
		size := 1<<30 + rng.Int64N(8<<30)
		isArm := fam.arm && rng.IntN(3) == 0
		name := osVersion
		if isArm {
			name += " with ARM"
		}
		name = fmt.Sprintf("%s #%05d", name, i)

		img := baseImage(id, name, fam.platform, osVersion, created, lag, size)
		switch r := rng.IntN(100); {
		case r < 60:
			makePublic(img)
		case r < 85:
			makePrivate(img, DemoProjectID)
			generatePrivateDetails(rng, img)
		default:
			owner := []string{partnerProjectID, vendorProjectID}[rng.IntN(2)]
			makeShared(img, owner, []string{"accepted", "rejected", "pending"}[rng.IntN(3)])
		}
		if isArm {
			makeArm(img)
		}
		if created.Year() < 2019 && rng.IntN(2) == 0 {
			img["__support_xen"] = "true"
		}
		switch r := rng.IntN(100); {
		case r < 3 && !isArm:
			delete(img, "__support_kvm")
			img["virtual_env_type"] = "Ironic"
			img["min_disk"] = 100
		case r < 6 && !isArm:
			delete(img, "__support_kvm")
			img["__support_kvm_gpu_type"] = []string{"V100", "T4", "P100"}[rng.IntN(3)]
			img["min_ram"] = 8192
		case r < 8:
			img["__support_largememory"] = "true"
		case r < 10:
			img["__support_highperformance"] = "true"
		}
		images = append(images, img)
	}
	norm, err := normalizeCatalog(images)
	if err != nil {
		panic(err) // generated records always have unique ids
	}
	return norm
}

// generatePrivateDetails gives a private image what users add: tags, an
// enterprise project, and sometimes an unfinished upload.
func generatePrivateDetails(rng *rand.Rand, img Image) {
	var t []string
	for _, tag := range generatedTags {
		if rng.IntN(4) == 0 {
			t = append(t, tag)
		}
	}
	if t != nil {
		img["tags"] = t
	}
	if rng.IntN(3) == 0 {
		img["enterprise_project_id"] = DemoEnterpriseProjectID
	}
	switch r := rng.IntN(100); {
	case r < 3:
		img["status"] = "queued"
	case r < 6:
		img["status"] = "saving"
	case r < 8:
		img["virtual_env_type"] = "DataImage"
	case r < 10:
		img["__whole_image"] = true
	}
}
