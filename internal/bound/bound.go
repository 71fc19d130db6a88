// Package bound cuts strings to a size limit without splitting a UTF-8 sequence: schema
// bounds on stored fields, and limits on messages, events and error texts.
package bound

import "unicode/utf8"

// String cuts s to at most n bytes without splitting a UTF-8 sequence (the API server
// counts characters, so n bytes always fit a bound of n characters).
func String(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Marked cuts s to at most n bytes like String, ending it with marker when something was cut,
// so that a reader can tell a cut value from a whole one. The marker counts towards n.
func Marked(s string, n int, marker string) string {
	if len(s) <= n {
		return s
	}
	return String(s, max(n-len(marker), 0)) + marker
}
