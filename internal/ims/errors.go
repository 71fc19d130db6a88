package ims

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imagecatalog/ims-operator/internal/bound"
)

// Error is an answer that a call did not accept, usually a non-2xx status.
type Error struct {
	API        string // who answered, e.g. "IAM step B"; "" is IMS
	StatusCode int
	Code       string        // error_code or code from the body, e.g. APIGW.0301
	Message    string        // error_msg or message from the body, else the body cut short
	RequestID  string        // X-Request-Id
	RetryAfter time.Duration // from Retry-After; 0 when absent
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.API == "" {
		b.WriteString("IMS ")
	} else {
		b.WriteString(e.API + " answered ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(e.Code)
	}
	b.WriteString(": ")
	if e.Message != "" {
		b.WriteString(e.Message)
	} else {
		b.WriteString(http.StatusText(e.StatusCode))
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteByte(')')
	}
	return b.String()
}

// Class groups errors by what the caller should do about them.
type Class string

const (
	ClassBadRequest   Class = "BadRequest"          // the request is wrong (400, other 4xx, a redirect)
	ClassUnauthorized Class = "CredentialsRejected" // 401
	ClassForbidden    Class = "Forbidden"           // 403
	ClassNotFound     Class = "NotFound"            // 404
	ClassThrottled    Class = "Throttled"           // 429
	ClassUnavailable  Class = "ServiceUnavailable"  // 5xx
	ClassNetwork      Class = "NetworkError"        // connection failures, timeouts, 408
	ClassIncomplete   Class = "IncompleteListing"   // a page that cannot be read, or paging that does not end
	ClassCanceled     Class = "Canceled"            // the caller's context ended
)

// Retryable says whether trying again later may succeed.
func (c Class) Retryable() bool {
	switch c {
	case ClassThrottled, ClassUnavailable, ClassNetwork, ClassIncomplete:
		return true
	}
	return false
}

// ClassOf classifies an error returned by this package; it returns "" for
// nil and for errors it does not recognise.
func ClassOf(err error) Class {
	if err == nil {
		return ""
	}
	if ce, ok := errors.AsType[*classError](err); ok {
		return ce.class
	}
	if he, ok := errors.AsType[*Error](err); ok {
		return statusClass(he.StatusCode)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ClassCanceled
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return ClassNetwork
	}
	return ""
}

func statusClass(status int) Class {
	switch {
	case status == http.StatusBadRequest:
		return ClassBadRequest
	case status == http.StatusUnauthorized:
		return ClassUnauthorized
	case status == http.StatusForbidden:
		return ClassForbidden
	case status == http.StatusNotFound:
		return ClassNotFound
	case status == http.StatusRequestTimeout:
		return ClassNetwork
	case status == http.StatusTooManyRequests:
		return ClassThrottled
	case status >= 500:
		return ClassUnavailable
	}
	return ClassBadRequest
}

// classError is an error the client raises itself, carrying its class so
// that ClassOf need not guess (a per-request timeout, for instance, matches
// context.DeadlineExceeded but is a network problem, not a cancellation).
type classError struct {
	class Class
	msg   string
	err   error
}

func (e *classError) Error() string {
	if e.err == nil {
		return e.msg
	}
	return e.msg + ": " + e.err.Error()
}

func (e *classError) Unwrap() error { return e.err }

func incomplete(msg string) error { return &classError{class: ClassIncomplete, msg: msg} }

// errBodyTooLarge marks an answer over the body bound (IncompleteListing): not retried as it is.
var errBodyTooLarge = errors.New("answer too large")

// maxRawMessage bounds how much of an unparseable error body is kept.
const maxRawMessage = 256

// parseErrorBody finds the code and message in an error body:
// error_code/error_msg or code/message, at the top or one level down
// (e.g. {"error":{"code":..,"message":..}}); else the body, cut short.
func parseErrorBody(body []byte) (code, msg string) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil {
		if code, msg, ok := pickError(top); ok {
			return code, msg
		}
		for _, k := range slices.Sorted(maps.Keys(top)) {
			var inner map[string]json.RawMessage
			if json.Unmarshal(top[k], &inner) == nil {
				if code, msg, ok := pickError(inner); ok {
					return code, msg
				}
			}
		}
	}
	return "", bound.Marked(strings.Join(strings.Fields(string(body)), " "), maxRawMessage, "…")
}

func pickError(m map[string]json.RawMessage) (code, msg string, ok bool) {
	code = scalarText(m["error_code"])
	if code == "" {
		code = scalarText(m["code"])
	}
	msg = scalarText(m["error_msg"])
	if msg == "" {
		msg = scalarText(m["message"])
	}
	return code, msg, code != "" || msg != ""
}

// scalarText reads a JSON string or number as text; anything else is "".
func scalarText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}
