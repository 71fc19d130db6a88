package failure

import (
	"context"
	"errors"
	"fmt"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

// The one table from the IMS client's error classes to reasons, with the words a message
// starts with. It is spelled out so that renaming a class inside the client can never rename
// a documented reason.
var imsClasses = map[ims.Class]struct{ reason, lead string }{
	ims.ClassUnauthorized: {imsv1.ReasonCredentialsRejected, "IMS rejected the credentials"},
	ims.ClassForbidden:    {imsv1.ReasonForbidden, "the credentials may not list images"},
	ims.ClassBadRequest:   {imsv1.ReasonBadRequest, "IMS refused the filter"},
	ims.ClassNotFound:     {imsv1.ReasonNotFound, "IMS endpoint not found (check the region)"},
	ims.ClassThrottled:    {imsv1.ReasonThrottled, retryingLead},
	ims.ClassUnavailable:  {imsv1.ReasonServiceUnavailable, retryingLead},
	ims.ClassNetwork:      {imsv1.ReasonNetworkError, retryingLead},
	ims.ClassIncomplete:   {imsv1.ReasonIncompleteListing, retryingLead},
}

const retryingLead = "listing images failed, nothing was changed; retrying"

// And the credential sources' error kinds to reasons.
var credentialKinds = map[ims.CredentialErrorKind]string{
	ims.KindIDTokenRejected:   imsv1.ReasonIdentityTokenRejected,
	ims.KindIDTokenUnreadable: imsv1.ReasonIdentityTokenUnreadable,
	ims.KindExchangeRejected:  imsv1.ReasonCredentialExchangeRejected,
	ims.KindNoAgency:          imsv1.ReasonNoCloudServiceAgency,
	ims.KindUnavailable:       imsv1.ReasonCredentialsUnavailable,
}

// IMSReason names the condition reason of an IMS error class; an error the client could not
// classify still needs a reason: ListFailed.
func IMSReason(class ims.Class) string {
	if c, ok := imsClasses[class]; ok {
		return c.reason
	}
	return imsv1.ReasonListFailed
}

// FromListing classifies an IMS listing error. The client's errors carry no secrets.
func FromListing(err error) *Error {
	class := ims.ClassOf(err)
	lead := retryingLead
	if c, ok := imsClasses[class]; ok {
		lead = c.lead
	}
	return &Error{Reason: IMSReason(class), Message: lead + ": " + err.Error(), Terminal: !class.Retryable(), Err: err}
}

// FromCredentials maps a failure to obtain temporary credentials (whose: for the message) to
// a failure; an *Error already in err's chain (a step's own, such as a refused TokenRequest)
// is kept, and a cancelled context stays a cancelled context. The errors hold no token or
// key (package ims scrubs them).
func FromCredentials(whose string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if f, ok := As(err); ok {
		return f
	}
	ce, ok := ims.AsCredentialError(err)
	if !ok {
		return Transient(imsv1.ReasonCredentialsUnavailable, whose+": "+err.Error(), err)
	}
	reason, known := credentialKinds[ce.Kind]
	if !known {
		reason = imsv1.ReasonCredentialsUnavailable
	}
	msg := fmt.Sprintf("%s: %v", whose, err)
	if ce.Permanent() {
		msg += " (retried when the token, the configuration or the query changes, and every refreshInterval)"
	}
	return &Error{Reason: reason, Message: msg, Terminal: ce.Permanent(), Err: err}
}
