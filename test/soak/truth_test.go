package soak

import (
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// What the operator must have made of the simulator's catalog, derived from its documented
// behaviour (README "Picking an image"), not from its code: the filter is IMS's (the
// simulator's Listing), then nameRegex, exclude and minAge; latestImage is the newest
// createdAt, or the highest nameRegex version then the newest, ties going to the listing
// order (created_at desc, then id desc).

// matches is what tpl matches in a listing of its filter, in listing order, at time at.
func (tpl template) matches(listing []imssim.Image, at time.Time) []imssim.Image {
	var out []imssim.Image
	for _, img := range listing {
		if tpl.claims(img) && tpl.oldEnough(img, at) {
			out = append(out, img)
		}
	}
	return out
}

// claims is the part of matching that does not depend on time.
func (tpl template) claims(img imssim.Image) bool {
	name, _ := img["name"].(string)
	switch {
	case tpl.nameRE != nil && !tpl.nameRE.MatchString(name),
		tpl.excludeRE != nil && tpl.excludeRE.MatchString(name):
		return false
	}
	for _, id := range tpl.excludeIDs {
		if img.ID() == id {
			return false
		}
	}
	return true
}

// oldEnough says whether img has passed minAge at.
func (tpl template) oldEnough(img imssim.Image, at time.Time) bool {
	if tpl.minAge == 0 {
		return true
	}
	created, ok := createdAt(img)
	return ok && !created.Add(tpl.minAge).After(at)
}

// comesOfAge is when img passes minAge (the zero time without minAge).
func (tpl template) comesOfAge(img imssim.Image) time.Time {
	created, _ := createdAt(img)
	if tpl.minAge == 0 {
		return time.Time{}
	}
	return created.Add(tpl.minAge)
}

func createdAt(img imssim.Image) (time.Time, bool) {
	s, _ := img["created_at"].(string)
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// latest is the image latestBy chooses among the usable matches (in listing order): active
// and not off-shelved (README, "Only what boots is picked"); nil if none.
func (tpl template) latest(matches []imssim.Image) imssim.Image {
	var best imssim.Image
	var bestVersion []string
	for _, img := range matches {
		if img["status"] != "active" || img["__is_offshelved"] == "true" {
			continue
		}
		if !tpl.byVersion {
			if best == nil || newer(img, best) {
				best = img
			}
			continue
		}
		name, _ := img["name"].(string)
		v, ok := version(tpl.nameRE, name)
		if !ok {
			continue
		}
		c := compareVersions(v, bestVersion)
		if best == nil || c > 0 || c == 0 && newer(img, best) {
			best, bestVersion = img, v
		}
	}
	return best
}

// newer: a strictly later createdAt (a tie keeps the earlier in listing order).
func newer(a, b imssim.Image) bool {
	ta, _ := createdAt(a)
	tb, _ := createdAt(b)
	return ta.After(tb)
}

// version is the first capture group of re in name as numeric parts (README: split on '.',
// '-' and '_', a leading v ignored).
func version(re *regexp.Regexp, name string) ([]string, bool) {
	m := re.FindStringSubmatch(name)
	if len(m) < 2 {
		return nil, false
	}
	s := strings.TrimPrefix(strings.TrimPrefix(m[1], "v"), "V")
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	if len(parts) == 0 || strings.Count(s, ".")+strings.Count(s, "-")+strings.Count(s, "_")+1 != len(parts) {
		return nil, false
	}
	for i, p := range parts {
		if strings.Trim(p, "0123456789") != "" {
			return nil, false
		}
		if parts[i] = strings.TrimLeft(p, "0"); parts[i] == "" {
			parts[i] = "0"
		}
	}
	return parts, true
}

// compareVersions compares part by part as numbers; a longer version with an equal prefix is
// higher.
func compareVersions(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if len(a[i]) != len(b[i]) {
			return cmpInt(len(a[i]), len(b[i]))
		}
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmpInt(len(a), len(b))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// history remembers, for every template and image, since when the image has been claimed
// by the template without a break (filter, nameRegex, exclude; minAge is applied when
// asked), so that the auditor can judge a deletion against the truth at its time. Catalog
// changes go through change, which updates the history under the same lock.
type history struct {
	mu    sync.Mutex
	tpls  []template
	since []map[string]claim // per template: image ID -> claim
}

type claim struct {
	since time.Time
	img   imssim.Image
}

func newHistory(tpls []template) *history {
	h := &history{tpls: tpls, since: make([]map[string]claim, len(tpls))}
	for i := range h.since {
		h.since[i] = map[string]claim{}
	}
	h.change(func() {})
	return h
}

// change applies a catalog change and records its effect.
func (h *history) change(apply func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	apply()
	now := time.Now()
	for i, tpl := range h.tpls {
		listing, err := sim.Listing(tpl.wire)
		if err != nil {
			panic(err) // the templates' filters are fixed and valid
		}
		next := make(map[string]claim, len(listing))
		for _, img := range listing {
			if !tpl.claims(img) {
				continue
			}
			c, ok := h.since[i][img.ID()]
			if !ok {
				c.since = now
			}
			c.img = img
			next[img.ID()] = c
		}
		h.since[i] = next
	}
}

// claimedSince is since when template i has claimed id without a break, as of now (minAge
// included); ok is false when it does not claim it now.
func (h *history) claimedSince(i int, id string) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.since[i][id]
	if !ok {
		return time.Time{}, false
	}
	since := c.since
	if age := h.tpls[i].comesOfAge(c.img); age.After(since) {
		since = age
	}
	return since, !since.After(time.Now())
}

// claimedAmong counts the ids that template i claims now, and all that it claims.
func (h *history) claimedAmong(i int, ids []string) (among, all int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		if _, ok := h.since[i][id]; ok {
			among++
		}
	}
	return among, len(h.since[i])
}
