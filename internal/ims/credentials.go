package ims

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Credentials choose how requests authenticate: AccessKey and SecretKey
// sign each request (SDK-HMAC-SHA256), with SecurityToken for temporary
// credentials; or Token, an IAM token, is sent as X-Auth-Token. ProjectID,
// when set, is sent as X-Project-Id either way.
//
// Credentials never print or serialise their secrets (SecretKey,
// SecurityToken, Token): fmt, %#v and encoding/json all show "<redacted>".
type Credentials struct {
	AccessKey, SecretKey, SecurityToken, ProjectID, Token string
}

// Validate accepts AccessKey with SecretKey (and optionally SecurityToken),
// or Token alone.
func (c Credentials) Validate() error {
	for name, v := range map[string]string{"access key": c.AccessKey, "secret key": c.SecretKey,
		"security token": c.SecurityToken, "project ID": c.ProjectID, "IAM token": c.Token} {
		// A header cannot carry these; a Secret made from a file often ends in a newline.
		if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return errors.New("ims: credentials: the " + name + " contains a control character (a trailing newline?)")
		}
	}
	hasKeys := c.AccessKey != "" || c.SecretKey != ""
	switch {
	case c.Token != "" && (hasKeys || c.SecurityToken != ""):
		return errors.New("ims: credentials: an IAM token cannot be combined with an access key, secret key or security token")
	case c.Token != "":
		return nil
	case c.AccessKey == "" && c.SecretKey == "" && c.SecurityToken == "":
		return errors.New("ims: credentials: need an access key and secret key, or an IAM token")
	case c.AccessKey == "" || c.SecretKey == "":
		return errors.New("ims: credentials: access key and secret key must be given together")
	}
	return nil
}

func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return "<redacted>"
}

// String shows which credentials are set without revealing any secret.
func (c Credentials) String() string {
	return "ims.Credentials{AccessKey:" + strconv.Quote(c.AccessKey) +
		", SecretKey:" + redacted(c.SecretKey) +
		", SecurityToken:" + redacted(c.SecurityToken) +
		", ProjectID:" + strconv.Quote(c.ProjectID) +
		", Token:" + redacted(c.Token) + "}"
}

// GoString is String, so %#v redacts too.
func (c Credentials) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %s, %q, %x...) print the redacted form.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, strconv.Quote(c.String()))
		return
	}
	fmt.Fprint(f, c.String())
}

// MarshalJSON keeps secrets out of JSON logs.
func (c Credentials) MarshalJSON() ([]byte, error) {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "<redacted>"
	}
	type shown struct{ AccessKey, SecretKey, SecurityToken, ProjectID, Token string }
	return json.Marshal(shown{c.AccessKey, mask(c.SecretKey), mask(c.SecurityToken), c.ProjectID, mask(c.Token)})
}

// scrub replaces any secret that shows up in s (a server could echo one in
// an error body) before s goes into an error.
func (c Credentials) scrub(s string) string {
	return scrubAll(s, c.SecretKey, c.SecurityToken, c.Token)
}

// scrubAll replaces each non-empty secret in s.
func scrubAll(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}
