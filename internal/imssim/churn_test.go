package imssim

import (
	"slices"
	"testing"
	"time"
)

var churnNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func newChurn(t *testing.T, n int, seed int64) (*Simulator, *Churn) {
	t.Helper()
	sim := New(Options{Catalog: GenerateCatalog(n, 7)})
	return sim, NewChurn(sim, seed, func() time.Time { return churnNow })
}

func recordOf(sim *Simulator, id string) Image {
	for _, img := range sim.Catalog() {
		if img.ID() == id {
			return img
		}
	}
	return nil
}

// Each kind makes exactly the change it names, to one record, and stamps updated_at.
func TestChurnKinds(t *testing.T) {
	stamp := churnNow.Format(time.RFC3339)
	for _, kind := range ChurnKinds {
		t.Run(string(kind), func(t *testing.T) {
			sim, c := newChurn(t, 30, 1)
			if kind == ChurnActivate {
				c.Apply(ChurnQueue) // something to activate
			}
			before := sim.Catalog()
			ev := c.Apply(kind)
			if ev.Kind != kind {
				t.Fatalf("Apply(%s) made a %s", kind, ev.Kind)
			}
			after := recordOf(sim, ev.ID)
			old := recordOf(New(Options{Catalog: before}), ev.ID)
			switch kind {
			case ChurnAdd:
				if old != nil || after == nil || after["created_at"] != stamp || len(sim.Catalog()) != len(before)+1 {
					t.Fatalf("add: before %v, after %v", old, after)
				}
				return
			case ChurnRemove:
				if old == nil || after != nil || len(sim.Catalog()) != len(before)-1 {
					t.Fatalf("remove: before %v, after %v", old, after)
				}
				return
			}
			if after["updated_at"] != stamp || !changedOnly(old, after, map[ChurnKind]string{
				ChurnRename: "name", ChurnRetag: "tags", ChurnQueue: "status", ChurnActivate: "status"}[kind]) {
				t.Fatalf("%s: %v -> %v", kind, old, after)
			}
			switch kind {
			case ChurnQueue:
				if old["status"] != "active" || after["status"] != "queued" {
					t.Errorf("queue: %v -> %v", old["status"], after["status"])
				}
			case ChurnActivate:
				if old["status"] != "queued" || after["status"] != "active" {
					t.Errorf("activate: %v -> %v", old["status"], after["status"])
				}
			}
			if !slices.EqualFunc(ev.Image["tags"].([]any), after["tags"].([]any), func(a, b any) bool { return a == b }) {
				t.Errorf("the event's record is not the catalog's: %v", ev.Image)
			}
		})
	}
}

// changedOnly reports whether after differs from before in field (and updated_at) alone.
func changedOnly(before, after Image, field string) bool {
	if before == nil || after == nil || len(before) != len(after) {
		return false
	}
	changed := false
	for k, v := range before {
		same := equalJSON(v, after[k])
		switch {
		case k == field:
			changed = !same
		case k != "updated_at" && !same:
			return false
		}
	}
	return changed
}

func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case []any:
		b, ok := b.([]any)
		return ok && slices.EqualFunc(a, b, equalJSON)
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if !equalJSON(v, b[k]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// A change with nothing to apply to becomes one that has: activate with nothing queued
// queues, anything on an empty catalog adds.
func TestChurnFallsBack(t *testing.T) {
	_, c := newChurn(t, 5, 1)
	if ev := c.Apply(ChurnActivate); ev.Kind != ChurnQueue {
		t.Errorf("activate with nothing queued made a %s", ev.Kind)
	}
	empty := New(Options{Catalog: []Image{}})
	c = NewChurn(empty, 1, nil)
	for _, kind := range []ChurnKind{ChurnRemove, ChurnRename, ChurnRetag, ChurnQueue} {
		if ev := c.Apply(kind); ev.Kind != ChurnAdd {
			t.Errorf("%s on an empty catalog made a %s", kind, ev.Kind)
		}
		empty.SetCatalog([]Image{})
	}
}

// The same seed makes the same changes; a removed ID never comes back; every kind occurs.
func TestChurnIsReplayable(t *testing.T) {
	run := func() ([]ChurnEvent, []Image) {
		sim, c := newChurn(t, 20, 42)
		var events []ChurnEvent
		for range 300 {
			events = append(events, c.Step())
		}
		return events, sim.Catalog()
	}
	a, catalogA := run()
	b, catalogB := run()
	kinds := map[ChurnKind]int{}
	removed := map[string]bool{}
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].ID != b[i].ID {
			t.Fatalf("step %d: %s %s, then %s %s", i, a[i].Kind, a[i].ID, b[i].Kind, b[i].ID)
		}
		kinds[a[i].Kind]++
		if removed[a[i].ID] {
			t.Fatalf("step %d: %s %s after it was removed", i, a[i].Kind, a[i].ID)
		}
		if a[i].Kind == ChurnRemove {
			removed[a[i].ID] = true
		}
	}
	if !slices.Equal(idsOf(catalogA), idsOf(catalogB)) {
		t.Error("the same seed left different catalogs")
	}
	for _, k := range ChurnKinds {
		if kinds[k] == 0 {
			t.Errorf("no %s in 300 steps: %v", k, kinds)
		}
	}
}
