package imssim

import "errors"

// Listing is the whole listing that a request with rawQuery would page
// through, as of now: every matching record in the requested order, with no
// paging, no fault and no recording. It is the truth a test compares a
// client's view with, while faults make the served answers lie. A marker or
// a limit is refused: they choose a page, and Listing has none.
func (s *Simulator) Listing(rawQuery string) ([]Image, error) {
	q, perr := parseListQuery(rawQuery)
	if perr != nil {
		return nil, perr
	}
	if q.marker != "" || q.limit != defaultLimit {
		return nil, errors.New("Listing takes no marker or limit: it returns every page at once")
	}
	s.mu.RLock()
	snap := s.snap
	s.mu.RUnlock()
	var out []Image
	for _, e := range snap.sorted(q.sort) {
		if q.matches(e) {
			out = append(out, deepCopy(e.img))
		}
	}
	return out, nil
}
