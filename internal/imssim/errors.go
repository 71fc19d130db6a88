package imssim

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// response is an answer prepared in full before anything is written, so
// the request is recorded before the client can see the answer: a test
// that asserts on RequestCount right after a call never races the handler.
type response struct {
	status int
	header http.Header
	body   []byte
	page   []*entry // the images of a listing answer, for Fault.Drop
	// fault is the fault that fired on the request, if any; Hangup and
	// BodyCut are carried out while the answer is written.
	fault *Fault
	// length is the Content-Length to announce when it is not len(body)
	// (a body cut in transit).
	length int
}

func jsonResponse(status int, v any) *response {
	body, err := json.Marshal(v)
	if err != nil { // only maps of strings are marshalled here
		panic(err)
	}
	return &response{status: status, header: http.Header{}, body: body}
}

// Error bodies. IMS itself answers {"error_code","error_msg"}; the API
// gateway in front of it adds "request_id" to the errors it raises
// (authentication, unknown API, throttling).

func paramErrorResponse(err *paramError) *response {
	return jsonResponse(http.StatusBadRequest, map[string]string{
		"error_code": "IMG.0001",
		"error_msg":  err.Error(),
	})
}

func gatewayError(status int, code, msg, requestID string) *response {
	return jsonResponse(status, map[string]string{
		"error_code": code,
		"error_msg":  msg,
		"request_id": requestID,
	})
}

func unauthorized(reason, requestID string) *response {
	return gatewayError(http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: "+reason, requestID)
}

func notFound(path, requestID string) *response {
	return gatewayError(http.StatusNotFound, "APIGW.0101",
		fmt.Sprintf("The API does not exist or has not been published in the environment: %s", path), requestID)
}

func methodNotAllowed(method, requestID string) *response {
	return methodNotAllowedFor(method, http.MethodGet, requestID)
}

func methodNotAllowedFor(method, allowed, requestID string) *response {
	r := gatewayError(http.StatusMethodNotAllowed, "APIGW.0101",
		fmt.Sprintf("The API does not exist or has not been published in the environment: method %s (only %s)", method, allowed), requestID)
	r.header.Set("Allow", allowed)
	return r
}

// injectedError is the body of a fault's status: throttling looks like the
// gateway's, other statuses use the nested {"error":{"code","message"}}
// shape some Huawei services answer with, so clients meet both shapes.
func injectedError(status int, requestID string) *response {
	if status == http.StatusTooManyRequests {
		return gatewayError(status, "APIGW.0308", "The throttling threshold has been reached", requestID)
	}
	return jsonResponse(status, map[string]map[string]string{"error": {
		"code":    fmt.Sprintf("SIM.%04d", status),
		"message": fmt.Sprintf("injected fault: %d %s", status, http.StatusText(status)),
	}})
}
