#!/usr/bin/env bash
# Builds the manager binary the one way that `make build`, `make image` and the Dockerfile all
# use: static (CGO_ENABLED=0), -trimpath, stripped, version-stamped. GOOS/GOARCH choose the
# platform. Usage: hack/build-manager.sh <output> [version]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
version=${2:-${VERSION:-$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo dev)}}
cd "$root"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out" .
