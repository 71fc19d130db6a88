// Package ims is a client for Huawei Cloud IMS's List-images API
// (GET /v2/cloudimages): every query parameter, tolerant decoding of the
// response, paging hidden behind an iterator, AK/SK signing or IAM tokens,
// typed errors with retry classes, and context cancellation throughout. It
// also obtains temporary credentials from IAM and the ECS metadata service.
//
// # One request core
//
// Every call to a Huawei Cloud API goes through one core, caller.do in
// call.go: it signs the request (AK/SK with the security token, or an IAM
// token: auth.go), sends it, reads the answer up to a bound, turns an answer
// it does not accept into an *Error with every secret scrubbed (errors.go),
// classifies failures (ClassOf), and retries the retryable ones with
// exponential backoff and Retry-After (retry.go). Requests are counted by
// the HTTP client's transport (InstrumentTransport, metrics.go), which sees
// every attempt.
//
// # Adding a call
//
// A new call is a small file on top of the core, not a copy of it:
//
//  1. a request type for the parameters, if there are any (request.go is the
//     list call's);
//  2. a method that builds a request — name, method, URL, headers, body,
//     creds, and accept when an answer other than 2xx means something to the
//     caller — and a decode func that reads the answer (encoding/json is fine;
//     the list page has its own zero-copy decoder, decode.go, as the hot
//     path), then returns c.do(ctx, &request{...});
//  3. tests against the simulator (internal/imssim), which verifies
//     signatures: see sim_test.go.
//
// Client.page (client.go) is the list call; credCall (credcall.go) carries
// the IAM and metadata calls of federation.go and metadata.go. The
// controller reaches a new call through a new method on its ImageClient
// interface (controllers/cloud.go).
package ims
