package controllers

import (
	"fmt"
	"regexp"
	"time"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// matchResult is what one query made of one listing.
type matchResult struct {
	// Images are the matches, in listing order (the query's sort order).
	Images []*ims.Image
	// Latest is the match chosen by spec.latestBy; nil when nothing matched or, with
	// nameVersion, no match carries a version.
	Latest *ims.Image
	// ComesOfAge is when the first listed image that was still too young for spec.minAge
	// comes of age; zero when there is none.
	ComesOfAge time.Time
}

// match is the one place that decides what a query matched in a raw listing: nameRegex, then
// exclude (IDs, then the name expression), then minAge against now, the operator's clock at
// the sync. It is pure, so a listing shared between identical queries can go through each
// query's own spec. An expression that does not compile (stored before the CRD's rules
// existed) or a nameVersion without a capture group is a terminal InvalidNameRegex.
func match(spec *imsv1.ImageQuerySpec, images []*ims.Image, now time.Time) (matchResult, *syncFailure) {
	name, err := compileOptional("nameRegex", spec.NameRegex)
	if err != nil {
		return matchResult{}, err
	}
	exclude := spec.Exclude
	if exclude == nil {
		exclude = &imsv1.ImageExclusion{}
	}
	excludeName, err := compileOptional("exclude.nameRegex", exclude.NameRegex)
	if err != nil {
		return matchResult{}, err
	}
	byVersion := spec.LatestBy == imsv1.LatestByNameVersion
	if byVersion && (name == nil || name.NumSubexp() == 0) {
		return matchResult{}, invalidNameRegex("latestBy: nameVersion reads the version from the first capture group of nameRegex, and %q has none", spec.NameRegex)
	}
	excludedIDs := make(map[string]bool, len(exclude.IDs))
	for _, id := range exclude.IDs {
		excludedIDs[id] = true
	}
	var minAge time.Duration
	if spec.MinAge != nil {
		minAge = spec.MinAge.Duration
	}

	var res matchResult
	for _, img := range images {
		if name != nil && !name.MatchString(img.Name) ||
			excludedIDs[img.ID] ||
			excludeName != nil && excludeName.MatchString(img.Name) {
			continue
		}
		if minAge > 0 {
			created, ok := parseIMSTime(img.CreatedAt)
			if !ok {
				continue // the contract: an unreadable createdAt never passes a soak time
			}
			if ofAge := created.Add(minAge); ofAge.After(now) {
				if res.ComesOfAge.IsZero() || ofAge.Before(res.ComesOfAge) {
					res.ComesOfAge = ofAge
				}
				continue
			}
		}
		res.Images = append(res.Images, img)
	}
	if byVersion {
		res.Latest = highestVersion(res.Images, name)
	} else {
		res.Latest = newest(res.Images)
	}
	return res, nil
}

func compileOptional(field, expr string) (*regexp.Regexp, *syncFailure) {
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

func invalidNameRegex(format string, args ...any) *syncFailure {
	msg := fmt.Sprintf(format, args...)
	return &syncFailure{Reason: imsv1.ReasonInvalidNameRegex, Message: msg, Terminal: true, Err: fmt.Errorf("%s", msg)}
}
