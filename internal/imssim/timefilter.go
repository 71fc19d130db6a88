package imssim

import (
	"fmt"
	"strings"
	"time"
)

// The two time forms the reference allows in created_at/updated_at filters.
var filterTimeLayouts = []string{"2006-01-02T15:04:05Z", "2006-01-02 15:04:05"}

// parseRecordTime reads a record's timestamp. Records are looser than
// queries (fractions, offsets), and a record whose time does not parse
// matches no time filter rather than failing the listing.
func parseRecordTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// timeOperators maps the reference's operators to a test on the sign of
// compare(record time, query time).
var timeOperators = map[string]func(c int) bool{
	"gt":  func(c int) bool { return c > 0 },
	"gte": func(c int) bool { return c >= 0 },
	"lt":  func(c int) bool { return c < 0 },
	"lte": func(c int) bool { return c <= 0 },
	"eq":  func(c int) bool { return c == 0 },
	"neq": func(c int) bool { return c != 0 },
}

// timeFilter parses "OP:TIME" (e.g. "gt:2018-10-28T10:00:00Z") for the
// created_at or updated_at parameter; times are UTC.
func timeFilter(param, value string) (matcher, error) {
	op, ts, ok := strings.Cut(value, ":")
	test, known := timeOperators[op]
	if !ok || !known {
		return nil, fmt.Errorf("want OPERATOR:TIME with OPERATOR one of gt, gte, lt, lte, eq, neq, got %q", value)
	}
	var at time.Time
	var err error
	for _, layout := range filterTimeLayouts {
		if at, err = time.Parse(layout, ts); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("time %q is neither yyyy-MM-ddThh:mm:ssZ nor yyyy-MM-dd hh:mm:ss", ts)
	}
	created := param == "created_at"
	return func(e *entry) bool {
		t, ok := e.updated, e.updatedOK
		if created {
			t, ok = e.created, e.createdOK
		}
		return ok && test(t.Compare(at))
	}, nil
}
