package ims

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodePage reads a List-images body, {"images":[...]}. A body that is not
// JSON, has no images array, or holds an image that is not an object is an
// incomplete listing. Inside an image nothing fails: a value of a type the
// model cannot read goes to Extra under its wire name.
func decodePage(body []byte) ([]*Image, error) {
	if !json.Valid(body) {
		return nil, incomplete("response body is not valid JSON")
	}
	start := skipSpace(body, 0)
	if body[start] != '{' {
		return nil, incomplete("response body is not a JSON object")
	}
	var list []byte
	for k, v := range members(body, start) {
		if keyText(k) == "images" {
			list = v // the last one wins, as with encoding/json
		}
	}
	if len(list) == 0 || list[0] != '[' {
		return nil, incomplete("response body has no images array")
	}

	var d decoder
	var images []*Image
	for elem := range elements(list, 0) {
		if elem[0] != '{' {
			return nil, incomplete("response body has an image that is not a JSON object")
		}
		images = append(images, d.image(string(elem)))
	}
	return images, nil
}

// decoder hands out *int64 and *bool from shared slabs: an image holds up
// to eleven such pointers, and one allocation each would dominate.
type decoder struct {
	ints  []int64
	bools []bool
}

const slab = 256

func (d *decoder) int64p(v int64) *int64 {
	if len(d.ints) == 0 {
		d.ints = make([]int64, slab)
	}
	p := &d.ints[0]
	d.ints = d.ints[1:]
	*p = v
	return p
}

func (d *decoder) boolp(v bool) *bool {
	if len(d.bools) == 0 {
		d.bools = make([]bool, slab)
	}
	p := &d.bools[0]
	d.bools = d.bools[1:]
	*p = v
	return p
}

// image decodes one image object. s is the object's own copy of its text:
// every unescaped string field is a substring of it, so the strings of an
// image cost one allocation together.
func (d *decoder) image(s string) *Image {
	im := new(Image)
	for k, v := range members(s, 0) {
		key := keyText(k)
		f, known := imageFields[key]
		switch {
		case !known && v == "null":
			dropExtra(im, key) // nulls are dropped, also over an earlier duplicate
		case !known:
			setExtra(im, key, v)
		case d.set(im, f, v):
			dropExtra(im, key) // a duplicate key may have put an earlier value there
		default:
			zero(im, f) // the last value wins, also when it is unreadable
			setExtra(im, key, v)
		}
	}
	return im
}

// set stores v into the field f describes, reporting false when v has a
// type the field cannot take.
func (d *decoder) set(im *Image, f field, v string) bool {
	switch {
	case f.str != nil:
		switch v[0] {
		case '"':
			*f.str(im) = stringText(v)
		case 'n':
			*f.str(im) = ""
		case '{', '[':
			return false
		default: // number or bool, kept as written
			*f.str(im) = v
		}
	case f.flag != nil:
		if v == "null" {
			*f.flag(im) = false
			return true
		}
		b, ok := parseBool(v)
		if !ok {
			return false
		}
		*f.flag(im) = b
	case f.optBool != nil:
		if v == "null" {
			*f.optBool(im) = nil
			return true
		}
		b, ok := parseBool(v)
		if !ok {
			return false
		}
		*f.optBool(im) = d.boolp(b)
	case f.optInt != nil:
		if v == "null" {
			*f.optInt(im) = nil
			return true
		}
		n, ok := parseInt(v)
		if !ok {
			return false
		}
		*f.optInt(im) = d.int64p(n)
	case f.tags:
		return setTags(im, v)
	}
	return true
}

func zero(im *Image, f field) {
	switch {
	case f.str != nil:
		*f.str(im) = ""
	case f.flag != nil:
		*f.flag(im) = false
	case f.optBool != nil:
		*f.optBool(im) = nil
	case f.optInt != nil:
		*f.optInt(im) = nil
	case f.tags:
		im.Tags = nil
	}
}

// setTags accepts null or an array of strings (numbers and bools kept as
// written).
func setTags(im *Image, v string) bool {
	if v == "null" {
		im.Tags = nil
		return true
	}
	if v[0] != '[' {
		return false
	}
	n := 0
	for e := range elements(v, 0) {
		if e[0] == '{' || e[0] == '[' || e == "null" {
			return false
		}
		n++
	}
	tags := make([]string, 0, n)
	for e := range elements(v, 0) {
		if e[0] == '"' {
			tags = append(tags, stringText(e))
		} else {
			tags = append(tags, e)
		}
	}
	im.Tags = tags
	return true
}

func dropExtra(im *Image, key string) {
	if delete(im.Extra, key); len(im.Extra) == 0 {
		im.Extra = nil
	}
}

func setExtra(im *Image, key, v string) {
	if im.Extra == nil {
		im.Extra = make(map[string]string)
	}
	im.Extra[key] = extraText(v)
}

// extraText is how Extra keeps a value: strings verbatim, anything else as
// compact JSON.
func extraText(v string) string {
	switch v[0] {
	case '"':
		return stringText(v)
	case '{', '[':
		var b bytes.Buffer
		if json.Compact(&b, []byte(v)) != nil {
			return v
		}
		return b.String()
	}
	return v // numbers and literals have no inner space
}

// parseBool accepts true/false and the strings "true"/"false" in any case.
func parseBool(v string) (b, ok bool) {
	switch v {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	if v[0] == '"' {
		switch s := stringText(v); {
		case strings.EqualFold(s, "true"):
			return true, true
		case strings.EqualFold(s, "false"):
			return false, true
		}
	}
	return false, false
}

// parseInt accepts integers, floats with an integral value, and strings
// holding either.
func parseInt(v string) (int64, bool) {
	if v[0] == '"' {
		v = stringText(v)
		if v == "" || !(v[0] == '-' || '0' <= v[0] && v[0] <= '9') || !json.Valid([]byte(v)) {
			return 0, false
		}
	} else if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// stringText returns the content of the JSON string v; without escapes
// (and in valid UTF-8) that is a substring of v, with no allocation.
// Otherwise encoding/json decodes it, replacing invalid UTF-8 as it always
// does.
func stringText(v string) string {
	s := v[1 : len(v)-1]
	if strings.IndexByte(s, '\\') < 0 && utf8.ValidString(s) {
		return s
	}
	var out string
	if json.Unmarshal([]byte(v), &out) != nil {
		return s
	}
	return out
}

// keyText returns an object key's text from between its quotes.
func keyText[T text](k T) string {
	escaped := false
	for i := 0; i < len(k); i++ {
		escaped = escaped || k[i] == '\\'
	}
	if !escaped && utf8.ValidString(string(k)) {
		return string(k)
	}
	var out string
	if json.Unmarshal([]byte(`"`+string(k)+`"`), &out) != nil {
		return string(k)
	}
	return out
}
