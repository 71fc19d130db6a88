package ims

import (
	"net/http"
	"os"
)

// CredentialsFromEnv reads the manager's own credentials from the official SDK's environment
// variables: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN and
// HUAWEICLOUD_SDK_PROJECT_ID.
func CredentialsFromEnv() Credentials {
	return Credentials{
		AccessKey:     os.Getenv("HUAWEICLOUD_SDK_AK"),
		SecretKey:     os.Getenv("HUAWEICLOUD_SDK_SK"),
		SecurityToken: os.Getenv("HUAWEICLOUD_SDK_SECURITY_TOKEN"),
		ProjectID:     os.Getenv("HUAWEICLOUD_SDK_PROJECT_ID"),
	}
}

// NewHTTPClient is the HTTP client a Client uses when Config.HTTPClient is nil, for callers
// that share one (connection reuse) or wrap its transport (metrics).
func NewHTTPClient() *http.Client { return defaultHTTPClient() }
