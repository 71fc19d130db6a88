// Package selection decides what an ImageQuery picks from a raw IMS listing: which images
// match (nameRegex, matchTags, exclude, minAge) and which usable one is the latest
// (latestBy), overall and per variant (latestPer). It is pure: a
// Selector is built once per sync from the spec, with its expressions compiled, and applied
// to a listing that may be shared between identical queries; it holds no client and no clock.
package selection

import (
	"regexp"
	"time"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/failure"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// Selector is one spec's selection, compiled.
type Selector struct {
	name, excludeName *regexp.Regexp
	tags              map[string]glob // matchTags
	excludedIDs       map[string]bool
	minAge            time.Duration
	byVersion         bool
	latestPer         []imsv1.VariantField
}

// Result is what one query made of one listing.
type Result struct {
	// Images are the matches, in listing order (the query's sort order).
	Images []*ims.Image
	// Latest is the usable match (ims.Image.Usable: active, not off-shelved) chosen by
	// spec.latestBy; nil when none is usable or, with nameVersion, none carries a version.
	// Every match is still mirrored and counted.
	Latest *ims.Image
	// Variants are the latest usable images of each variant (spec.latestPer), sorted by name;
	// none without latestPer.
	Variants []Variant
	// Usable are the usable matches, in latestBy order (the latest first).
	Usable []*ims.Image
	// ComesOfAge is when the first listed image that was still too young for spec.minAge
	// comes of age; zero when there is none.
	ComesOfAge time.Time
}

// FromSpec compiles spec's selection. An expression that does not compile (stored before the
// CRD's rules existed) or a nameVersion without a capture group is a terminal
// InvalidNameRegex *failure.Error.
func FromSpec(spec *imsv1.ImageQuerySpec) (*Selector, error) {
	name, err := compileOptional("nameRegex", string(spec.NameRegex))
	if err != nil {
		return nil, err
	}
	exclude := spec.Exclude
	if exclude == nil {
		exclude = &imsv1.ImageExclusion{}
	}
	excludeName, err := compileOptional("exclude.nameRegex", string(exclude.NameRegex))
	if err != nil {
		return nil, err
	}
	s := &Selector{name: name, excludeName: excludeName, byVersion: spec.LatestBy == imsv1.LatestByNameVersion,
		excludedIDs: make(map[string]bool, len(exclude.IDs)), latestPer: spec.LatestPer}
	if len(spec.MatchTags) > 0 {
		s.tags = make(map[string]glob, len(spec.MatchTags))
		for key, pattern := range spec.MatchTags {
			s.tags[key] = compileGlob(string(pattern))
		}
	}
	if s.byVersion && (name == nil || name.NumSubexp() == 0) {
		return nil, invalidNameRegex("latestBy: nameVersion reads the version from the first capture group of nameRegex, and %q has none", spec.NameRegex)
	}
	for _, id := range exclude.IDs {
		s.excludedIDs[string(id)] = true
	}
	if spec.MinAge != nil {
		s.minAge = spec.MinAge.Duration
	}
	return s, nil
}

// Select is the one place that decides what a query matched in a raw listing: nameRegex,
// then matchTags, then exclude (IDs, then the name expression), then minAge against now, the
// operator's clock at the sync; then the latest of the usable matches, overall and per
// variant.
func (s *Selector) Select(images []*ims.Image, now time.Time) Result {
	var res Result
	for _, img := range images {
		if s.name != nil && !s.name.MatchString(img.Name) ||
			!s.tagsMatch(img) ||
			s.excludedIDs[img.ID] ||
			s.excludeName != nil && s.excludeName.MatchString(img.Name) {
			continue
		}
		if s.minAge > 0 {
			created, ok := ims.ParseTime(img.CreatedAt)
			if !ok {
				continue // the contract: an unreadable createdAt never passes a soak time
			}
			if ofAge := created.Add(s.minAge); ofAge.After(now) {
				if res.ComesOfAge.IsZero() || ofAge.Before(res.ComesOfAge) {
					res.ComesOfAge = ofAge
				}
				continue
			}
		}
		res.Images = append(res.Images, img)
	}
	res.Usable = s.ranked(usable(res.Images))
	if len(res.Usable) > 0 && s.eligible(res.Usable[0]) {
		res.Latest = res.Usable[0]
	}
	res.Variants = s.variants(res.Usable)
	return res
}

// tagsMatch tells whether img has every matchTags key with a matching value.
func (s *Selector) tagsMatch(img *ims.Image) bool {
	if len(s.tags) == 0 {
		return true
	}
	tags := ims.ParseTags(img.Tags)
	for key, g := range s.tags {
		value, ok := tags[key]
		if !ok || !g.match(value) {
			return false
		}
	}
	return true
}

func usable(images []*ims.Image) []*ims.Image {
	var out []*ims.Image
	for _, img := range images {
		if img.Usable() {
			out = append(out, img)
		}
	}
	return out
}

// Select compiles spec and applies it to images: for a caller that selects once.
func Select(spec *imsv1.ImageQuerySpec, images []*ims.Image, now time.Time) (Result, error) {
	s, err := FromSpec(spec)
	if err != nil {
		return Result{}, err
	}
	return s.Select(images, now), nil
}

func compileOptional(field, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		// The CRD refuses invalid expressions; this guards objects stored before that rule.
		return nil, invalidNameRegex("%s: %v", field, err)
	}
	return re, nil
}

func invalidNameRegex(format string, args ...any) *failure.Error {
	return failure.Terminal(imsv1.ReasonInvalidNameRegex, format, args...)
}
