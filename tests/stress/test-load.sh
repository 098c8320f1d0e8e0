#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Load: STRESS_CLIENTS (64) concurrent clients x STRESS_CALLS (2000) mixed
# calls (Charge, Uncharge, MigrateCharges, WriteFile, SetUnitProperties and
# reads), after two warm-up runs of the same size. No error but the expected LimitExceeded / CapacityExceeded; once
# the clients exited and their charges are released, nothing is left, and
# resctld's anonymous RSS and what it keeps allocated (its heap in use,
# from GetMallocInfo) are within 10% of what they were after the warm-ups. Prints calls_per_second=,
# heap_in_use_bytes=, rss_before_kb=, rss_after_kb= among name=value lines.
. "$(dirname "$0")/../integration/lib.sh"

STRESS_DIR=$(cd "$(dirname "$0")" && pwd)
CLIENTS=${STRESS_CLIENTS:-64}
CALLS=${STRESS_CALLS:-2000}
SEED=${STRESS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed=$SEED"

it_setup --hardware=demo

rss_kb() {
        awk '$1 == "VmRSS:" { print $2 }' "/proc/$DAEMON_PID/status"
}
anon_kb() {
        awk '$1 == "RssAnon:" { print $2 }' "/proc/$DAEMON_PID/status"
}

declare -A R=()
# run_py PREFIX ARGS...: load.py's name=value lines, printed and kept in R,
# each name with PREFIX in front.
run_py() {
        local prefix=$1 out kv
        shift
        out=$("$PY" "$STRESS_DIR/load.py" "$@") || fail "load.py $1 exits 0"
        while IFS= read -r kv; do
                [[ $kv == *=* ]] || continue
                R[$prefix${kv%%=*}]=${kv#*=}
                printf '%s%s\n' "$prefix" "$kv"
        done <<<"$out"
}

RSS_START=$(rss_kb)
# "before" is resctld at its steady state: a warm-up by as many clients on
# the same groups, first giving every group every limit entry and unit
# setting it can have (STRESS_PRIME), then a run as long as the measured
# one (STRESS_WARMUP_CALLS), so that what resctld keeps for good (limits,
# unit settings, bus objects, hash tables grown to size) is in "before";
# what the measured run leaks is in "after".
# Both the anonymous RSS and the heap in use (malloc_info's) are compared:
# the RSS is what the host pays, the heap in use is what resctld keeps
# (the allocator keeps freed memory, and where a run's peak leaves its
# free chunks decides how many pages stay touched). The anonymous RSS grew
# 14-15% in three of the six CI runs that printed it (+350 kB each). The
# cause was the log's write buffer, kept at the size of the last
# compaction's dump: the heap in use moved between 1.34 and 1.52 MB from
# run to run. With the buffer freed once written, six runs in a row kept
# it between 1.071 and 1.078 MB, and the anonymous RSS between 1824 and
# 1860 kB.
STRESS_PRIME=1 run_py warmup_ run "$CLIENTS" "${STRESS_WARMUP_CALLS:-$CALLS}" "$SEED-warmup"
run_py warmup_ settle
run_py warmup2_ run "$CLIENTS" "${STRESS_WARMUP_CALLS:-$CALLS}" "$SEED-warmup2"
run_py warmup2_ settle
run_py warmup2_ heap
RSS_BEFORE=$(rss_kb)
ANON_BEFORE=$(anon_kb)
HEAP_BEFORE=${R[warmup2_heap_in_use_bytes]}

run_py "" run "$CLIENTS" "$CALLS" "$SEED"
run_py "" settle
run_py "" heap
RSS_AFTER=$(rss_kb)
ANON_AFTER=$(anon_kb)
HEAP_AFTER=${R[heap_in_use_bytes]}

echo "rss_start_kb=$RSS_START"
echo "rss_before_kb=$RSS_BEFORE"
echo "rss_after_kb=$RSS_AFTER"
echo "rss_growth_percent=$(awk -v a="$RSS_BEFORE" -v b="$RSS_AFTER" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')"
echo "anon_before_kb=$ANON_BEFORE"
echo "anon_after_kb=$ANON_AFTER"
echo "anon_growth_percent=$(awk -v a="$ANON_BEFORE" -v b="$ANON_AFTER" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')"
echo "heap_before_bytes=$HEAP_BEFORE"
echo "heap_growth_percent=$(awk -v a="$HEAP_BEFORE" -v b="$HEAP_AFTER" 'BEGIN { if (a > 0) printf "%.1f", (b - a) * 100 / a }')"

expect_eq "warm-up: every client ran its calls" "${R[warmup_clients_failed]:-}" 0
expect_eq "warm-up: no error but LimitExceeded / CapacityExceeded" "${R[warmup_unexpected_errors]:-}" 0
expect_eq "warm-up: nothing left" "${R[warmup_charges_left]:-}/${R[warmup_root_usage_left]:-}" 0/0
expect_eq "second warm-up: every client ran its calls, nothing left" \
        "${R[warmup2_clients_failed]:-}/${R[warmup2_unexpected_errors]:-}/${R[warmup2_charges_left]:-}" 0/0/0
expect_eq "every client ran its calls" "${R[clients_failed]:-}" 0
expect_eq "calls made" "${R[calls]:-}" $((CLIENTS * CALLS))
expect_eq "no error but LimitExceeded / CapacityExceeded" "${R[unexpected_errors]:-}" 0
check "some calls were refused by a limit (the mix reaches the limits)" test "${R[errors_LimitExceeded]:-0}" -gt 0
expect_eq "no charge of an exited client is left" "${R[orphans_left]:-}" 0
expect_eq "no charge is left once the PERSIST ones are uncharged" "${R[charges_left]:-}" 0
expect_eq "no usage is left at the root" "${R[root_usage_left]:-}" 0
if grep -q libasan "/proc/$DAEMON_PID/maps"; then
        # ASan's allocator replaces glibc's, whose malloc_info then says
        # nothing; LeakSanitizer at the graceful stop below checks leaks.
        say "ASan build: heap not compared (LeakSanitizer checks leaks at the stop)"
else
        check "anonymous RSS after the run ($ANON_AFTER kB) within 10% of before ($ANON_BEFORE kB)" \
                test $((ANON_AFTER * 10)) -le $((ANON_BEFORE * 11))
        check "the heap resctld keeps after the run ($HEAP_AFTER bytes) within 10% of before ($HEAP_BEFORE bytes)" \
                test $((HEAP_AFTER * 10)) -le $((HEAP_BEFORE * 11))
        check "the heap figure is a real one (over 100 kB)" test "$HEAP_BEFORE" -gt 100000
fi
expect_daemon_alive
# A graceful stop at the end: exit 0, and (in the ASan build) LeakSanitizer
# found nothing; no sanitizer report anywhere in the log.
stop_daemon
check "no sanitizer report in resctld's log" bash -c "! grep -qE 'runtime error|Sanitizer' '$T/resctld.log'"
