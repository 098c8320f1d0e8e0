#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# resctl protect / unprotect: amounts and percentages of the region, the
# effective protection printed, and what unprotect leaves.
. "$(dirname "$0")/lib.sh"
setup

dmem=dmem/drm/0000:c1:00.0/vram0
region=drm/0000:c1:00.0/vram0

expect 0 resctl charge --persist game.service "$dmem" 2G
expect 0 resctl charge --persist other.service "$dmem" 1G
# 12.5% of the demo region (16G) is 2G: game.service and system.slice
# (its slice, a child of the root) get 2G of low.
expect 0 resctl protect game.service "$dmem" 12.5%
[ "$(cat "$tmp/out")" = 2G ] || { cat "$tmp/out" "$tmp/err" >&2; fail "protect printed $(cat "$tmp/out"), not 2G"; }
expect 0 resctl cat game.service dmem.low
[ "$(cat "$tmp/out")" = "$region 2147483648" ] || fail "game.service dmem.low: $(cat "$tmp/out")"
expect 0 resctl cat system.slice dmem.low
[ "$(cat "$tmp/out")" = "$region 2147483648" ] || fail "system.slice dmem.low: $(cat "$tmp/out")"
expect 0 resctl cat other.service dmem.low
[ "$(cat "$tmp/out")" = "$region 0" ] || fail "other.service dmem.low: $(cat "$tmp/out")"

# More than it uses: the effective value is its usage, and a hint says so.
expect 0 resctl protect --runtime --min other.service "$dmem" 4G
[ "$(cat "$tmp/out")" = 1G ] || fail "protect --min printed $(cat "$tmp/out"), not 1G"
grep -q "uses less than 4G" "$tmp/err" || { cat "$tmp/err" >&2; fail "no hint for protection above usage"; }
expect 0 resctl cat other.service dmem.min
[ "$(cat "$tmp/out")" = "$region 4294967296" ] || fail "other.service dmem.min: $(cat "$tmp/out")"

expect 0 resctl unprotect game.service "$dmem"
expect 0 resctl cat system.slice dmem.low
[ "$(cat "$tmp/out")" = "$region 0" ] || fail "after unprotect, system.slice dmem.low: $(cat "$tmp/out")"
expect 0 resctl unprotect --min other.service "$dmem"
expect 0 resctl cat system.slice dmem.min
[ "$(cat "$tmp/out")" = "$region 0" ] || fail "after unprotect --min, system.slice dmem.min: $(cat "$tmp/out")"

expect_error 2 "^Failed to unprotect: game\.service: Protect added no low protection" \
        resctl unprotect game.service "$dmem"
expect_error 2 "^Invalid amount '150%': more than 100%\.$" resctl protect game.service "$dmem" 150%
expect_error 2 "^Invalid amount 'lots'" resctl protect game.service "$dmem" lots
expect_error 1 "^Cannot take a percentage of dmem/none: no such resource" resctl protect game.service dmem/none 5%
expect_error 2 "^--min does not apply to 'status'; see 'resctl status --help'\.$" resctl --min status
expect_error 2 "^--runtime does not apply to 'unprotect'; see 'resctl unprotect --help'\.$" resctl unprotect --runtime game.service "$dmem"
echo ok
