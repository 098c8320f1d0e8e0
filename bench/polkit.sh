#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Unprivileged Charge through the real polkitd, run by hand as root; never
# in CI. resctld and the real polkitd on a private system bus, a rule that
# grants org.resctl.charge to user nobody, and bench-bus (bench/bus.c) run
# as nobody: each Charge is one CheckAuthorization of polkitd (the Uncharge
# of one's own charge needs none). Prints name=value lines:
#
#   polkit_charges_per_second             Charge+Uncharge pairs per second as
#                                         nobody, --inflight (64) in flight
#   polkit_charges_per_second_sequential  the same, one call at a time
#   polkit_ping_pairs_per_second          two Peer.Ping (no polkit) as nobody,
#                                         pipelined: the bus alone
#   root_charges_per_second               the same pairs as root (no polkit)
#   polkit_ratio                          polkit / root, pipelined
#   polkitd_cpu_seconds, resctld_cpu_seconds, busd_cpu_seconds
#                                         CPU (user+system) each used during
#                                         the unprivileged run
#
# Arguments go to bench-bus (e.g. --duration=5 --inflight=16). BUILD names
# the build directory (default build-bench, set up with -Dbuildtype=release
# when missing; RESCTL_BENCH_NO_BUILD=1 skips ninja). The polkit directories are bind-mounted in a private mount
# namespace only; everything started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
bench_enter polkit "$@"
bench_need polkit dbus-daemon gdbus runuser "$polkitd"

bench_build src/daemon/resctld bench/bench-bus bench/bench-scale

bench_tmp resctl-bench-polkit
chmod 755 "$tmp"                # user nobody reaches the bus socket and bench-bus in here
bench_bus

# polkitd with resctl's actions and a rule for nobody, visible in this
# mount namespace only.
bench_polkit

# resctld: runtime data on a tmpfs (process-owned charges), state on the disk.
mkdir -p "$tmp/run" "$tmp/state" "$tmp/units"
mount -t tmpfs -o size=64m,mode=0755 resctl-bench "$tmp/run"
"$build/bench/bench-scale" start --pidfile="$tmp/resctld.pid" --log="$tmp/resctld.log" -- \
        "$PWD/$build/src/daemon/resctld" --hardware=demo --state-dir="$tmp/state" --runtime-dir="$tmp/run" \
        --control-dir="$tmp/etc" --runtime-control-dir="$tmp/runctl" --unit-path="$tmp/units" \
        --log-level=notice >/dev/null
daemonpid=$(cat "$tmp/resctld.pid")
pids+=("$daemonpid")

cpu_ticks() {   # PID: utime + stime in clock ticks
        awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# As root first: registers misc/sev with room for the run, and the figure
# without polkit.
"$build/bench/bench-bus" --only=charge_pipelined "$@" >"$tmp/root.out"

cp "$build/bench/bench-bus" "$tmp/bench-bus"
before=("$(cpu_ticks "$polkitpid")" "$(cpu_ticks "$daemonpid")" "$(cpu_ticks "$buspid")")
runuser -u nobody -- "$tmp/bench-bus" --only=ping_pipelined,charge "$@" >"$tmp/nobody.out"
after=("$(cpu_ticks "$polkitpid")" "$(cpu_ticks "$daemonpid")" "$(cpu_ticks "$buspid")")

value() {       # FILE NAME
        sed -n "s/^$2=//p" "$1"
}
hz=$(getconf CLK_TCK)
awk -v p="$(value "$tmp/nobody.out" charge_pairs_per_s_pipelined)" \
    -v s="$(value "$tmp/nobody.out" charge_pairs_per_s_sequential)" \
    -v ping="$(value "$tmp/nobody.out" ping_pairs_per_s_pipelined)" \
    -v root="$(value "$tmp/root.out" charge_pairs_per_s_pipelined)" \
    -v hz="$hz" -v pk="$((after[0] - before[0]))" -v dm="$((after[1] - before[1]))" -v bu="$((after[2] - before[2]))" '
BEGIN {
        printf "polkit_charges_per_second=%d\n", p
        printf "polkit_charges_per_second_sequential=%d\n", s
        printf "polkit_ping_pairs_per_second=%d\n", ping
        printf "root_charges_per_second=%d\n", root
        printf "polkit_ratio=%.3f\n", p / root
        printf "polkitd_cpu_seconds=%.2f\n", pk / hz
        printf "resctld_cpu_seconds=%.2f\n", dm / hz
        printf "busd_cpu_seconds=%.2f\n", bu / hz
}'
