#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Caller identity (resctld(8), AUTHORIZATION): it comes from the bus
# connection, once, never from a pid later. Everything runs in a pid
# namespace of its own, so that a pid can be reused on purpose
# (spawn-pid.py): an unprivileged connection whose process has exited must
# not pass for the root process that got its pid, and its calls are
# answered (AccessDenied), not left without a reply.
if [[ ${RESCTL_IT_PIDNS:-} != 1 ]]; then
        if [[ $(id -u) -ne 0 ]]; then
                echo "SKIP: the integration tests need root (pid namespace, runuser, polkitd)"
                exit 77
        fi
        export RESCTL_IT_PIDNS=1 RESCTL_IT_INNER=1
        exec unshare --pid --fork --mount-proc --propagation private -- /bin/bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

it_setup --hardware=demo
sig_start s
DENIED="org.freedesktop.DBus.Error.@(AccessDenied|InteractiveAuthorizationRequired)"

say "---- a connection whose process has exited gets an answer: AccessDenied"
client_start gone nobody --orphan
P=${CLIENT_PID[gone]}
check "the process $P that connected has exited" pid_wait "$P" 1
client_call gone Charge sstt nobody-a.slice misc/sev 1 1
expect_match "Charge on it: AccessDenied naming the exited process" "$REPLY" \
        "ERROR org.freedesktop.DBus.Error.AccessDenied *$P*exited*"
client_call gone Uncharge tt 1 0
expect_match "Uncharge on it: AccessDenied" "$REPLY" "ERROR org.freedesktop.DBus.Error.AccessDenied *"
client_call gone ListResources
expect_match "reads still work on it" "$REPLY" "OK *"

say "---- a root process that got the pid of an exited nobody connection"
client_start thief nobody --orphan
P=${CLIENT_PID[thief]}
check "the process $P that connected has exited" pid_wait "$P" 1
CLIENT_WRAP="$PY $T/bin/spawn-pid.py $P" client_start victim
expect_eq "a root client now runs as pid $P" "${CLIENT_PID[victim]}" "$P"
client_call victim Charge sstt root-v.slice misc/sev 2 0
expect_match "[root pid $P] Charge flags 0 (owned by the process)" "$REPLY" "OK \[*\]"
VID=${REPLY#OK [}
VID=${VID%]}
expect_out "a(tsstut) 1 $VID \"root-v.slice\" \"misc/sev\" 2 $P 0" ListCharges s root-v.slice
client_call thief Uncharge tt "$VID" 0
expect_match "[nobody, connection of exited pid $P] Uncharge of root's charge is refused" "$REPLY" "ERROR $DENIED *"
client_call thief MigrateCharges ats 1 "$VID" nobody-t.slice
expect_match "[nobody, connection of exited pid $P] MigrateCharges is refused" "$REPLY" "ERROR $DENIED *"
expect_out "a(tsstut) 1 $VID \"root-v.slice\" \"misc/sev\" 2 $P 0" ListCharges s root-v.slice

say "---- a nobody process that owns a charge, and a root one with its pid later"
client_start own nobody
P=${CLIENT_PID[own]}
check "polkitd reloaded the rules (Changed)" polkit_rules 50-nobody-charge.rules 'polkit.addRule(function(action, subject) {
        if (action.id == "org.resctl.charge" && subject.user == "nobody")
                return polkit.Result.YES;
});'
client_call own Charge sstt nobody-o.slice misc/sev 1 0
expect_match "[nobody pid $P] Charge flags 0" "$REPLY" "OK \[*\]"
OID=${REPLY#OK [}
OID=${OID%]}
check "polkitd reloaded the rules without the grant (Changed)" polkit_rules 50-nobody-charge.rules ""
client_call own Uncharge tt "$OID" 0
expect_eq "[nobody pid $P] its own charge: Uncharge without polkit" "$REPLY" "OK []"
sig_wait s "ChargeReleased|$OID|nobody-o.slice|misc/sev|1|uncharged"
sig_since s
client_exit victim
sig_wait s "ChargeReleased|$VID|root-v.slice|misc/sev|2|owner-exited"
expect_daemon_alive
