#!/usr/bin/env bash
# `make test`'s order (the Makefile passes BIN, CONTROL_PLANE, NODE_BIN, GOTEST_FLAGS and MAKE).
#
# The 3-minute chaos soak (test/soak) is most of the tests' wall time and mostly waiting: it
# injects a fault, then watches the manager recover. It needs only the control plane, so it
# starts as soon as that is built and runs in the background while the other tools (the node's
# binaries, Helm, notification-controller, the image, promtool) build and vet and lint run:
# on a cold machine those compiles use the cores the soak leaves idle, where they used to wait
# for them one after the other before any test ran. Its output is printed when it ends, its
# failure fails the run, and it is stopped if anything before it fails (nothing is left running).
# The node tests run last, alone: a kubelet, containerd and the operator's Pods want the cores.
set -euo pipefail

: "${BIN:?}" "${CONTROL_PLANE:?}" "${NODE_BIN:?}" "${MAKE:=make}"
GOTEST_FLAGS=${GOTEST_FLAGS:-}
read -r -a flags <<<"$GOTEST_FLAGS"

soak_log=$BIN/soak.log
rm -f "$BIN/soak-summary.txt" "$soak_log"
soak_pid=
stop_soak() {
  if [[ -n "$soak_pid" ]] && kill -0 "$soak_pid" 2>/dev/null; then
    echo ">> stopping the soak" >&2
    kill -TERM -- "-$soak_pid" 2>/dev/null || kill -TERM "$soak_pid" 2>/dev/null || true
    wait "$soak_pid" 2>/dev/null || true
  fi
}
trap stop_soak EXIT

# A process group of its own (set -m), so stop_soak reaches go test and the test binary.
echo ">> the soak runs in the background from now on; its output follows when it ends ($soak_log)"
set -m
SOAK= SOAK_SUMMARY=$BIN/soak-summary.txt KUBEBUILDER_ASSETS=$CONTROL_PLANE IMS_OPERATOR_REQUIRE_INTEGRATION=1 \
  go test "${flags[@]}" -timeout 30m ./test/soak/ >"$soak_log" 2>&1 &
soak_pid=$!
set +m

"$MAKE" --no-print-directory node helm notification-controller image promtool vet lint

(cd api && go test "${flags[@]}" ./...)
mapfile -t packages < <(go list ./... | grep -v '/test/soak$' | grep -v '/test/node$')
KUBEBUILDER_ASSETS=$CONTROL_PLANE IMS_OPERATOR_FLUX_BIN=$BIN/flux IMS_OPERATOR_REQUIRE_INTEGRATION=1 \
  go test "${flags[@]}" -timeout 20m "${packages[@]}"

echo ">> waiting for the soak"
soak_rc=0
wait "$soak_pid" || soak_rc=$?
soak_pid=
cat "$soak_log"
[[ -f "$BIN/soak-summary.txt" ]] && cat "$BIN/soak-summary.txt"
if [[ $soak_rc -ne 0 ]]; then
  echo ">> the soak failed (exit $soak_rc)" >&2
  exit "$soak_rc"
fi

KUBEBUILDER_ASSETS=$CONTROL_PLANE IMS_OPERATOR_NODE_BIN=$NODE_BIN IMS_OPERATOR_REQUIRE_NODE=1 \
  go test "${flags[@]}" -timeout 20m ./test/node/
