#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Writes seeds for fuzz-state from logs the real resctld wrote: runs it on a
# private system bus (as scripts/demo does), drives a few calls that leave
# every kind of record, stops it, and stores "r" + state.log + "==" +
# runtime.log under tests/fuzz/corpus/fuzz-state/. Usage: BUILD_DIR (as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: $0 BUILD_DIR}
out=tests/fuzz/corpus/fuzz-state

tmp=$(mktemp -d /tmp/resctl-seeds.XXXXXX)
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/system.d"
cp dbus/org.resctl.Manager.conf "$tmp/system.d/"
sed -e "s|@SOCKET@|$tmp/bus|" -e "s|@POLICYDIR@|$tmp/system.d|" scripts/private-bus.conf.in >"$tmp/bus.conf"
exec 3< <(exec dbus-daemon --nofork --config-file="$tmp/bus.conf" --print-address=1 --print-pid=1 2>"$tmp/bus.log")
read -r address <&3
read -r buspid <&3
pids+=("$buspid")
export DBUS_SYSTEM_BUS_ADDRESS="$address"

start() {
        pid=$(scripts/start-notify.py "$tmp/resctld.log" "$build/src/daemon/resctld" --hardware=demo \
                --state-dir="$tmp/state" --runtime-dir="$tmp/run" --control-dir="$tmp/etc" \
                --runtime-control-dir="$tmp/runctl" --unit-path="$tmp/units")
        pids+=("$pid")
}
stop() {
        kill "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}
call() { busctl --system call org.resctl.Manager /org/resctl/Manager org.resctl.Manager "$@" >/dev/null; }
save() {
        { printf 'r'; cat "$tmp/state/state.log"; printf '==\n'; cat "$tmp/run/runtime.log"; } >"$out/real-$1"
}

start
call RegisterResource st misc/tdx 16
call RegisterResource st rdma/mlx9_0 18446744073709551615
call RegisterResource st dmem/drm/0000:09:00.0/vram0 1073741824
call Charge sstt vm1.service misc/tdx 3 1
call Charge sstt vm2.service misc/tdx 2 1
call Charge sstt a-b.slice dmem/drm/0000:09:00.0/vram0 4096 1
call Charge sstt job.service rdma/mlx9_0/hca_handle 2 1
call Uncharge tt 2 0
call Uncharge tt 3 1024
call WriteFile sss tenant.slice misc.max "tdx 5"
call WriteFile sss tenant.slice dmem.max "drm/0000:09:00.0/vram0 1G"
call WriteFile sss tenant.slice dmem.low "drm/0000:09:00.0/vram0 64M"
call WriteFile sss job.service rdma.max "mlx9_0 hca_handle=4 hca_object=max"
call MigrateCharges ats 1 1 tenant.slice
call WriteFile sss tenant-x.slice misc.max "tdx 0"
call Charge sstt tenant-x.slice misc/tdx 1 1 || true
save 1
call UnregisterResource s rdma/mlx9_0
call SetCapacity st misc/tdx 20
save 2
stop
start
call Charge sstt vm3.service misc/tdx 1 1
save 3
stop
ls -l "$out"/real-*
