package v1alpha1

// Keys of the credentials Secret named by spec.credentialsSecretRef.
const (
	// SecretKeyAccessKey holds the access key ID (AK) for SDK-HMAC-SHA256 signing.
	SecretKeyAccessKey = "accessKey"
	// SecretKeySecretKey holds the secret access key (SK) that goes with accessKey.
	SecretKeySecretKey = "secretKey"
	// SecretKeySecurityToken holds the security token of temporary AK/SK credentials.
	SecretKeySecurityToken = "securityToken"
	// SecretKeyProjectID holds the project ID, sent as X-Project-Id.
	SecretKeyProjectID = "projectID"
	// SecretKeyToken holds an IAM token, sent as X-Auth-Token, used instead of AK/SK.
	SecretKeyToken = "token"
)
