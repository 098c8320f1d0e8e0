#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Descriptors: STRESS_OWNERS (2000) processes that each own a charge, with
# resctld started under a soft RLIMIT_NOFILE of 1024 (systemd's default;
# the hard limit above it): resctld raises its soft limit to the hard one
# at start, so every owner gets its charge (a pidfd each, and one per
# connection), and all are released when the owners exit. Then, with the
# hard limit at 1024 too, the owners beyond it are told the truth: out of
# descriptors (LimitsExceeded), not "the process is gone"; the daemon stays.
. "$(dirname "$0")/../integration/lib.sh"

STRESS_DIR=$(cd "$(dirname "$0")" && pwd)
OWNERS=${STRESS_OWNERS:-2000}
V=dmem/drm/0000:c1:00.0/vram0

# The bus must take as many connections of one user.
mkdir -p "$T/dbus.d"
cat >"$T/dbus.d/zz-limits.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <limit name="max_completed_connections">20000</limit>
  <limit name="max_connections_per_user">20000</limit>
  <limit name="max_match_rules_per_connection">20000</limit>
</busconfig>
CONF

it_setup --hardware=demo --no-daemon
HARD=$(ulimit -Hn)
[[ $HARD == unlimited || $HARD -ge $((OWNERS * 2 + 200)) ]] ||
        die "the hard RLIMIT_NOFILE ($HARD) is too low for $OWNERS owners"

declare -A R=()
# run_owners N: owners.py's lines, into R (charged, error lines, pids).
run_owners() {
        : >"$T/owners.out"
        "$PY" "$STRESS_DIR/owners.py" "$1" owners.slice "$V" >"$T/owners.out" 2>>"$T/owners.err" &
        OWNERS_PID=$!
        IT_PIDS+=("$OWNERS_PID")
        wait_line "$T/owners.out" "pids=*" 600 || die "owners.py did not finish: $(tail -n 3 "$T/owners.err")"
        R[charged]=$(sed -n 's/^charged=//p' "$T/owners.out")
        R[errors]=$(grep '^error=' "$T/owners.out")
        R[pids]=$(sed -n 's/^pids=//p' "$T/owners.out")
        sed -n 's/^\(charged=.*\|error=.*\)/# \1/p' "$T/owners.out"
}

stop_owners() {
        local pid
        sig_since s
        IFS=, read -r -a pids <<<"${R[pids]}"
        kill "${pids[@]}" 2>/dev/null
        wait "$OWNERS_PID"
}

say "---- soft limit 1024, hard $HARD: resctld raises its own"
WRAP=("${DAEMON_WRAPPER[@]}")
DAEMON_WRAPPER=("$(command -v prlimit)" "--nofile=1024:$HARD" -- "${WRAP[@]}")
start_daemon
expect_eq "resctld's soft limit of open files is the hard one" \
        "$(awk '/^Max open files/ { print $4 }' "/proc/$DAEMON_PID/limits")" "$HARD"
sig_start s
run_owners "$OWNERS"
expect_eq "$OWNERS owner processes each got a charge" "${R[charged]}" "$OWNERS"
expect_eq "no owner was refused" "${R[errors]}" ""
FDS=$(find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l)
echo "daemon_fds=$FDS"
check "resctld holds more than 1024 descriptors ($FDS)" test "$FDS" -gt 1024
expect_eq "ListCharges: $OWNERS charges" "$(call ListCharges s owners.slice | awk '{ print $2 }')" "$OWNERS"
stop_owners
sig_mark s
expect_eq "every charge was released when its owner exited" "$(sig_count s 'ChargeReleased|*|owners.slice|*|owner-exited')" "$OWNERS"
expect_out "a(tsstut) 0" ListCharges s ""
expect_daemon_alive
stop_daemon

say "---- hard limit 1024 too: the owners beyond it are told the truth"
DAEMON_WRAPPER=("$(command -v prlimit)" "--nofile=1024:1024" -- "${WRAP[@]}")
start_daemon
run_owners 1100
check "some owners got a charge (${R[charged]})" test "${R[charged]:-0}" -gt 0
check "some owners were refused (${R[charged]} of 1100 charged)" test "${R[charged]:-0}" -lt 1100
expect_match "each refusal says resctld is out of file descriptors (LimitsExceeded)" \
        "$(sed 's/^error=[0-9]* //' <<<"${R[errors]}" | sort -u)" \
        "org.freedesktop.DBus.Error.LimitsExceeded resctld is out of file descriptors*"
stop_owners
expect_out "a(tsstut) 0" ListCharges s ""
expect_daemon_alive
stop_daemon
