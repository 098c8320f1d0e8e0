#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Process-owned charges (flags 0): released when the owner exits, kept
# across daemon restarts (SIGTERM and SIGKILL) while the owner lives, and
# released at start when the owner died while the daemon was down.
. "$(dirname "$0")/lib.sh"

it_setup --hardware=demo
sig_start s

# client_charge NAME GROUP KEY AMOUNT FLAGS: asserted; CID = the charge id.
client_charge() {
        local name=$1
        shift
        client_call "$name" Charge sstt "$@"
        CID=
        if [[ $REPLY == "OK ["+([0-9])"]" ]]; then
                CID=${REPLY#OK [}
                CID=${CID%]}
                pass "[client $name pid ${CLIENT_PID[$name]}] Charge $* -> $CID"
        else
                fail "[client $name] Charge $* -> $REPLY"
        fi
}

say "---- released when the owning process exits; PERSIST stays"
client_start a
PA=${CLIENT_PID[a]}
client_charge a own-a.slice misc/sev 3 0
A1=$CID
client_charge a own-a.slice "$V" 4096 0
A2=$CID
client_charge a own-a.slice misc/sev 2 1
A3=$CID
expect_out "a(tsstut) 3 $A1 \"own-a.slice\" \"misc/sev\" 3 $PA 0 $A2 \"own-a.slice\" \"$V\" 4096 $PA 0 $A3 \"own-a.slice\" \"misc/sev\" 2 0 1" \
        ListCharges s own-a.slice
# The owner uncharges part of its own charge: the rest goes when it exits.
client_call a Uncharge tt "$A1" 1
expect_eq "[client a] Uncharge $A1 1" "$REPLY" "OK []"
expect_file own-a.slice misc.current $'sev 4\nsev_es 0\n'
sig_since s
client_exit a
sig_wait s "ChargeReleased|$A1|own-a.slice|misc/sev|2|owner-exited"
sig_wait s "ChargeReleased|$A2|own-a.slice|$V|4096|owner-exited"
sig_expect_count s "ChargeReleased|$A3|*" 0
expect_out "a(tsstut) 1 $A3 \"own-a.slice\" \"misc/sev\" 2 0 1" ListCharges s own-a.slice
expect_file own-a.slice misc.current $'sev 2\nsev_es 0\n'
expect_file own-a.slice dmem.current "$VN 0"$'\n'
expect_file -.slice misc.current $'sev 2\nsev_es 0\n'
expect_ok Uncharge tt "$A3" 0

say "---- ownership survives a graceful restart"
client_start b
PB=${CLIENT_PID[b]}
client_charge b own-b.slice misc/sev 5 0
B1=$CID
client_charge b own-b.slice rdma/mlx5_0/hca_object 2 0
B2=$CID
WANT_B="a(tsstut) 2 $B1 \"own-b.slice\" \"misc/sev\" 5 $PB 0 $B2 \"own-b.slice\" \"rdma/mlx5_0/hca_object\" 2 $PB 0"
expect_out "$WANT_B" ListCharges s own-b.slice
restart_daemon
sig_start s2
expect_out "$WANT_B" ListCharges s own-b.slice
expect_file own-b.slice rdma.current $'mlx5_0 hca_handle=0 hca_object=2 \n'

say "---- ... and a kill -9 of the daemon"
kill9_restart_daemon
sig_start s3
expect_out "$WANT_B" ListCharges s own-b.slice
expect_file own-b.slice misc.current $'sev 5\nsev_es 0\n'
# The restarted daemon watches the owner again: its exit releases both.
sig_since s3
client_exit b
sig_wait s3 "ChargeReleased|$B1|own-b.slice|misc/sev|5|owner-exited"
sig_wait s3 "ChargeReleased|$B2|own-b.slice|rdma/mlx5_0/hca_object|2|owner-exited"
expect_out 'a(tsstut) 0' ListCharges s ""
expect_file own-b.slice rdma.current $'mlx5_0 hca_handle=0 hca_object=0 \n'
expect_error org.resctl.Error.NoSuchGroup GetGroup s own-b.slice
# That release is durable too.
kill9_restart_daemon
expect_out 'a(tsstut) 0' ListCharges s ""

say "---- the owner died while the daemon was down"
client_start c
PC=${CLIENT_PID[c]}
client_charge c own-c.slice misc/sev 7 0
C1=$CID
client_charge c own-c.slice misc/sev 1 1
C2=$CID
client_start d
PD=${CLIENT_PID[d]}
client_charge d own-d.slice misc/sev 1 0
D1=$CID
kill9_daemon
client_exit c
check "owner c (pid $PC) is gone" bash -c "! kill -0 $PC 2>/dev/null"
LOGSTART=$(count_lines "$T/resctld.log")
start_daemon
sig_start s4
expect_out "a(tsstut) 2 $C2 \"own-c.slice\" \"misc/sev\" 1 0 1 $D1 \"own-d.slice\" \"misc/sev\" 1 $PD 0" ListCharges s ""
expect_file own-c.slice misc.current $'sev 1\nsev_es 0\n'
expect_file -.slice misc.current $'sev 2\nsev_es 0\n'
check "the start logged the release" \
        grep -q "Released 1 charge(s) whose owners exited while resctld was down" <(tail -n +"$((LOGSTART + 1))" "$T/resctld.log")
expect_error org.resctl.Error.NoSuchCharge Uncharge tt "$C1" 0
# Recorded: a later start does not bring it back.
kill9_restart_daemon
expect_out "a(tsstut) 2 $C2 \"own-c.slice\" \"misc/sev\" 1 0 1 $D1 \"own-d.slice\" \"misc/sev\" 1 $PD 0" ListCharges s ""
sig_start s5
sig_since s5
client_exit d
sig_wait s5 "ChargeReleased|$D1|own-d.slice|misc/sev|1|owner-exited"

say "---- an owner that is another user's process"
check "polkit grants org.resctl.charge to nobody" polkit_rules 50-nobody.rules 'polkit.addRule(function(action, subject) {
        if (action.id == "org.resctl.charge" && subject.user == "nobody")
                return polkit.Result.YES;
});'
client_start e nobody
PE=${CLIENT_PID[e]}
client_charge e own-e.slice misc/sev_es 2 0
E1=$CID
expect_out "a(tsstut) 1 $E1 \"own-e.slice\" \"misc/sev_es\" 2 $PE 0" ListCharges s own-e.slice
kill9_restart_daemon
sig_start s6
expect_out "a(tsstut) 1 $E1 \"own-e.slice\" \"misc/sev_es\" 2 $PE 0" ListCharges s own-e.slice
sig_since s6
kill -KILL "$PE"
pid_wait "$PE"
sig_wait s6 "ChargeReleased|$E1|own-e.slice|misc/sev_es|2|owner-exited"
expect_out "a(tsstut) 1 $C2 \"own-c.slice\" \"misc/sev\" 1 0 1" ListCharges s ""

expect_daemon_alive
