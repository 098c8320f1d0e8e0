#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Authorization through the real polkitd: unprivileged callers (nobody)
# are refused the changing methods until a rules file grants the action,
# reads need nothing; then the same on a bus whose only policy for
# org.resctl.Manager is the project's dbus/org.resctl.Manager.conf.
. "$(dirname "$0")/lib.sh"

it_setup --hardware=demo
sig_start s

DENIED="org.freedesktop.DBus.Error.@(AccessDenied|InteractiveAuthorizationRequired)"
IAR=org.freedesktop.DBus.Error.InteractiveAuthorizationRequired

GRANT_CHARGE='polkit.addRule(function(action, subject) {
        if (action.id == "org.resctl.charge" && subject.user == "nobody")
                return polkit.Result.YES;
});'
GRANT_EVICT='polkit.addRule(function(action, subject) {
        if (action.id == "org.resctl.evict" && subject.user == "nobody")
                return polkit.Result.YES;
});'

# nobody_refused ACTION METHOD SIG ARGS...: refused by polkit, the message
# naming the action, both without interaction (dbus-call.py) and with it
# allowed (busctl's default; no agent can answer here).
nobody_refused() {
        local action=$1 out rc=0
        shift
        AS_USER=nobody expect_error "$DENIED" "$@"
        expect_match "message names $action" "$ERRMSG" "*$action*"
        out=$(AS_USER=nobody call "$@" 2>&1) || rc=$?
        if ((rc != 0)) && [[ $out == *"$action"* ]]; then
                pass "[nobody] busctl (interactive allowed) $1 refused naming $action"
        else
                fail "[nobody] busctl (interactive allowed) $1 refused naming $action"
                say "  rc=$rc out=$out"
        fi
}

# Some state owned by root.
charge_to ROOT_ID root-a.slice misc/sev 2 1
charge_to GPU_ID gpu-x.slice "$V" 1048576 1
write_file root-a.slice misc.max "sev 10"
STATE0="$(call ListCharges s "")|$(read_file root-a.slice misc.max)|$(call ListResources)"

say "---- polkitd runs our actions"
out=$(pycall --dest org.freedesktop.PolicyKit1 --path /org/freedesktop/PolicyKit1/Authority \
        --iface org.freedesktop.PolicyKit1.Authority EnumerateActions s "")
for a in org.resctl.charge org.resctl.evict org.resctl.manage-limits org.resctl.manage-resources; do
        expect_match "polkitd knows $a" "$out" "*\"$a\"*"
done

say "---- reads need no authorization"
AS_USER=nobody expect_ok ListResources
AS_USER=nobody expect_ok ListGroups
AS_USER=nobody expect_out "a(tsstut) 2 $ROOT_ID \"root-a.slice\" \"misc/sev\" 2 0 1 $GPU_ID \"gpu-x.slice\" \"$V\" 1048576 0 1" ListCharges s ""
AS_USER=nobody expect_out "o \"$(group_path root-a.slice)\"" GetGroup s root-a.slice
AS_USER=nobody expect_out 's "sev 10\nsev_es max\n"' ReadFile ss root-a.slice misc.max
AS_USER=nobody expect_out "bb true false" EvictValuable sssb "$V" gpu-x.slice gpu-x.slice false
out=$(runuser -u nobody -- busctl --system get-property org.resctl.Manager "$(group_path root-a.slice)" org.resctl.Group Usage 2>&1)
expect_match "[nobody] get-property Usage" "$out" 'a{st} 5 "misc/sev" 2 *'

say "---- changes are refused without a rule"
nobody_refused org.resctl.charge Charge sstt nobody-a.slice misc/sev 1 1
nobody_refused org.resctl.charge Charge sstt nobody-a.slice misc/sev 1 0
nobody_refused org.resctl.charge Uncharge tt "$ROOT_ID" 0
nobody_refused org.resctl.charge MigrateCharges ats 1 "$ROOT_ID" nobody-a.slice
nobody_refused org.resctl.charge MigrateGroup ss root-a.slice nobody-a.slice
nobody_refused org.resctl.evict Evict sstt "$V" gpu-y.slice 1048576 1
nobody_refused org.resctl.manage-limits WriteFile sss root-a.slice misc.max "sev 1"
nobody_refused org.resctl.manage-limits SetUnitProperties "sba(sv)" root-a.slice false 1 MiscMax "a(st)" 1 sev 1
nobody_refused org.resctl.manage-resources RegisterResource st misc/tdx 5
nobody_refused org.resctl.manage-resources SetCapacity st misc/sev 1
nobody_refused org.resctl.manage-resources UnregisterResource s misc/sev
AS_USER=nobody expect_error $IAR Charge sstt nobody-a.slice misc/sev 1 1
# Calls of one process that arrive while polkit is asked share that check:
# each of them still gets the answer.
expect_eq "20 pipelined Charges of nobody, no rule: each InteractiveAuthorizationRequired" \
        "$(runuser -u nobody -- "$PY" "$T/bin/pipelined.py" 20 Charge sstt nobody-a.slice misc/sev 1 1)" "20 ERROR $IAR"
expect_eq "refused calls changed nothing" \
        "$(call ListCharges s "")|$(read_file root-a.slice misc.max)|$(call ListResources)" "$STATE0"
check "refused SetUnitProperties wrote no drop-in" test ! -e "$T/control/root-a.slice.d"
expect_error $E.NoSuchGroup GetGroup s nobody-a.slice

say "---- a rules file grants org.resctl.charge to nobody"
check "polkitd reloaded the rules (Changed)" polkit_rules 50-nobody-charge.rules "$GRANT_CHARGE"
AS_USER=nobody expect_ok Charge sstt nobody-a.slice misc/sev 3 1
expect_eq "20 pipelined Charges of nobody, granted: each charged" \
        "$(runuser -u nobody -- "$PY" "$T/bin/pipelined.py" 20 Charge sstt nobody-p.slice misc/sev 1 1)" "20 OK"
say "charges that waited for another call's polkit check: $(grep -c 'waits for the polkit check' "$T/resctld.log")"
NOBODY_ID=${OUT#t }
expect_out "a(tsstut) 1 $NOBODY_ID \"nobody-a.slice\" \"misc/sev\" 3 0 1" ListCharges s nobody-a.slice
sig_since s
AS_USER=nobody expect_ok Uncharge tt "$NOBODY_ID" 1
sig_wait s "ChargeReleased|$NOBODY_ID|nobody-a.slice|misc/sev|1|uncharged"
AS_USER=nobody expect_ok MigrateCharges ats 1 "$NOBODY_ID" nobody-b.slice
AS_USER=nobody expect_out "at 1 $NOBODY_ID" MigrateGroup ss nobody-b.slice nobody-a.slice
# A charge owned by the calling process (flags 0): busctl exits at once.
sig_since s
AS_USER=nobody expect_ok Charge sstt nobody-a.slice misc/sev 1 0
OWNED_ID=${OUT#t }
sig_wait s "ChargeReleased|$OWNED_ID|nobody-a.slice|misc/sev|1|owner-exited"
# Still no other action.
nobody_refused org.resctl.evict Evict sstt "$V" gpu-y.slice 1048576 1
nobody_refused org.resctl.manage-limits WriteFile sss root-a.slice misc.max "sev 1"
nobody_refused org.resctl.manage-resources RegisterResource st misc/tdx 5

say "---- the owner of a charge may uncharge it without authorization"
client_start owner nobody
client_call owner Charge sstt nobody-c.slice misc/sev 2 0
expect_match "[nobody client] Charge flags 0" "$REPLY" "OK \[*\]"
OWNER_ID=${REPLY#OK [}
OWNER_ID=${OWNER_ID%]}
check "polkitd reloaded the rules without the grant (Changed)" polkit_rules 50-nobody-charge.rules ""
AS_USER=nobody expect_error "$DENIED" Uncharge tt "$OWNER_ID" 0      # another nobody process
sig_since s
client_call owner Uncharge tt "$OWNER_ID" 1
expect_eq "[nobody client] Uncharge of its own charge" "$REPLY" "OK []"
sig_wait s "ChargeReleased|$OWNER_ID|nobody-c.slice|misc/sev|1|uncharged"
client_call owner Charge sstt nobody-c.slice misc/sev 1 0
expect_match "[nobody client] Charge without the grant is refused" "$REPLY" "ERROR org.freedesktop.DBus.Error.@(AccessDenied|InteractiveAuthorizationRequired) *org.resctl.charge*"
sig_since s
client_exit owner
sig_wait s "ChargeReleased|$OWNER_ID|nobody-c.slice|misc/sev|1|owner-exited"

say "---- org.resctl.evict"
check "polkitd reloaded the rules (Changed)" polkit_rules 50-nobody-evict.rules "$GRANT_EVICT"
write_file gpu.slice dmem.max "$VN 1M"
AS_USER=nobody expect_out "a(tst) 1 $GPU_ID \"gpu-x.slice\" 1048576" Evict sstt "$V" gpu-y.slice 1048576 0
check "polkitd reloaded the rules without the grant (Changed)" polkit_rules 50-nobody-evict.rules ""
nobody_refused org.resctl.evict Evict sstt "$V" gpu-y.slice 1048576 0

say "---- without polkitd, nobody is denied and root is not asked"
stop_polkit
AS_USER=nobody expect_error org.freedesktop.DBus.Error.AccessDenied Charge sstt nobody-a.slice misc/sev 1 1
expect_match "message names the action" "$ERRMSG" "*org.resctl.charge*"
AS_USER=nobody expect_ok ListCharges s ""
charge root-b.slice misc/sev 1 1
expect_ok Uncharge tt "$ID" 0
start_polkit
AS_USER=nobody expect_error $IAR Charge sstt nobody-a.slice misc/sev 1 1
expect_daemon_alive

say "==== a bus whose only policy for org.resctl.Manager is the project's"
restart_services project
check "project policy bus: resctld (root) owns org.resctl.Manager" name_wait org.resctl.Manager owned 5
check "dbus/org.resctl.Manager.conf is the only resctl policy on this bus" \
        bash -c "! grep -q 'allow send_destination=\"\\*\"' '$T/bus.conf' && grep -q '<includedir>$T/dbus.d</includedir>' '$T/bus.conf'"

# own_name NAME: try to own NAME; prints the D-Bus error name or "owned"/"exists".
own_name() {
        _as "$PY" -c '
import sys, dbus
try:
    r = dbus.SystemBus().request_name(sys.argv[1], dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    print({1: "owned", 3: "exists", 4: "owned"}.get(r, r))
except dbus.exceptions.DBusException as e:
    print(e.get_dbus_name())
' "$1"
}
expect_eq "nobody may not own org.resctl.Manager" "$(AS_USER=nobody own_name org.resctl.Manager)" \
        org.freedesktop.DBus.Error.AccessDenied
expect_eq "root may own org.resctl.Manager (it is taken: exists, not denied)" "$(own_name org.resctl.Manager)" exists
expect_eq "root may not own another name on this bus (no permissive default)" "$(own_name org.resctl.Probe)" \
        org.freedesktop.DBus.Error.AccessDenied

SIG_USER=nobody sig_start nb
AS_USER=nobody expect_out 'a(tsstut) 0' ListCharges s ""
AS_USER=nobody expect_ok ListResources
AS_USER=nobody expect_out 's "mlx5_0 hca_handle=max hca_object=max \n"' ReadFile ss any.slice rdma.max
AS_USER=nobody expect_error $IAR Charge sstt nobody-a.slice misc/sev 1 1
expect_match "the refusal is polkit's (resctld answered), not the bus's" "$ERRMSG" "*org.resctl.charge*"
check "polkitd reloaded the rules (Changed)" polkit_rules 50-nobody-charge.rules "$GRANT_CHARGE"
sig_since nb
AS_USER=nobody expect_ok Charge sstt nobody-a.slice misc/sev 2 1
NB_ID=${OUT#t }
AS_USER=nobody expect_ok Uncharge tt "$NB_ID" 0
sig_wait nb "ChargeReleased|$NB_ID|nobody-a.slice|misc/sev|2|uncharged"
# Root calls and the daemon's own calls (credentials, polkit) still work.
charge root-c.slice misc/sev 1 1
expect_out "a(tsstut) 1 $ID \"root-c.slice\" \"misc/sev\" 1 0 1" ListCharges s ""
write_file root-c.slice misc.max "sev 3"
expect_file root-c.slice misc.max $'sev 3\nsev_es max\n'
expect_daemon_alive

say "---- org.freedesktop.MemoryAllocation1: privileged, as in systemd"
malloc_info() {
        _as busctl --system -- call org.resctl.Manager /org/freedesktop/MemoryAllocation1 \
                org.freedesktop.MemoryAllocation1 GetMallocInfo 2>&1
}
out=$(AS_USER=nobody malloc_info) && fail "[nobody] GetMallocInfo is refused" ||
        expect_match "[nobody] GetMallocInfo is refused by resctld's bus layer" "$out" "*Access denied*"
out=$("$PY" -c '
import dbus, os
o = dbus.SystemBus().get_object("org.resctl.Manager", "/org/freedesktop/MemoryAllocation1", introspect=False)
fd = o.GetMallocInfo(dbus_interface="org.freedesktop.MemoryAllocation1").take()
print(os.fdopen(fd).read())' 2>&1)
expect_match "[root] GetMallocInfo hands over malloc_info(3)'s XML" "$out" '<malloc version="1">*<system type="current"*</malloc>*'
expect_daemon_alive
