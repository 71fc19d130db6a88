package controllers

import (
	"context"
	"sync/atomic"

	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
)

// cloudImageWrites counts every CloudImage write call the operator makes, including ones the
// API server would find to be no-ops (those do not change resourceVersion, but still cost a
// request).
var cloudImageWrites atomic.Int64

// cloudImagesStored counts the CloudImage write calls that succeeded: the writes that cost
// etcd a new version (a create that found the object already there stores nothing).
var cloudImagesStored atomic.Int64

// countingClient is the manager's client with CloudImage writes counted.
type countingClient struct{ client.Client }

func (c countingClient) count(obj client.Object, err error) error {
	if _, ok := obj.(*imsv1.CloudImage); ok {
		cloudImageWrites.Add(1)
		if err == nil {
			cloudImagesStored.Add(1)
		}
	}
	return err
}

func (c countingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	return c.count(obj, c.Client.Create(ctx, obj, opts...))
}

func (c countingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	return c.count(obj, c.Client.Update(ctx, obj, opts...))
}

func (c countingClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	return c.count(obj, c.Client.Patch(ctx, obj, patch, opts...))
}

func (c countingClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	return c.count(obj, c.Client.Delete(ctx, obj, opts...))
}
