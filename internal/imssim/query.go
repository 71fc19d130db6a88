package imssim

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
)

const (
	defaultLimit = 500
	maxLimit     = 1000
)

// listQuery is a validated List-images request.
type listQuery struct {
	match  []matcher
	sort   sortSpec
	marker string
	limit  int
}

// paramError is a request the API refuses with 400; its message names the
// parameter and the reason.
type paramError struct {
	param, reason string
}

func (e *paramError) Error() string {
	if e.param == "" {
		return e.reason
	}
	return fmt.Sprintf("invalid query parameter %q: %s", e.param, e.reason)
}

func badParam(param, format string, args ...any) *paramError {
	return &paramError{param: param, reason: fmt.Sprintf(format, args...)}
}

// sortKeys are the reference's sort_key values; "create_at" is how the
// original document spells created_at, so it is accepted as an alias.
var sortKeys = map[string]string{
	"name": "name", "container_format": "container_format", "disk_format": "disk_format",
	"status": "status", "id": "id", "size": "size", "created_at": "created_at", "create_at": "created_at",
}

// parseListQuery validates every parameter of a raw query string. Each
// parameter may appear once and must not be empty: a client that sends a
// filter it has no value for has a bug the simulator should surface.
func parseListQuery(rawQuery string) (*listQuery, *paramError) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, &paramError{reason: "malformed query string: " + err.Error()}
	}
	q := &listQuery{sort: sortSpec{key: "created_at", desc: true}, limit: defaultLimit}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names) // report the same error for the same request every time
	for _, name := range names {
		vs := values[name]
		if len(vs) > 1 {
			return nil, badParam(name, "given %d times, allowed once", len(vs))
		}
		v := vs[0]
		if v == "" {
			return nil, badParam(name, "empty value")
		}
		switch name {
		case "marker":
			q.marker = v
		case "limit":
			n, err := strconv.Atoi(v)
			if !digits.MatchString(v) || err != nil || n < 1 || n > maxLimit {
				return nil, badParam(name, "want an integer from 1 to %d, got %q", maxLimit, v)
			}
			q.limit = n
		case "sort_key":
			key, ok := sortKeys[v]
			if !ok {
				return nil, badParam(name, "%q is not one of name, container_format, disk_format, status, id, size, created_at", v)
			}
			q.sort.key = key
		case "sort_dir":
			if v != "asc" && v != "desc" {
				return nil, badParam(name, "%q is not one of asc, desc", v)
			}
			q.sort.desc = v == "desc"
		default:
			parse, known := filterParams[name]
			if !known {
				return nil, badParam(name, "unknown parameter")
			}
			m, err := parse(v)
			if err != nil {
				return nil, badParam(name, "%v", err)
			}
			if m != nil {
				q.match = append(q.match, m)
			}
		}
	}
	for _, rule := range exclusiveParams {
		if !values.Has(rule.param) {
			continue
		}
		for _, other := range rule.not {
			if values.Has(other) {
				return nil, badParam(rule.param, "cannot be combined with %s", other)
			}
		}
	}
	if values.Has("member_status") && values.Get("visibility") != "shared" {
		return nil, badParam("member_status", "requires visibility=shared")
	}
	return q, nil
}

// run returns the page of the filtered, sorted catalog that starts after
// the marker, and which page that is: page 1 has no marker; otherwise the
// marker at position i (from 0) of the filtered listing ends page
// ceil((i+1)/limit), so the request asks for the page after it.
func (q *listQuery) run(snap *snapshot) ([]*entry, int, *paramError) {
	page := make([]*entry, 0, min(q.limit, len(snap.entries)))
	found := q.marker == ""
	pageNum := 1
	matched := 0
	for _, e := range snap.sorted(q.sort) {
		if !q.matches(e) {
			continue
		}
		if !found {
			matched++
			if e.id == q.marker {
				found = true
				pageNum = (matched+q.limit-1)/q.limit + 1
			}
			continue
		}
		if len(page) == q.limit {
			break
		}
		page = append(page, e)
	}
	if !found {
		return nil, 0, badParam("marker", "image %q is not in this listing", q.marker)
	}
	return page, pageNum, nil
}

// from returns the IDs of the filtered, sorted listing from id to its end:
// what a client that takes a short page for the last one never sees.
func (q *listQuery) from(snap *snapshot, id string) []string {
	var out []string
	for _, e := range snap.sorted(q.sort) {
		if (out != nil || e.id == id) && q.matches(e) {
			out = append(out, e.id)
		}
	}
	return out
}

func (q *listQuery) matches(e *entry) bool {
	if e.unregistered {
		return false
	}
	for _, m := range q.match {
		if !m(e) {
			return false
		}
	}
	return true
}
