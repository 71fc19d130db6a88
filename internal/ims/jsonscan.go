package ims

import "iter"

// A minimal walker over JSON that encoding/json has already validated. It
// hands out sub-slices of its input instead of building values, which is
// what lets decoding share one string per image among all its fields.
// Nothing here checks syntax: callers run json.Valid first.

type text interface{ ~string | ~[]byte }

func skipSpace[T text](b T, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at b[i] == '"'.
func stringEnd[T text](b T, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// valueEnd returns the index just past the value starting at b[i].
func valueEnd[T text](b T, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// members yields the key (between its quotes, still escaped) and the value
// of each member of the object starting at b[i] == '{'.
func members[T text](b T, i int) iter.Seq2[T, T] {
	return func(yield func(T, T) bool) {
		i := skipSpace(b, i+1)
		for i < len(b) && b[i] == '"' {
			ke := stringEnd(b, i)
			key := b[i+1 : ke-1]
			i = skipSpace(b, ke)
			i = skipSpace(b, i+1) // past ':'
			ve := valueEnd(b, i)
			if !yield(key, b[i:ve]) {
				return
			}
			i = skipSpace(b, ve)
			if i >= len(b) || b[i] != ',' {
				return
			}
			i = skipSpace(b, i+1)
		}
	}
}

// elements yields each element of the array starting at b[i] == '['.
func elements[T text](b T, i int) iter.Seq[T] {
	return func(yield func(T) bool) {
		i := skipSpace(b, i+1)
		for i < len(b) && b[i] != ']' {
			ve := valueEnd(b, i)
			if !yield(b[i:ve]) {
				return
			}
			i = skipSpace(b, ve)
			if i >= len(b) || b[i] != ',' {
				return
			}
			i = skipSpace(b, i+1)
		}
	}
}
