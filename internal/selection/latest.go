package selection

import (
	"slices"
	"strings"
	"time"

	"github.com/imagecatalog/ims-operator/internal/ims"
)

// rank is what latestBy compares an image by.
type rank struct {
	img        *ims.Image
	created    time.Time
	hasCreated bool
	version    []string
	hasVersion bool
}

// ranked orders images by latestBy, the latest first: with createdAt (the default) the
// newest createdAt first, images whose createdAt cannot be read last; with nameVersion the
// highest version in the first capture group of nameRegex first (a tie goes to the newer
// createdAt), names without a version last. Ties keep the listing order. The order is that
// of the allow list; the first is the latest if it is eligible.
func (s *Selector) ranked(images []*ims.Image) []*ims.Image {
	ranks := make([]rank, len(images))
	for i, img := range images {
		r := rank{img: img}
		r.created, r.hasCreated = ims.ParseTime(img.CreatedAt)
		if s.byVersion {
			if m := s.name.FindStringSubmatch(img.Name); len(m) >= 2 {
				r.version, r.hasVersion = parseVersion(m[1])
			}
		}
		ranks[i] = r
	}
	slices.SortStableFunc(ranks, func(a, b rank) int {
		if s.byVersion {
			if a.hasVersion != b.hasVersion {
				return boolFirst(a.hasVersion)
			}
			if c := compareVersions(a.version, b.version); c != 0 {
				return -c
			}
		}
		if a.hasCreated != b.hasCreated {
			return boolFirst(a.hasCreated)
		}
		return b.created.Compare(a.created)
	})
	out := make([]*ims.Image, len(ranks))
	for i, r := range ranks {
		out[i] = r.img
	}
	return out
}

// eligible tells whether img can be a latest image at all: with createdAt its createdAt can
// be read; with nameVersion its name carries a version.
func (s *Selector) eligible(img *ims.Image) bool {
	if s.byVersion {
		m := s.name.FindStringSubmatch(img.Name)
		if len(m) < 2 {
			return false
		}
		_, ok := parseVersion(m[1])
		return ok
	}
	_, ok := ims.ParseTime(img.CreatedAt)
	return ok
}

// boolFirst orders true before false.
func boolFirst(a bool) int {
	if a {
		return -1
	}
	return 1
}

// parseVersion splits a version such as "22.04", "1.32.10" or "v1.32.0" on '.', '-' and '_'
// into its numeric parts, without leading zeros so that parts compare as numbers of any
// size. Anything else (an empty part, a letter) is not a version.
func parseVersion(s string) ([]string, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	parts := strings.Split(versionSeparators.Replace(s), ".")
	for i, p := range parts {
		if p == "" {
			return nil, false // "", "1..2", "1."
		}
		for _, r := range p {
			if r < '0' || r > '9' {
				return nil, false
			}
		}
		if p = strings.TrimLeft(p, "0"); p == "" {
			p = "0"
		}
		parts[i] = p
	}
	return parts, true
}

var versionSeparators = strings.NewReplacer("-", ".", "_", ".")

// compareVersions compares part by part as numbers; when one is a prefix of the other, the
// longer one is higher (1.32.1 > 1.32).
func compareVersions(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if c := compareNumbers(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// compareNumbers compares two decimal numbers without leading zeros.
func compareNumbers(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
