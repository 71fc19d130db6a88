package v1alpha1

// ManagerCredentialsLabel on a Namespace, with value ManagerCredentialsAllowed, lets its
// ImageQueries without credentialsSecretRef or serviceAccountName use the manager's own
// credentials. Cluster admins set it, not the tenants who write ImageQueries.
const (
	ManagerCredentialsLabel   = "ims.imagecatalog.io/manager-credentials"
	ManagerCredentialsAllowed = "allowed"
)
