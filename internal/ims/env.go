package ims

import (
	"net/http"
	"os"
	"time"
)

// CredentialsFromEnv reads the manager's own static credentials from the official SDK's environment
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

// ChainOptions configure ManagerChain beyond the environment.
type ChainOptions struct {
	// ECSMetadata allows the ECS metadata service's agency credentials, last
	// (--ecs-metadata-credentials), from MetadataEndpoint (--ecs-metadata-endpoint).
	ECSMetadata      bool
	MetadataEndpoint string
	HTTPClient       *http.Client
	Now              func() time.Time
}

// ManagerChain finds the manager's own credentials as the official SDK does, first match
// wins: OIDC federation (HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE, with
// HUAWEICLOUD_SDK_IAM_ENDPOINT and HUAWEICLOUD_SDK_PROJECT_ID), static AK/SK from the
// environment, then (only when asked) ECS metadata. It returns nil and "none" when there are
// none, and names the source it chose (never a secret).
func ManagerChain(getenv func(string) string, o ChainOptions) (CredentialSource, string) {
	idp, tokenFile := getenv("HUAWEICLOUD_SDK_IDP_ID"), getenv("HUAWEICLOUD_SDK_ID_TOKEN_FILE")
	if idp != "" && tokenFile != "" {
		iam := getenv("HUAWEICLOUD_SDK_IAM_ENDPOINT")
		return NewFederation(Federation{
			IAMEndpoint: iam,
			IdPID:       idp,
			IDToken:     TokenFile(tokenFile),
			ProjectID:   getenv("HUAWEICLOUD_SDK_PROJECT_ID"),
			Identity:    "federation:" + shortHash(iamURL(iam), idp, tokenFile),
			HTTPClient:  o.HTTPClient,
			Now:         o.Now,
		}), "OIDC federation (HUAWEICLOUD_SDK_IDP_ID, HUAWEICLOUD_SDK_ID_TOKEN_FILE)"
	}
	static := Credentials{
		AccessKey:     getenv("HUAWEICLOUD_SDK_AK"),
		SecretKey:     getenv("HUAWEICLOUD_SDK_SK"),
		SecurityToken: getenv("HUAWEICLOUD_SDK_SECURITY_TOKEN"),
		ProjectID:     getenv("HUAWEICLOUD_SDK_PROJECT_ID"),
	}
	if static.AccessKey != "" || static.SecretKey != "" {
		// Incomplete keys are still this source: the queries say what is wrong with them.
		return Static{Creds: static}, "static AK/SK (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK)"
	}
	if o.ECSMetadata {
		return NewMetadata(Metadata{Endpoint: o.MetadataEndpoint, ProjectID: static.ProjectID, HTTPClient: o.HTTPClient, Now: o.Now}),
			"ECS metadata agency credentials (--ecs-metadata-credentials)"
	}
	return nil, "none"
}

// NewHTTPClient is the HTTP client a Client uses when Config.HTTPClient is nil, for callers
// that share one (connection reuse) or wrap its transport (metrics).
func NewHTTPClient() *http.Client { return defaultHTTPClient() }
