# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# What the bench/*.sh scripts share: a temporary directory cleaned up on
# exit (with every process started into pids[] stopped first), and a
# private system bus with resctl's own bus policy.

# The real polkitd, as bench_polkit starts it.
polkitd=/usr/lib/polkit-1/polkitd

# bench_enter NAME "$@": as root, in a private mount namespace of its own
# (the script runs again there), so that its mounts never reach the host.
bench_enter() {
        local name=$1
        shift
        if [ "$(id -u)" -ne 0 ]; then
                echo "bench/$name.sh: run as root (it mounts, runs daemons and may switch to user nobody)" >&2
                exit 1
        fi
        if [ -z "${RESCTL_BENCH_NS:-}" ]; then
                export RESCTL_BENCH_NS=1
                exec unshare --mount --propagation private -- "$0" "$@"
        fi
}

# bench_need NAME TOOL...: each tool is there.
bench_need() {
        local name=$1 t
        shift
        for t in "$@"; do
                command -v "$t" >/dev/null || { echo "bench/$name.sh: $t is missing (scripts/deps installs it)" >&2; exit 1; }
        done
}

# bench_build TARGET...: $build (BUILD, default build-bench, set up with
# -Dbuildtype=release when missing) with TARGETs built, unless
# RESCTL_BENCH_NO_BUILD is set.
bench_build() {
        build=${BUILD:-build-bench}
        [ -d "$build" ] || meson setup "$build" -Dbuildtype=release >/dev/null
        [ -n "${RESCTL_BENCH_NO_BUILD:-}" ] || ninja -C "$build" "$@" >/dev/null
}

# bench_tmp NAME: $tmp, pids=(), and the exit trap.
bench_tmp() {
        tmp=$(mktemp -d "/var/tmp/$1.XXXXXX")
        pids=()
        trap bench_cleanup EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
}

bench_cleanup() {
        local status=$? i p f
        [ -s "$tmp/resctld.pid" ] && pids+=("$(cat "$tmp/resctld.pid")")
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

# bench_bus: dbus-daemon on $tmp/bus; DBUS_SYSTEM_BUS_ADDRESS points at it.
# Sets buspid too.
bench_bus() {
        local address
        mkdir -p "$tmp/system.d"
        cp dbus/org.resctl.Manager.conf "$tmp/system.d/"
        sed -e "s|@SOCKET@|$tmp/bus|" -e "s|@POLICYDIR@|$tmp/system.d|" scripts/private-bus.conf.in >"$tmp/bus.conf"
        exec 3< <(exec dbus-daemon --nofork --config-file="$tmp/bus.conf" --print-address=1 --print-pid=1 2>"$tmp/bus.log")
        read -r address <&3     # printed once the bus listens
        read -r buspid <&3
        pids+=("$buspid")
        exec 3<&-
        export DBUS_SYSTEM_BUS_ADDRESS="$address"
        chmod 666 "$tmp/bus"    # whatever the umask made of it
}

# bench_polkit: the real polkitd with resctl's actions and a rule letting
# user nobody charge, visible in this mount namespace only; sets polkitpid.
bench_polkit() {
        mkdir -p "$tmp/actions" "$tmp/rules.d"
        cp polkit/org.resctl.policy "$tmp/actions/"
        cat >"$tmp/rules.d/50-resctl-bench.rules" <<'RULES'
// bench/*.sh: user nobody may charge without authenticating.
polkit.addRule(function(action, subject) {
        if (action.id == "org.resctl.charge" && subject.user == "nobody")
                return polkit.Result.YES;
});
RULES
        chmod -R a+rX "$tmp/actions" "$tmp/rules.d"
        mount --bind "$tmp/actions" /usr/share/polkit-1/actions
        mount --bind "$tmp/rules.d" /etc/polkit-1/rules.d
        "$polkitd" --no-debug >"$tmp/polkitd.log" 2>&1 &
        polkitpid=$!
        pids+=("$polkitpid")
        gdbus wait --system --timeout 30 org.freedesktop.PolicyKit1
}
