// Package loopback holds what the demo and the mirror benchmark need to run servers on this
// machine's loopback interface: a free port, and whether a server answers yet.
package loopback

import (
	"net"
	"net/http"
	"time"
)

// FreeAddr asks the OS for a free loopback address. Another process may take it before the
// child binds it; callers that start a child on it retry with a new one when that happens.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}

// OK tells whether url answers 200 within two seconds (a readiness probe, a metrics page).
func OK(url string) bool {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
