package imssim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// DemoProjectID is the project that owns the default catalog's private
// images and shares two of them; the local demo signs in as this project.
const DemoProjectID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

// DemoEnterpriseProjectID is the enterprise project some of the demo
// project's private images belong to (the others are in project "0").
const DemoEnterpriseProjectID = "6b3f8e2a-4c1d-4e5f-9a7b-2c8d0e1f3a5b"

// Owners of the images shared with the demo project.
const (
	partnerProjectID = "5d8e1c3f9a2b4c6d8e0f1a2b3c4d5e6f"
	vendorProjectID  = "8f7e6d5c4b3a29181706f5e4d3c2b1a0"
)

// seedSample is the response sample of the reference document, verbatim:
// clients must cope with its undocumented fields (__lazyloading,
// __support_kvm_fpga_type) and its null virtual_size.
const seedSample = `{
  "images": [
    {
      "schema": "/v2/schemas/image",
      "min_disk": 100,
      "created_at": "2018-09-06T14:03:27Z",
      "__image_source_type": "uds",
      "container_format": "bare",
      "file": "/v2/images/bc6bed6e-ba3a-4447-afcc-449174a3eb52/file",
      "updated_at": "2018-09-06T15:17:33Z",
      "protected": true,
      "checksum": "d41d8cd98f00b204e9800998ecf8427e",
      "__support_kvm_fpga_type": "VU9P",
      "id": "bc6bed6e-ba3a-4447-afcc-449174a3eb52",
      "__isregistered": "true",
      "min_ram": 2048,
      "__lazyloading": "true",
      "owner": "1bed856811654c1cb661a6ca845ebc77",
      "__os_type": "Linux",
      "__imagetype": "gold",
      "visibility": "public",
      "virtual_env_type": "FusionCompute",
      "tags": [],
      "__platform": "CentOS",
      "size": 0,
      "__os_bit": "64",
      "__os_version": "CentOS 7.3 64bit",
      "name": "CentOS 7.3 64bit vivado",
      "self": "/v2/images/bc6bed6e-ba3a-4447-afcc-449174a3eb52",
      "disk_format": "zvhd2",
      "virtual_size": null,
      "hw_firmware_type": "bios",
      "status": "active",
      "__support_fc_inject":"true"
    },
    {
      "schema": "/v2/schemas/image",
      "min_disk": 100,
      "created_at": "2018-09-06T14:03:05Z",
      "__image_source_type": "uds",
      "container_format": "bare",
      "file": "/v2/images/0328c25e-c840-4496-81ac-c4e01b214b1f/file",
      "updated_at": "2018-09-25T14:27:40Z",
      "protected": true,
      "checksum": "d41d8cd98f00b204e9800998ecf8427e",
      "__support_kvm_fpga_type": "VU9P_COMMON",
      "id": "0328c25e-c840-4496-81ac-c4e01b214b1f",
      "__isregistered": "true",
      "min_ram": 2048,
      "__lazyloading": "true",
      "owner": "1bed856811654c1cb661a6ca845ebc77",
      "__os_type": "Linux",
      "__imagetype": "gold",
      "visibility": "public",
      "virtual_env_type": "FusionCompute",
      "tags": [],
      "__platform": "CentOS",
      "size": 0,
      "__os_bit": "64",
      "__os_version": "CentOS 7.3 64bit",
      "name": "CentOS 7.3 64bit with sdx",
      "self": "/v2/images/0328c25e-c840-4496-81ac-c4e01b214b1f",
      "disk_format": "zvhd2",
      "virtual_size": null,
      "hw_firmware_type": "bios",
      "status": "active",
      "__support_fc_inject":"true"
    }
  ]
}`

// Record modifiers used by the catalog table.
var (
	arm = makeArm
	xen = set("__support_xen", "true") // images of the Xen era support both hypervisors
)

func set(key string, v any) func(Image) { return func(img Image) { img[key] = v } }

func unset(keys ...string) func(Image) {
	return func(img Image) {
		for _, k := range keys {
			delete(img, k)
		}
	}
}

func tags(t ...string) func(Image) { return set("tags", t) }

// fromImage records the public image a private image was made from.
func fromImage(publicName, instance string) func(Image) {
	return func(img Image) {
		img["__originalimagename"] = stableID("gold/" + publicName)
		img["__data_origin"] = "instance," + stableID("ecs/"+instance)
	}
}

type catalogKind int

const (
	public catalogKind = iota
	market
	private
	sharedByDemo
	sharedWithDemo
)

type catalogSpec struct {
	kind                               catalogKind
	name, platform, osVersion, created string
	mods                               []func(Image)
}

func pub(name, platform, osVersion, created string, mods ...func(Image)) catalogSpec {
	return catalogSpec{public, name, platform, osVersion, created, mods}
}

// mkt is a KooGallery (marketplace) image of vendor product code, withdrawn when offshelved.
func mkt(name, platform, osVersion, created, productCode string, offshelved bool, mods ...func(Image)) catalogSpec {
	mods = append([]func(Image){set("__productcode", productCode), set("__is_offshelved", fmt.Sprint(offshelved))}, mods...)
	return catalogSpec{market, name, platform, osVersion, created, mods}
}

func priv(name, platform, osVersion, created string, mods ...func(Image)) catalogSpec {
	return catalogSpec{private, name, platform, osVersion, created, mods}
}

// capi is a private Cluster API node image of the demo project as Kubernetes image-builder
// makes it: Ubuntu 22.04, named caphw-hwi-2204[-arm64]-<kubernetes version>-<unix time of the
// build> and tagged with the versions it holds.
func capi(arch, kubernetes, containerd, created string, mods ...func(Image)) catalogSpec {
	at, err := time.Parse(time.RFC3339, created)
	if err != nil {
		panic(err)
	}
	family, base, own := "caphw-hwi-2204", "Ubuntu 22.04 server 64bit", []func(Image){}
	if arch == "arm" {
		family, base, own = family+"-arm64", base+" with ARM", []func(Image){makeArm}
	}
	own = append(own, fromImage(base, "image-builder-"+arch),
		tags("kubernetes_version="+kubernetes, "distribution_version=22.04", "containerd_version="+containerd))
	name := fmt.Sprintf("%s-%s-%d", family, kubernetes, at.Unix())
	return priv(name, "Ubuntu", "Ubuntu 22.04 server 64bit", created, append(own, mods...)...)
}

// defaultSpecs lists the built-in catalog: several versions per platform,
// so the newest one is meaningful, both architectures, both hypervisor
// generations, and the special-purpose images the filters select.
var defaultSpecs = []catalogSpec{
	pub("Windows Server 2012 R2 Standard 64bit English", "Windows", "Windows Server 2012 R2 Standard 64bit English", "2018-03-12T08:21:44Z", xen),
	pub("Windows Server 2016 Datacenter 64bit English", "Windows", "Windows Server 2016 Datacenter 64bit English", "2019-05-20T02:10:31Z"),
	pub("Windows Server 2019 Datacenter 64bit English", "Windows", "Windows Server 2019 Datacenter 64bit English", "2020-07-14T06:45:12Z"),
	pub("Windows Server 2022 Datacenter 64bit English", "Windows", "Windows Server 2022 Datacenter 64bit English", "2022-11-08T09:30:00Z", set("hw_firmware_type", "uefi")),
	pub("Windows Server 2016 Datacenter 64bit with M60 GPU driver", "Windows", "Windows Server 2016 Datacenter 64bit English", "2018-11-02T11:02:19Z",
		unset("__support_kvm"), set("__support_xen_gpu_type", "M60_GPU")),

	pub("Ubuntu 16.04 server 64bit", "Ubuntu", "Ubuntu 16.04 server 64bit", "2017-09-18T03:14:07Z", xen),
	pub("Ubuntu 18.04 server 64bit", "Ubuntu", "Ubuntu 18.04 server 64bit", "2018-08-21T07:40:55Z"),
	pub("Ubuntu 20.04 server 64bit", "Ubuntu", "Ubuntu 20.04 server 64bit", "2020-06-03T04:22:18Z"),
	pub("Ubuntu 22.04 server 64bit", "Ubuntu", "Ubuntu 22.04 server 64bit", "2022-06-15T08:05:41Z"),
	pub("Ubuntu 18.04 server 64bit with ARM", "Ubuntu", "Ubuntu 18.04 server 64bit", "2019-11-27T10:11:12Z", arm),
	pub("Ubuntu 20.04 server 64bit with ARM", "Ubuntu", "Ubuntu 20.04 server 64bit", "2020-09-09T09:09:09Z", arm),
	pub("Ubuntu 22.04 server 64bit with ARM", "Ubuntu", "Ubuntu 22.04 server 64bit", "2022-08-30T01:23:45Z", arm),
	pub("Ubuntu 20.04 server 64bit with Tesla V100 driver", "Ubuntu", "Ubuntu 20.04 server 64bit", "2021-03-17T12:00:00Z",
		unset("__support_kvm"), set("__support_kvm_gpu_type", "V100"), set("min_ram", 8192)),

	pub("Red Hat Enterprise Linux 7.6 64bit", "RedHat", "Redhat Linux Enterprise 7.6 64bit", "2019-02-25T05:35:50Z"),
	pub("Red Hat Enterprise Linux 8.4 64bit", "RedHat", "Redhat Linux Enterprise 8.4 64bit", "2021-08-11T03:03:03Z"),

	pub("SUSE Linux Enterprise Server 12 SP5 64bit", "SUSE", "SUSE Linux Enterprise Server 12 SP5 64bit", "2020-02-04T14:14:14Z"),
	pub("SUSE Linux Enterprise Server 15 SP3 64bit", "SUSE", "SUSE Linux Enterprise Server 15 SP3 64bit", "2021-09-28T16:40:00Z"),
	pub("SUSE Linux Enterprise Server 12 SP4 for SAP HANA 64bit", "SUSE", "SUSE Linux Enterprise Server 12 SP4 64bit", "2019-06-06T06:06:06Z",
		unset("__support_kvm"), set("__support_xen_hana", "true"), set("__support_largememory", "true"), set("min_ram", 65536)),

	pub("CentOS 6.10 32bit", "CentOS", "CentOS 6.10 32bit", "2018-07-10T02:30:00Z", xen, set("__os_bit", "32")),
	pub("CentOS 6.10 64bit", "CentOS", "CentOS 6.10 64bit", "2018-07-10T02:45:00Z", xen),
	pub("CentOS 7.6 64bit", "CentOS", "CentOS 7.6 64bit", "2019-01-08T08:08:08Z"),
	pub("CentOS 7.9 64bit", "CentOS", "CentOS 7.9 64bit", "2020-12-01T10:00:00Z"),
	pub("CentOS 8.2 64bit", "CentOS", "CentOS 8.2 64bit", "2020-08-19T13:31:13Z"),
	pub("CentOS 7.6 64bit with ARM", "CentOS", "CentOS 7.6 64bit", "2019-06-18T15:51:15Z", arm),
	pub("CentOS 8.2 64bit with ARM", "CentOS", "CentOS 8.2 64bit", "2020-10-20T20:20:20Z", arm),
	pub("CentOS 7.9 64bit for InfiniBand", "CentOS", "CentOS 7.9 64bit", "2021-02-02T02:02:02Z",
		set("__support_kvm_infiniband", "true"), set("__support_highperformance", "true")),
	pub("CentOS 7.6 64bit for Disk-intensive", "CentOS", "CentOS 7.6 64bit", "2019-03-14T03:14:15Z", set("__support_diskintensive", "true")),
	pub("CentOS 7.6 64bit for BareMetal", "CentOS", "CentOS 7.6 64bit", "2019-04-22T04:22:00Z",
		unset("__support_kvm"), set("virtual_env_type", "Ironic"), set("min_disk", 100), set("min_ram", 32768)),

	pub("Debian GNU/Linux 9.13.0 64bit", "Debian", "Debian GNU/Linux 9.13.0 64bit", "2020-08-05T05:05:05Z"),
	pub("Debian GNU/Linux 10.10.0 64bit", "Debian", "Debian GNU/Linux 10.10.0 64bit", "2021-07-07T07:07:07Z"),
	pub("Debian GNU/Linux 11.1.0 64bit", "Debian", "Debian GNU/Linux 11.1.0 64bit", "2021-11-11T11:11:11Z"),
	pub("Debian GNU/Linux 10.2.0 64bit with ARM", "Debian", "Debian GNU/Linux 10.2.0 64bit", "2020-03-03T03:03:03Z", arm),

	pub("openSUSE 15.2 64bit", "OpenSUSE", "OpenSUSE 15.2 64bit", "2020-09-22T12:34:56Z"),
	pub("openSUSE 15.3 64bit", "OpenSUSE", "OpenSUSE 15.3 64bit", "2021-07-27T17:27:37Z"),

	pub("Oracle Linux 7.9 64bit", "Oracle Linux", "Oracle Linux Server release 7.9 64bit", "2021-01-19T09:19:29Z"),
	pub("Oracle Linux 8.4 64bit", "Oracle Linux", "Oracle Linux Server release 8.4 64bit", "2021-10-05T10:05:00Z"),

	pub("Fedora 33 64bit", "Fedora", "Fedora 33 64bit", "2021-01-26T06:26:00Z"),
	// Drift seen in real responses: a flag as a JSON boolean.
	pub("Fedora 34 64bit", "Fedora", "Fedora 34 64bit", "2021-06-08T08:06:00Z", set("__support_kvm", true)),

	pub("FreeBSD 12.2 64bit", "Other", "Other(64 bit)", "2021-03-30T03:30:00Z", set("disk_format", "qcow2")),
	pub("Kylin V10 64bit with ARM", "Other", "Other(64 bit)", "2022-04-12T04:12:00Z", arm, set("__os_type", "Linux")),

	// Platforms newer than the reference's list. Huawei Cloud no longer provides Windows public
	// images, so the newest public image is a Linux one.
	pub("openEuler 22.03 LTS SP4 64bit", "openEuler", "openEuler 22.03 LTS SP4 64bit", "2025-01-14T03:00:00Z"),
	pub("openEuler 24.03 LTS 64bit with ARM", "openEuler", "openEuler 24.03 LTS 64bit", "2025-03-18T02:30:00Z", arm),
	pub("Huawei Cloud EulerOS 2.0 Standard 64bit", "Huawei Cloud EulerOS", "Huawei Cloud EulerOS 2.0 64bit", "2025-06-10T06:10:00Z"),
	pub("Kylin V10 SP3 64bit", "Kylin", "Kylin Linux Advanced Server V10 SP3 64bit", "2024-11-05T05:00:00Z"),

	// KooGallery (marketplace) images, one of them withdrawn.
	mkt("WordPress 6.5 on Ubuntu 22.04", "Ubuntu", "Ubuntu 22.04 server 64bit", "2024-05-21T05:21:00Z", "00301-7716-0--0", false),
	mkt("GitLab CE 16 on CentOS 7.9", "CentOS", "CentOS 7.9 64bit", "2023-10-02T10:02:00Z", "00301-4421-0--0", true),
	mkt("Nginx 1.26 on Huawei Cloud EulerOS 2.0", "Huawei Cloud EulerOS", "Huawei Cloud EulerOS 2.0 64bit", "2025-04-08T04:08:00Z", "00301-9903-0--0", false),

	// Drift: a null size.
	pub("CoreOS 2023.5.0 64bit", "CoreOS", "CoreOS 2023.5.0 64bit", "2019-05-15T05:15:00Z", set("size", nil)),
	pub("CoreOS 2247.6.0 64bit", "CoreOS", "CoreOS 2247.6.0 64bit", "2019-12-03T12:03:00Z"),

	pub("EulerOS 2.2 64bit", "EulerOS", "EulerOS 2.2 64bit", "2018-01-16T01:16:00Z", xen),
	pub("EulerOS 2.5 64bit", "EulerOS", "EulerOS 2.5 64bit", "2019-04-09T04:09:00Z"),
	pub("EulerOS 2.5 64bit for Large Memory", "EulerOS", "EulerOS 2.5 64bit", "2019-08-13T08:13:00Z", set("__support_largememory", "true")),
	pub("EulerOS 2.9 64bit", "EulerOS", "EulerOS 2.9 64bit", "2021-05-25T05:25:00Z"),
	pub("EulerOS 2.8 64bit with ARM", "EulerOS", "EulerOS 2.8 64bit", "2020-04-28T04:28:00Z", arm),

	// The demo project's own images.
	priv("web-frontend-2024-01", "Ubuntu", "Ubuntu 22.04 server 64bit", "2024-01-15T09:12:00Z",
		fromImage("Ubuntu 22.04 server 64bit", "web-01"), tags("env.prod", "app=web")),
	priv("web-frontend-2024-03", "Ubuntu", "Ubuntu 22.04 server 64bit", "2024-03-10T10:03:00Z",
		fromImage("Ubuntu 22.04 server 64bit", "web-01"), tags("env.prod", "app=web")),
	priv("web-frontend-2024-06", "Ubuntu", "Ubuntu 22.04 server 64bit", "2024-06-02T06:02:00Z",
		fromImage("Ubuntu 22.04 server 64bit", "web-02"), tags("env=staging", "app=web")),
	priv("db-primary-centos79", "CentOS", "CentOS 7.9 64bit", "2023-11-20T20:11:00Z",
		fromImage("CentOS 7.9 64bit", "db-01"), tags("env.prod", "tier.db"), set("enterprise_project_id", DemoEnterpriseProjectID), set("min_disk", 100)),
	priv("win2019-ad-controller", "Windows", "Windows Server 2019 Datacenter 64bit English", "2023-09-01T09:01:00Z",
		fromImage("Windows Server 2019 Datacenter 64bit English", "ad-01"), set("enterprise_project_id", DemoEnterpriseProjectID)),
	priv("arm-build-agent", "Ubuntu", "Ubuntu 22.04 server 64bit", "2024-02-20T02:20:00Z",
		arm, fromImage("Ubuntu 22.04 server 64bit with ARM", "ci-arm-01"), tags("team=ci")),
	priv("full-ecs-backup-app01", "CentOS", "CentOS 7.9 64bit", "2024-04-05T04:05:00Z",
		set("__whole_image", true), set("__backup_id", stableID("backup/app01")), set("__data_origin", "server_backup,"+stableID("backup/app01"))),
	priv("data-disk-logs-2024", "Other", "", "2024-05-18T05:18:00Z",
		set("virtual_env_type", "DataImage"), unset("__platform", "__os_version", "__os_bit", "__support_kvm", "__support_arm", "hw_firmware_type"),
		set("__os_type", "Linux"), set("min_disk", 200)),
	priv("imported-debian11", "Debian", "Debian GNU/Linux 11.1.0 64bit", "2023-07-07T07:00:00Z",
		set("__root_origin", "file"), set("disk_format", "qcow2"), set("__data_origin", "file,obs://demo-bucket/debian11.qcow2")),
	priv("oracle-linux-8-hardened", "Oracle Linux", "Oracle Linux Server release 8.4 64bit", "2024-02-01T02:01:00Z",
		fromImage("Oracle Linux 8.4 64bit", "hardening-01"), set("enterprise_project_id", DemoEnterpriseProjectID)),
	priv("golden-rhel8-uploading", "RedHat", "Redhat Linux Enterprise 8.4 64bit", "2024-07-01T07:01:00Z",
		set("status", "saving"), set("__root_origin", "file")),
	priv("golden-rhel8-pending-upload", "RedHat", "Redhat Linux Enterprise 8.4 64bit", "2024-07-02T07:02:00Z",
		set("status", "queued"), set("__root_origin", "file")),
	priv("golden-rhel8-failed-upload", "RedHat", "Redhat Linux Enterprise 8.4 64bit", "2024-06-28T06:28:00Z",
		set("status", "killed"), set("__root_origin", "file")),
	priv("golden-rhel8-2024-05", "RedHat", "Redhat Linux Enterprise 8.4 64bit", "2024-05-20T05:20:00Z",
		set("__root_origin", "file")),

	// Cluster API node images built by Kubernetes image-builder, as it names and tags them: an
	// x86 and an arm (Kunpeng) family, a few Kubernetes releases each; the newest x86 build is
	// still uploading (queued), so it must never be picked.
	capi("x86", "v1.31.4", "1.7.24", "2025-01-10T03:00:00Z"),
	capi("x86", "v1.32.0", "1.7.24", "2025-01-16T04:00:00Z"),
	capi("x86", "v1.32.2", "1.7.25", "2025-03-04T05:00:00Z"),
	capi("x86", "v1.32.3", "1.7.26", "2025-03-25T06:00:00Z", set("status", "queued")),
	capi("arm", "v1.31.4", "1.7.24", "2025-01-11T03:30:00Z"),
	capi("arm", "v1.32.0", "1.7.24", "2025-01-17T04:30:00Z"),
	capi("arm", "v1.32.2", "1.7.25", "2025-03-05T05:30:00Z"),

	// Shared by the demo project with others: IMS calls them "shared" too.
	{sharedByDemo, "shared-base-ubuntu2204", "Ubuntu", "Ubuntu 22.04 server 64bit", "2024-05-01T05:01:00Z", nil},
	{sharedByDemo, "shared-base-centos79", "CentOS", "CentOS 7.9 64bit", "2023-12-12T12:12:00Z", nil},

	// Shared with the demo project by others, in each member status.
	{sharedWithDemo, "partner-analytics-ubuntu2004", "Ubuntu", "Ubuntu 20.04 server 64bit", "2023-10-10T10:10:00Z",
		[]func(Image){set("owner", partnerProjectID), set("member_status", "accepted"), tags("vendor=partner")}},
	{sharedWithDemo, "vendor-firewall-appliance", "Other", "Other(64 bit)", "2024-01-30T01:30:00Z",
		[]func(Image){set("owner", vendorProjectID), set("member_status", "accepted"), set("min_disk", 60)}},
	{sharedWithDemo, "partner-euleros-arm", "EulerOS", "EulerOS 2.8 64bit", "2023-08-08T08:08:00Z",
		[]func(Image){arm, set("owner", partnerProjectID), set("member_status", "accepted")}},
	{sharedWithDemo, "unsolicited-win2016", "Windows", "Windows Server 2016 Datacenter 64bit English", "2022-12-24T12:24:00Z",
		[]func(Image){set("owner", vendorProjectID), set("member_status", "rejected")}},
	{sharedWithDemo, "old-partner-centos7", "CentOS", "CentOS 7.6 64bit", "2022-03-03T03:03:00Z",
		[]func(Image){set("owner", partnerProjectID), set("member_status", "rejected"), xen}},
	{sharedWithDemo, "vendor-monitoring-agent", "CentOS", "CentOS 7.9 64bit", "2024-06-20T06:20:00Z",
		[]func(Image){set("owner", vendorProjectID), set("member_status", "pending")}},
	{sharedWithDemo, "partner-debian11-hardened", "Debian", "Debian GNU/Linux 11.1.0 64bit", "2024-04-14T04:14:00Z",
		[]func(Image){set("owner", partnerProjectID), set("member_status", "pending"), tags("vendor=partner", "hardened")}},
}

var defaultCatalog = sync.OnceValue(func() []Image {
	var sample struct{ Images []Image }
	if err := json.Unmarshal([]byte(seedSample), &sample); err != nil {
		panic(err)
	}
	images := make([]Image, 0, len(defaultSpecs)+len(sample.Images))
	for _, s := range defaultSpecs {
		images = append(images, s.build())
	}
	images = append(images, sample.Images...)
	norm, err := normalizeCatalog(images)
	if err != nil {
		panic(err)
	}
	return norm
})

func (s catalogSpec) build() Image {
	created, err := time.Parse(time.RFC3339, s.created)
	if err != nil {
		panic(err)
	}
	// Sizes and update lags vary per image but never between runs.
	h := sha256.Sum256([]byte(s.name))
	size := 1<<30 + int64(binary.BigEndian.Uint32(h[:4]))
	lag := time.Duration(binary.BigEndian.Uint16(h[4:6])%60*24) * time.Hour

	prefix := map[catalogKind]string{public: "gold/", market: "market/", private: "private/", sharedByDemo: "shared/", sharedWithDemo: "shared/"}[s.kind]
	img := baseImage(stableID(prefix+s.name), s.name, s.platform, s.osVersion, created, lag, size)
	switch s.kind {
	case public:
		makePublic(img)
	case market:
		makeMarket(img)
	case private:
		makePrivate(img, DemoProjectID)
	case sharedByDemo:
		makeShared(img, DemoProjectID, "")
	case sharedWithDemo:
		makeShared(img, "", "")
	}
	for _, m := range s.mods {
		m(img)
	}
	return img
}

// DefaultCatalog returns the built-in catalog, a fresh deep copy each call:
// public images of every platform (several versions, x86 and Arm, Xen and
// KVM generations, GPU, HANA, InfiniBand, disk-intensive, large-memory and
// bare-metal ones; openEuler, Huawei Cloud EulerOS and Kylin beside the
// reference's twelve platforms), KooGallery (market) images, one of them
// withdrawn, the reference's two sample images verbatim, private
// images of DemoProjectID (a whole-ECS image, a data-disk image, images in
// upload states, two enterprise projects, tags, Cluster API node images of both
// architectures with image-builder's tags), two images it shares, and
// images shared with it as accepted, rejected and pending.
//
// Shared-with-DemoProjectID records carry the simulator-only key
// member_status, which the simulator filters on but never returns.
func DefaultCatalog() []Image {
	src := defaultCatalog()
	out := make([]Image, len(src))
	for i, img := range src {
		out[i] = deepCopy(img)
	}
	return out
}
