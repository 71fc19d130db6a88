package selection

import (
	"slices"
	"strings"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// Variant is one combination of latestPer's values, and its latest usable image.
type Variant struct {
	// Name is the values joined by '-' in latestPer order, made label-safe; a value the image
	// does not have is "unknown".
	Name   string
	Latest *ims.Image
}

// unknownPart names a latestPer field an image has no value for (no architecture in its
// record, say): it never breaks the sync, and the image falls in that variant.
const unknownPart = "unknown"

// variants are the latest eligible image of each variant among ranked (the usable matches,
// latest first), sorted by name.
func (s *Selector) variants(ranked []*ims.Image) []Variant {
	if len(s.latestPer) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []Variant
	for _, img := range ranked {
		name := s.variantOf(img)
		if seen[name] || !s.eligible(img) {
			continue
		}
		seen[name] = true
		out = append(out, Variant{Name: name, Latest: img})
	}
	slices.SortFunc(out, func(a, b Variant) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// variantOf names img's variant.
func (s *Selector) variantOf(img *ims.Image) string {
	parts := make([]string, 0, len(s.latestPer))
	for _, field := range s.latestPer {
		part := imsv1.LabelValue(fieldValue(img, field))
		if part == "" {
			part = unknownPart
		}
		parts = append(parts, part)
	}
	return imsv1.LabelValue(strings.Join(parts, "-"))
}

func fieldValue(img *ims.Image, field imsv1.VariantField) string {
	switch field {
	case imsv1.VariantArchitecture:
		return img.Architecture()
	case imsv1.VariantPlatform:
		return img.Platform
	case imsv1.VariantOSBit:
		return img.OSBit
	case imsv1.VariantVirtualEnvType:
		return img.VirtualEnvType
	}
	return ""
}
