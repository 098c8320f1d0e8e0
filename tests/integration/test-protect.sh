#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Protect / Unprotect: a unit's dmem protection in one step. The worked
# case is PROT-05's siblings (kernel-semantics.md 6.4): after Protect, the
# Evict and EvictValuable decisions are the kernel's for the raised
# values (computed by hand below); Unprotect takes back exactly what was
# added, also across a kill -9.
. "$(dirname "$0")/lib.sh"

it_setup --hardware=demo
sig_start s

# a.slice -> a-b.slice -> {a-b-c, a-b-d, a-b-e}.slice, a.slice -> a-g.slice
# low: A 50M, B 50M, C 75M, D 25M; usage C 20M, D 10M, E 30M (oldest first).
expect_ok SetUnitProperties sba\(sv\) a.slice false 1 DMemLow "a(st)" 1 "$VN" $((50 * M))
expect_ok SetUnitProperties sba\(sv\) a-b.slice false 1 DMemLow "a(st)" 1 "$VN" $((50 * M))
expect_ok SetUnitProperties sba\(sv\) a-b-c.slice false 1 DMemLow "a(st)" 1 "$VN" $((75 * M))
expect_ok SetUnitProperties sba\(sv\) a-b-d.slice false 1 DMemLow "a(st)" 1 "$VN" $((25 * M))
write_file a.slice dmem.max "$VN $((70 * M))"
charge_to C1 a-b-c.slice "$V" $((20 * M)) 1
charge a-b-d.slice "$V" $((10 * M)) 1
charge_to E1 a-b-e.slice "$V" $((30 * M)) 1

say "---- before: E's 30M is protected only by the recursive term (20M)"
expect_prop a-b-e.slice EffectiveLow "a{st} 1 \"$V\" $((20 * M))"
expect_out "bb true false" EvictValuable sssb "$V" a.slice a-b-e.slice false
# G asks 30M, A's max 70M refuses it: 20M to free; E is the pass-1 victim.
expect_out "a(tst) 1 $E1 \"a-b-e.slice\" $((30 * M))" Evict sstt "$V" a-g.slice $((30 * M)) 0

say "---- Protect E 30M: E 30M, B 60M, A 60M"
sig_since s
expect_out "t $((30 * M))" Protect sstt a-b-e.slice "$V" $((30 * M)) 0
sig_wait s "ProtectionChanged|a-b-e.slice|$V|$((30 * M))"
expect_file a-b-e.slice dmem.low "$VN $((30 * M))"$'\n'
expect_file a-b.slice dmem.low "$VN $((60 * M))"$'\n'
expect_file a.slice dmem.low "$VN $((60 * M))"$'\n'
expect_file a-b-c.slice dmem.low "$VN $((75 * M))"$'\n'
expect_eq "E's drop-in" "$(tail -n 1 "$T/control/a-b-e.slice.d/50-resctl-DMemLow.conf" 2>/dev/null)" \
        "DMemLow=$VN:$((30 * M))"
expect_eq "B's drop-in" "$(tail -n 1 "$T/control/a-b.slice.d/50-resctl-DMemLow.conf" 2>/dev/null)" \
        "DMemLow=$VN:$((60 * M))"
expect_prop a-b-e.slice EffectiveLow "a{st} 1 \"$V\" $((30 * M))"
expect_prop a-b-c.slice EffectiveLow "a{st} 1 \"$V\" $((20 * M))"
# The kernel's decision with L = A: B is A's child (raw 60M), not
# overcommitted (C 20M + D 10M + E 30M = 60M), so each keeps its usage.
expect_out "bb false true" EvictValuable sssb "$V" a.slice a-b-e.slice false
expect_out "bb true false" EvictValuable sssb "$V" a.slice a-b-e.slice true
expect_out "bb false true" EvictValuable sssb "$V" "" a-b-e.slice false
# Pass 1 finds nothing (all low-protected), pass 2 takes the oldest: C.
expect_out "a(tst) 1 $C1 \"a-b-c.slice\" $((20 * M))" Evict sstt "$V" a-g.slice $((30 * M)) 0
# Again: nothing more to raise, the same answer.
expect_out "t $((30 * M))" Protect sstt a-b-e.slice "$V" $((30 * M)) 0

say "---- the record survives kill -9"
kill9_restart_daemon
expect_file a.slice dmem.low "$VN $((60 * M))"$'\n'
expect_out "a(tst) 1 $C1 \"a-b-c.slice\" $((20 * M))" Evict sstt "$V" a-g.slice $((30 * M)) 0

say "---- Unprotect takes back exactly what was added"
sig_since s
expect_ok Unprotect sst a-b-e.slice "$V" 0
sig_wait s "ProtectionChanged|a-b-e.slice|$V|$((20 * M))"
expect_file a-b-e.slice dmem.low "$VN 0"$'\n'
expect_file a-b.slice dmem.low "$VN $((50 * M))"$'\n'
expect_file a.slice dmem.low "$VN $((50 * M))"$'\n'
expect_file a-b-c.slice dmem.low "$VN $((75 * M))"$'\n'
expect_out "a(tst) 1 $E1 \"a-b-e.slice\" $((30 * M))" Evict sstt "$V" a-g.slice $((30 * M)) 0
expect_error $E.InvalidArgument Unprotect sst a-b-e.slice "$V" 0
expect_match "says there is nothing to take back" "$ERRMSG" "*nothing to take back*"

say "---- someone else's higher value is kept, and kept after Unprotect"
expect_ok SetUnitProperties sba\(sv\) a-b.slice false 1 DMemLow "a(st)" 1 "$VN" $((100 * M))
expect_out "t $((30 * M))" Protect sstt a-b-e.slice "$V" $((30 * M)) 1
expect_file a-b.slice dmem.low "$VN $((100 * M))"$'\n'
expect_file a-b-e.slice dmem.low "$VN $((30 * M))"$'\n'
check "runtime: no drop-in" test ! -e "$T/runtime-control/a-b-e.slice.d/50-resctl-DMemLow.conf"
expect_error $E.InvalidArgument Protect sstt a-b-e.slice "$V" $((40 * M)) 0   # persistent over runtime
kill9_restart_daemon
expect_ok Unprotect sst a-b-e.slice "$V" 0
expect_file a-b.slice dmem.low "$VN $((100 * M))"$'\n'
expect_file a-b-e.slice dmem.low "$VN 0"$'\n'

say "---- min instead of low"
expect_out "t $((20 * M))" Protect sstt a-b-c.slice "$V" $((20 * M)) 2
expect_file a-b-c.slice dmem.min "$VN $((20 * M))"$'\n'
expect_file a.slice dmem.min "$VN $((20 * M))"$'\n'
expect_out "bb false false" EvictValuable sssb "$V" a.slice a-b-c.slice true
expect_error $E.InvalidArgument Unprotect sst a-b-c.slice "$V" 0       # no low protection
expect_ok Unprotect sst a-b-c.slice "$V" 2
expect_file a.slice dmem.min "$VN 0"$'\n'

say "---- bad input changes nothing"
expect_error $E.InvalidArgument Protect sstt -.slice "$V" $M 0
expect_error $E.InvalidArgument Protect sstt a-b-e.slice misc/sev 1 0
expect_error $E.InvalidArgument Protect sstt a-b-e.slice "$V" $M 4
expect_error $E.InvalidArgument Protect sstt "bad name" "$V" $M 0
expect_error $E.NoSuchResource Protect sstt a-b-e.slice dmem/drm/none/vram0 $M 0
expect_file a-b-e.slice dmem.low "$VN 0"$'\n'
expect_daemon_alive
