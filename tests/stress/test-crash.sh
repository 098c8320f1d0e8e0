#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Crash suite: 8 clients issue random Charge / Uncharge / MigrateCharges /
# WriteFile / SetUnitProperties calls while resctld is killed with SIGKILL
# at random instants and started again, STRESS_ROUNDS times (default 10).
# After every start, crash.py checks resctld against the acknowledged
# calls (see its header); at the end the clients exit and nothing may be
# left. STRESS_SEED=... replays a run (the seed is printed first).
# Prints "crash_rounds=N lost=N phantom=N" and more name=value lines.
. "$(dirname "$0")/../integration/lib.sh"

STRESS_DIR=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${STRESS_ROUNDS:-10}
SEED=${STRESS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed=$SEED"
say "replay with: STRESS_SEED=$SEED STRESS_ROUNDS=$ROUNDS $0"

it_setup --hardware=demo

# Forget the pids of daemons that were killed (cleanup must not signal a
# pid that is no longer ours).
forget_pid() {
        local i
        for i in "${!IT_PIDS[@]}"; do
                [[ ${IT_PIDS[i]} == "$1" ]] && unset "IT_PIDS[i]"
        done
        IT_PIDS=("${IT_PIDS[@]}")
}

N_KILLS=0
N_REBOOTS=0
START=$EPOCHREALTIME
RESULT=
coproc CRASH { STRESS_LOGDIR=$T exec "$PY" "$STRESS_DIR/crash.py" "$ROUNDS" "$SEED" "$T/control" "$T/runtime-control"; }
# shellcheck disable=SC2153  # set by coproc
CRASH_PID_SAVED=$CRASH_PID     # (bash unsets CRASH_PID when the coprocess ends)
IT_PIDS+=("$CRASH_PID_SAVED")
# Copies of the coprocess's pipes: bash closes its own ones as soon as the
# coprocess exits, which can be before its last lines were read.
exec {CRASH_OUT}<&"${CRASH[0]}" {CRASH_IN}>&"${CRASH[1]}"
while IFS= read -r line <&"$CRASH_OUT"; do
        case $line in
        "REQ kill")
                old=$DAEMON_PID old_sup=$SUP_PID
                kill9_daemon
                forget_pid "$old"
                forget_pid "$old_sup"
                N_KILLS=$((N_KILLS + 1))
                echo "done" >&"$CRASH_IN"
                ;;
        "REQ reboot")
                # resctld is down: what a reboot empties (/run).
                rm -rf "${T:?}/run" "${T:?}/runtime-control"
                N_REBOOTS=$((N_REBOOTS + 1))
                echo "done" >&"$CRASH_IN"
                ;;
        "REQ start")
                start_daemon
                echo "done" >&"$CRASH_IN"
                ;;
        "RESULT "*)
                RESULT=${line#RESULT }
                ;;
        *)
                printf '%s\n' "$line"
                ;;
        esac
done
wait "$CRASH_PID_SAVED"
rc=$?
WALL=$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

expect_eq "crash.py exits 0" "$rc" 0
[[ -n $RESULT ]] || die "crash.py printed no result"
# The summary on one line, then every figure on a line of its own.
echo "$RESULT" | cut -d' ' -f1-3
tr ' ' '\n' <<<"$RESULT"
printf 'kills=%d\nreboots=%d\nwall_seconds=%s\n' "$N_KILLS" "$N_REBOOTS" "$WALL"
declare -A R=()
for kv in $RESULT; do
        R[${kv%%=*}]=${kv#*=}
done
expect_eq "rounds run" "${R[crash_rounds]}" "$ROUNDS"
expect_eq "kill -9 of resctld, each round and once at the end" "$N_KILLS" $((ROUNDS + 1))
if ((ROUNDS >= 2)); then
        check "a reboot (runtime directories emptied) between rounds, at least once ($N_REBOOTS)" test "$N_REBOOTS" -ge 1
fi
# Faults of a known daemon bug are listed as TODO (expected failures),
# every other one fails the test.
expect_eq "lost=0 apart from known bugs (seed $SEED)" $((R[lost] - R[lost_known_w_replay] - R[lost_known_refusal_count])) 0
expect_eq "phantom=0 apart from known bugs (seed $SEED)" $((R[phantom] - R[phantom_known_split_migrate] - R[phantom_known_split_dropins])) 0
expect_eq "no forgotten WriteFile value comes back at start (seed $SEED)" "${R[lost_known_w_replay]}" 0
expect_eq "every acknowledged refusal is counted after a kill (seed $SEED)" "${R[lost_known_refusal_count]}" 0
expect_eq "no half-applied migration across the two logs (seed $SEED)" "${R[phantom_known_split_migrate]}" 0
expect_eq "no half-applied SetUnitProperties (seed $SEED)" "${R[phantom_known_split_dropins]}" 0
for k in usage_mismatch group_mismatch leaked; do
        expect_eq "$k=0 (seed $SEED)" "${R[$k]}" 0
done
if ((N_FAIL > 0)); then
        say "ops log kept: $T/crash-ops.log (IT_KEEP=1 keeps $T)"
fi
expect_daemon_alive
# A graceful stop at the end: exit 0, and (in the ASan build) LeakSanitizer
# found nothing; no sanitizer report anywhere in the log.
stop_daemon
check "no sanitizer report in resctld's log" bash -c "! grep -qE 'runtime error|Sanitizer' '$T/resctld.log'"
