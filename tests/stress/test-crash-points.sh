#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The crash suite's findings, made deterministic: resctld is killed at an
# exact system call (strace's fault injection: SIGKILL when it enters the
# N-th such call after we attached) in the middle of committing one method
# call, and must come back with that call wholly applied or wholly not.
# Also: a unit setting that followed a WriteFile of the same key must be
# what a restart shows.
# shellcheck disable=SC2119  # restart_daemon and friends take optional daemon arguments
. "$(dirname "$0")/../integration/lib.sh"

if ! command -v strace >/dev/null; then
        echo "SKIP: needs strace (apt-get install strace)"
        exit 77
fi

it_setup --hardware=demo

VN=drm/0000:c1:00.0/vram0

# kill_at SYSCALL N [PATH]: from now on, resctld gets SIGKILL on entering
# its N-th SYSCALL (on PATH only, if given). Returns once strace is attached.
kill_at() {
        : >"$T/strace.err"
        KILL_SINCE=$(count_lines "$T/resctld.status")
        strace -p "$DAEMON_PID" ${3:+-P "$3"} -e trace="$1" -e inject="$1:signal=KILL:when=$2" -o /dev/null \
                2>"$T/strace.err" &
        IT_PIDS+=("$!")
        wait_line "$T/strace.err" "*attached*" || die "strace did not attach: $(cat "$T/strace.err")"
}

# killed_restart: resctld died of that SIGKILL; start it again.
killed_restart() {
        wait_daemon_end "$KILL_SINCE"
        expect_eq "resctld was killed at the injected system call" "$DAEMON_END" "SIGNALED 9"
        start_daemon
}

# charges_of GROUP: "id:group" of each charge listed in GROUP, sorted.
charges_in() {
        pycall ListCharges s "$1" | sed -n 2p | "$PY" -c '
import json, sys
print(" ".join(sorted("%d:%s" % (c[0], c[1]) for c in json.load(sys.stdin))))'
}

say "---- MigrateCharges of a PERSIST and a process-owned charge, killed at the first log's fdatasync"
client_start a
client_call a Charge sstt mig-a.slice misc/sev 1 0
OWNED=${REPLY#OK [}
OWNED=${OWNED%]}
charge mig-a.slice misc/sev 2 1
PERSIST=$ID
kill_at fdatasync 1
pycall MigrateCharges ats 2 "$PERSIST" "$OWNED" mig-b.slice >/dev/null
killed_restart
BEFORE="$OWNED:mig-a.slice $PERSIST:mig-a.slice"
AFTER="$OWNED:mig-b.slice $PERSIST:mig-b.slice"
GOT="$(charges_in mig-a.slice) $(charges_in mig-b.slice)"
GOT=$(tr ' ' '\n' <<<"$GOT" | sed '/^$/d' | sort -n | tr '\n' ' ')
GOT=${GOT% }
expect_match "the migration is wholly applied or wholly not" "$GOT" "@($BEFORE|$AFTER)"
client_exit a

say "---- a refused Charge: its refusal is counted before the error goes out"
# refused KEY: the refused column of ListResources for KEY.
refused() {
        pycall ListResources | sed -n 2p | "$PY" -c '
import json, sys
print(sum(r[4] for r in json.load(sys.stdin) if r[0] == sys.argv[1]))' "$1"
}
write_file refuse.slice misc.max "sev 1"
BEFORE=$(refused misc/sev)
# Killed before the runtime log's write: the refusal is not on disk.
kill_at write 1 "$T/run/runtime.log"
OUT=$(pycall Charge sstt refuse.slice misc/sev 2 1 | head -n 1)
killed_restart
say "the caller got: $OUT"
if [[ $OUT == "ERROR org.resctl.Error.LimitExceeded" ]]; then
        expect_eq "an acknowledged refusal is counted after the kill" "$(refused misc/sev)" $((BEFORE + 1))
else
        expect_match "an unacknowledged refusal is counted or not" "$(refused misc/sev)" "@($BEFORE|$((BEFORE + 1)))"
fi

say "---- SetUnitProperties of two properties, killed at the second drop-in's rename"
kill_at rename 2
pycall SetUnitProperties "sba(sv)" dropin.slice false 2 MiscMax "a(st)" 1 sev 3 DMemMax "a(st)" 1 "$VN" 1073741824 \
        >/dev/null
killed_restart
GOT="$(read_file dropin.slice misc.max | head -n 1);$(read_file dropin.slice dmem.max | head -n 1)"
expect_match "both properties or neither" "$GOT" "@(sev max;$VN max|sev 3;$VN 1073741824)"

say "---- a unit setting after a WriteFile of the same key, then a restart"
write_file replay.slice misc.max "sev 5"
expect_ok SetUnitProperties "sba(sv)" replay.slice false 1 MiscMax "a(st)" 1 sev 9
expect_file replay.slice misc.max $'sev 9\nsev_es max\n'
restart_daemon
expect_file replay.slice misc.max $'sev 9\nsev_es max\n'
kill9_restart_daemon
expect_file replay.slice misc.max $'sev 9\nsev_es max\n'
# The same with a reset: the unit's list is emptied, the key goes back to max.
write_file replay2.slice dmem.max "$VN 4096"
expect_ok SetUnitProperties "sba(sv)" replay2.slice true 1 DMemMax "a(st)" 1 "$VN" 8192
expect_ok SetUnitProperties "sba(sv)" replay2.slice true 1 DMemMax "a(st)" 0
expect_file replay2.slice dmem.max "$VN max"$'\n'
kill9_restart_daemon
expect_file replay2.slice dmem.max "$VN max"$'\n'

expect_daemon_alive
