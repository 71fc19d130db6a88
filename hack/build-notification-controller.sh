#!/usr/bin/env bash
# Builds Flux's notification-controller from the Go module proxy into bin/flux (prebuilt
# releases cannot be downloaded on the machines this project is developed on), pinned by the
# wrapper module hack/flux, for test/flux: the operator's --events-addr and dist/flux tested
# against the real thing. Its CRDs and its own ClusterRole come from the same module
# (config/crd/bases, config/rbac/role.yaml). Idempotent like build-helm.sh: a binary whose
# version stamp matches is not rebuilt. Cold on 2 cores shared with other builds it took
# 27 minutes (it links every notifier's SDK: Azure, Google Pub/Sub, Datadog, …).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${FLUX_DIR:-$root/bin/flux}
nc_version=v1.6.0
stamp="$out/.versions"
# The stamp covers the wrapper module, so a changed pin rebuilds.
mods=$(cat "$root"/hack/flux/go.mod "$root"/hack/flux/go.sum | sha256sum | cut -c1-16)
want="notification-controller=$nc_version modules=$mods"

mkdir -p "$out"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$out/notification-controller" && -f "$out/rbac/role.yaml" ]]; then
  exit 0
fi

# -mod=readonly: the committed go.sum is complete; a build must never rewrite it.
export CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly
start=$(date +%s)
echo ">> building notification-controller $nc_version into $out (the first build takes a few minutes on 2 cores)"
cd "$root/hack/flux"
if [[ "$(go list -m -f '{{.Version}}' github.com/fluxcd/notification-controller)" != "$nc_version" ]]; then
  echo "hack/flux/go.mod does not require github.com/fluxcd/notification-controller $nc_version" >&2
  exit 1
fi
go build -trimpath -ldflags "-s -w" -o "$out/notification-controller" github.com/fluxcd/notification-controller
# The CRDs and ClusterRole of the same version, for test/flux to patch with dist/flux and apply.
src=$(go list -m -f '{{.Dir}}' github.com/fluxcd/notification-controller)
rm -rf "$out/crd" "$out/rbac"
mkdir -p "$out/crd" "$out/rbac"
cp "$src"/config/crd/bases/*.yaml "$out/crd/"
cp "$src"/config/rbac/role.yaml "$out/rbac/"
chmod -R u+w "$out/crd" "$out/rbac"
echo "$want" > "$stamp"
echo ">> notification-controller ready in $(( $(date +%s) - start ))s"
