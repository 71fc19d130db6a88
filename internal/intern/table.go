package intern

import (
	"hash/maphash"
	"sync"
)

// generation is how many distinct values a table takes before it starts a new generation.
// Values are looked up in the current generation and the one before (and moved forward when
// found there); older ones are forgotten, so a table holds at most two generations whatever
// the cluster does, and a value no object uses any more is gone two generations later. The
// objects that hold a forgotten value keep it; an equal value met later is a new copy until
// its generation ends. 4,096 is many times the distinct label sets of the 100,000-CloudImage
// benchmark (one per platform, architecture and set of claiming queries) and four times its
// distinct content hashes; a catalog of more distinct images than that shares its annotation
// maps only within a generation.
const generation = 4096

// table holds one copy of each distinct value of a type that is not comparable (maps,
// slices), found by a hash of its contents and compared in full.
type table[T any] struct {
	hash  func(maphash.Seed, T) uint64
	equal func(a, b T) bool
	// own makes the copy the table keeps (its strings interned), from the first value seen.
	own func(T) T

	mu        sync.Mutex
	seed      maphash.Seed
	cur, prev map[uint64][]T
}

func newTable[T any](hash func(maphash.Seed, T) uint64, equal func(a, b T) bool, own func(T) T) *table[T] {
	return &table[T]{hash: hash, equal: equal, own: own, seed: maphash.MakeSeed(), cur: map[uint64][]T{}}
}

// shared is the table's copy of v, made from v the first time v's contents are seen.
func (t *table[T]) shared(v T) T {
	h := t.hash(t.seed, v)
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.find(t.cur, h, v); ok {
		return s
	}
	s, ok := t.find(t.prev, h, v)
	if !ok {
		s = t.own(v)
	}
	t.cur[h] = append(t.cur[h], s)
	if len(t.cur) >= generation {
		t.prev, t.cur = t.cur, map[uint64][]T{}
	}
	return s
}

func (t *table[T]) find(in map[uint64][]T, h uint64, v T) (T, bool) {
	for _, s := range in[h] {
		if t.equal(s, v) {
			return s, true
		}
	}
	var zero T
	return zero, false
}
