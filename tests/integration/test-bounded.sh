#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What resctld keeps for its peers stays bounded (resctld(8), LIMITS):
# a parked call is freed however its handler ends (an Uncharge whose
# charge went while polkit was asked), and a forgotten group's runtime
# limits are forgotten with it. Counted from the daemon's own statistics
# line at exit ("Exiting: N parked call(s) ..."), and checked across a
# kill -9 and restart that the state is the acknowledged one.
. "$(dirname "$0")/lib.sh"

it_setup --hardware=demo

# exit_stat WHAT: the number before WHAT in the last "Exiting:" line.
exit_stat() {
        grep 'Exiting:' "$T/resctld.log" | tail -n 1 | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+'
}

say "---- Uncharges parked for polkit whose charge went meanwhile"
: >"$T/gate.log"
chmod 666 "$T/gate.log"
check "polkitd reloaded the rules (Changed)" polkit_rules 50-gate.rules "polkit.addRule(function(action, subject) {
        if (action.id == \"org.resctl.charge\" && subject.user == \"nobody\") {
                polkit.spawn([\"/bin/sh\", \"-c\", \"echo started >>$T/gate.log; i=0; while [ ! -e $T/gate ] && [ \$i -lt 400 ]; do sleep 0.05; i=\$((i + 1)); done\"]);
                return polkit.Result.NO;
        }
});"
for round in 1 2 3; do
        rm -f "$T/gate"
        since=$(count_lines "$T/gate.log")
        charge "parked-$round.slice" misc/sev 1 1
        runuser -u nobody -- "$PY" "$T/bin/pipelined.py" 30 Uncharge tt "$ID" 0 >"$T/pipelined.out" 2>&1 &
        PIPE_PID=$!
        IT_PIDS+=("$PIPE_PID")
        check "round $round: polkit is asked (the rule runs)" wait_line "$T/gate.log" started "$IT_TIMEOUT" "$since"
        expect_ok Uncharge tt "$ID" 0
        touch "$T/gate"
        wait "$PIPE_PID"
        expect_eq "round $round: 30 parked Uncharges answered NoSuchCharge" "$(cat "$T/pipelined.out")" \
                "30 ERROR $E.NoSuchCharge"
done
check "polkitd reloaded the rules without the gate (Changed)" polkit_rules 50-gate.rules ""
restart_daemon
expect_eq "at exit: no parked call left" "$(exit_stat 'parked call')" 0

say "---- runtime limits of groups that are forgotten again"
for i in $(seq 1 100); do
        call WriteFile sss "gone-$i.slice" misc.max "sev 5" >/dev/null || fail "WriteFile gone-$i.slice misc.max"
        call WriteFile sss "gone-$i.slice" misc.max "sev max" >/dev/null || fail "WriteFile gone-$i.slice misc.max max"
        call WriteFile sss "gone-$i.slice" dmem.low "$VN 1M" >/dev/null || fail "WriteFile gone-$i.slice dmem.low"
        call WriteFile sss "gone-$i.slice" dmem.low "$VN 0" >/dev/null || fail "WriteFile gone-$i.slice dmem.low 0"
done
expect_error $E.NoSuchGroup GetGroup s gone-1.slice
write_file live.slice misc.max "sev 3"
write_file live.slice rdma.max "mlx5_0 hca_handle=4"
# A forgotten group that comes back holds nothing of its old limits.
charge gone-7.slice misc/sev 1 1
expect_file gone-7.slice misc.max $'sev max\nsev_es max\n'
expect_file live.slice misc.max $'sev 3\nsev_es max\n'
kill9_restart_daemon
expect_file gone-7.slice misc.max $'sev max\nsev_es max\n'
expect_file gone-8.slice dmem.low "$VN 0"$'\n'
expect_file live.slice misc.max $'sev 3\nsev_es max\n'
expect_file live.slice rdma.max $'mlx5_0 hca_handle=4 hca_object=max \n'
write_file gone-9.slice misc.max "sev 2"
write_file gone-9.slice misc.max "sev max"
stop_daemon
expect_eq "at exit: only live.slice's runtime limits are remembered (misc, rdma hca_handle)" \
        "$(exit_stat 'remembered runtime limit')" 2
# The 200 keys of the gone-N groups went with the compaction that ends a
# load; gone-9.slice's, written since, waits for the next one.
expect_eq "at exit: one key of a forgotten group (gone-9.slice misc.max sev) until the next compaction" \
        "$(exit_stat 'of forgotten groups')" 1

say "---- and after a restart"
start_daemon
expect_file live.slice misc.max $'sev 3\nsev_es max\n'
expect_daemon_alive
