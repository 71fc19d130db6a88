package mirror

import (
	"encoding/json"
	"fmt"
	"sort"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/bound"
)

// A CloudImage must always fit what the API server stores (etcd takes 1.5 MiB per object), or
// one odd image could never be mirrored. Every field of the record is bounded in characters;
// tags and unknown fields are the only parts that grow with what IMS sends, so they are cut
// to a byte budget, with a marker that says so.
const (
	// maxRecordBytes bounds the record's JSON; the fixed fields take at most ~150 KiB of it
	// even when JSON escapes every character six-fold.
	maxRecordBytes = 256 << 10
	// cutMarker ends a tag or extra-property value (or key) that was cut to its bound.
	cutMarker = "…[truncated]"
	// TruncatedProperty is the extraProperties key that says what was dropped from a record.
	TruncatedProperty = "ims.imagecatalog.io/truncated"
	// growingBytes is how many raw bytes of tags and extra properties certainly fit, whatever
	// their escaping; only records beyond it are measured as JSON.
	growingBytes = 16 << 10
)

// cut bounds s to n bytes, ending it with cutMarker when something was cut.
func cut(s string, n int) string { return bound.Marked(s, n, cutMarker) }

// boundedTags are img's tags as the record holds them, and how many were dropped.
func boundedTags(tags []string) ([]string, int) {
	var out []string
	for _, tag := range tags[:min(len(tags), imsv1.MaxTags)] {
		out = append(out, cut(tag, imsv1.MaxShortString))
	}
	return out, len(tags) - len(out)
}

// boundedExtra are the unknown fields as the record holds them: a stable subset (sorted keys)
// of cut keys and values, the kept keys in order, and how many were dropped. One slot is
// left for TruncatedProperty when not all fit.
func boundedExtra(extra map[string]string) (map[string]string, []string, int) {
	if len(extra) == 0 {
		return nil, nil, 0
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	room := imsv1.MaxExtraProperty
	if len(keys) > room {
		room-- // for the marker
	}
	out := make(map[string]string, min(len(keys), room))
	var kept []string
	for _, k := range keys {
		key := cut(k, imsv1.MaxShortString)
		if _, dup := out[key]; dup || len(kept) == room || key == TruncatedProperty {
			continue
		}
		out[key] = cut(extra[k], imsv1.MaxLongString)
		kept = append(kept, key)
	}
	return out, kept, len(keys) - len(kept)
}

// fitRecord drops extra properties, then tags, from the end until the record's JSON fits
// maxRecordBytes, and notes in TruncatedProperty what was dropped here or before.
func fitRecord(r *imsv1.ImageRecord, kept []string, droppedExtra, droppedTags int) {
	if rawGrowing(r) > growingBytes {
		// Measure once, then subtract what each dropped entry took (`"key":"value",`).
		for size := recordBytes(r); (len(kept) > 0 || len(r.Tags) > 0) && size > maxRecordBytes; {
			if n := len(kept); n > 0 {
				k := kept[n-1]
				size -= jsonLen(k) + jsonLen(r.ExtraProperties[k]) + len(":,")
				delete(r.ExtraProperties, k)
				kept, droppedExtra = kept[:n-1], droppedExtra+1
			} else {
				size -= jsonLen(r.Tags[len(r.Tags)-1]) + len(",")
				r.Tags, droppedTags = r.Tags[:len(r.Tags)-1], droppedTags+1
			}
		}
	}
	if droppedExtra+droppedTags == 0 {
		return
	}
	if len(kept) == imsv1.MaxExtraProperty { // only the budget dropped tags: make room
		delete(r.ExtraProperties, kept[len(kept)-1])
		droppedExtra++
	}
	if r.ExtraProperties == nil {
		r.ExtraProperties = map[string]string{}
	}
	r.ExtraProperties[TruncatedProperty] = fmt.Sprintf(
		"%d tags and %d extra properties of this image were dropped to keep the CloudImage within its bounds", droppedTags, droppedExtra)
}

func rawGrowing(r *imsv1.ImageRecord) int {
	n := 0
	for _, t := range r.Tags {
		n += len(t)
	}
	for k, v := range r.ExtraProperties {
		n += len(k) + len(v)
	}
	return n
}

func recordBytes(r *imsv1.ImageRecord) int {
	b, err := json.Marshal(r)
	if err != nil {
		return maxRecordBytes + 1
	}
	return len(b)
}

// jsonLen is the length of s as a JSON string.
func jsonLen(s string) int {
	b, _ := json.Marshal(s) // a string always marshals
	return len(b)
}
