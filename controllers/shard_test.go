package controllers

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

// A query whose namespace is another shard's is not synced, even when it reaches the
// reconciler (a requeue scheduled before its namespace left the shard): no IMS listing, no
// write. Once the namespace matches, the same query syncs.
func TestReconcileSkipsOtherShardsNamespaces(t *testing.T) {
	rig := newDecisionRig(t, decisionQuery(nil), twoImages...)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns", Labels: map[string]string{"shard": "b"}}}
	if err := rig.r.client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	rig.r.shard = NewShard(rig.r.client, labels.SelectorFromSet(labels.Set{"shard": "a"}))
	if _, err := rig.reconcile(t); err != nil {
		t.Fatal(err)
	}
	if rig.cloud.calls != 0 || rig.statusPatches != 0 || rig.imageWrites != 0 {
		t.Errorf("another shard's query: %d listings, %d status patches, %d CloudImage writes; want none",
			rig.cloud.calls, rig.statusPatches, rig.imageWrites)
	}
	ns.Labels["shard"] = "a"
	if err := rig.r.client.Update(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	if _, err := rig.reconcile(t); err != nil {
		t.Fatal(err)
	}
	if rig.cloud.calls != 1 || rig.statusPatches == 0 || rig.imageWrites != len(twoImages) {
		t.Errorf("the shard's own query: %d listings, %d status patches, %d CloudImage writes; want 1, some, %d",
			rig.cloud.calls, rig.statusPatches, rig.imageWrites, len(twoImages))
	}
}

// A namespace joins a shard when it is created matching or its labels come to match; leaving,
// or changing while it matches, enqueues nothing (the reconcilers' Owns check leaves it).
func TestShardJoinedNamespaces(t *testing.T) {
	s := NewShard(nil, labels.SelectorFromSet(labels.Set{"shard": "a"}))
	nsWith := func(l map[string]string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns", Labels: l}}
	}
	a, b, none := nsWith(map[string]string{"shard": "a"}), nsWith(map[string]string{"shard": "b"}), nsWith(nil)
	p := s.joined()
	for _, tc := range []struct {
		name      string
		got, want bool
	}{
		{"created in the shard", p.Create(event.CreateEvent{Object: a}), true},
		{"created elsewhere", p.Create(event.CreateEvent{Object: b}), false},
		{"label added", p.Update(event.UpdateEvent{ObjectOld: none, ObjectNew: a}), true},
		{"label changed to the shard", p.Update(event.UpdateEvent{ObjectOld: b, ObjectNew: a}), true},
		{"label changed away", p.Update(event.UpdateEvent{ObjectOld: a, ObjectNew: b}), false},
		{"label removed", p.Update(event.UpdateEvent{ObjectOld: a, ObjectNew: none}), false},
		{"deleted", p.Delete(event.DeleteEvent{Object: a}), false},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: enqueue %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if NewShard(nil, labels.Everything()) != nil {
		t.Error("an empty selector should give the shard of every namespace (nil)")
	}
	var all *Shard
	if !all.Owns(context.Background(), "anything") {
		t.Error("the shard of every namespace should own every namespace")
	}
}
