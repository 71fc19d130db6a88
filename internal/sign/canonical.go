package sign

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// canonicalRequest builds the string whose hash is signed. signed lists the
// lower-cased header names, already sorted.
func canonicalRequest(req *http.Request, body []byte, signed []string) (string, error) {
	query, err := canonicalQuery(req.URL.RawQuery)
	if err != nil {
		return "", err
	}
	headers, err := canonicalHeaders(req, signed)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(body)

	var b strings.Builder
	b.WriteString(req.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(req.URL.Path))
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	b.WriteString(headers)
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String(), nil
}

// canonicalURI escapes each path segment and ends the path with a slash.
func canonicalURI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// canonicalQuery sorts the decoded query by lower-cased key, then by value,
// and re-escapes both the way the SDK does (RFC 3986 unreserved only, so a
// space is %20 whichever way the wire spelt it).
func canonicalQuery(raw string) (string, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return "", errors.New("sign: malformed query string")
	}
	byKey := make(map[string][]string, len(values))
	for k, vs := range values {
		lk := strings.ToLower(k)
		byKey[lk] = append(byKey[lk], vs...)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var b strings.Builder
	for _, k := range keys {
		vs := byKey[k]
		slices.Sort(vs)
		ek := escape(k)
		for _, v := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(escape(v))
		}
	}
	return b.String(), nil
}

// canonicalHeaders writes "name:value" lines, one per value, in signed
// order, each followed by a newline. The host comes from req.Host (or the
// URL), which is what travels on the wire; Go keeps it out of req.Header.
func canonicalHeaders(req *http.Request, signed []string) (string, error) {
	var b strings.Builder
	for _, name := range signed {
		var vals []string
		if name == "host" {
			h := req.Host
			if h == "" {
				h = req.URL.Host
			}
			vals = []string{h}
		} else {
			vals = slices.Clone(req.Header.Values(name))
		}
		if len(vals) == 0 {
			return "", errors.New("sign: signed header " + name + " is missing")
		}
		slices.Sort(vals)
		for _, v := range vals {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(strings.TrimSpace(v))
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}

// signedHeaders lists the request's header names the SDK would sign:
// lower-cased and sorted, without Content-Type, names holding '_', and the
// Authorization header that carries the result.
func signedHeaders(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "content-type") || strings.Contains(lk, "_") || lk == "authorization" {
			continue
		}
		names = append(names, lk)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// escape percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ (upper-case
// hex), as the SDK's escape does.
func escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if shouldEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	t := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if shouldEscape(c) {
			t = append(t, '%', hexDigits[c>>4], hexDigits[c&15])
		} else {
			t = append(t, c)
		}
	}
	return string(t)
}

func shouldEscape(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return false
	case c == '-', c == '_', c == '.', c == '~':
		return false
	}
	return true
}
