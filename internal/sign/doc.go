// Package sign implements Huawei Cloud's SDK-HMAC-SHA256 request signing,
// byte for byte as the official Go SDK (huaweicloud-sdk-go-v3
// core/auth/signer) computes it, so that a real IMS endpoint accepts what
// the client signs and the simulator can verify it.
//
// The canonical request is
//
//	METHOD \n URI-with-trailing-slash \n sorted-escaped-query \n
//	canonical-headers \n signed-headers \n hex(sha256(body))
//
// and the Authorization header carries
// hex(HMAC-SHA256(SK, "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" + hex(sha256(canonical)))).
package sign
