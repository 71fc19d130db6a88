package imssim

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Churn changes a simulator's catalog the way a live account changes under a
// mirror: images are uploaded and deleted, renamed, re-tagged, and go to
// "queued" (being re-uploaded) and back to "active". The same seed applied to
// the same catalog makes the same changes. An ID that churn removes never
// comes back, so a test can tell a lost image from a deleted one. A Churn is
// meant for one goroutine; the simulator may serve meanwhile.
type Churn struct {
	sim  *Simulator
	rng  *rand.Rand
	now  func() time.Time
	used map[string]bool // every ID the catalog has held since NewChurn
}

// ChurnKind is one kind of catalog change.
type ChurnKind string

// The changes Churn makes.
const (
	ChurnAdd      ChurnKind = "add"      // a new image, created now (a fresh ID)
	ChurnRemove   ChurnKind = "remove"   // an image deleted
	ChurnRename   ChurnKind = "rename"   // another name (sometimes ending " beta")
	ChurnRetag    ChurnKind = "retag"    // one tag added or taken away
	ChurnQueue    ChurnKind = "queue"    // an active image goes to "queued"
	ChurnActivate ChurnKind = "activate" // a queued image becomes "active" again
)

// ChurnKinds are the kinds Step chooses among, equally often.
var ChurnKinds = []ChurnKind{ChurnAdd, ChurnRemove, ChurnRename, ChurnRetag, ChurnQueue, ChurnActivate}

// ChurnEvent is one change made: its kind (which may differ from the kind
// asked for, see Apply), the image's ID and its record after the change
// (nil once removed).
type ChurnEvent struct {
	Kind  ChurnKind
	ID    string
	Image Image
}

// NewChurn returns a churn of sim's catalog; now stamps created_at and
// updated_at (nil: time.Now).
func NewChurn(sim *Simulator, seed int64, now func() time.Time) *Churn {
	if now == nil {
		now = time.Now
	}
	c := &Churn{sim: sim, rng: rand.New(rand.NewPCG(uint64(seed), 0x636875726e)), now: now, used: map[string]bool{}} // "churn"
	for _, img := range sim.Catalog() {
		c.used[img.ID()] = true
	}
	return c
}

// Step makes one change of a kind chosen at random.
func (c *Churn) Step() ChurnEvent {
	return c.Apply(ChurnKinds[c.rng.IntN(len(ChurnKinds))])
}

// Apply makes one change of kind to a record chosen at random. A change that
// has no record to apply to becomes another: activate with nothing queued
// queues, and anything on an empty catalog (or queue with nothing active)
// adds.
func (c *Churn) Apply(kind ChurnKind) ChurnEvent {
	catalog := c.sim.Catalog()
	if kind == ChurnActivate && !slices.ContainsFunc(catalog, hasStatus("queued")) {
		kind = ChurnQueue
	}
	if kind == ChurnQueue && !slices.ContainsFunc(catalog, hasStatus("active")) {
		kind = ChurnAdd
	}
	if len(catalog) == 0 {
		kind = ChurnAdd
	}
	switch kind {
	case ChurnAdd:
		return c.add()
	case ChurnRemove:
		id := catalog[c.rng.IntN(len(catalog))].ID()
		c.sim.DeleteImage(id)
		return ChurnEvent{Kind: kind, ID: id}
	case ChurnQueue:
		return c.change(kind, c.pick(catalog, hasStatus("active")), func(img Image) { img["status"] = "queued" })
	case ChurnActivate:
		return c.change(kind, c.pick(catalog, hasStatus("queued")), func(img Image) { img["status"] = "active" })
	case ChurnRename:
		name := c.generate()["name"].(string)
		if c.rng.IntN(4) == 0 {
			name += " beta"
		}
		return c.change(kind, catalog[c.rng.IntN(len(catalog))], func(img Image) { img["name"] = name })
	default: // ChurnRetag
		tag := generatedTags[c.rng.IntN(len(generatedTags))]
		return c.change(ChurnRetag, catalog[c.rng.IntN(len(catalog))], func(img Image) { img["tags"] = toggled(img["tags"], tag) })
	}
}

// add uploads a new image, created now, under an ID the catalog never held.
func (c *Churn) add() ChurnEvent {
	img := c.generate()
	for c.used[img.ID()] {
		img = c.generate()
	}
	c.used[img.ID()] = true
	stamp := c.now().UTC().Format(time.RFC3339)
	img["created_at"], img["updated_at"] = stamp, stamp
	c.sim.PutImage(img)
	return ChurnEvent{Kind: ChurnAdd, ID: img.ID(), Image: img}
}

// generate is one generated image of the churn's random stream.
func (c *Churn) generate() Image { return GenerateCatalog(1, c.rng.Int64())[0] }

// change edits one record and stamps updated_at.
func (c *Churn) change(kind ChurnKind, img Image, edit func(Image)) ChurnEvent {
	edit(img)
	img["updated_at"] = c.now().UTC().Format(time.RFC3339)
	c.sim.PutImage(img)
	return ChurnEvent{Kind: kind, ID: img.ID(), Image: img}
}

// pick chooses a random record among those that keep says.
func (c *Churn) pick(catalog []Image, keep func(Image) bool) Image {
	var candidates []Image
	for _, img := range catalog {
		if keep(img) {
			candidates = append(candidates, img)
		}
	}
	return candidates[c.rng.IntN(len(candidates))]
}

func hasStatus(status string) func(Image) bool {
	return func(img Image) bool { return img["status"] == status }
}

// toggled is a record's tags with tag added, or taken away if it was there.
func toggled(tags any, tag string) []any {
	list, _ := tags.([]any)
	if i := slices.Index(list, any(tag)); i >= 0 {
		return slices.Delete(slices.Clone(list), i, i+1)
	}
	return append(slices.Clone(list), tag)
}
