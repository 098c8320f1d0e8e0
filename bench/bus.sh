#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs bench-bus (bench/bus.c) by hand, as root, against a resctld of this
# tree on a private system bus; never in CI. Arguments go to bench-bus
# (e.g. --duration=1 --warmup=0.5). BUILD names the build directory
# (default build-bench, set up with -Dbuildtype=release when missing).
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

if [ "$(id -u)" -ne 0 ]; then
        echo "bench/bus.sh: run as root (it mounts, runs polkitd and switches to user nobody)" >&2
        exit 1
fi
if [ -z "${RESCTL_BENCH_BUS_NS:-}" ]; then
        export RESCTL_BENCH_BUS_NS=1
        exec unshare --mount --propagation private -- "$0" "$@"
fi

polkitd=/usr/lib/polkit-1/polkitd
for t in dbus-daemon gdbus runuser "$polkitd"; do
        command -v "$t" >/dev/null || { echo "bench/bus.sh: $t is missing (scripts/deps installs it)" >&2; exit 1; }
done

build=${BUILD:-build-bench}
[ -d "$build" ] || meson setup "$build" -Dbuildtype=release >/dev/null
ninja -C "$build" src/daemon/resctld bench/bench-bus >/dev/null

tmp=$(mktemp -d /var/tmp/resctl-bench-bus.XXXXXX)
chmod 755 "$tmp"                # user nobody reaches the bus socket and bench-bus in here
pids=()
cleanup() {
        local status=$? i
        for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
        for p in "${pids[@]}"; do
                while kill -0 "$p" 2>/dev/null; do sleep 0.05; done   # not children of ours: poll
        done
        if [ "$status" -ne 0 ]; then
                for f in "$tmp"/*.log; do
                        [ -s "$f" ] && { echo "== ${f##*/}"; tail -n 5 "$f"; } >&2
                done
        fi
        mountpoint -q "$tmp/run" && umount "$tmp/run"
        rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. The private system bus, with resctl's own bus policy.
mkdir -p "$tmp/system.d"
cp dbus/org.resctl.Manager.conf "$tmp/system.d/"
sed -e "s|@SOCKET@|$tmp/bus|" -e "s|@POLICYDIR@|$tmp/system.d|" scripts/private-bus.conf.in >"$tmp/bus.conf"
exec 3< <(exec dbus-daemon --nofork --config-file="$tmp/bus.conf" --print-address=1 --print-pid=1 2>"$tmp/bus.log")
read -r address <&3             # printed once the bus listens
read -r buspid <&3
pids+=("$buspid")
exec 3<&-
export DBUS_SYSTEM_BUS_ADDRESS="$address"
chmod 666 "$tmp/bus"            # whatever the umask made of it

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
mkdir -p "$tmp/actions" "$tmp/rules.d"
cp polkit/org.resctl.policy "$tmp/actions/"
cat >"$tmp/rules.d/50-resctl-bench.rules" <<'EOF'
// bench/bus.sh: user nobody may charge without authenticating.
polkit.addRule(function(action, subject) {
        if (action.id == "org.resctl.charge" && subject.user == "nobody")
                return polkit.Result.YES;
});
EOF
chmod -R a+rX "$tmp/actions" "$tmp/rules.d"
mount --bind "$tmp/actions" /usr/share/polkit-1/actions
mount --bind "$tmp/rules.d" /etc/polkit-1/rules.d
"$polkitd" --no-debug >"$tmp/polkitd.log" 2>&1 &
pids+=($!)
gdbus wait --system --timeout 30 org.freedesktop.PolicyKit1

cp "$build/bench/bench-bus" "$tmp/bench-bus"
runuser -u nobody -- "$tmp/bench-bus" "$@" | sed 's/^/unprivileged_/'
