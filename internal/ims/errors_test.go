package ims

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		status    int
		body      string
		class     Class
		code, msg string
	}{
		{400, `{"error_code":"IMS.0005","error_msg":"Incorrect parameter sort_key"}`, ClassBadRequest, "IMS.0005", "Incorrect parameter sort_key"},
		{401, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}`, ClassUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"},
		{403, `{"code":"IMS.0020","message":"no permission"}`, ClassForbidden, "IMS.0020", "no permission"},
		{404, `{"error":{"code":"APIGW.0101","message":"The API does not exist"}}`, ClassNotFound, "APIGW.0101", "The API does not exist"},
		{429, `{"error":{"error_code":"APIGW.0308","error_msg":"flow control"}}`, ClassThrottled, "APIGW.0308", "flow control"},
		{500, `{"itemNotFound":{"code":500,"message":"internal"}}`, ClassUnavailable, "500", "internal"},
		{502, "<html>\n<body>502 Bad   Gateway</body>\n</html>", ClassUnavailable, "", "<html> <body>502 Bad Gateway</body> </html>"},
		{503, ``, ClassUnavailable, "", ""},
		{408, `{}`, ClassNetwork, "", "{}"},
		{409, `{"error_msg":"conflict"}`, ClassBadRequest, "", "conflict"},
		{302, ``, ClassBadRequest, "", ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			var rec recorder
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec.add(r)
				w.Header().Set("X-Request-Id", "req-42")
				w.Header().Set("Location", "http://elsewhere.invalid/")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c, _ := testClient(t, srv.URL, func(c *Config) { c.MaxAttempts = 1 })
			_, err := Collect(c.ListImages(context.Background(), ListImagesRequest{}))
			if got := ClassOf(err); got != tc.class {
				t.Errorf("class = %q, want %q (err %v)", got, tc.class, err)
			}
			e, ok := errors.AsType[*Error](err)
			if !ok {
				t.Fatalf("err %v is not an *Error", err)
			}
			if e.StatusCode != tc.status || e.Code != tc.code || e.Message != tc.msg || e.RequestID != "req-42" {
				t.Errorf("got %+v", *e)
			}
			if rec.count() != 1 {
				t.Errorf("%d requests, want 1 (no redirect followed)", rec.count())
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	for e, want := range map[*Error]string{
		{StatusCode: 401, Code: "APIGW.0301", Message: "bad signature", RequestID: "X"}: "IMS 401 APIGW.0301: bad signature (request id X)",
		{StatusCode: 503}: "IMS 503: Service Unavailable",
	} {
		if got := e.Error(); got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	}
}

func TestErrorRawBodyCut(t *testing.T) {
	_, msg := parseErrorBody([]byte(strings.Repeat("é", 300)))
	if len(msg) > maxRawMessage+len("…") || !strings.HasSuffix(msg, "…") || !strings.HasPrefix(msg, "éé") {
		t.Errorf("cut body = %d bytes: %q", len(msg), msg)
	}
	if strings.ContainsRune(msg, '\uFFFD') {
		t.Errorf("cut split a character")
	}
}

func TestClassOf(t *testing.T) {
	tests := []struct {
		err  error
		want Class
	}{
		{nil, ""},
		{errors.New("other"), ""},
		{context.Canceled, ClassCanceled},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), ClassCanceled},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, ClassNetwork},
		{fmt.Errorf("page 2: %w", &Error{StatusCode: 429}), ClassThrottled},
		{incomplete("x"), ClassIncomplete},
	}
	for _, tc := range tests {
		if got := ClassOf(tc.err); got != tc.want {
			t.Errorf("ClassOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	retryable := map[Class]bool{ClassThrottled: true, ClassUnavailable: true, ClassNetwork: true, ClassIncomplete: true}
	for _, c := range []Class{ClassBadRequest, ClassUnauthorized, ClassForbidden, ClassNotFound, ClassThrottled, ClassUnavailable, ClassNetwork, ClassIncomplete, ClassCanceled} {
		if c.Retryable() != retryable[c] {
			t.Errorf("%s.Retryable() = %v", c, c.Retryable())
		}
	}
}

// A client-side timeout is a network problem to retry, not a cancellation.
func TestRequestTimeoutIsNetwork(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := testClient(t, srv.URL, func(c *Config) {
		c.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond}
		c.MaxAttempts = 2
	})
	_, err := Collect(c.ListImages(context.Background(), ListImagesRequest{}))
	if ClassOf(err) != ClassNetwork || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Errorf("err = %v (class %q), want NetworkError after 2 attempts", err, ClassOf(err))
	}
}

// A host that does not exist (a misspelt region) is NotFound, not retried; a DNS server that
// fails to answer is a network problem, retried.
func TestUnknownHostIsNotFound(t *testing.T) {
	for _, tc := range []struct {
		dnsErr *net.DNSError
		want   Class
		tries  int
	}{
		{&net.DNSError{Err: "no such host", Name: "ims.cn-nrth-4.myhuaweicloud.com", IsNotFound: true}, ClassNotFound, 1},
		{&net.DNSError{Err: "server misbehaving", Name: "ims.cn-north-4.myhuaweicloud.com", IsTemporary: true}, ClassNetwork, 2},
	} {
		dials := 0
		c, _ := testClient(t, "http://ims.example.invalid", func(c *Config) {
			c.HTTPClient = &http.Client{Transport: &http.Transport{
				DialContext: func(context.Context, string, string) (net.Conn, error) { dials++; return nil, tc.dnsErr },
			}}
			c.MaxAttempts = 2
		})
		_, err := Collect(c.ListImages(context.Background(), ListImagesRequest{}))
		if ClassOf(err) != tc.want || dials != tc.tries {
			t.Errorf("%s: class %q after %d tries, want %q after %d (%v)", tc.dnsErr.Err, ClassOf(err), dials, tc.want, tc.tries, err)
		}
	}
}
