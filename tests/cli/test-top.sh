#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# resctl top: --batch prints an update per change the daemon signals (and
# none without one: --iterations=3 ends only after two changes); on a
# terminal (tmux) it redraws in place, takes keys (n: order by name, q:
# quit) and restores the terminal.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "tmux is not installed (scripts/deps)"; exit 77; }
setup

expect 0 resctl set-property tenant-a.slice MiscMax=sev:2
expect 0 resctl charge --persist tenant-a.slice sev 2

# Batch: the first update at once, the others on signals (each run bounded
# by timeout: an update that never comes fails the test).
timeout 20 "$RESCTL" top --batch --iterations=3 sev >"$tmp/top" 2>"$tmp/top.err" &
top=$!
pids+=("$top")
wait_for "the first update" grep -q '^tenant\.slice ' "$tmp/top"
expect 0 resctl charge --persist vm1.service sev 3                     # a group appears
wait_for "the second update" grep -q '^vm1\.service  *3 ' "$tmp/top"
expect 150 resctl charge --persist tenant-a.slice sev 1                  # LimitHit
rc=0
wait "$top" || rc=$?
[ "$rc" = 0 ] || { cat "$tmp/top.err" >&2; fail "top --batch exited $rc"; }
cp "$tmp/top" "$tmp/out"
compare top-batch
# A unit setting's new max is announced (PropertiesChanged) and shown.
timeout 20 "$RESCTL" top --batch -n2 --order=max sev >"$tmp/top" 2>"$tmp/top.err" &
top=$!
pids+=("$top")
wait_for "the first update" grep -q '^tenant\.slice ' "$tmp/top"
expect 0 resctl set-property vm1.service MiscMax=sev:4
rc=0
wait "$top" || rc=$?
[ "$rc" = 0 ] || { cat "$tmp/top.err" >&2; fail "top --batch -n2 exited $rc"; }
sed -n '/^$/,$p' "$tmp/top" | grep -qE '^vm1\.service +3 +4 +3 +0$' || { cat "$tmp/top" >&2; fail "the new max"; }
# Ordered by max: the tightest first.
[ "$(sed -n '/^$/,$p' "$tmp/top" | sed -n 4p | cut -d' ' -f1)" = tenant-a.slice ] ||
        { cat "$tmp/top" >&2; fail "not ordered by max"; }
expect 0 resctl top --batch -n1 --order=name dmem/drm/0000:c1:00.0/vram0
compare top-dmem-name

expect_error 2 "^Unknown order 'size'" resctl top --order=size
expect_error 2 "^Invalid number of iterations '0'" resctl top -n0
expect_error 1 "^Unknown resource 'misc/nope'" resctl top nope
expect_error 2 "^--batch does not apply to 'status'; see 'resctl status --help'\.$" resctl status --batch

# On a terminal: a private tmux server, its pane kept when top exits.
sock="resctl-test-$$"
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
# In an ASan build, LeakSanitizer's exit-time check (its tracer shares the
# terminal's descriptors) can keep the pane open for a minute on a loaded
# machine after top exited: leaks are checked by the batch runs above.
# The shell around top reaps it and writes its exit status: tmux's own
# reaping (pane_dead_status) was seen to lag behind for over a minute.
tmx new-session -d -x 100 -y 20 -s top \
        "env DBUS_SYSTEM_BUS_ADDRESS='$DBUS_SYSTEM_BUS_ADDRESS' LC_ALL=C.UTF-8 NO_COLOR=1 \
         ASAN_OPTIONS='${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0' '$RESCTL' top sev; \
         echo \$? >'$tmp/top.status.tmp' && mv '$tmp/top.status.tmp' '$tmp/top.status'"
pids+=("$(tmx display-message -p '#{pid}')")
tmx set-option -t top remain-on-exit on >/dev/null
screen() { tmx capture-pane -p -t top >"$tmp/screen"; }
on_screen() { screen && grep -qE "$1" "$tmp/screen"; }
wait_for "top on the terminal" on_screen '^misc/sev: 5 of 400 used, 1 refused; ordered by usage$'
expect 0 resctl charge --persist tenant-b.slice sev 7
wait_for "the charge on the screen" on_screen '^tenant-b\.slice +7 +max +7 +0$'
# Ordered by usage: tenant-b.slice (7) above vm1.service (3), on one screen.
[ "$(grep -c '^misc/sev:' "$tmp/screen")" = 1 ] || { cat "$tmp/screen" >&2; fail "not redrawn in place"; }
grep -A3 '^-\.slice' "$tmp/screen" | grep -q '^tenant-b\.slice' || { cat "$tmp/screen" >&2; fail "not ordered by usage"; }
expect 150 resctl charge --persist tenant-a.slice sev 1
wait_for "the refusal on the screen" on_screen '^tenant-a\.slice +2 +2 +2 +2$'
on_screen '^misc/sev: 12 of 400 used, 2 refused;' || { cat "$tmp/screen" >&2; fail "header"; }
tmx send-keys -t top n
wait_for "order by name" on_screen 'ordered by name$'
screen
awk '/^GROUP/ { on = 1; next } on && NF { print $1 }' "$tmp/screen" >"$tmp/names"
sort -c "$tmp/names" 2>/dev/null || { cat "$tmp/screen" >&2; fail "not ordered by name"; }
tmx send-keys -t top q
quit_by=$((SECONDS + 60))
until [ -e "$tmp/top.status" ]; do
        if ((SECONDS > quit_by)); then
                screen
                cat "$tmp/screen" >&2
                ps -o pid,stat,wchan:30,cmd --ppid "$(tmx display-message -p -t top '#{pane_pid}')" >&2 || true
                fail "top did not quit on q"
        fi
        sleep 0.1
done
st=$(cat "$tmp/top.status")
[ "$st" = 0 ] || { screen; cat "$tmp/screen" >&2; fail "top exited $st on q"; }
tmx kill-server
echo "ok"
