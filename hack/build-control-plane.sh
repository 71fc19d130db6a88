#!/usr/bin/env bash
# Builds Kubernetes from the Go module proxy (prebuilt binaries cannot be downloaded on our
# machines), one of two sets, each with its own wrapper module, folder and version stamp:
#   hack/build-control-plane.sh        etcd, kube-apiserver, kube-controller-manager, kubectl
#                                      into bin/k8s (envtest, `make demo`); cold ~5-6 minutes
#   hack/build-control-plane.sh node   kubelet, kube-scheduler, kube-proxy into bin/node (the
#                                      node tests, test/node); cold ~6 minutes
# Idempotent: a set whose version stamp matches is not rebuilt. Cold on 2 cores a set takes
# ~2.7 GB of memory.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
k8s_version=v1.37.2
etcd_version=v3.7.3
case "${1:-control-plane}" in
control-plane)
  out=${CONTROL_PLANE_DIR:-$root/bin/k8s}
  module=$root/hack/controlplane/kubernetes
  cmds="kube-apiserver kube-controller-manager kubectl"
  binaries="etcd $cmds"
  # The stamp covers the wrapper modules too, so a changed pin rebuilds.
  mods=$(cat "$root"/hack/controlplane/*/go.mod "$root"/hack/controlplane/*/go.sum | sha256sum | cut -c1-16)
  want="kubernetes=$k8s_version etcd=$etcd_version modules=$mods"
  ;;
node)
  out=${NODE_DIR:-$root/bin/node}
  module=$root/hack/node/kubernetes
  cmds="kubelet kube-scheduler kube-proxy"
  binaries=$cmds
  mods=$(cat "$module/go.mod" "$module/go.sum" | sha256sum | cut -c1-16)
  want="kubernetes=$k8s_version modules=$mods"
  # The node's module is a copy of the control plane's with the kubelet's extra requirements:
  # both must build the same Kubernetes.
  for m in "$root/hack/controlplane/kubernetes" "$module"; do
    if ! grep -Eq "^\s*k8s.io/kubernetes $k8s_version( |$)" "$m/go.mod"; then
      echo "$m/go.mod does not require k8s.io/kubernetes $k8s_version" >&2
      exit 1
    fi
  done
  ;;
*)
  echo "usage: $0 [control-plane|node]" >&2
  exit 2
  ;;
esac
stamp="$out/.versions"

mkdir -p "$out"
built=1
for b in $binaries; do [[ -x "$out/$b" ]] || built=; done
if [[ -n "$built" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

# -mod=readonly: the committed go.sum files are complete; a build must never rewrite them.
export CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly
start=$(date +%s)
echo ">> building $binaries (Kubernetes $k8s_version) into $out"
echo ">> the first build takes about 6 minutes on 2 cores; later runs take seconds"

major=${k8s_version#v}; major=${major%%.*}
minor=${k8s_version#v*.}; minor=${minor%%.*}
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean"
done

if [[ " $binaries " == *" etcd "* ]]; then
  (cd "$root/hack/controlplane/etcd" && go build -trimpath -o "$out/etcd" .)
  echo ">> etcd built ($(( $(date +%s) - start ))s)"
fi
# One go build for the set: the commands share most of their packages, and one invocation
# compiles each once and links the binaries side by side (a link is mostly one core's work; the
# other core goes on compiling), where one build per command linked each alone.
pkgs=()
for cmd in $cmds; do pkgs+=("k8s.io/kubernetes/cmd/$cmd"); done
(cd "$module" && go build -trimpath -ldflags "$ldflags" -o "$out/" "${pkgs[@]}")
echo ">> $cmds built ($(( $(date +%s) - start ))s)"

echo "$want" > "$stamp"
echo ">> $binaries ready in $(( $(date +%s) - start ))s"
