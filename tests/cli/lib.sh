# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the CLI tests: a private system bus with resctl's policy and
# resctld --hardware=demo on it, torn down on exit. Needs SOURCE_ROOT,
# RESCTLD and RESCTL (meson passes them). Nothing here sleeps for a fixed
# time: the bus prints its address once it listens, resctld says READY=1.

set -euo pipefail

: "${SOURCE_ROOT:?}" "${RESCTLD:?}" "${RESCTL:?}"
export LC_ALL=C.UTF-8 NO_COLOR=1 SYSTEMD_COLORS=0 PAGER=cat
unset RESCTL_PAGER SYSTEMD_PAGER

tmp=$(mktemp -d /tmp/resctl-cli.XXXXXX)
pids=()
cleanup() {
        local p
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do
                while kill -0 "$p" 2>/dev/null; do wait "$p" 2>/dev/null || sleep 0.05; done
        done
        rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

# Starts the bus; exports DBUS_SYSTEM_BUS_ADDRESS.
start_bus() {
        mkdir -p "$tmp/system.d"
        cp "$SOURCE_ROOT/dbus/org.resctl.Manager.conf" "$tmp/system.d/"
        sed -e "s|@SOCKET@|$tmp/bus|" -e "s|@POLICYDIR@|$tmp/system.d|" \
                "$SOURCE_ROOT/scripts/private-bus.conf.in" >"$tmp/bus.conf"
        exec 3< <(exec dbus-daemon --nofork --config-file="$tmp/bus.conf" --print-address=1 --print-pid=1 \
                2>"$tmp/bus.log")
        local address buspid
        read -r address <&3
        read -r buspid <&3
        pids+=("$buspid")
        export DBUS_SYSTEM_BUS_ADDRESS="$address"
}

# Starts resctld --hardware=demo with all its state under $tmp.
start_daemon() {
        local pid
        pid=$("$SOURCE_ROOT/scripts/start-notify.py" "$tmp/resctld.log" "$RESCTLD" --hardware=demo \
                --state-dir="$tmp/state" --runtime-dir="$tmp/run" --control-dir="$tmp/etc" \
                --runtime-control-dir="$tmp/runctl" --unit-path="$tmp/units" --log-level=warning)
        pids+=("$pid")
        daemon_pid=$pid
}

setup() {
        start_bus
        start_daemon
}

resctl() {
        "$RESCTL" --no-pager "$@"
}

# expect CODE CMD...: runs CMD, checks its exit code, leaves stdout/stderr
# in $tmp/out and $tmp/err.
expect() {
        local want=$1 rc=0
        shift
        "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        if [ "$rc" != "$want" ]; then
                echo "--- stdout:" >&2; cat "$tmp/out" >&2
                echo "--- stderr:" >&2; cat "$tmp/err" >&2
                fail "$* exited $rc, expected $want"
        fi
}

# expect_error CODE PATTERN CMD...: CMD fails with CODE and one line on
# stderr matching PATTERN (grep -E), nothing on stdout.
expect_error() {
        local code=$1 pattern=$2
        shift 2
        expect "$code" "$@"
        [ "$(wc -l <"$tmp/err")" -eq 1 ] || { cat "$tmp/err" >&2; fail "$*: expected one line on stderr"; }
        grep -qE -- "$pattern" "$tmp/err" || { cat "$tmp/err" >&2; fail "$*: stderr does not match '$pattern'"; }
        [ ! -s "$tmp/out" ] || { cat "$tmp/out" >&2; fail "$*: expected nothing on stdout"; }
}

# compare NAME: compares $tmp/out with tests/cli/expected/NAME
# (RESCTL_REGENERATE=1 rewrites the expected file instead).
compare() {
        local want="$SOURCE_ROOT/tests/cli/expected/$1"
        if [ "${RESCTL_REGENERATE:-0}" = 1 ]; then
                cp "$tmp/out" "$want"
                return
        fi
        diff -u "$want" "$tmp/out" >&2 || fail "output differs from tests/cli/expected/$1"
}

# check NAME CMD...: runs CMD (expecting 0) and compares its stdout.
check() {
        local name=$1
        shift
        expect 0 "$@"
        compare "$name"
}

# wait_for WHAT CMD...: polls CMD until it succeeds, for at most 20 s.
wait_for() {
        local what=$1 i
        shift
        for ((i = 0; i < 400; i++)); do
                if "$@" >/dev/null 2>&1; then
                        return 0
                fi
                sleep 0.05
        done
        fail "timed out waiting for $what"
}

# charge_gone ID: the daemon no longer lists charge ID.
charge_gone() {
        local t
        t=$("$RESCTL" --no-pager --no-legend list-charges) && ! grep -qE "^ *$1 " <<<"$t"
}
