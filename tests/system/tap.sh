# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# TAP lines of the system and package tiers, counted into N_PASS and
# N_FAIL: pass DESC; fail DESC [DETAIL...], each detail on a "#   " line.

N_PASS=0
N_FAIL=0

pass() {
        N_PASS=$((N_PASS + 1))
        printf 'ok %d - %s\n' $((N_PASS + N_FAIL)) "$1"
}

fail() {
        N_FAIL=$((N_FAIL + 1))
        printf 'not ok %d - %s\n' $((N_PASS + N_FAIL)) "$1"
        shift
        local l
        for l in "$@"; do printf '#   %s\n' "$l"; done
}
