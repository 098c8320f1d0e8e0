#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# resctl monitor: every signal of org.resctl.Manager and PropertiesChanged
# of group objects, one line each, live; ^C ends it with 0.
. "$(dirname "$0")/lib.sh"
setup

dmem=dmem/drm/0000:c1:00.0/vram0

# Two monitors, text and JSON; each says on stderr when its watch is in place.
"$RESCTL" monitor >"$tmp/mon" 2>"$tmp/mon.err" &
mon=$!
"$RESCTL" --json=short monitor >"$tmp/mon.json" 2>"$tmp/mon.json.err" &
monj=$!
pids+=("$mon" "$monj")
wait_for "monitor to start" grep -q '^Monitoring org\.resctl\.Manager' "$tmp/mon.err"
wait_for "JSON monitor to start" grep -q '^Monitoring org\.resctl\.Manager' "$tmp/mon.json.err"

expect 0 resctl set-property tenant-a.slice MiscMax=sev:1 DMemMax=drm/0000:c1:00.0/vram0:1G
expect 0 resctl charge --persist tenant-a.slice sev 1                         # id 1
expect 150 resctl charge --persist tenant-a.slice sev 1                         # LimitHit
expect 0 resctl charge --persist tenant-a.slice "$dmem" 1G                    # id 2
expect 0 resctl evict "$dmem" tenant-a.slice 512M                             # EvictionRequested
expect 0 resctl evict --force "$dmem" tenant-a.slice 512M                     # and ChargeReleased evicted
expect 0 resctl uncharge 1                                                    # ChargeReleased uncharged
expect 0 resctl charge tenant-a.slice sev_es 1                                # id 3, released: owner-exited
wait_for "charge 3 to go with its owner" charge_gone 3
expect 0 resctl register-resource misc/tdx 4                                  # ResourceAdded
expect 0 resctl set-capacity misc/tdx 8                                       # CapacityChanged
expect 0 resctl charge --persist tenant-a.slice tdx 2                         # id 4
expect 0 resctl unregister-resource misc/tdx                                  # resource-removed, ResourceRemoved

manager_lines() { grep -v '^PropertiesChanged' "$1" | grep -c . || true; }
wait_for "10 signals in the text monitor" test "$(manager_lines "$tmp/mon")" -ge 10
wait_for "10 signals in the JSON monitor" test "$(manager_lines "$tmp/mon.json")" -ge 10
# Usage and Peak are announced at most every 100 ms: wait for the last one.
wait_for "Usage of tenant-a.slice back to 0" \
        grep -q '^PropertiesChanged group=tenant-a\.slice Usage=misc/sev:0,misc/sev_es:0,dmem/drm/0000:c1:00\.0/vram0:0,' "$tmp/mon"

kill -INT "$mon" "$monj"
rc=0; wait "$mon" || rc=$?
[ "$rc" = 0 ] || fail "monitor exited $rc on SIGINT"
rc=0; wait "$monj" || rc=$?
[ "$rc" = 0 ] || fail "JSON monitor exited $rc on SIGINT"

# The manager's signals in order: exact. PropertiesChanged come as the
# daemon batches them: checked for content only.
grep -v '^PropertiesChanged' "$tmp/mon" >"$tmp/out"
compare monitor
grep -v '"signal":"PropertiesChanged"' "$tmp/mon.json" >"$tmp/out"
compare monitor.json
grep -q '^PropertiesChanged group=tenant-a\.slice .*Max=misc/sev:1,' "$tmp/mon" || fail "no Max change of tenant-a.slice"
grep -q '^PropertiesChanged group=tenant-a\.slice Events=misc/sev:1,' "$tmp/mon" || fail "no Events change"
grep -q '^PropertiesChanged group=-\.slice Usage=' "$tmp/mon" || fail "no change of -.slice"
grep -q '"signal":"PropertiesChanged","group":"tenant-a.slice","Usage":{"misc/sev":' "$tmp/mon.json" ||
        fail "no JSON PropertiesChanged"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
' "$tmp/mon.json" || fail "JSON monitor printed a line that is not JSON"
echo "ok"
