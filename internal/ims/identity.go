package ims

// Identity names the account behind c without revealing anything secret: the access key
// (not a secret) or a hash of the IAM token. Requests made with the same identity count
// against the same API-gateway throttling, so the operator paces them together.
func (c Credentials) Identity() string {
	if c.Token != "" {
		return "token:" + shortHash(c.Token)
	}
	return "aksk:" + c.AccessKey
}

// Fingerprint is a hash of every field of c. Two listings may share one answer only when
// their fingerprints are equal: the same access key with another secret, security token or
// project is another caller as far as IMS is concerned.
func (c Credentials) Fingerprint() string {
	return shortHash(c.AccessKey, c.SecretKey, c.SecurityToken, c.ProjectID, c.Token)
}
