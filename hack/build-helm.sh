#!/usr/bin/env bash
# Builds Helm from the Go module proxy into bin/helm (prebuilt releases cannot be downloaded on
# the machines this project is developed on), pinned by the wrapper module hack/helm. Idempotent
# like build-control-plane.sh: a binary whose version stamp matches is not rebuilt. Cold on
# 2 cores this takes about 3 minutes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${HELM_DIR:-$root/bin}
helm_version=v3.22.0
stamp="$out/.helm-version"
# The stamp covers the wrapper module, so a changed pin rebuilds.
mods=$(cat "$root"/hack/helm/go.mod "$root"/hack/helm/go.sum | sha256sum | cut -c1-16)
want="helm=$helm_version modules=$mods"

mkdir -p "$out"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$out/helm" ]]; then
  exit 0
fi

# -mod=readonly: the committed go.sum is complete; a build must never rewrite it.
export CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly
start=$(date +%s)
echo ">> building helm $helm_version into $out/helm (the first build takes about 3 minutes on 2 cores)"
# The version stamping of Helm's own Makefile: `helm version` and the Kubernetes version that
# `helm lint` and `helm template` assume (client-go's minor, as a 1.x version).
cd "$root/hack/helm"
client_go=$(go list -m -f '{{.Version}}' k8s.io/client-go)
minor=${client_go#v0.}; minor=${minor%%.*}
v=helm.sh/helm/v3/internal/version
ldflags="-s -w -X $v.version=$helm_version -X $v.metadata= -X $v.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
done
go build -trimpath -ldflags "$ldflags" -o "$out/helm" helm.sh/helm/v3/cmd/helm
echo "$want" > "$stamp"
echo ">> helm ready in $(( $(date +%s) - start ))s"
