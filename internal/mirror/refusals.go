package mirror

import (
	"maps"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"k8s.io/apimachinery/pkg/types"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// A record the API server refused for its size is refused again as long as it is the same:
// writing it on every sync would only cost the API server a large request each time. The
// mirror remembers, per query, the content hash of each record refused for its size and does
// not try it again until the listing gives that image another record; it is still reported as
// not stored. The memory is in the manager's process only: a restart tries each record once
// more, which is the safe side.

// RefusedForSize tells whether the API server refused a write for its size: the request body
// limit (3 MiB, 413) or etcd's limit on one object (1.5 MiB, "request is too large").
func RefusedForSize(err error) bool {
	return apierrors.IsRequestEntityTooLargeError(err) || (err != nil && strings.Contains(err.Error(), "too large"))
}

// maxRefusalsPerQuery bounds what one query's memory holds. Records refused beyond it are
// simply tried again on every sync.
const maxRefusalsPerQuery = 100

// refusal is one record the API server refused for its size.
type refusal struct {
	hash    string // contentHash of the refused record
	message string // the refusal as reported, so that later syncs report it alike
}

// refusalMemory holds the refusals of every query; the zero value is empty and ready.
type refusalMemory struct {
	mu      sync.Mutex
	queries map[types.NamespacedName]queryRefusals
}

// queryRefusals are one query's refusals by image ID. The UID tells a query deleted and
// created again under the same name from the one the refusals were seen for.
type queryRefusals struct {
	uid    types.UID
	images map[string]refusal
}

// of returns q's refusals (nil if none); the map is not modified afterwards, only replaced.
func (m *refusalMemory) of(q *imsv1.ImageQuery) map[string]refusal {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.queries[types.NamespacedName{Namespace: q.Namespace, Name: q.Name}]
	if r.uid != q.UID {
		return nil
	}
	return r.images
}

// keep stores the refusals a mirror pass saw. A complete pass replaces q's memory, so images
// no longer listed, or whose record was stored at last, are forgotten; a pass that failed
// part-way adds to it (the images it did not reach are still as they were).
func (m *refusalMemory) keep(q *imsv1.ImageQuery, seen map[string]refusal, complete bool) {
	key := types.NamespacedName{Namespace: q.Namespace, Name: q.Name}
	m.mu.Lock()
	defer m.mu.Unlock()
	images := make(map[string]refusal, len(seen))
	if old := m.queries[key]; !complete && old.uid == q.UID {
		maps.Copy(images, old.images)
	}
	for id, r := range seen {
		if len(images) >= maxRefusalsPerQuery {
			break
		}
		images[id] = r
	}
	if len(images) == 0 {
		m.forget(key)
		return
	}
	if m.queries == nil {
		m.queries = map[types.NamespacedName]queryRefusals{}
	}
	m.queries[key] = queryRefusals{uid: q.UID, images: images}
}

// forgetQuery drops a deleted query's refusals.
func (m *refusalMemory) forgetQuery(key types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forget(key)
}

// forget drops key's refusals; m.mu is held.
func (m *refusalMemory) forget(key types.NamespacedName) {
	delete(m.queries, key)
}
