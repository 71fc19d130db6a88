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
// cost one collection, not one each; a large sync within releaseEvery of the last release
// gets one when releaseEvery has passed, so the last sync of a busy spell is released too.
const (
	largeSync    = 1000 // images listed
	releaseEvery = 30 * time.Second
)

var memoryRelease struct {
	sync.Mutex
	last    time.Time
	pending bool // a release is scheduled
}

// releaseMemory returns the freed heap to the OS after a sync that listed n images.
func releaseMemory(n int) {
	if n < largeSync {
		return
	}
	memoryRelease.Lock()
	defer memoryRelease.Unlock()
	if memoryRelease.pending {
		return
	}
	if wait := releaseEvery - time.Since(memoryRelease.last); wait > 0 {
		memoryRelease.pending = true
		time.AfterFunc(wait, releaseNow)
		return
	}
	memoryRelease.last = time.Now()
	go debug.FreeOSMemory() // not under the lock, nor in the sync's time
}

// releaseNow is a scheduled release.
func releaseNow() {
	memoryRelease.Lock()
	memoryRelease.last, memoryRelease.pending = time.Now(), false
	memoryRelease.Unlock()
	debug.FreeOSMemory()
}
