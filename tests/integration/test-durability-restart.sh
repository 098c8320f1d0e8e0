#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What a restart must not bring back or mix up: charge ids are never used
# twice, also after a reboot empties the runtime directory (a move record
# of an old charge must not apply to a new one); a resource unregistered
# and registered again has no limit WriteFile gave the old one; drop-in
# temporaries a crash left behind are removed at start.
. "$(dirname "$0")/lib.sh"

it_setup --hardware=demo

# group_of ID: the group ListCharges shows for charge ID (empty if none).
group_of() {
        pycall ListCharges s "" | sed -n 2p | "$PY" -c '
import json, sys
print("".join(c[1] for c in json.load(sys.stdin) if c[0] == int(sys.argv[1])))' "$1"
}

# reboot_restart: resctld killed, the runtime directory emptied (a reboot
# empties /run), resctld started again.
reboot_restart() {
        kill9_daemon
        rm -rf "${T:?}/run" "${T:?}/runtime-control"
        start_daemon
}

say "---- ids after a reboot: a move record of an old charge never applies to a new one"
charge_to P1 ids-a.slice misc/sev 1 1
client_start a
client_call a Charge sstt ids-a.slice misc/sev 1 0
OWNED=${REPLY#OK [}
OWNED=${OWNED%]}
expect_ok MigrateCharges ats 1 "$OWNED" ids-b.slice
expect_eq "the process-owned charge moved" "$(group_of "$OWNED")" ids-b.slice
client_exit a
reboot_restart
expect_eq "after the reboot the process-owned charge is gone" "$(group_of "$OWNED")" ""
expect_eq "the PERSIST charge stays where it was" "$(group_of "$P1")" ids-a.slice
client_start b
NEW=()
for i in 1 2 3; do
        client_call b Charge sstt ids-c.slice misc/sev 1 0
        id=${REPLY#OK [}
        NEW+=("${id%]}")
done
charge ids-c.slice misc/sev 1 1
NEW+=("$ID")
for id in "${NEW[@]}"; do
        [[ $id == "$OWNED" ]] && fail "charge id $id given out again after the reboot"
done
pass "no id given out twice: old $OWNED, new ${NEW[*]}"
kill9_restart_daemon
for id in "${NEW[@]}"; do
        expect_eq "after kill -9, new charge $id is where it was taken" "$(group_of "$id")" ids-c.slice
done
reboot_restart
expect_eq "after a second reboot the PERSIST charge is still in its group" "$(group_of "$ID")" ids-c.slice
client_exit b

say "---- a resource registered again has none of the old one's WriteFile limits"
D=dmem/drm/0000:77:00.0/vram0
DN=drm/0000:77:00.0/vram0
expect_ok RegisterResource st "$D" 1073741824
write_file p.slice dmem.max "$DN 1048576"
expect_ok RegisterResource st misc/tdx 10
write_file p.slice misc.max "tdx 3"
expect_ok UnregisterResource s "$D"
expect_ok UnregisterResource s misc/tdx
expect_ok RegisterResource st "$D" 1073741824
expect_ok RegisterResource st misc/tdx 10
expect_eq "dmem.max of the region is max again" "$(read_file p.slice dmem.max | grep "^$DN ")" "$DN max"
expect_eq "misc.max of tdx is max again" "$(read_file p.slice misc.max | grep '^tdx ')" "tdx max"
kill9_restart_daemon
expect_eq "after kill -9, dmem.max of the region is still max" "$(read_file p.slice dmem.max | grep "^$DN ")" "$DN max"
expect_eq "after kill -9, misc.max of tdx is still max" "$(read_file p.slice misc.max | grep '^tdx ')" "tdx max"
# What was written after the registration again is kept.
write_file p.slice dmem.max "$DN 2097152"
kill9_restart_daemon
expect_eq "a limit written after the new registration stays" "$(read_file p.slice dmem.max | grep "^$DN ")" \
        "$DN 2097152"

say "---- drop-in temporaries a crash left behind are removed at start"
expect_ok SetUnitProperties "sba(sv)" tmp.slice false 1 MiscMax "a(st)" 1 sev 4
expect_ok SetUnitProperties "sba(sv)" tmp2.slice true 1 MiscMax "a(st)" 1 sev 5
mkdir -p "$T/control/stale.slice.d"
LEFT=("$T/control/tmp.slice.d/.#50-resctl-MiscMax.confq1W2e3" "$T/control/stale.slice.d/.#50-resctl-DMemMax.confAbCdEf"
      "$T/runtime-control/tmp2.slice.d/.#50-resctl-RdmaMax.confZzZzZz")
for f in "${LEFT[@]}"; do
        printf '[Slice]\nX-Resctl-MiscMax=sev:1\n' >"$f"
done
OTHER="$T/control/tmp.slice.d/.#50-MemoryMax.confXyZ123"
: >"$OTHER"
kill9_restart_daemon
for f in "${LEFT[@]}"; do
        check "removed at start: ${f#"$T"/}" test ! -e "$f"
done
check "a temporary that is not resctld's stays: ${OTHER#"$T"/}" test -e "$OTHER"
check "the drop-in itself stays" test -e "$T/control/tmp.slice.d/50-resctl-MiscMax.conf"
expect_eq "the setting is unchanged" "$(read_file tmp.slice misc.max | grep '^sev ')" "sev 4"

expect_daemon_alive
