package v1alpha1

// Condition and event reasons of image selection and export.
const (
	// ReasonInvalidNameRegex: spec.nameRegex or spec.exclude.nameRegex does not compile, or
	// latestBy: nameVersion has no capture group to read the version from (Stalled).
	ReasonInvalidNameRegex = "InvalidNameRegex"
	// ReasonExportConflict: a ConfigMap named by spec.export exists and is not owned by the
	// ImageQuery; the operator leaves it alone (Stalled).
	ReasonExportConflict = "ExportConflict"
	// ReasonExportFailed: the export ConfigMap could not be written; retried.
	ReasonExportFailed = "ExportFailed"

	// EventLatestImageChanged (Normal): status.latestImage changed to another image ID.
	EventLatestImageChanged = "LatestImageChanged"
	// EventNoLatestImage (Warning): a sync matched nothing; the export keeps its last values.
	EventNoLatestImage = "NoLatestImage"
)
