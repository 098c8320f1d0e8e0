#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# resctl run: the charges are taken as resctl's process, which becomes CMD,
# so they are held exactly while CMD runs; all of them or none.
. "$(dirname "$0")/lib.sh"
setup

dmem=dmem/drm/0000:c1:00.0/vram0

# charges_of GROUP: "ID KEY AMOUNT OWNER" per charge of GROUP.
charges_of() {
        "$RESCTL" --no-pager --no-legend list-charges "$1" | awk '{ print $1, $3, $4, $5 }'
}
no_charges() { [ -z "$(charges_of "$1")" ]; }

# CMD sees its own charges: the owner is its pid, as exec keeps it.
expect 0 resctl run --group job.service --charge sev=2 --charge "$dmem=1G" -- \
        sh -c 'echo "pid $$"; "$0" --no-pager --no-legend list-charges job.service' "$RESCTL"
pid=$(sed -n 's/^pid //p' "$tmp/out")
[ -n "$pid" ] || fail "CMD did not run"
awk 'NR > 1 { print $3, $4, $5 }' "$tmp/out" >"$tmp/held"
printf '%s\n' "misc/sev 2 $pid" "$dmem 1G $pid" | diff -u - "$tmp/held" >&2 ||
        fail "CMD did not see both charges owned by its own pid"
[ ! -s "$tmp/err" ] || { cat "$tmp/err" >&2; fail "run printed on stderr"; }
# CMD exited: both go with it.
wait_for "the charges to go when CMD exits" no_charges job.service

# Held while CMD sleeps, released when it is killed.
"$RESCTL" --no-pager run --group sleeper.service --charge misc/sev_es=3 -- sleep 600 &
runner=$!
pids+=("$runner")
held() { [ "$(charges_of sleeper.service | awk '{ print $2, $3, $4 }')" = "misc/sev_es 3 $runner" ]; }
wait_for "the charge of the sleeping CMD" held
[ "$(cat /proc/"$runner"/comm)" = sleep ] || fail "resctl did not become the command"
kill -KILL "$runner"
wait "$runner" 2>/dev/null || true
wait_for "the charge to go when CMD is killed" no_charges sleeper.service

# All or none: the second charge is refused, the first is given back,
# CMD never runs, the exit code and the line say why.
expect 0 resctl set-property limited.slice MiscMax=sev:3
rc=0
"$RESCTL" --no-pager run --group limited.slice --charge sev_es=1 --charge sev=5 -- touch "$tmp/ran" \
        >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -ne 0 ] || fail "run with a refused charge exited 0"
[ "$rc" -ne 127 ] && [ "$rc" -ne 126 ] || fail "run with a refused charge exited $rc (an exec failure)"
[ ! -e "$tmp/ran" ] || fail "CMD ran although a charge was refused"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qE '^Failed to charge sev=5 \(nothing was run\): limited\.slice: misc/sev max 3 reached' "$tmp/err" ||
        { cat "$tmp/err" >&2; fail "run: the refusal is not one clear line"; }
no_charges limited.slice || fail "the first charge was kept after the second was refused"
# The capacity says no just as well.
expect 151 resctl run --group limited.slice --charge sev=1 --charge sev_es=1000 -- touch "$tmp/ran"
[ ! -e "$tmp/ran" ] || fail "CMD ran although the capacity refused a charge"
no_charges limited.slice || fail "charges kept after a capacity refusal"

# A command that cannot be executed: 127, the charges given back.
expect_error 127 "^Failed to execute /nonexistent/cmd: No such file or directory$" \
        resctl run --group job.service --charge sev=1 -- /nonexistent/cmd
no_charges job.service || fail "charges kept after exec failed"

# Usage errors, before anything is charged.
expect_error 2 "^No command given" resctl run --group job.service --charge sev=1
expect_error 2 "^No command given" resctl run --group job.service --charge sev=1 --
expect_error 2 "^No --charge given" resctl run --group job.service -- true
expect_error 2 "^Invalid --charge 'sev': use KEY=AMOUNT" resctl run --charge sev -- true
expect_error 2 "^Invalid --charge 'sev=lots'" resctl run --charge sev=lots -- true
expect_error 2 "^Unknown option '--frob' for run" resctl run --frob --charge sev=1 -- true
expect_error 2 "^Option '--group' needs an argument" resctl run --charge sev=1 --group
# Global options still go before the verb; options of run after it are run's.
expect 0 resctl --no-ask-password run --group=job.service --charge=sev=1 true
wait_for "the charge to go" no_charges job.service
echo "ok"
