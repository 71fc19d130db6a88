package imssim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The simulator has no flavor catalog, so flavor_id is approximated from
// the structure of Huawei Cloud flavor names:
//
//	ECS:        FAMILY GEN [SUFFIX] . SIZE . RATIO   e.g. s6.large.2, c6ne.2xlarge.4, kc1.xlarge.2
//	bare metal: physical . FAMILY GEN [SUFFIX] . SIZE [. RATIO]   e.g. physical.s4.3xlarge
//
// SIZE gives vCPUs (small=1, medium=1, large=2, xlarge=4, Nxlarge=4N) and
// RAM is vCPUs × RATIO GiB.
var (
	ecsFlavor      = regexp.MustCompile(`^([a-z]+)([0-9]+)([a-z]*)\.(small|medium|large|xlarge|[1-9][0-9]*xlarge)\.([1-9][0-9]*)$`)
	physicalFlavor = regexp.MustCompile(`^physical\.([a-z]+)([0-9]+)([a-z]*)\.(small|medium|large|xlarge|[1-9][0-9]*xlarge)(?:\.([1-9][0-9]*))?$`)
)

// flavorFilter returns public images a flavor can boot: bare-metal flavors
// take Ironic images, the others ECS (FusionCompute) images; Kunpeng
// families (k*: kc1, km1, ki1, ...) take Arm images, the others x86; and an
// image's min_ram must fit in the flavor's RAM when the RAM is known.
func flavorFilter(id string) (matcher, error) {
	physical := false
	m := ecsFlavor.FindStringSubmatch(id)
	if m == nil {
		m = physicalFlavor.FindStringSubmatch(id)
		physical = m != nil
	}
	if m == nil {
		return nil, fmt.Errorf("%q is not a flavor ID of the form s6.large.2 or physical.s4.3xlarge", id)
	}
	arm := strings.HasPrefix(m[1], "k")
	ramMB := -1 // unknown: bare-metal names may omit the ratio
	if m[5] != "" {
		ratio, err := strconv.Atoi(m[5])
		if err != nil {
			return nil, fmt.Errorf("%q: bad memory ratio", id)
		}
		ramMB = vcpus(m[4]) * ratio * 1024
	}
	return func(e *entry) bool {
		if v, _ := stringField(e.img, "visibility"); v != "public" {
			return false
		}
		env, ok := stringField(e.img, "virtual_env_type")
		if physical != (env == "Ironic") || (!physical && ok && env != "FusionCompute") {
			return false
		}
		if e.arm != arm {
			return false
		}
		minRAM := numberField(e.img, "min_ram")
		return ramMB < 0 || minRAM <= float64(ramMB)
	}, nil
}

func vcpus(size string) int {
	switch size {
	case "small", "medium":
		return 1
	case "large":
		return 2
	case "xlarge":
		return 4
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(size, "xlarge"))
	return 4 * n
}
