#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input in bulk (issue #8), beyond test-bad-input.sh:
#  1. several hundred malformed calls across every method of api.md, from
#     one long-lived client (badinput.py): each must fail with exactly the
#     contract's error name and a one-line message, the daemon must stay up
#     (same bus connection), and a full snapshot, the drop-in files and the
#     write-ahead logs must be unchanged after the batch;
#  2. [X-Resctl] unit files (in --unit-path and the control directory)
#     with bad lines: each bad line is logged with FILE:LINE and skipped,
#     the good lines of the same files apply, the daemon starts;
#  3. truncated and corrupt write-ahead logs at start (resctld(8), STATE AND
#     DURABILITY; src/daemon/store.h): a torn last record is logged and cut
#     off, a corrupt record (CRC) is logged and skipped, every intact
#     record still applies, the daemon starts and keeps working.
. "$(dirname "$0")/lib.sh"

it_setup --hardware=demo
sig_start s

# ---------------------------------------------------------------- fixture
# State the bad calls must not touch. bb-a.slice hangs under bb.slice.
write_file bb.slice misc.max "sev 5"
write_file bb.slice rdma.max "mlx5_0 hca_handle=3"
write_file bb.slice dmem.max "$VN 1G"
write_file bb.slice dmem.low "$VN 256M"
write_file bb.slice dmem.min "$VN 128M"
expect_ok RegisterResource st misc/bbres 10
expect_ok RegisterResource st misc/bbzero 0
# A region and a device that were there and are gone.
expect_ok RegisterResource st dmem/drm/0000:bb:00.0/gone 1048576
expect_ok UnregisterResource s dmem/drm/0000:bb:00.0/gone
expect_ok RegisterResource st rdma/mlx7 18446744073709551615
expect_ok UnregisterResource s rdma/mlx7
charge_to ID1 bb-a.slice misc/sev 2 1
charge_to ID2 bb-a.slice "$V" 4096 1
charge_to ID3 bb-a.slice rdma/mlx5_0/hca_object 2 1
expect_ok SetUnitProperties "sba(sv)" bb-u.slice false 2 MiscMax "a(st)" 1 sev 7 DMemMax "a(st)" 1 "$VN" 2147483648
expect_ok SetUnitProperties "sba(sv)" bbvm.scope false 1 Slice s bb.slice
[[ -n $ID1 && -n $ID2 && -n $ID3 ]] || die "fixture charges failed"
GROUPS_EXTRA=(bb.slice bb-a.slice bb-u.slice bbvm.scope bb-b.slice bbc.slice bb-c.slice)

# ---------------------------------------------------------------- batches
BATCH=0
# fingerprint: the drop-in directories (names and contents) and the logs.
fingerprint() {
        (cd "$T" && find control runtime-control -type f -print0 | sort -z | xargs -0r sha1sum
                find control runtime-control | sort)
}
logs_fingerprint() {
        sha1sum "$T/state/state.log" "$T/run/runtime.log" 2>&1 | sed "s|$T/||"
}
batch_start() {
        BATCH=$((BATCH + 1))
        BATCH_OPTS=("$@")
        "$PY" "$T/bin/snapshot.py" "${BATCH_OPTS[@]}" "${GROUPS_EXTRA[@]}" >"$T/batch.$BATCH.before" ||
                die "snapshot failed"
        fingerprint >"$T/batch.$BATCH.files.before"
        logs_fingerprint >"$T/batch.$BATCH.logs.before"
        sig_since s
}
# batch_end NAME [logs]: nothing changed (with "logs": not a byte of the
# write-ahead logs either), no charge was released, the daemon is alive.
batch_end() {
        "$PY" "$T/bin/snapshot.py" "${BATCH_OPTS[@]}" "${GROUPS_EXTRA[@]}" >"$T/batch.$BATCH.after"
        fingerprint >"$T/batch.$BATCH.files.after"
        expect_same_file "$1: state unchanged" "$T/batch.$BATCH.before" "$T/batch.$BATCH.after" \
                "lines of snapshot compared" 40
        expect_same_file "$1: no drop-in written, changed or removed" "$T/batch.$BATCH.files.before" \
                "$T/batch.$BATCH.files.after"
        if [[ ${2:-} == logs ]]; then
                logs_fingerprint >"$T/batch.$BATCH.logs.after"
                expect_same_file "$1: nothing appended to state.log or runtime.log" "$T/batch.$BATCH.logs.before" \
                        "$T/batch.$BATCH.logs.after"
        fi
        sig_expect_count s "ChargeReleased|*" 0
        expect_daemon_alive
}

# run_table TABLE: badinput.py's lines become assertions; N_CALLS adds up.
N_CALLS=0
run_table() {
        local line n=0
        while IFS= read -r line; do
                case $line in
                "ok - "*) pass "${line#ok - }" ;;
                "not ok - "*) fail "${line#not ok - }" ;;
                "# "*" calls") n=${line#\# }; n=${n% calls} ;;
                *) say "$line" ;;
                esac
        done < <("$PY" "$T/bin/badinput.py" "$1" ID1="$ID1" ID2="$ID2" ID3="$ID3" 2>&1)
        ((n > 0)) || fail "badinput.py $1 ran no call"
        N_CALLS=$((N_CALLS + n))
        say "$1: $n malformed calls"
}

say "---- malformed calls across every method"
batch_start
run_table calls
batch_end "malformed calls" logs

say "---- group objects: unknown and read-only properties, objects of no group"
batch_start
run_table objects
batch_end "group objects" logs

say "---- charges that limits and capacities refuse (events aside: R8 counts them)"
batch_start --no-events --no-refused
run_table refusals
batch_end "refused charges"

# ---------------------------------------------------------------- unit files
# log_since: lines of the daemon's log from now on are what log_has reads.
LOG_SINCE=0
log_since() {
        LOG_SINCE=$(count_lines "$T/resctld.log")
}
log_has() {
        tail -n +"$((LOG_SINCE + 1))" "$T/resctld.log" | grep -qF -- "$1"
}
# expect_log DESC TEXT: a log line (since log_since) holds TEXT.
expect_log() {
        if log_has "$2"; then
                pass "$1"
        else
                fail "$1 (no log line with $(printf '%q' "$2"))"
                tail -n +"$((LOG_SINCE + 1))" "$T/resctld.log" | tail -n 20 | sed 's/^/#   log: /'
        fi
}

say "---- [X-Resctl] unit files with bad lines (resctl.unit(5): logged with FILE:LINE and skipped)"
BIG=$(printf 'a%.0s' {1..65536})
CTRL=$'\x01\x02\x1b[31m'
DEL=$'\x7f'
mkdir -p "$T/units/bbf.slice.d" "$T/control/bbf.slice.d"
# FILE LINE: every bad line of the files below, by number.
declare -A BAD_AT=()
write_unit() {          # write_unit FILE: stdin, lines starting "!" are bad (the "!" is dropped)
        local file=$1 n=0 line
        : >"$file"
        while IFS= read -r line; do
                n=$((n + 1))
                if [[ $line == '!'* ]]; then
                        line=${line#!}
                        BAD_AT["$file:$n"]=1
                fi
                printf '%s\n' "$line" >>"$file"
        done
}
write_unit "$T/units/bbf.slice" <<EOT
[Unit]
Description=bad settings beside good ones
[X-Resctl]
MiscMax=sev:6
!MiscMax=sev
!MiscMax=sev:
!MiscMax=Sev:1
!MiscMax=sev:-1
!MiscMax=sev:1.5
!MiscMax=sev:18446744073709551616
!MiscMax=sev_es:99999999999999999999T
!MiscMax=sev:1KB
!MiscMax=:5
!MiscMax=misc/sev:1
!MiscMax=${BIG}:1
MiscMax=sev_es:3
!DMemMax=$VN:1GB
!DMemMax=$VN:16384P
!DMemMax=$VN:-1
!DMemLow=:1G
!DMemLow=$VN
DMemLow=$VN:512M
!DMemMin=$VN:0x10
!RdmaMax=mlx5_0
!RdmaMax=mlx5_0/hca_handle hca_object=1
!RdmaMax=mlx5_0 hca_handle=2147483648
!RdmaMax=mlx5_0 foo=1
!RdmaMax=mlx5_0 hca_handle=-1
!RdmaMax=mlx5_0 hca_handle
!RdmaMax=mlx5_0 hca_handle=5 hca_object=x
RdmaMax=mlx5_0 hca_object=7
!NoSuchSetting=1
!miscmax=sev:1
!=5
!just some words
!MiscMax sev:1
!Slice=a--b.slice
!Slice=foo.service
!${CTRL}=${DEL}
![X-Resctl
MiscMax=sev:1
RdmaMax=mlx5_0 hca_handle=1
[X-Resctl]
MiscMax=bbres:4
EOT
write_unit "$T/units/bbf.slice.d/20-more.conf" <<EOT
[X-Resctl]
DMemMax=$VN:3G
!DMemMax=$VN:3X
!DMemMin=$VN \\
  with a continuation
!MiscMax=sev_es:\\
max max
EOT
write_unit "$T/control/bbf.slice.d/50-resctl-RdmaMax.conf" <<EOT
# This is a drop-in unit file extension, created via "resctl set-property".
# Do not edit.
[X-Resctl]
!RdmaMax=mlx5_0 hca_handle=9 hca_object=nine
!RdmaMax=mlx9 hca_handle=1 hca_object=
EOT
# Binary garbage (with NUL bytes) as a unit file, a slice setting on a
# slice, and limits on -.slice: the daemon starts all the same.
head -c 8192 /dev/urandom >"$T/units/bbg.slice"
printf '[X-Resctl]\nSlice=bb.slice\nMiscMax=sev:2\n' >"$T/units/bbh.slice"
printf '[X-Resctl]\nMiscMax=sev:1\nDMemMax=%s:1G\n' "$VN" >"$T/units/-.slice"
printf '[X-Resctl]\nSlice=bb-.slice\nMiscMax=sev:3\n' >"$T/units/bbh.service"

log_since
restart_daemon
expect_daemon_alive
for at in "${!BAD_AT[@]}"; do
        expect_log "bad unit file line $at logged and skipped" "$at: "
done
n_good=0
for f in "$T/units/bbf.slice" "$T/units/bbf.slice.d/20-more.conf" "$T/control/bbf.slice.d/50-resctl-RdmaMax.conf"; do
        for ((i = 1; i <= $(count_lines "$f"); i++)); do
                [[ -n ${BAD_AT["$f:$i"]:-} ]] && continue
                log_has "$f:$i: " && fail "good line $f:$i was reported as bad"
                n_good=$((n_good + 1))
        done
done
pass "none of the $n_good good or neutral lines was reported as bad"
# The good lines of those files apply; the bad ones changed nothing.
expect_file bbf.slice misc.max $'sev 6\nsev_es 3\nbbres 4\n'
expect_file bbf.slice dmem.max "$VN 3221225472"$'\n'
expect_file bbf.slice dmem.low "$VN 536870912"$'\n'
expect_file bbf.slice dmem.min "$VN 0"$'\n'
expect_file bbf.slice rdma.max $'mlx5_0 hca_handle=max hca_object=7 \n'
expect_file bbh.slice misc.max $'sev 2\nsev_es max\nbbres max\n'
expect_log "Slice= on a slice is logged and ignored" "bbh.slice: Slice=bb.slice is ignored"
expect_log "limits on -.slice are logged and ignored" "-.slice: MiscMax= is ignored"
expect_file bbh.service misc.max $'sev 3\nsev_es max\nbbres max\n'
charge bbh.service misc/sev 1 1
expect_out "a(tsstut) 1 $ID \"bbh.service\" \"misc/sev\" 1 0 1" ListCharges s bbh.service
expect_log "an invalid Slice= in a unit file is logged with FILE:LINE" "$T/units/bbh.service:2: "
expect_prop bbh.service Parent 's "system.slice"'
expect_ok Uncharge tt "$ID" 0
# SetUnitProperties reads the unit's files again: the bad lines are
# skipped again, the call works, the drop-in lists the whole good list.
expect_ok SetUnitProperties "sba(sv)" bbf.slice false 1 MiscMax "a(st)" 1 sev 8
expect_file bbf.slice misc.max $'sev 8\nsev_es 3\nbbres 4\n'
expect_daemon_alive

# ---------------------------------------------------------------- state files
say "---- truncated and corrupt write-ahead logs at start"
SL=$T/state/state.log
RL=$T/run/runtime.log
# rec TEXT: TEXT as an intact record (CRC-32 of the text, as store.c writes it).
rec() {
        "$PY" -c 'import sys, zlib; t = sys.argv[1].encode(); sys.stdout.write("%08x %s\n" % (zlib.crc32(t), t.decode()))' "$1"
}
snap() {
        "$PY" "$T/bin/snapshot.py" --no-peaks "${GROUPS_EXTRA[@]}" bbs.slice
}
# start_logged: start the daemon (after kill9_daemon) and see it up.
start_logged() {
        log_since
        start_daemon
        expect_daemon_alive
}
charges() {
        call ListCharges s "" 2>&1
}

# 1. A torn last record (a crash in the middle of a write): logged, cut
#    off; everything before it stays; new records after it are readable.
snap >"$T/snap.0"
kill9_daemon
size0=$(stat -c %s "$SL")
printf '%s' "$(rec "C 999 bbs.slice misc/sev 1 1 0 0")" | head -c 20 >>"$SL"
start_logged
expect_log "a torn last record of state.log is logged" "state.log:$(($(count_lines "$SL") + 1)): torn record at the end"
expect_eq "the torn record is cut off (state.log back to $size0 bytes)" "$(stat -c %s "$SL")" "$size0"
snap >"$T/snap.1"
check "state after a torn record == state before it" cmp -s "$T/snap.0" "$T/snap.1"
charge_to IDS1 bbs.slice misc/sev 1 1
kill9_restart_daemon
expect_match "a charge made after the cut survives a restart" "$(charges)" "*$IDS1 \"bbs.slice\" \"misc/sev\" 1 0 1*"

# 2. Truncated in the middle of the last record: that record is lost,
#    the prefix is kept.
snap >"$T/snap.2"
charge_to IDS2 bbs.slice misc/sev 2 1
kill9_daemon
last=$(tail -n 1 "$SL")
expect_match "the last record of state.log is the last charge" "$last" "???????? C $IDS2 bbs.slice misc/sev 2 1 *"
truncate -s $(($(stat -c %s "$SL") - ${#last} / 2)) "$SL"
start_logged
expect_log "a record cut in the middle is logged" "state.log:$(($(count_lines "$SL") + 1)): torn record at the end"
snap >"$T/snap.3"
check "state after a cut last record == state before that charge" cmp -s "$T/snap.2" "$T/snap.3"
expect_error org.resctl.Error.NoSuchCharge Uncharge tt "$IDS2" 0

# 3. One byte flipped in a record in the middle: that record is logged
#    and skipped (CRC); the records before and after it still apply.
charge_to IDA bbs.slice misc/sev 1 1
charge_to IDB bbs.slice misc/sev 3 1
charge_to IDC bbs.slice misc/sev 5 1
kill9_daemon
lineB=$(grep -n " C $IDB bbs.slice misc/sev 3 " "$SL" | cut -d: -f1)
[[ -n $lineB ]] || die "no record of charge $IDB in state.log"
sed -i "${lineB}s/ misc\/sev 3 / misc\/sev 4 /" "$SL"
start_logged
expect_log "a flipped byte is logged as a corrupt record, skipped" "state.log:$lineB: corrupt record, skipped"
got=$(charges)
expect_match "the charge before the corrupt record is kept" "$got" "*$IDA \"bbs.slice\" \"misc/sev\" 1 0 1*"
expect_match "the charge after the corrupt record is kept" "$got" "*$IDC \"bbs.slice\" \"misc/sev\" 5 0 1*"
check "the corrupt record's charge is not restored (not with the flipped amount either)" \
        test "${got/ $IDB \"bbs.slice\"/}" == "$got"
expect_file bbs.slice misc.current $'sev 7\nsev_es 0\nbbres 0\n'

# 4. Intact records that make no sense (CRC right, content wrong): each is
#    logged as not applied, nothing else changes.
snap >"$T/snap.4"
kill9_daemon
n=$(count_lines "$SL")
for r in "Z 1 2" "C abc bbs.slice misc/sev 1 1 0 0" "C 7777 bbs.slice misc/sev 0 1 0 0" "C 7778 bbs.slice" \
        "X 999999 0" "M 999999 bbs.slice" "R misc/Bad 5" "R misc/okrec notanumber" "D misc/nosuch" "I x" \
        "W bbs.slice misc.max 7365762035" "C $IDA bbs.slice misc/sev 1 1 0 0"; do
        rec "$r" >>"$SL"
done
start_logged
for ((i = n + 1; i <= n + 12; i++)); do
        # M records are applied once both logs are read (one commit for a
        # whole MigrateCharges): that one is logged then, without its line.
        if ((i == n + 6)); then
                expect_log "a senseless M record in state.log is logged as not applied" \
                        "state.log: record 'M 999999 bbs.slice' not applied"
        else
                expect_log "a senseless record at state.log:$i is logged as not applied" "state.log:$i: record"
        fi
done
snap >"$T/snap.5"
check "senseless records change nothing" cmp -s "$T/snap.4" "$T/snap.5"

# 5. runtime.log: a torn end and a flipped byte, likewise.
write_file bbs.slice misc.max "sev 50"
write_file bbs.slice dmem.max "$VN 2G"
kill9_daemon
lineW=$(grep -n " W bbs.slice dmem.max " "$RL" | tail -n 1 | cut -d: -f1)
[[ -n $lineW ]] || die "no record of the dmem.max write in runtime.log"
sed -i "${lineW}s/ W bbs.slice / W bbs.slicf /" "$RL"
printf 'deadbeef W bbs.slice misc.max 7365762031' >>"$RL"
start_logged
expect_log "runtime.log: the flipped record is logged and skipped" "runtime.log:$lineW: corrupt record, skipped"
expect_log "runtime.log: the torn end is logged" "runtime.log:$(($(count_lines "$RL") + 1)): torn record at the end"
expect_file bbs.slice misc.max $'sev 50\nsev_es max\nbbres max\n'
expect_file bbs.slice dmem.max "$VN max"$'\n'

# 6. Garbage for state.log (random bytes, NULs and all, no final newline):
#    every line is skipped, the daemon starts with no persistent state,
#    and what it records from then on survives a restart.
kill9_daemon
"$PY" -c 'import random, sys; r = random.Random(8); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(16384)) + b"\n\x00zz")' >"$SL"
start_logged
expect_log "a garbage state.log is logged as corrupt records" "state.log:1: corrupt record, skipped"
expect_log "a garbage state.log's torn end is logged" "torn record at the end"
expect_eq "no persistent charge is left" "$(call ListCharges s bbs.slice 2>&1)" "a(tsstut) 0"
expect_ok RegisterResource st misc/bbres 10
charge_to IDG bbs.slice misc/bbres 3 1
restart_daemon
expect_match "a charge made after a garbage state.log survives a restart" "$(charges)" "*$IDG \"bbs.slice\" \"misc/bbres\" 3 0 1*"

# 7. An empty state.log and an empty runtime.log.
kill9_daemon
: >"$SL"
: >"$RL"
start_logged
expect_eq "empty logs: no charge" "$(call ListCharges s "" 2>&1)" "a(tsstut) 0"
expect_ok Charge sstt bbs.slice misc/sev 1 1

# ---------------------------------------------------------------- kernel-backed
say "---- resources the kernel charges itself: KernelManaged (resctld(8))"
stop_daemon
printf 'cpu io memory pids misc dmem rdma\n' >"$T/cgroup/cgroup.controllers"
printf 'sev 10\n' >"$T/cgroup/misc.capacity"
printf '%s 17179869184\n' "$VN" >"$T/cgroup/dmem.capacity"
# shellcheck disable=SC2034  # read by start_daemon in lib.sh
HARDWARE=none
start_logged
expect_log "misc/sev is kernel-backed" "misc/sev is charged by the kernel"
GROUPS_EXTRA+=(bbk.slice bbk-a.slice)
batch_start
run_table kernel
batch_end "kernel-backed resources"

say "$N_CALLS malformed calls in all"
check "at least 200 malformed calls were made ($N_CALLS)" test "$N_CALLS" -ge 200
