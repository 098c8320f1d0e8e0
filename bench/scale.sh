#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs bench-scale (bench/scale.c) by hand, as root, against a resctld of
# this tree on a private system bus (no polkit: root is allowed without it);
# never in CI. Prints name=value lines:
#
#   start_seconds            the first start, empty state: fork to READY=1
#   load_*                   bench-scale load: --groups groups (tenant and
#                            leaf slices), --charges PERSIST charges, pipelined
#   rss_kb, rss_peak_kb      the daemon's VmRSS / VmHWM with that state
#   state_log_bytes          the size of state.log then
#   root_usage, listgroups_*, readfile_*   bench-scale query
#   restart_seconds          after kill -9: fork to READY=1 with the same
#                            state dir (the log replayed; page cache warm)
#   restart_rss_kb           VmRSS after the restart
#   restart_listgroups_ms, restart_readfile_ms ...   bench-scale query again
#
# Arguments go to bench-scale load and query (--groups=N --charges=N
# --inflight=N --rounds=N). BUILD names the build directory (default
# build-bench, set up with -Dbuildtype=release when missing). The state dir
# is on the disk (under /var/tmp), the runtime dir on a tmpfs in a private
# mount namespace. Everything started is stopped on exit.
# RESCTL_BENCH_NO_BUILD=1 skips ninja (runs what BUILD holds).
# RESCTL_BENCH_SAVE_STATE=DIR copies the loaded state dir there (to replay
# it under a profiler: resctld loads its state before it connects to the
# bus, so DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent makes it exit right
# after the replay).
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
bench_enter scale "$@"
bench_need scale dbus-daemon

bench_build src/daemon/resctld bench/bench-scale
bench=$build/bench/bench-scale

bench_tmp resctl-bench-scale
bench_bus

mkdir -p "$tmp/run" "$tmp/state" "$tmp/units"
mount -t tmpfs -o size=512m,mode=0755 resctl-bench "$tmp/run"
daemon=("$PWD/$build/src/daemon/resctld" --hardware=demo --state-dir="$tmp/state" --runtime-dir="$tmp/run"
        --control-dir="$tmp/etc" --runtime-control-dir="$tmp/runctl" --unit-path="$tmp/units" --log-level=notice)

status_kb() {   # FIELD: a line of the daemon's /proc status, in kB
        awk -v f="$1:" '$1 == f { print $2 }' "/proc/$(cat "$tmp/resctld.pid")/status"
}

"$bench" start --pidfile="$tmp/resctld.pid" --log="$tmp/resctld.log" -- "${daemon[@]}"
"$bench" load "$@"
echo "rss_kb=$(status_kb VmRSS)"
echo "rss_peak_kb=$(status_kb VmHWM)"
echo "state_log_bytes=$(stat -c %s "$tmp/state/state.log")"
"$bench" query "$@"
if [ -n "${RESCTL_BENCH_SAVE_STATE:-}" ]; then
        mkdir -p "$RESCTL_BENCH_SAVE_STATE"
        cp -a "$tmp/state/." "$RESCTL_BENCH_SAVE_STATE/"
fi

# kill -9, then the same state dir again.
pid=$(cat "$tmp/resctld.pid")
: >"$tmp/resctld.pid"
kill -9 "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
"$bench" start --pidfile="$tmp/resctld.pid" --log="$tmp/resctld.log" -- "${daemon[@]}" | sed 's/^start_/restart_/'
echo "restart_rss_kb=$(status_kb VmRSS)"
"$bench" query "$@" | sed 's/^/restart_/'
