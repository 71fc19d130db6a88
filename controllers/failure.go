package controllers

import (
	"errors"
	"fmt"

	"github.com/imagecatalog/ims-operator/internal/ims"
)

// syncFailure is why a sync did not complete, in the words the Ready condition uses.
type syncFailure struct {
	Reason   string
	Message  string
	Terminal bool // won't clear by itself: retry slowly and set Stalled
	Err      error
}

func (f *syncFailure) Error() string { return f.Reason + ": " + f.Message }
func (f *syncFailure) Unwrap() error { return f.Err }

// listFailure classifies an IMS listing error. The client's errors carry no secrets.
func listFailure(err error) *syncFailure {
	class := ims.ClassOf(err)
	f := &syncFailure{Reason: string(class), Err: err, Terminal: !class.Retryable()}
	if class == "" {
		f.Reason = "ListFailed" // an error the client could not classify; a condition needs a reason
	}
	switch class {
	case ims.ClassUnauthorized:
		f.Message = "IMS rejected the credentials: " + err.Error()
	case ims.ClassForbidden:
		f.Message = "the credentials may not list images: " + err.Error()
	case ims.ClassBadRequest:
		f.Message = "IMS refused the filter: " + err.Error()
	case ims.ClassNotFound:
		f.Message = "IMS endpoint not found (check the region): " + err.Error()
	default:
		f.Message = "listing images failed, nothing was changed; retrying: " + err.Error()
	}
	return f
}

func secretFailure(reason, format string, args ...any) *syncFailure {
	msg := fmt.Sprintf(format, args...)
	return &syncFailure{Reason: reason, Message: msg, Terminal: true, Err: errors.New(msg)}
}
