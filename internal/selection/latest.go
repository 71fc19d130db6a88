package selection

import (
	"regexp"
	"strings"
	"time"

	"github.com/imagecatalog/ims-operator/internal/ims"
)

// newest returns the image with the latest createdAt (latestBy: createdAt). IMS timestamps
// are UTC in one of two layouts; ties and unparsable values fall back to the listing order.
func newest(images []*ims.Image) *ims.Image {
	var best *ims.Image
	var bestAt time.Time
	for _, img := range images {
		at, ok := ims.ParseTime(img.CreatedAt)
		if !ok {
			continue
		}
		if best == nil || at.After(bestAt) {
			best, bestAt = img, at
		}
	}
	return best
}

// highestVersion returns the image whose name carries the highest version in the first
// capture group of nameRE (latestBy: nameVersion). Names whose capture is not a version are
// never chosen; a tie goes to the newer createdAt, then to the listing order.
func highestVersion(images []*ims.Image, nameRE *regexp.Regexp) *ims.Image {
	var best *ims.Image
	var bestVersion []string
	for _, img := range images {
		m := nameRE.FindStringSubmatch(img.Name)
		if len(m) < 2 {
			continue
		}
		v, ok := parseVersion(m[1])
		if !ok {
			continue
		}
		c := compareVersions(v, bestVersion)
		if best == nil || c > 0 || c == 0 && createdAfter(img, best) {
			best, bestVersion = img, v
		}
	}
	return best
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

// createdAfter says whether a was created after b; an unreadable createdAt is never after.
func createdAfter(a, b *ims.Image) bool {
	at, ok := ims.ParseTime(a.CreatedAt)
	if !ok {
		return false
	}
	bt, ok := ims.ParseTime(b.CreatedAt)
	return !ok || at.After(bt)
}
