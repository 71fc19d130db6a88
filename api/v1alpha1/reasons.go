package v1alpha1

// Condition reasons on ImageQuery. Alert rules, dashboards and `kubectl get iq -o wide` read
// them, so each one is documented in the README's reason table (a test compares the two) and
// never renamed. Failure reasons name the cause, so that rejected credentials can be told
// from a throttled API.
const (
	// ReasonProgressing: the first sync is running (Ready=Unknown, Reconciling=True).
	ReasonProgressing = "Progressing"
	// ReasonSynced: the last sync completed (Ready=True).
	ReasonSynced = "Synced"
	// ReasonRemovalPending: a listing would remove more than the deletion guard's share of the
	// mirrored images; nothing changes until a listing --deletion-guard-delay later shows the
	// same (Ready=True: the last good state stands).
	ReasonRemovalPending = "RemovalPending"
	// ReasonRetryingAfterError: Reconciling=True while a transient failure is retried.
	ReasonRetryingAfterError = "RetryingAfterError"

	// ReasonCredentialsRejected: IMS answered 401.
	ReasonCredentialsRejected = "CredentialsRejected"
	// ReasonForbidden: IMS answered 403.
	ReasonForbidden = "Forbidden"
	// ReasonBadRequest: IMS answered 400, another 4xx, or a redirect.
	ReasonBadRequest = "BadRequest"
	// ReasonNotFound: IMS answered 404, or the host does not exist (check the region).
	ReasonNotFound = "NotFound"
	// ReasonSecretNotFound: the credentials Secret does not exist.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonInvalidCredentials: the Secret's keys are incomplete or mixed, or there are no
	// usable credentials at all.
	ReasonInvalidCredentials = "InvalidCredentials"
	// ReasonInvalidNameRegex: spec.nameRegex or spec.exclude.nameRegex does not compile, or
	// latestBy: nameVersion has no capture group to read the version from.
	ReasonInvalidNameRegex = "InvalidNameRegex"
	// ReasonThrottled: IMS answered 429.
	ReasonThrottled = "Throttled"
	// ReasonServiceUnavailable: IMS answered 5xx.
	ReasonServiceUnavailable = "ServiceUnavailable"
	// ReasonNetworkError: connection failure, timeout, 408.
	ReasonNetworkError = "NetworkError"
	// ReasonIncompleteListing: a page could not be read or paging did not end.
	ReasonIncompleteListing = "IncompleteListing"
	// ReasonSecretUnreadable: the API server refused to read the Secret.
	ReasonSecretUnreadable = "SecretUnreadable"
	// ReasonMirrorFailed: writing CloudImages failed.
	ReasonMirrorFailed = "MirrorFailed"
	// ReasonStatusRefused: the API server refused the status a sync wrote (too large, or
	// invalid); the CloudImages were written. Retried every refreshInterval.
	ReasonStatusRefused = "StatusRefused"
	// ReasonListingUnstable: a listing would have removed many CloudImages and a second,
	// confirming listing disagreed; nothing was changed and the sync is retried.
	ReasonListingUnstable = "ListingUnstable"
	// ReasonListFailed: an error the IMS client could not classify.
	ReasonListFailed = "ListFailed"

	// Credentials resolution (credentials.go, lockdown.go, workload_identity.go).
	// ReasonManagerCredentialsNotAllowed: no credentialsSecretRef or serviceAccountName, and
	// the namespace may not use the manager's credentials. No request is sent. Stalled.
	ReasonManagerCredentialsNotAllowed = "ManagerCredentialsNotAllowed"
	// ReasonWorkloadIdentityNotConfigured: serviceAccountName without the manager's
	// --workload-identity-idp-id and --workload-identity-audience. Stalled.
	ReasonWorkloadIdentityNotConfigured = "WorkloadIdentityNotConfigured"
	// ReasonServiceAccountNotFound: the serviceAccountName does not exist. Stalled.
	ReasonServiceAccountNotFound = "ServiceAccountNotFound"
	// ReasonServiceAccountTokenFailed: the API server did not issue a token for the
	// ServiceAccount (other than not found); retried.
	ReasonServiceAccountTokenFailed = "ServiceAccountTokenFailed"
	// ReasonCredentialsSecretRefDisabled: credentialsSecretRef on a manager that runs with
	// --allow-credentials-secret-ref=false (keyless). Stalled.
	ReasonCredentialsSecretRefDisabled = "CredentialsSecretRefDisabled"
	// ReasonIdentityTokenRejected: IAM refused the ID token or the identity provider (a 4xx
	// of the ID-token exchange). Stalled until the token file or the configuration changes.
	ReasonIdentityTokenRejected = "IdentityTokenRejected"
	// ReasonIdentityTokenUnreadable: the ID token file (HUAWEICLOUD_SDK_ID_TOKEN_FILE) cannot
	// be read or is empty. Stalled.
	ReasonIdentityTokenUnreadable = "IdentityTokenUnreadable"
	// ReasonCredentialExchangeRejected: IAM refused to issue temporary credentials for the
	// IAM token (a 4xx of the security-token call). Stalled.
	ReasonCredentialExchangeRejected = "CredentialExchangeRejected"
	// ReasonNoCloudServiceAgency: --ecs-metadata-credentials, but the ECS has no agency. Stalled.
	ReasonNoCloudServiceAgency = "NoCloudServiceAgency"
	// ReasonCredentialsUnavailable: IAM or the ECS metadata service failed in a way that may
	// pass (5xx, 429, network, a malformed answer); retried.
	ReasonCredentialsUnavailable = "CredentialsUnavailable"
	// ReasonPromotionSourceNotFound: spec.promotion.from names an ImageQuery that does not
	// exist; retried when it appears. The latest image stays.
	ReasonPromotionSourceNotFound = "PromotionSourceNotFound"
	// ReasonPromotionSourceNotAllowed: spec.promotion.from names a query of another namespace
	// whose spec.accessFrom does not select this namespace. Stalled.
	ReasonPromotionSourceNotAllowed = "PromotionSourceNotAllowed"
	// ReasonPromotionCycle: spec.promotion.from names this query, leads back to it, or is a
	// chain of more than 5 queries. Stalled.
	ReasonPromotionCycle = "PromotionCycle"
	// ReasonExportConflict: the ConfigMap named by spec.export exists and is not owned by the
	// ImageQuery; the operator leaves it alone.
	ReasonExportConflict = "ExportConflict"
	// ReasonExportFailed: writing the export ConfigMap failed.
	ReasonExportFailed = "ExportFailed"
)

// Event reasons on ImageQuery. A failed sync is announced as a Warning whose reason is the
// condition reason above.
const (
	// EventSynced (Normal): the first sync completed.
	EventSynced = "Synced"
	// EventRecovered (Normal): a sync succeeded after a failure.
	EventRecovered = "Recovered"
	// EventImagesChanged (Normal): CloudImages were added or removed.
	EventImagesChanged = "ImagesChanged"
	// EventCloudImageRejected (Warning): the API server refused a CloudImage.
	EventCloudImageRejected = "CloudImageRejected"
	// EventInvalidImageID (Warning): an IMS image ID is not a valid object name.
	EventInvalidImageID = "InvalidImageID"
	// EventLatestImageChanged (Normal): status.latestImage changed to another image ID.
	EventLatestImageChanged = "LatestImageChanged"
	// EventNoLatestImage (Warning): a sync of a query with spec.export matched nothing; the
	// ConfigMap keeps its last values.
	EventNoLatestImage = "NoLatestImage"
	// EventLatestImageWithdrawn (Warning): the image that was status.latestImage left the
	// listing or stopped being usable (not active, or off-shelved).
	EventLatestImageWithdrawn = "LatestImageWithdrawn"
	// EventCandidateImageAvailable (Normal): a new candidate differs from latestImage, which
	// does not follow it (policy Manual, or a hold); once per candidate.
	EventCandidateImageAvailable = "CandidateImageAvailable"
	// EventPromotionRefused (Warning): the promote annotation's value was not applied (not a
	// usable current match, malformed, no candidate, or a suspended query); once per value.
	EventPromotionRefused = "PromotionRefused"
	// EventAllowListTruncated (Warning): more than 1000 usable images matched; the export's
	// allowedImageIDs holds the first 1000 in latestBy order.
	EventAllowListTruncated = "AllowListTruncated"
)

// Reasons of the LatestImageReady condition.
const (
	// ReasonLatestImageChosen: status.latestImage is set (LatestImageReady=True).
	ReasonLatestImageChosen = "LatestImageChosen"
	// ReasonNoUsableImage: no usable (active, not off-shelved) image matches
	// (LatestImageReady=False); an export ConfigMap keeps its last values.
	ReasonNoUsableImage = "NoUsableImage"
	// ReasonAwaitingPromotion: usable images match, but none is the latest image yet
	// (LatestImageReady=False): policy Manual before the first promotion, a held or promoted
	// image that is no longer usable, or an upstream whose latest image has not soaked yet.
	ReasonAwaitingPromotion = "AwaitingPromotion"
)
