package bound

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abc", 3, "abc"},
		{"abcdef", 3, "abc"},
		{"aé", 2, "a"}, // é is two bytes: never half of it
		{"日本", 4, "日"},
		{"abc", 0, ""},
	} {
		if got := String(tc.in, tc.n); got != tc.want {
			t.Errorf("String(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestMarked(t *testing.T) {
	if got := Marked("short", 10, "…"); got != "short" {
		t.Errorf("a value within the bound is kept whole, got %q", got)
	}
	long := strings.Repeat("é", 100)
	got := Marked(long, 51, "…[truncated]")
	if len(got) > 51 || !strings.HasSuffix(got, "…[truncated]") || !utf8.ValidString(got) {
		t.Errorf("Marked = %q (%d bytes): want at most 51 valid bytes ending in the marker", got, len(got))
	}
}
