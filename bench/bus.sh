#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs bench-bus (bench/bus.c) by hand, as root, against a resctld of this
# tree on a private system bus; never in CI. Arguments go to bench-bus
# (e.g. --duration=1 --warmup=0.5). BUILD names the build directory
# (default build-bench, set up with -Dbuildtype=release when missing;
# RESCTL_BENCH_NO_BUILD=1 skips ninja).
#
#   1. dbus-daemon on a private socket, with resctl's bus policy;
#   2. resctld --hardware=demo, --runtime-dir on a tmpfs, --state-dir on the
#      disk (a directory under /var/tmp), started with readiness
#      (scripts/start-notify.py); bench-bus as root;
#   3. the real polkitd, with org.resctl.policy and a rule granting
#      org.resctl.charge to user nobody bind-mounted over
#      /usr/share/polkit-1/actions and /etc/polkit-1/rules.d; bench-bus as
#      nobody, its lines prefixed with "unprivileged_".
#
# It all runs in a private mount namespace (unshare --mount --propagation
# private): the mounts never reach the host and go away with the script.
# Everything started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
bench_enter bus "$@"
bench_need bus dbus-daemon gdbus runuser "$polkitd"

bench_build src/daemon/resctld bench/bench-bus

bench_tmp resctl-bench-bus
chmod 755 "$tmp"                # user nobody reaches the bus socket and bench-bus in here
bench_bus

# 2. resctld: runtime data on a tmpfs, durable state on the disk.
mkdir -p "$tmp/run" "$tmp/state" "$tmp/units"
mount -t tmpfs -o size=256m,mode=0755 resctl-bench "$tmp/run"
pid=$(scripts/start-notify.py "$tmp/resctld.log" "$build/src/daemon/resctld" --hardware=demo \
        --state-dir="$tmp/state" --runtime-dir="$tmp/run" --control-dir="$tmp/etc" \
        --runtime-control-dir="$tmp/runctl" --unit-path="$tmp/units" --log-level=notice)
pids+=("$pid")
echo "$pid" >"$tmp/resctld.pid"  # for a profiler attaching meanwhile

"$build/bench/bench-bus" "$@"

# 3. polkitd with resctl's actions and a rule for nobody, visible in this
# mount namespace only.
bench_polkit

cp "$build/bench/bench-bus" "$tmp/bench-bus"
runuser -u nobody -- "$tmp/bench-bus" "$@" | sed 's/^/unprivileged_/'
