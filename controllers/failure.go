package controllers

import (
	"errors"
	"fmt"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// syncFailure is why a sync did not complete, in the words the Ready condition uses. Steps of
// a sync return it as an error; the sync finds it with errors.As.
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
	f := &syncFailure{Reason: classReason(class), Err: err, Terminal: !class.Retryable()}
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

// classReason names the condition reason of an IMS error class. The mapping is spelled out
// so that renaming a class inside the client can never rename a documented reason.
func classReason(class ims.Class) string {
	switch class {
	case ims.ClassUnauthorized:
		return imsv1.ReasonCredentialsRejected
	case ims.ClassForbidden:
		return imsv1.ReasonForbidden
	case ims.ClassBadRequest:
		return imsv1.ReasonBadRequest
	case ims.ClassNotFound:
		return imsv1.ReasonNotFound
	case ims.ClassThrottled:
		return imsv1.ReasonThrottled
	case ims.ClassUnavailable:
		return imsv1.ReasonServiceUnavailable
	case ims.ClassNetwork:
		return imsv1.ReasonNetworkError
	case ims.ClassIncomplete:
		return imsv1.ReasonIncompleteListing
	}
	// An error the client could not classify; a condition needs a reason all the same.
	return imsv1.ReasonListFailed
}

func secretFailure(reason, format string, args ...any) *syncFailure {
	msg := fmt.Sprintf(format, args...)
	return &syncFailure{Reason: reason, Message: msg, Terminal: true, Err: errors.New(msg)}
}
