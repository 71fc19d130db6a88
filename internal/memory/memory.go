// Package memory returns the heap that a large sync freed to the operating system.
//
// A large sync allocates in a burst (the decoded listing, each desired record, each request
// and answer) and the manager then idles until the next one, minutes later. Go keeps the
// freed heap for reuse, so without this the manager's resident memory stays at the burst's
// peak — about twice what it holds — between syncs. After a large sync the heap is collected
// and returned to the OS, at most once per releaseEvery, so many queries syncing together
// cost one collection, not one each; a large sync within releaseEvery of the last release
// gets one when releaseEvery has passed, so the last sync of a busy spell is released too.
package memory

import (
	"runtime/debug"
	"sync"
	"time"
)

const (
	largeSync    = 1000 // images listed
	releaseEvery = 30 * time.Second
)

// Releaser schedules the releases of one manager; the zero value is ready.
type Releaser struct {
	mu      sync.Mutex
	last    time.Time
	pending bool // a release is scheduled
}

// AfterSync returns the freed heap to the OS after a sync that listed n images.
func (r *Releaser) AfterSync(n int) {
	if n < largeSync {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending {
		return
	}
	if wait := releaseEvery - time.Since(r.last); wait > 0 {
		r.pending = true
		time.AfterFunc(wait, r.releaseNow)
		return
	}
	r.last = time.Now()
	go debug.FreeOSMemory() // not under the lock, nor in the sync's time
}

// releaseNow is a scheduled release.
func (r *Releaser) releaseNow() {
	r.mu.Lock()
	r.last, r.pending = time.Now(), false
	r.mu.Unlock()
	debug.FreeOSMemory()
}
