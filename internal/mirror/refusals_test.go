package mirror

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// A deleted query's refusals are forgotten, and a query created again under its name starts
// afresh.
func TestRefusalsAreForgottenWithTheirQuery(t *testing.T) {
	q := &imsv1.ImageQuery{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "q", UID: "uid-q", Generation: 1}}
	var m refusalMemory
	m.keep(q, map[string]refusal{"id": {hash: "h", message: "id: too large"}}, true)
	again := q.DeepCopy()
	again.UID = "uid-q-2"
	if m.of(q) == nil || m.of(again) != nil {
		t.Fatal("refusals are not kept for their query alone")
	}
	m.forgetQuery(client.ObjectKeyFromObject(q))
	if m.of(q) != nil {
		t.Error("a deleted query's refusals are still held")
	}
}
