#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The logs' failure paths, made to happen at an exact system call with
# strace's fault injection:
#  - descriptors run out while a compaction replaces state.log (every
#    open of it fails with EMFILE after the temporary's): nothing
#    acknowledged after the compaction may be lost on kill -9 (the log is
#    written through the descriptor it was created with, never through
#    one of the replaced file);
#  - fdatasync fails with EIO: the call in that batch is not answered
#    until its batch is durable, later changes are refused with
#    StorageFailed (nothing applied), reads keep working, resctld stays
#    up and carries on by itself once writes work again.
# shellcheck disable=SC2119  # start_daemon and friends take optional daemon arguments
. "$(dirname "$0")/../integration/lib.sh"

if ! command -v strace >/dev/null; then
        echo "SKIP: needs strace (apt-get install strace)"
        exit 77
fi

# Compaction after a few KiB instead of 4 MiB.
export RESCTL_COMPACT_MIN_BYTES=4096

it_setup --hardware=demo

# inject SPEC [PATH...]: from now on strace injects SPEC into resctld's
# system calls (on those paths only, if given); STRACE_PID. Returns once
# attached.
inject() {
        local syscall=${1%%:*} spec=$1 p paths=()
        shift
        for p in "$@"; do
                paths+=(-P "$p")
        done
        : >"$T/strace.err"
        strace -p "$DAEMON_PID" "${paths[@]}" -e trace="$syscall" -e inject="$spec" -o "$T/strace.out" \
                2>"$T/strace.err" &
        STRACE_PID=$!
        IT_PIDS+=("$STRACE_PID")
        wait_line "$T/strace.err" "*attached*" || die "strace did not attach: $(cat "$T/strace.err")"
}

uninject() {
        kill "$STRACE_PID" 2>/dev/null
        wait "$STRACE_PID" 2>/dev/null
}

# persist_ids: the ids of the PERSIST charges ListCharges shows, sorted.
persist_ids() {
        pycall ListCharges s "" | sed -n 2p | "$PY" -c '
import json, sys
print(" ".join(str(c[0]) for c in sorted(json.load(sys.stdin)) if c[5] & 1))'
}

say "---- EMFILE for every open of state.log (and its temporary) after the compaction's first"
# As when descriptors run out: the compaction's temporary file still
# opens, every open after it does not.
inject "openat:error=EMFILE:when=2+" "$T/state/state.log" "$T/state/state.log.tmp"
INODE=$(stat -c %i "$T/state/state.log")
for ((i = 0; i < 400; i++)); do
        out=$(pycall Charge sstt emfile.slice misc/sev 1 1) || true
        id=$(sed -n 2p <<<"$out")
        pycall Uncharge tt "$id" 0 >/dev/null
        [[ $(stat -c %i "$T/state/state.log") != "$INODE" ]] && break
done
check "state.log was compacted (replaced) within 400 charges" test "$(stat -c %i "$T/state/state.log")" != "$INODE"
say "compacted after $((i + 1)) charge(s)"
KEEP=()
for ((i = 0; i < 5; i++)); do
        charge emfile.slice misc/sev 1 1
        KEEP+=("$ID")
done
WANT=$(persist_ids)
expect_eq "the five charges after the compaction are listed" "$WANT" "${KEEP[*]}"
uninject
kill9_restart_daemon
expect_eq "after kill -9 every acknowledged charge is there" "$(persist_ids)" "$WANT"
for id in "${KEEP[@]}"; do
        pycall Uncharge tt "$id" 0 >/dev/null
done

say "---- fdatasync fails with EIO: the batch waits, changes are refused, reads work"
SINCE=$(count_lines "$T/resctld.log")
inject "fdatasync:error=EIO"
pycall --timeout 60 Charge sstt eio.slice misc/sev 2 1 >"$T/first.out" 2>&1 &
FIRST=$!
IT_PIDS+=("$FIRST")
wait_line "$T/resctld.log" "*Cannot write*state.log*Input/output error*retrying*" "$IT_TIMEOUT" "$SINCE" ||
        fail "resctld logged that it cannot write state.log"
check "the call of the failed batch is not answered yet" test ! -s "$T/first.out"
expect_error org.resctl.Error.StorageFailed Charge sstt eio.slice misc/sev 1 1
expect_error org.resctl.Error.StorageFailed WriteFile sss eio.slice misc.max "sev 7"
expect_error org.resctl.Error.StorageFailed SetUnitProperties "sba(sv)" eio.slice false 1 MiscMax "a(st)" 1 sev 3
check "a refused SetUnitProperties wrote no drop-in" test ! -e "$T/control/eio.slice.d"
expect_ok ListResources
expect_ok ListCharges s ""
expect_daemon_alive
uninject
wait "$FIRST"
FIRST_OUT=$(head -n 1 "$T/first.out")
expect_eq "the waiting call is answered once its batch is written" "$FIRST_OUT" "OK"
FIRST_ID=$(sed -n 2p "$T/first.out")
wait_line "$T/resctld.log" "*State logs written again*" "$IT_TIMEOUT" "$SINCE" ||
        fail "resctld logged that it writes again"
charge eio.slice misc/sev 1 1
AFTER_ID=$ID
expect_file eio.slice misc.max $'sev max\nsev_es max\n'
WANT=$(persist_ids)
expect_eq "exactly the acknowledged charges" "$WANT" "$FIRST_ID $AFTER_ID"
kill9_restart_daemon
expect_eq "after kill -9 exactly the acknowledged charges" "$(persist_ids)" "$WANT"
expect_file eio.slice misc.max $'sev max\nsev_es max\n'

expect_daemon_alive
