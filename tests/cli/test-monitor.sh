#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# resctl monitor: every signal of org.resctl.Manager and PropertiesChanged
# of group objects, one line each with its realtime timestamp, live; the
# GROUP and KEY filters; the Events burst before a LimitHit held back
# unless --verbose; a notice when resctld restarts; ^C ends it with 0.
. "$(dirname "$0")/lib.sh"
setup

dmem=dmem/drm/0000:c1:00.0/vram0

# Four monitors: text, JSON, verbose text, and filtered to one group and
# key; each says on stderr when its watch is in place.
start_monitor() {  # NAME ARGS...
        local name=$1
        shift
        "$RESCTL" "$@" >"$tmp/$name" 2>"$tmp/$name.err" &
        pids+=("$!")
        eval "pid_$name=\$!"
}
start_monitor mon monitor
start_monitor monj --json=short monitor
start_monitor monv monitor --verbose
start_monitor monf monitor tenant-a.slice misc/sev
for m in mon monj monv monf; do
        wait_for "monitor $m to start" grep -q '^Monitoring org\.resctl\.Manager' "$tmp/$m.err"
done
grep -qx 'Monitoring org\.resctl\.Manager for tenant-a\.slice key misc/sev; press ^C to stop\.' "$tmp/monf.err" ||
        fail "filtered monitor: $(cat "$tmp/monf.err")"
t0=$(date +%s)

expect 0 resctl set-property tenant-a.slice MiscMax=sev:1 DMemMax=drm/0000:c1:00.0/vram0:1G
expect 0 resctl set-property vm1.service Slice=tenant-a.slice
expect 0 resctl charge --persist other.slice sev 1                            # id 1, not tenant-a's
expect 0 resctl charge --persist vm1.service sev 1                            # id 2, below tenant-a.slice
expect 150 resctl charge --persist tenant-a.slice sev 1                       # LimitHit
expect 0 resctl charge --persist tenant-a.slice "$dmem" 1G                    # id 3
expect 0 resctl evict "$dmem" tenant-a.slice 512M                             # EvictionRequested
expect 0 resctl evict --force "$dmem" tenant-a.slice 512M                     # and ChargeReleased evicted
expect 0 resctl uncharge 2                                                    # ChargeReleased uncharged
expect 0 resctl charge tenant-a.slice sev_es 1                                # id 4, released: owner-exited
wait_for "charge 4 to go with its owner" charge_gone 4
expect 0 resctl register-resource misc/tdx 4                                  # ResourceAdded
expect 0 resctl set-capacity misc/tdx 8                                       # CapacityChanged
expect 0 resctl charge --persist tenant-a.slice tdx 2                         # id 5
expect 0 resctl unregister-resource misc/tdx                                  # resource-removed, ResourceRemoved

manager_lines() { grep -v 'PropertiesChanged' "$1" | grep -c . || true; }
for m in mon monj monv; do
        wait_for "10 signals in monitor $m" test "$(manager_lines "$tmp/$m")" -ge 10
done
wait_for "2 signals in the filtered monitor" test "$(manager_lines "$tmp/monf")" -ge 2
# Usage and Peak are announced at most every 100 ms: wait for the last one.
for m in mon monv; do
        wait_for "Usage of tenant-a.slice back to 0 in $m" \
                grep -q ' PropertiesChanged group=tenant-a\.slice Usage=misc/sev:0,misc/sev_es:0,dmem/drm/0000:c1:00\.0/vram0:0,' "$tmp/$m"
done
wait_for "Usage of tenant-a.slice back to 0 in the filtered monitor" \
        grep -q ' PropertiesChanged group=tenant-a\.slice Usage=misc/sev:0 Peak=misc/sev:1 Max=misc/sev:1$' "$tmp/monf"

# resctld restarts: each monitor says so, and goes on with the new one.
kill "$daemon_pid"
while kill -0 "$daemon_pid" 2>/dev/null; do sleep 0.05; done
start_daemon
expect 0 resctl register-resource misc/tdx2 3
for m in mon monv monf; do
        wait_for "the restart notice in $m" grep -q ' -- org\.resctl\.Manager is back on the bus as :[0-9.]* (resctld restarted)$' "$tmp/$m"
done
grep -q ' -- org\.resctl\.Manager left the bus (resctld stopped)' "$tmp/mon" || fail "no notice of the daemon leaving"
wait_for "ResourceAdded after the restart" grep -q ' ResourceAdded key=misc/tdx2 capacity=3$' "$tmp/mon"
wait_for "the JSON notice" grep -q '"notice":"NameOwnerChanged","name":"org.resctl.Manager","old_owner":"","new_owner":":' "$tmp/monj"
wait_for "ResourceAdded after the restart (JSON)" grep -q '"signal":"ResourceAdded","key":"misc/tdx2"' "$tmp/monj"

for m in mon monj monv monf; do
        eval "p=\$pid_$m"
        kill -INT "$p"
        rc=0; wait "$p" || rc=$?
        [ "$rc" = 0 ] || fail "monitor $m exited $rc on SIGINT"
done
t1=$(date +%s)

# Every line starts with a realtime timestamp within the test's run.
python3 - "$tmp/mon" "$tmp/monj" "$t0" "$t1" <<'PY' || fail "timestamps"
import datetime, json, sys
text, js, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for line in open(text):
    ts = datetime.datetime.strptime(line[:26], "%Y-%m-%d %H:%M:%S.%f").timestamp()
    assert t0 - 1 <= ts <= t1 + 1, line
for line in open(js):
    ts = json.loads(line)["timestamp-realtime"] / 1e6
    assert t0 - 1 <= ts <= t1 + 1, line
PY

strip() { sed -E -e 's/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]{15} //' -e 's/^\{"timestamp-realtime":[0-9]+,/{/' "$1"; }
# The manager's signals in order, up to the restart: exact. PropertiesChanged
# come as the daemon batches them: checked for content only.
strip "$tmp/mon" | sed '/^-- /,$d' | grep -v '^PropertiesChanged' >"$tmp/out"
compare monitor
strip "$tmp/monj" | sed '/"notice"/,$d' | grep -v '"signal":"PropertiesChanged"' >"$tmp/out"
compare monitor.json
strip "$tmp/monf" | sed '/^-- /,$d' | grep -v '^PropertiesChanged' >"$tmp/out"
compare monitor-filtered
strip "$tmp/mon" >"$tmp/mon.s"
strip "$tmp/monv" >"$tmp/monv.s"
grep -q '^PropertiesChanged group=tenant-a\.slice .*Max=misc/sev:1,' "$tmp/mon.s" || fail "no Max change of tenant-a.slice"
grep -q '^PropertiesChanged group=-\.slice Usage=' "$tmp/mon.s" || fail "no change of -.slice"
grep -q '"signal":"PropertiesChanged","group":"tenant-a.slice","Usage":{"misc/sev":' "$tmp/monj" ||
        fail "no JSON PropertiesChanged"
# The refusal's Events changes (tenant-a.slice and its ancestors): in the
# verbose monitor and in JSON right before the LimitHit, not in the human one.
grep -B3 '^LimitHit' "$tmp/monv.s" | grep -q '^PropertiesChanged group=tenant-a\.slice Events=misc/sev:1,' ||
        fail "verbose: no Events change before LimitHit"
grep -B3 '^LimitHit' "$tmp/monv.s" | grep -q '^PropertiesChanged group=-\.slice Events=' ||
        fail "verbose: no Events change of -.slice before LimitHit"
grep -B1 '"signal":"LimitHit"' "$tmp/monj" | grep -q '"signal":"PropertiesChanged","group":"-.slice","Events"' ||
        fail "JSON: no Events change before LimitHit"
! grep -q '^PropertiesChanged group=[^ ]* Events=' "$tmp/mon.s" || fail "the human monitor printed the Events burst"
# The filter: nothing of other.slice, no dmem, no resource signals.
! grep -qE 'other\.slice|dmem/|sev_es|Resource|Capacity' "$tmp/monf" || fail "the filter let through: $(grep -E 'other\.slice|dmem/|sev_es|Resource|Capacity' "$tmp/monf")"
grep -q ' PropertiesChanged group=vm1\.service Usage=misc/sev:1 ' "$tmp/monf" || fail "filtered: no change of vm1.service (a child)"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
' "$tmp/monj" || fail "JSON monitor printed a line that is not JSON"
echo "ok"
