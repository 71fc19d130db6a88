package ims

import (
	"net/http"
	"time"

	"github.com/imagecatalog/ims-operator/internal/sign"
)

// authorize adds the authentication headers to a request whose body is body.
// Headers that go with a signature (X-Project-Id, X-Security-Token, the host)
// are set before signing so that they are signed.
func (c Credentials) authorize(req *http.Request, body []byte, now time.Time) error {
	if c.ProjectID != "" {
		req.Header.Set("X-Project-Id", c.ProjectID)
	}
	if c.Token != "" {
		req.Header.Set("X-Auth-Token", c.Token)
		return nil
	}
	if c.SecurityToken != "" {
		req.Header.Set("X-Security-Token", c.SecurityToken)
	}
	// net/http never sends a Host entry of req.Header (it sends req.Host);
	// the entry only asks the signer to sign the host.
	req.Header.Set("Host", req.URL.Host)
	return sign.Sign(req, body, c.AccessKey, c.SecretKey, now)
}
