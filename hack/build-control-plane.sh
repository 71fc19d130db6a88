#!/usr/bin/env bash
# Builds the control-plane binaries that envtest and `make demo` run (etcd, kube-apiserver,
# kube-controller-manager, kubectl) from the Go module proxy into bin/k8s/. Prebuilt envtest
# binaries cannot be downloaded on our machines. Idempotent: a binary whose version stamp
# matches is not rebuilt. Cold on 2 cores this takes about 5-6 minutes and ~2.7 GB of memory.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${CONTROL_PLANE_DIR:-$root/bin/k8s}
k8s_version=v1.37.2
etcd_version=v3.7.3
stamp="$out/.versions"
# The stamp covers the wrapper modules too, so a changed pin rebuilds.
mods=$(cat "$root"/hack/controlplane/*/go.mod "$root"/hack/controlplane/*/go.sum | sha256sum | cut -c1-16)
want="kubernetes=$k8s_version etcd=$etcd_version modules=$mods"

mkdir -p "$out"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
   [[ -x "$out/etcd" && -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" && -x "$out/kubectl" ]]; then
  exit 0
fi

# -mod=readonly: the committed go.sum files are complete; a build must never rewrite them.
export CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly
start=$(date +%s)
echo ">> building control plane (Kubernetes $k8s_version, etcd $etcd_version) into $out"
echo ">> the first build takes about 6 minutes on 2 cores; later runs take seconds"

major=${k8s_version#v}; major=${major%%.*}
minor=${k8s_version#v*.}; minor=${minor%%.*}
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean"
done

(cd "$root/hack/controlplane/etcd" && go build -trimpath -o "$out/etcd" .)
echo ">> etcd built ($(( $(date +%s) - start ))s)"
for cmd in kube-apiserver kube-controller-manager kubectl; do
  (cd "$root/hack/controlplane/kubernetes" &&
    go build -trimpath -ldflags "$ldflags" -o "$out/$cmd" "k8s.io/kubernetes/cmd/$cmd")
  echo ">> $cmd built ($(( $(date +%s) - start ))s)"
done
echo "$want" > "$stamp"
echo ">> control plane ready in $(( $(date +%s) - start ))s"
