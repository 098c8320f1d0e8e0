#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemctl's habits: status GROUP, show -p NAME --value, VERB --help; a
# limit or capacity set below the usage warns and says what follows, and
# status and tree mark the groups over their max; tables and the tree fit
# narrow terminals (COLUMNS=40).
. "$(dirname "$0")/lib.sh"
setup

dmem=dmem/drm/0000:c1:00.0/vram0
expect 0 resctl set-property tenant-a.slice MiscMax=sev:8 "DMemMax=drm/0000:c1:00.0/vram0:4G"
expect 0 resctl set-property vm1.service Slice=tenant-a.slice
expect 0 resctl charge --persist vm1.service sev 3
expect 0 resctl charge --persist vm1.service "$dmem" 2G

# Without systemd on the bus, any unit name may be charged; --create is the
# Charge flag 0x2 (the refusal of unknown units under systemd is checked in
# the system tier, tests/system/test-systemd.sh).
expect 0 resctl --json=short charge --persist --create fresh.service sev 1
grep -qx '{"id":3,"persist":true}' "$tmp/out" || fail "charge --create: $(cat "$tmp/out")"
expect 0 resctl uncharge 3
expect_error 2 "^--create does not apply to 'uncharge'" resctl uncharge --create 3

# status GROUP...
check status-group resctl status tenant-a.slice vm1.service
check status-group.json resctl --json=pretty status vm1.service
expect_error 5 "^Failed to get the status of a group: nosuch\.slice" resctl status vm1.service nosuch.slice

# show -p, --value.
check show-p resctl show -p Usage,Max -p Parent tenant-a.slice
expect 0 resctl show -p Parent --value vm1.service
[ "$(cat "$tmp/out")" = tenant-a.slice ] || fail "show -p Parent --value: $(cat "$tmp/out")"
check show-p-value resctl show --property=Usage --value vm1.service
check show-p.json resctl --json=short show -p Name,Max vm1.service

# VERB --help: that verb's synopsis and options, wherever --help stands.
check charge-help resctl charge --help
expect 0 resctl --help charge
compare charge-help
expect 0 resctl monitor -h
grep -qx 'resctl \[OPTIONS...\] monitor \[GROUP\] \[KEY\]' "$tmp/out" || fail "monitor -h: $(cat "$tmp/out")"
grep -q -- '--verbose' "$tmp/out" || fail "monitor -h does not show --verbose"
! grep -q -- '--persist' "$tmp/out" || fail "monitor -h shows --persist"

# Below the usage: accepted (R2), with a warning that says what follows.
expect 0 resctl set-property tenant-a.slice MiscMax=sev:1
cp "$tmp/err" "$tmp/out"
compare set-property-below.stderr
# The daemon speaks of the bus API; resctl names its own flag.
expect_error 2 "^Failed to set unit properties: tenant-a\.slice: DMemMax is set persistently in .*, which masks runtime settings; drop --runtime to change the persistent setting$" \
        resctl set-property --runtime tenant-a.slice DMemMax=drm/0000:c1:00.0/vram0:1G
expect 0 resctl set-property tenant-a.slice DMemMax=drm/0000:c1:00.0/vram0:1G
grep -qx "Warning: tenant-a\.slice: $dmem max 1G is below its usage 2G: new charges are refused and the holders were asked to evict (EvictionRequested)\." "$tmp/err" ||
        fail "no dmem warning: $(cat "$tmp/err")"
expect 0 resctl set-capacity misc/sev 2
grep -qx 'Warning: misc/sev: capacity 2 is below the usage 3: the charges stay, and new charges are refused until the usage falls below it\.' "$tmp/err" ||
        fail "no capacity warning: $(cat "$tmp/err")"
expect 0 resctl --json=short set-capacity sev 1
python3 -c 'import json,sys; w = json.load(open(sys.argv[1])); assert w["warning"].startswith("misc/sev: capacity 1 is below"), w' \
        "$tmp/err" || fail "--json warning: $(cat "$tmp/err")"
# Nothing to warn of: nothing said.
expect 0 resctl set-property other.slice MiscMax=sev:5
[ ! -s "$tmp/err" ] || fail "a warning without cause: $(cat "$tmp/err")"
expect 151 resctl charge --persist vm1.service sev 1
check status-over resctl status tenant-a.slice
check tree-over resctl tree tenant-a.slice
expect 0 resctl --json=short tree tenant-a.slice
python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
over = {r["key"]: r["over_max"] for r in t["resources"]}
assert over["misc/sev"] and over["dmem/drm/0000:c1:00.0/vram0"] and not over["misc/sev_es"], over
' "$tmp/out" || fail "tree --json: over_max"

# Narrow terminals: COLUMNS=40 cuts names and keys to fit (libsmartcols),
# never the numbers; a pipe without COLUMNS gets whole cells.
fits() {  # WIDTH: every line of $tmp/out fits, in characters
        python3 -c '
import sys
w = int(sys.argv[2])
for line in open(sys.argv[1], encoding="utf-8"):
    assert len(line.rstrip("\n")) <= w, (len(line), line)
' "$tmp/out" "$1"
}
for v in list-charges list-resources list-groups "status vm1.service" tree; do
        # shellcheck disable=SC2086
        expect 0 env COLUMNS=40 "$RESCTL" --no-pager $v
        fits 40 || fail "COLUMNS=40 resctl $v does not fit: $(cat "$tmp/out")"
done
check narrow-tree env COLUMNS=40 "$RESCTL" --no-pager tree tenant-a.slice
expect 0 env COLUMNS=40 "$RESCTL" --no-pager list-charges
grep -qE '^ +1 vm1\.s[^ ]* +misc/sev +3 ' "$tmp/out" || fail "COLUMNS=40 list-charges: $(cat "$tmp/out")"
grep -qE ' 2G ' "$tmp/out" || fail "COLUMNS=40 cut an amount: $(cat "$tmp/out")"
expect 0 resctl list-charges
grep -q 'dmem/drm/0000:c1:00\.0/vram0' "$tmp/out" || fail "a pipe without COLUMNS got cut cells: $(cat "$tmp/out")"
echo "ok"
