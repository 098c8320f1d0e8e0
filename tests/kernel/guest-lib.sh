# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers of the kernel tier's guest side (sourced by checks.sh): TAP
# counters, bounded waits, D-Bus calls, signals, writes into cgroups.
X=/mnt/xfer
N_PASS=0
N_FAIL=0
N_REFUSED=0
LATENCY_MAX=0
PY=/usr/bin/python3
IT=$SOURCE_ROOT/tests/integration

say() { printf '# %s\n' "$*"; }
pass() { N_PASS=$((N_PASS + 1)); printf 'ok %d - %s\n' $((N_PASS + N_FAIL)) "$*"; }
fail() { N_FAIL=$((N_FAIL + 1)); printf 'not ok %d - %s\n' $((N_PASS + N_FAIL)) "$*"; }
die() { fail "harness: $*"; summary; exit 1; }
summary() { say "guest: $N_PASS passed, $N_FAIL failed"; }
check() {
        local desc=$1
        shift
        if "$@" >&2; then pass "$desc"; else fail "$desc"; fi
}
expect_eq() {
        if [[ $2 == "$3" ]]; then pass "$1"; return 0; fi
        fail "$1"
        say "   got: $(printf '%q' "$2")"
        say "  want: $(printf '%q' "$3")"
        return 1
}
expect_match() {
        # shellcheck disable=SC2053
        if [[ $2 == $3 ]]; then pass "$1"; return 0; fi
        fail "$1"
        say "   got: $(printf '%q' "${2:0:600}")"
        say "  want: (glob) $3"
        return 1
}
# now: /proc/uptime in centiseconds, without a fork (TCG makes forks dear).
now_cs() {
        local up _
        read -r up _ </proc/uptime
        echo $((10#${up%.*} * 100 + 10#${up#*.}))
}
now() { local up _; read -r up _ </proc/uptime; echo "$up"; }
# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds.
wait_for() {
        local end=$(($(now_cs) + $1 * 100))
        shift
        until "$@" >/dev/null 2>&1; do
                (($(now_cs) < end)) || return 1
                sleep 0.05
        done
}
# wait_file FILE TEXT: the file comes to hold TEXT (resctld writes it).
wait_file() {
        if wait_for 20 bash -c '[[ $(cat "$1") == "$2" ]]' _ "$1" "$2"; then
                pass "${1#/sys/fs/cgroup/} gets $(printf '%q' "$2")"
        else
                fail "${1#/sys/fs/cgroup/} gets $(printf '%q' "$2") (has $(printf '%q' "$(cat "$1" 2>&1)"))"
        fi
}

# call METHOD [SIGNATURE ARGS...]: busctl; OUT = its output; asserted ok.
call() {
        if OUT=$(busctl --system -- call org.resctl.Manager /org/resctl/Manager org.resctl.Manager "$@" 2>&1); then
                return 0
        fi
        fail "$* -> $OUT"
        return 1
}
expect_error() {
        local want=$1 out
        shift
        out=$("$PY" "$IT/dbus-call.py" "$@" 2>&1)
        expect_eq "$* -> $want" "$(sed -n '1s/^ERROR //p' <<<"$out")" "$want"
}
group_path() {
        local name=$1 out="" c i
        for ((i = 0; i < ${#name}; i++)); do
                c=${name:i:1}
                if [[ $c == [A-Za-z0-9] ]]; then out+=$c; else out+=$(printf '_%02x' "'$c"); fi
        done
        echo "/org/resctl/group/$out"
}
# expect_prop_key GROUP PROPERTY KEY VALUE: a value of an a{st} property.
expect_prop_key() {
        local got
        got=$(busctl --system -- get-property org.resctl.Manager "$(group_path "$1")" org.resctl.Group "$2" 2>&1)
        got=$(grep -o "\"$3\" [0-9]*" <<<"$got")
        expect_eq "$1 $2[$3] is the kernel's $4" "${got#\"$3\" }" "$4"
}

# ---- writes: one write(2) from inside a cgroup, the errno by name
# cgwrite CGROUP FILE TEXT -> "ok" or "EBUSY", ... (CGROUP "-": stay)
cgwrite() { "$X/cgwrite" "$@"; }
# poke CGROUP-DIR CMD: a test-module command from inside the cgroup; POKE =
# the result, POKE_TIME = when the write returned.
poke() {
        local out
        out=$(cgwrite "$1" /proc/resctl_misc_test "$2")
        POKE=${out%% *} POKE_TIME=${out##* }
}
# read_file GROUP FILE: ReadFile's text, as it is (busctl's escapes undone).
read_file() {
        local out
        out=$(busctl --system -- call org.resctl.Manager /org/resctl/Manager org.resctl.Manager ReadFile ss "$1" "$2")
        out=${out#s \"}
        printf '%b' "${out%\"}"
}
# expect_read GROUP FILE KFILE: ReadFile shows exactly the kernel's file.
expect_read() {
        expect_eq "ReadFile $1 $2 is the kernel's ${3#/sys/fs/cgroup/}" "$(read_file "$1" "$2")" "$(cat "$3")"
}
# in_cg CGROUP-DIR CMD...: run CMD inside the cgroup.
in_cg() { sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$@"; }

# ---- signals: sigtime.py, one line per signal: "<uptime> Member|arg|..."
SIGF=/run/kt/signals
SIG_SINCE=0
sig_start() {
        : >$SIGF
        "$PY" "$TIER/sigtime.py" $SIGF >/run/kt/sig.ready 2>>$X/sigtime.log &
        wait_for 300 grep -q READY /run/kt/sig.ready || die "sigtime.py did not start"
}
sig_since() { SIG_SINCE=$(wc -l <$SIGF); }
# sig_find GLOB [SKIP]: the first signal after SKIP lines that matches;
# SIG_LINE = it, SIG_TIME = when it arrived.
sig_find() {
        local l lines
        mapfile -t -s "${2:-$SIG_SINCE}" lines <$SIGF
        for l in "${lines[@]}"; do
                # shellcheck disable=SC2053
                if [[ ${l#* } == $1 ]]; then
                        SIG_LINE=${l#* } SIG_TIME=${l%% *}
                        return 0
                fi
        done
        return 1
}
# sig_wait GLOB [TIMEOUT]: a matching signal arrives (since sig_since).
sig_wait() {
        if wait_for "${2:-30}" sig_find "$1"; then
                sig_find "$1"
                pass "signal $1"
                return 0
        fi
        fail "signal $1 (none within ${2:-30}s)"
        tail -n +"$((SIG_SINCE + 1))" $SIGF | tail -n 10 | sed 's/^/#   seen: /'
        return 1
}
sig_count() {
        local n=0 t line
        while read -r t line; do
                # shellcheck disable=SC2053
                [[ $line == $1 ]] && n=$((n + 1))
        done <$SIGF
        echo $n
}

# limit_hit_case CGROUP-DIR CMD LIMITHIT: the kernel refuses CMD (EBUSY);
# its LimitHit arrives (within 10 s). The time from the refused write
# returning to the catcher receiving the signal is a figure, not a check
# (speed goals are not tests): limithit_latency_s= lines, the largest in
# LATENCY_MAX. Under TCG on a loaded host it is mostly the host's.
limit_hit_case() {
        local skip dt
        skip=$(wc -l <$SIGF)
        poke "$1" "$2"
        expect_eq "${1#/sys/fs/cgroup/}: '$2' is refused by the kernel" "$POKE" EBUSY || return
        N_REFUSED=$((N_REFUSED + 1))
        if wait_for 10 sig_find "$3" "$skip"; then
                sig_find "$3" "$skip"
        else
                fail "signal $3 (none within 10s)"
                tail -n +"$((skip + 1))" $SIGF | tail -n 10 | sed 's/^/#   seen: /'
                return
        fi
        dt=$(awk -v a="$POKE_TIME" -v b="$SIG_TIME" 'BEGIN { printf "%.2f", b - a }')
        pass "signal $3 (after ${dt}s)"
        say "limithit_latency_s=$dt"
        LATENCY_MAX=$(awk -v a="$LATENCY_MAX" -v b="$dt" 'BEGIN { print (b > a ? b : a) }')
}
