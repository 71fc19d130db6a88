//go:build tools

// Package tools pins helm.sh/helm/v3 in this module's go.mod and go.sum; the build script
// builds helm.sh/helm/v3/cmd/helm from it.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
