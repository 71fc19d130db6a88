#!/usr/bin/env bash
# `make test`'s order: hack/test.sh [go test flags...] (the Makefile passes $(GOTEST_FLAGS) as
# the arguments, split and unquoted by the shell as `go test $(GOTEST_FLAGS)` would be, and
# BIN, CONTROL_PLANE, NODE_BIN and MAKE in the environment).
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
flags=("$@")

soak_log=$BIN/soak.log
rm -f "$BIN/soak-summary.txt" "$soak_log"
soak_pid=
stop_soak() {
  if [[ -n "$soak_pid" ]] && kill -0 "$soak_pid" 2>/dev/null; then
    echo ">> stopping the soak (its output so far: $soak_log)" >&2
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
all=$(go list ./...) # on its own: a failure here must fail the run, not shrink it
mapfile -t packages < <(grep -v -e '/test/soak$' -e '/test/node$' <<<"$all")
if ((${#packages[@]} == 0)); then
  echo ">> go list found no packages" >&2
  exit 1
fi
KUBEBUILDER_ASSETS=$CONTROL_PLANE IMS_OPERATOR_FLUX_BIN=$BIN/flux IMS_OPERATOR_REQUIRE_INTEGRATION=1 \
  go test "${flags[@]}" -timeout 20m "${packages[@]}"

echo ">> waiting for the soak"
soak_rc=0
wait "$soak_pid" || soak_rc=$?
soak_pid=
cat "$soak_log"
if [[ $soak_rc -ne 0 ]]; then
  echo ">> the soak failed (exit $soak_rc)" >&2
  exit "$soak_rc"
fi
cat "$BIN/soak-summary.txt" # a soak that ran writes it: missing, the run fails

KUBEBUILDER_ASSETS=$CONTROL_PLANE IMS_OPERATOR_NODE_BIN=$NODE_BIN IMS_OPERATOR_REQUIRE_NODE=1 \
  go test "${flags[@]}" -timeout 20m ./test/node/
