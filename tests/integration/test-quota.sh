#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Per-user quotas (resctld.conf(5) [Quota]) for callers other than root:
# charges, owning processes and groups created, each refused with
# org.resctl.Error.QuotaExceeded naming the quota, counted as things come
# and go and across a kill -9; drop-ins override the main file in the
# order of their names; root is not counted.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/conf/resctld.conf.d"
printf '[Quota]\nChargesPerUser=100\nOwnersPerUser=100\nGroupsPerUser=100\n' >"$T/conf/resctld.conf"
printf '[Quota]\nChargesPerUser=4\nGroupsPerUser=1\n' >"$T/conf/resctld.conf.d/10-first.conf"
printf '# later files win\n[Quota]\nGroupsPerUser=3\nOwnersPerUser=1\n' >"$T/conf/resctld.conf.d/50-test.conf"
printf '[Quota]\nGroupsPerUser=1000\n' >"$T/conf/resctld.conf.d/60-not-a-conf.txt"
DAEMON_ARGS=(--config-dir="$T/conf")
it_setup --hardware=demo
check "polkitd reloaded the rules (Changed)" polkit_rules 50-nobody-charge.rules 'polkit.addRule(function(action, subject) {
        if (action.id == "org.resctl.charge" && subject.user == "nobody")
                return polkit.Result.YES;
});'

say "---- groups created: GroupsPerUser=3"
AS_USER=nobody expect_ok Charge sstt z1.slice misc/sev 1 1
Z1=${OUT#t }
AS_USER=nobody expect_ok Charge sstt z2.slice misc/sev 1 1
AS_USER=nobody expect_ok Charge sstt z3.slice misc/sev 1 1
AS_USER=nobody expect_error $E.QuotaExceeded Charge sstt z4.slice misc/sev 1 1
expect_match "the message names the quota" "$ERRMSG" "*GroupsPerUser=3*"
expect_error $E.NoSuchGroup GetGroup s z4.slice
AS_USER=nobody expect_error $E.QuotaExceeded Charge sstt zz-a.slice misc/sev 1 1
expect_match "the message counts what nobody holds" "$ERRMSG" "uid 65534 holds 3 group(s) *"
expect_error $E.NoSuchGroup GetGroup s zz.slice
charge_to ROOT_ID z4.slice misc/sev 1 1            # root is not counted
AS_USER=nobody expect_ok Charge sstt z4.slice misc/sev 1 1     # it exists: not created by nobody

say "---- charges: ChargesPerUser=4"
AS_USER=nobody expect_error $E.QuotaExceeded Charge sstt z1.slice misc/sev 1 1
expect_match "the message names the quota" "$ERRMSG" "*ChargesPerUser=4*"
charge z1.slice misc/sev 1 1
expect_ok Uncharge tt "$Z1" 0
AS_USER=nobody expect_ok Charge sstt z2.slice misc/sev 1 1
expect_ok Uncharge tt "$ROOT_ID" 0

say "---- counted across kill -9 and restart"
kill9_restart_daemon
AS_USER=nobody expect_error $E.QuotaExceeded Charge sstt z2.slice misc/sev 1 1
expect_match "the message names the quota" "$ERRMSG" "*ChargesPerUser=4*"
for id in $(call ListCharges s "" | grep -oE '[0-9]+ "z[0-9].slice"' | cut -d' ' -f1); do
        call Uncharge tt "$id" 0 >/dev/null || fail "Uncharge $id"
done
expect_out "a(tsstut) 0" ListCharges s ""

say "---- owning processes: OwnersPerUser=1"
client_start a nobody
client_start b nobody
client_call a Charge sstt o1.slice misc/sev 1 0
expect_match "[nobody a] Charge flags 0" "$REPLY" "OK *"
client_call b Charge sstt o1.slice misc/sev 1 0
expect_match "[nobody b] a second owning process: QuotaExceeded naming OwnersPerUser=1" "$REPLY" \
        "ERROR $E.QuotaExceeded *OwnersPerUser=1*"
client_call b Charge sstt o1.slice misc/sev 1 1
expect_match "[nobody b] PERSIST needs no owner" "$REPLY" "OK *"
client_call a Charge sstt o1.slice misc/sev 1 0
expect_match "[nobody a] the same owner again" "$REPLY" "OK *"
sig_start s
client_exit a
sig_wait s "ChargeReleased|*|o1.slice|misc/sev|1|owner-exited"
client_call b Charge sstt o1.slice misc/sev 1 0
expect_match "[nobody b] once a has exited" "$REPLY" "OK *"
expect_daemon_alive
