package selection

import (
	"regexp"
	"strings"
)

// glob is a compiled matchTags value: '*' is any run of characters (none included), '?' is
// one character; everything else stands for itself.
type glob struct {
	present bool // the value "*": the key must be there, with any value
	re      *regexp.Regexp
}

func compileGlob(pattern string) glob {
	if pattern == "*" {
		return glob{present: true}
	}
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return glob{re: regexp.MustCompile(b.String())} // only quoted runes and . or .*: always compiles
}

func (g glob) match(value string) bool { return g.present || g.re.MatchString(value) }
