// Package ims is a client for Huawei Cloud IMS's List-images API
// (GET /v2/cloudimages): every query parameter, tolerant decoding of the
// response, paging hidden behind an iterator, AK/SK signing or IAM tokens,
// typed errors with retry classes, and context cancellation throughout.
package ims
