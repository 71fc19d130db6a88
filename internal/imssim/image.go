package imssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Image is one catalog record in wire form: the keys the List-images API
// returns ("__platform", "virtual_size", ...) with the value types
// encoding/json decodes into (string, float64, bool, nil, []any,
// map[string]any). Records given to the simulator are normalised to that
// form, so a record always looks the same whether it came from Go code,
// a JSON file or a response.
type Image map[string]any

// ID returns the record's "id", or "" when it has none or it is not a string.
func (img Image) ID() string {
	id, _ := img["id"].(string)
	return id
}

// normalize deep-copies img through JSON, which both detaches it from the
// caller and gives every value its decoded JSON type.
func normalize(img Image) (Image, error) {
	raw, err := json.Marshal(img)
	if err != nil {
		return nil, err
	}
	var out Image
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// normalizeCatalog normalises every record and checks that each has a
// unique, non-empty string id: marker paging is meaningless without one.
func normalizeCatalog(images []Image) ([]Image, error) {
	out := make([]Image, 0, len(images))
	seen := make(map[string]int, len(images))
	for i, img := range images {
		n, err := normalize(img)
		if err != nil {
			return nil, fmt.Errorf("image %d: %w", i, err)
		}
		id := n.ID()
		if id == "" {
			return nil, fmt.Errorf("image %d: no string \"id\"", i)
		}
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("images %d and %d share the id %q", j, i, id)
		}
		seen[id] = i
		out = append(out, n)
	}
	return out, nil
}

// LoadCatalog reads a catalog as a JSON array of records, or as a saved
// List-images response ({"images":[...]}), and checks that every record has
// a unique string id.
func LoadCatalog(r io.Reader) ([]Image, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(data)
	var images []Image
	switch {
	case bytes.HasPrefix(trimmed, []byte("[")):
		err = json.Unmarshal(trimmed, &images)
	case bytes.HasPrefix(trimmed, []byte("{")):
		var resp struct {
			Images *[]Image `json:"images"`
		}
		err = json.Unmarshal(trimmed, &resp)
		if err == nil && resp.Images == nil {
			err = errors.New(`object has no "images" array`)
		}
		if resp.Images != nil {
			images = *resp.Images
		}
	default:
		err = errors.New("want a JSON array of images or an object with \"images\"")
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return normalizeCatalog(images)
}

// deepCopy copies a normalised record so callers can never change the
// simulator's state through a returned value.
func deepCopy(img Image) Image {
	return copyValue(map[string]any(img)).(map[string]any)
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = copyValue(e)
		}
		return out
	case Image:
		return Image(copyValue(map[string]any(v)).(map[string]any))
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	default:
		return v
	}
}

// stringField reads a field as the string the API would compare against;
// types drift in real responses ("64" vs 64, "true" vs true), so scalars
// are rendered rather than rejected.
func stringField(img Image, key string) (string, bool) {
	switch v := img[key].(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	default:
		return "", false
	}
}

// isTrue reports whether a flag field is set, as the string "true" (the
// documented form) or a JSON true (the drifted form).
func isTrue(img Image, key string) bool {
	switch v := img[key].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	default:
		return false
	}
}

// numberField reads a numeric field that may arrive as a number or a
// numeric string; null, absent and unreadable all read as 0.
func numberField(img Image, key string) float64 {
	switch v := img[key].(type) {
	case float64:
		return v
	case string:
		f, _ := strconv.ParseFloat(v, 64)
		return f
	default:
		return 0
	}
}
