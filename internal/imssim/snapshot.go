package imssim

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"
)

// entry is one record prepared for serving: its JSON is encoded once and
// the fields that filters and sorting read often are parsed once, so a
// 10,000-image listing costs a scan, not a re-encode. Entries are
// immutable once built and shared between snapshots.
type entry struct {
	img Image  // normalised record; never handed out without copying
	raw []byte // the record as served (simulator-only keys removed)

	id, name, containerFormat, diskFormat, status string
	size                                          float64
	created, updated                              time.Time
	createdOK, updatedOK                          bool
	arm                                           bool
	unregistered                                  bool // hidden: ordinary users list registered images only
}

// simulatorOnlyKeys are catalog keys that drive filters but that IMS never
// returns in an image record.
var simulatorOnlyKeys = []string{"member_status"}

func newEntry(img Image) (*entry, error) {
	served := img
	for _, k := range simulatorOnlyKeys {
		if _, ok := img[k]; ok {
			served = make(Image, len(img))
			for key, v := range img {
				if !slices.Contains(simulatorOnlyKeys, key) {
					served[key] = v
				}
			}
			break
		}
	}
	raw, err := json.Marshal(served)
	if err != nil {
		return nil, err
	}
	e := &entry{img: img, raw: raw, id: img.ID()}
	e.name, _ = stringField(img, "name")
	e.containerFormat, _ = stringField(img, "container_format")
	e.diskFormat, _ = stringField(img, "disk_format")
	e.status, _ = stringField(img, "status")
	e.size = numberField(img, "size")
	if s, ok := stringField(img, "created_at"); ok {
		e.created, e.createdOK = parseRecordTime(s)
	}
	if s, ok := stringField(img, "updated_at"); ok {
		e.updated, e.updatedOK = parseRecordTime(s)
	}
	e.arm = isArm(img)
	// Only an explicit "false" hides a record: minimal test records that
	// omit the field stay visible.
	if s, ok := stringField(img, "__isregistered"); ok && strings.EqualFold(s, "false") {
		e.unregistered = true
	}
	return e, nil
}

// isArm: the API marks Arm images with __support_arm; some records carry an
// explicit architecture instead.
func isArm(img Image) bool {
	if isTrue(img, "__support_arm") {
		return true
	}
	a, _ := stringField(img, "architecture")
	a = strings.ToLower(a)
	return a == "arm" || a == "arm64" || a == "aarch64"
}

// sortSpec is one ordering of the catalog.
type sortSpec struct {
	key  string // canonical sort_key
	desc bool
}

// snapshot is an immutable view of the catalog; each change builds a new
// one, so a request in flight keeps a consistent view. Sorted orders are
// computed on first use and cached, because clients page through the same
// order many times.
type snapshot struct {
	entries []*entry

	mu     sync.Mutex
	orders map[sortSpec][]*entry
}

func newSnapshot(entries []*entry) *snapshot {
	return &snapshot{entries: entries, orders: map[sortSpec][]*entry{}}
}

func (s *snapshot) sorted(spec sortSpec) []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.orders[spec]; ok {
		return o
	}
	o := slices.Clone(s.entries)
	slices.SortFunc(o, func(a, b *entry) int {
		c := compareBy(spec.key, a, b)
		if c == 0 {
			c = strings.Compare(a.id, b.id) // ids are unique: a total order keeps paging stable
		}
		if spec.desc {
			c = -c
		}
		return c
	})
	s.orders[spec] = o
	return o
}

func compareBy(key string, a, b *entry) int {
	switch key {
	case "name":
		return strings.Compare(a.name, b.name)
	case "container_format":
		return strings.Compare(a.containerFormat, b.containerFormat)
	case "disk_format":
		return strings.Compare(a.diskFormat, b.diskFormat)
	case "status":
		return strings.Compare(a.status, b.status)
	case "size":
		return cmp.Compare(a.size, b.size)
	case "created_at":
		// Records without a parsable time sort as the oldest.
		return a.created.Compare(b.created)
	default: // "id": the tie-break alone decides
		return 0
	}
}
