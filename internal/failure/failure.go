// Package failure is the one vocabulary in which the steps of a sync say why it did not
// complete: a reason (a constant of api/v1alpha1, the Ready condition's reason), a message
// for people, and whether it is terminal (it will not clear by itself: retry slowly and set
// Stalled) or transient (retried with backoff). Every step returns it as an error; the
// reconciler reads it with As. An error that is not an *Error (a cancelled context, a bug)
// leaves the status alone.
package failure

import (
	"errors"
	"fmt"
)

// Error is why a sync did not complete, in the words the Ready condition uses.
type Error struct {
	Reason   string
	Message  string
	Terminal bool // won't clear by itself: retry slowly and set Stalled
	Err      error
}

func (e *Error) Error() string { return e.Reason + ": " + e.Message }
func (e *Error) Unwrap() error { return e.Err }

// As finds the *Error in err's chain.
func As(err error) (*Error, bool) {
	var f *Error
	if errors.As(err, &f) {
		return f, true
	}
	return nil, false
}

// Terminal is a failure that needs a change by the user (a spec, a Secret, a label); its
// message is also its error.
func Terminal(reason, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Reason: reason, Message: msg, Terminal: true, Err: errors.New(msg)}
}

// Transient is a failure that may clear by itself: the sync is retried with backoff.
func Transient(reason, message string, err error) *Error {
	return &Error{Reason: reason, Message: message, Err: err}
}

// Wrap is err as a transient failure with reason, its message err's text: for the
// Kubernetes API's own errors, whose text names the object and says what went wrong.
func Wrap(reason string, err error) error {
	if err == nil {
		return nil
	}
	return Transient(reason, err.Error(), err)
}
