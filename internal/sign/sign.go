package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

const (
	// Algorithm names the signing scheme in the Authorization header.
	Algorithm = "SDK-HMAC-SHA256"
	// HeaderDate carries the signing time; it is always signed.
	HeaderDate = "X-Sdk-Date"
	// DateFormat is the layout of HeaderDate (UTC).
	DateFormat = "20060102T150405Z"
)

// Sign sets X-Sdk-Date (from now, unless already set to a valid date) and
// Authorization on req. body is the request body (nil for GET).
//
// Like the official SDK, it signs the headers the request carries (except
// Content-Type and names containing '_'). Go keeps the host out of
// req.Header, so the host is signed when req.Header has a "Host" entry; its
// value is taken from req.Host or the URL, which is what goes on the wire.
// Callers that want the host signed (the IMS client does) set that entry.
func Sign(req *http.Request, body []byte, accessKey, secretKey string, now time.Time) error {
	if accessKey == "" || secretKey == "" {
		return errors.New("sign: access key and secret key are required")
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	date := req.Header.Get(HeaderDate)
	if _, err := time.Parse(DateFormat, date); err != nil {
		date = now.UTC().Format(DateFormat)
		req.Header.Set(HeaderDate, date)
	}
	req.Header.Del("Authorization")

	signed := signedHeaders(req.Header)
	sig, err := signature(req, body, signed, date, secretKey)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", Algorithm+" Access="+accessKey+
		", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
	return nil
}

// Verify checks req's Authorization header; secretFor returns the SK for an
// AK (false if unknown). It returns an error (never containing a secret or
// the expected signature) when the AK is unknown, the header is malformed,
// the signature differs, or |now - X-Sdk-Date| > maxSkew.
func Verify(req *http.Request, body []byte, secretFor func(accessKey string) (string, bool), now time.Time, maxSkew time.Duration) error {
	auth, err := parseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	if !slices.Contains(auth.signed, strings.ToLower(HeaderDate)) {
		return errors.New("sign: X-Sdk-Date is not among the signed headers")
	}
	date := req.Header.Get(HeaderDate)
	t, err := time.Parse(DateFormat, date)
	if err != nil {
		return errors.New("sign: X-Sdk-Date is missing or malformed")
	}
	if d := now.Sub(t); d > maxSkew || -d > maxSkew {
		return errors.New("sign: X-Sdk-Date is too far from the server's clock")
	}
	sk, ok := secretFor(auth.accessKey)
	if !ok {
		return errors.New("sign: unknown access key")
	}
	want, err := signature(req, body, auth.signed, date, sk)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(want), []byte(auth.signature)) {
		return errors.New("sign: signature does not match")
	}
	return nil
}

func signature(req *http.Request, body []byte, signed []string, date, secretKey string) (string, error) {
	canonical, err := canonicalRequest(req, body, signed)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(Algorithm + "\n" + date + "\n" + hex.EncodeToString(sum[:])))
	return hex.EncodeToString(mac.Sum(nil)), nil
}

type authorization struct {
	accessKey string
	signed    []string
	signature string
}

// parseAuthorization reads
// "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(h string) (authorization, error) {
	var a authorization
	rest, ok := strings.CutPrefix(h, Algorithm+" ")
	if !ok {
		return a, errors.New("sign: Authorization is missing or not " + Algorithm)
	}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, errors.New("sign: malformed Authorization header")
		}
		switch k {
		case "Access":
			a.accessKey = v
		case "SignedHeaders":
			a.signed = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		default:
			return a, errors.New("sign: malformed Authorization header")
		}
	}
	if a.accessKey == "" || len(a.signed) == 0 || a.signature == "" {
		return a, errors.New("sign: malformed Authorization header")
	}
	if !slices.IsSorted(a.signed) || slices.Contains(a.signed, "") {
		return a, errors.New("sign: malformed SignedHeaders")
	}
	return a, nil
}
