package failure

import (
	"context"
	"errors"
	"testing"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/ims"
)

func TestCredentialFailureReasons(t *testing.T) {
	for _, tc := range []struct {
		err      error
		reason   string
		terminal bool
	}{
		{&ims.CredentialError{Kind: ims.KindIDTokenRejected, Msg: "IAM refused the ID token"}, imsv1.ReasonIdentityTokenRejected, true},
		{&ims.CredentialError{Kind: ims.KindIDTokenUnreadable, Msg: "no token file"}, imsv1.ReasonIdentityTokenUnreadable, true},
		{&ims.CredentialError{Kind: ims.KindExchangeRejected, Msg: "IAM step B 403"}, imsv1.ReasonCredentialExchangeRejected, true},
		{&ims.CredentialError{Kind: ims.KindNoAgency, Msg: "no agency"}, imsv1.ReasonNoCloudServiceAgency, true},
		{&ims.CredentialError{Kind: ims.KindUnavailable, Msg: "IAM 503"}, imsv1.ReasonCredentialsUnavailable, false},
		{&ims.CredentialError{Kind: ims.KindIDTokenUnreadable, Msg: "no token",
			Err: &Error{Reason: imsv1.ReasonServiceAccountNotFound, Terminal: true, Err: errors.New("serviceaccounts \"x\" not found")}},
			imsv1.ReasonServiceAccountNotFound, true},
		{&ims.CredentialError{Kind: ims.KindIDTokenUnreadable, Msg: "no token",
			Err: Wrap(imsv1.ReasonServiceAccountTokenFailed, errors.New("etcd timeout"))},
			imsv1.ReasonServiceAccountTokenFailed, false},
		{errors.New("something else"), imsv1.ReasonCredentialsUnavailable, false},
	} {
		f, _ := As(FromCredentials("the manager's credentials", tc.err))
		if f.Reason != tc.reason || f.Terminal != tc.terminal {
			t.Errorf("%v: got %s terminal=%v, want %s terminal=%v", tc.err, f.Reason, f.Terminal, tc.reason, tc.terminal)
		}
	}
}

// A cancelled context is not a failure: the sync leaves the status alone.
func TestCancelledCredentialsAreNotAFailure(t *testing.T) {
	err := FromCredentials("the manager's credentials", &ims.CredentialError{Kind: ims.KindUnavailable, Err: context.Canceled})
	if _, ok := As(err); ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the cancellation itself", err)
	}
}
