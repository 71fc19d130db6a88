package controllers

import (
	"runtime/debug"
	"sync"
	"time"
)

// A large sync allocates in a burst (the decoded listing, each desired record, each request
// and answer) and the manager then idles until the next one, minutes later. Go keeps the
// freed heap for reuse, so without this the manager's resident memory stays at the burst's
// peak — about twice what it holds — between syncs. After a large sync the heap is collected
// and returned to the OS, at most once per releaseEvery, so many queries syncing together
// cost one collection, not one each.
const (
	largeSync    = 1000 // images listed
	releaseEvery = 30 * time.Second
)

var memoryRelease struct {
	sync.Mutex
	last time.Time
}

// releaseMemory returns the freed heap to the OS after a sync that listed n images.
func releaseMemory(n int) {
	if n < largeSync {
		return
	}
	memoryRelease.Lock()
	if time.Since(memoryRelease.last) < releaseEvery {
		memoryRelease.Unlock()
		return
	}
	memoryRelease.last = time.Now()
	memoryRelease.Unlock()
	debug.FreeOSMemory()
}
