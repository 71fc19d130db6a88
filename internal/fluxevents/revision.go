package fluxevents

import (
	"k8s.io/apimachinery/pkg/runtime"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// ImageQueryRevision is an ImageQuery's revision: the ID of its status.latestImage, as it is
// when the event is recorded (so LatestImageChanged carries the new image).
func ImageQueryRevision(obj runtime.Object) string {
	if q, ok := obj.(*imsv1.ImageQuery); ok && q.Status.LatestImage != nil {
		return q.Status.LatestImage.ID
	}
	return ""
}
