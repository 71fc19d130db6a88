package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// maxLabelLength is Kubernetes' limit on a label value and on a label key's name part.
const maxLabelLength = 63

// LabelValue makes s safe as a label value the way the contract says: every character outside
// [A-Za-z0-9._-] becomes '_', the result is trimmed to start and end with an alphanumeric
// character and cut to 63 characters. "Oracle Linux" becomes "Oracle_Linux".
func LabelValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			b[i] = '_'
		}
	}
	// Multi-byte runes became one '_' per byte above; that keeps the mapping simple and stable.
	v := trimToAlnum(string(b))
	if len(v) > maxLabelLength {
		v = trimToAlnum(v[:maxLabelLength])
	}
	return v
}

// QueryLabel is the label key that marks the CloudImages an ImageQuery matched,
// "query.ims.imagecatalog.io/<name>". A name longer than 63 characters becomes its first
// 54 characters, '-', and the first 8 hex digits of its SHA-256, so the key stays valid and
// distinct.
func QueryLabel(queryName string) string {
	return QueryLabelPrefix + labelName(queryName)
}

// LatestLabel is the label key on the CloudImage that is an ImageQuery's latest image,
// "latest.ims.imagecatalog.io/<name>", the name shortened as for QueryLabel.
func LatestLabel(queryName string) string {
	return LatestLabelPrefix + labelName(queryName)
}

// TagLabel is the label key of an IMS tag key of spec.tagLabels.
func TagLabel(key string) string { return TagLabelPrefix + key }

// labelName is a query name as the name part of a label key: itself when it fits, else its
// first 54 characters, '-', and the first 8 hex digits of its SHA-256.
func labelName(queryName string) string {
	if len(queryName) <= maxLabelLength {
		return queryName
	}
	sum := sha256.Sum256([]byte(queryName))
	return queryName[:54] + "-" + hex.EncodeToString(sum[:])[:8]
}

// IsQueryLabel reports whether key is a per-ImageQuery label.
func IsQueryLabel(key string) bool { return strings.HasPrefix(key, QueryLabelPrefix) }

func trimToAlnum(s string) string {
	start, end := 0, len(s)
	for start < end && !isAlnum(s[start]) {
		start++
	}
	for end > start && !isAlnum(s[end-1]) {
		end--
	}
	return s[start:end]
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
