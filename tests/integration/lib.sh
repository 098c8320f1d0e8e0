# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck disable=SC2034  # ID, OUT, ERRMSG, SIG_LINE are results the tests read
# shellcheck shell=bash
#
# Harness of the integration tests. A test script sources this file and
# calls it_setup; it then gets, in a private mount namespace:
#   - a private system bus (dbus-daemon) at $DBUS_SYSTEM_BUS_ADDRESS, with
#     either the example's permissive default policy or only a system-style
#     default policy plus the project's dbus/org.resctl.Manager.conf;
#   - the real polkitd on that bus, reading the project's .policy (bind
#     mounted over /usr/share/polkit-1/actions) and rules from a test
#     controlled /etc/polkit-1/rules.d;
#   - resctld with temporary state, runtime and control directories.
# Everything started here is killed, and the temp dir removed, on exit.
# Waiting is event based throughout: READY=1 over NOTIFY_SOCKET, bus name
# owner changes, and `tail -F` (inotify) on files that helpers append to.
# Every assertion prints "ok N - ..." or "not ok N - ..."; the script
# exits non-zero if any failed (or if none ran).

set -u
shopt -s extglob

# Run as root, inside a mount namespace of our own.
if [[ ${RESCTL_IT_INNER:-} != 1 ]]; then
        if [[ $(id -u) -ne 0 ]]; then
                echo "SKIP: the integration tests need root (mount namespace, runuser, polkitd)"
                exit 77
        fi
        export RESCTL_IT_INNER=1
        exec unshare --mount --propagation private -- /bin/bash "$0" "$@"
fi

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_ROOT=${SOURCE_ROOT:-$(cd "$IT_DIR/../.." && pwd)}
RESCTLD=${RESCTLD:-$SOURCE_ROOT/build/src/daemon/resctld}
PY=/usr/bin/python3             # Debian's: has python3-dbus and gi
POLKITD=/usr/lib/polkit-1/polkitd
TEST_NAME=$(basename "$0" .sh)
IT_TIMEOUT=${IT_TIMEOUT:-20}

T=$(mktemp -d "/tmp/resctl-it.$TEST_NAME.XXXXXX")
chmod 755 "$T"                  # helpers run as nobody too
mkdir -p "$T/bin"
cp "$IT_DIR"/*.py "$T/bin/"
chmod 755 "$T/bin" "$T"/bin/*

N_PASS=0
N_FAIL=0
IT_PIDS=()
DAEMON_PID=
SUP_PID=
POLKIT_PID=
BUS_PID=
declare -A SIG_PID=() SIG_SINCE=()
MARK_SEQ=0

# ---------------------------------------------------------------- output

say() { printf '# %s\n' "$*"; }

# The demo hardware's GPU region (16 GiB), as a key and as files name it;
# numbers and the error prefix the tests compare with.
V=dmem/drm/0000:c1:00.0/vram0
VN=drm/0000:c1:00.0/vram0
M=1048576
U64MAX=18446744073709551615
E=org.resctl.Error

# A printable, bounded form of an argument list for assertion names.
shorten() {
        local s
        s=$(printf '%q ' "$@")
        s=${s% }
        if ((${#s} > 160)); then
                s="${s:0:150}...(${#s} chars)"
        fi
        printf '%s' "$s"
}

# KNOWN_BUG="what" in front of an assertion: a failure is reported as a
# TAP "# TODO" (an expected failure: listed, not counted as failed).
N_TODO=0
pass() {
        N_PASS=$((N_PASS + 1))
        printf 'ok %d - %s\n' $((N_PASS + N_FAIL + N_TODO)) "$*"
}

fail() {
        if [[ -n ${KNOWN_BUG:-} ]]; then
                N_TODO=$((N_TODO + 1))
                printf 'not ok %d - %s # TODO known bug: %s\n' $((N_PASS + N_FAIL + N_TODO)) "$*" "$KNOWN_BUG"
                return
        fi
        N_FAIL=$((N_FAIL + 1))
        printf 'not ok %d - %s\n' $((N_PASS + N_FAIL + N_TODO)) "$*"
}

die() {
        fail "harness: $*"
        exit 1
}

# expect_same_file DESC BEFORE AFTER [COUNTED [DIFF_LINES]]: the two files
# are the same. With COUNTED the pass line ends in "(N COUNTED)", N the
# lines of AFTER; a failure shows the diff, its first DIFF_LINES lines
# when given.
expect_same_file() {
        local desc=$1 before=$2 after=$3 counted=${4:-} lines=${5:-}
        if cmp -s "$before" "$after"; then
                pass "$desc${counted:+ ($(wc -l <"$after") $counted)}"
                return
        fi
        fail "$desc"
        diff -u "$before" "$after" | { if [[ -n $lines ]]; then head -n "$lines"; else cat; fi; } | sed 's/^/#   /'
}

# check DESC COMMAND...: passes if COMMAND succeeds.
check() {
        local desc=$1
        shift
        if "$@"; then
                pass "$desc"
        else
                fail "$desc"
        fi
}

# expect_eq DESC GOT WANT
expect_eq() {
        if [[ $2 == "$3" ]]; then
                pass "$1"
                return 0
        fi
        fail "$1"
        say "   got: $(printf '%q' "$2")"
        say "  want: $(printf '%q' "$3")"
        return 1
}

# expect_match DESC GOT GLOB
expect_match() {
        # shellcheck disable=SC2053
        if [[ $2 == $3 ]]; then
                pass "$1"
                return 0
        fi
        fail "$1"
        say "   got: $(printf '%q' "$2")"
        say "  want: (glob) $3"
        return 1
}

# ---------------------------------------------------------------- waiting

# wait_line FILE GLOB [TIMEOUT] [SKIP_LINES]: block until a line of FILE
# (after the first SKIP_LINES) matches GLOB; sets WAIT_LINE. tail -F
# follows the file by inotify; timeout bounds the wait.
wait_line() {
        local file=$1 glob=$2 to=${3:-$IT_TIMEOUT} skip=${4:-0} line fd pid rc=1
        WAIT_LINE=
        exec {fd}< <(exec timeout "$to" tail -n "+$((skip + 1))" -F "$file" 2>/dev/null)
        pid=$!
        while IFS= read -r -u "$fd" line; do
                # shellcheck disable=SC2053
                if [[ $line == $glob ]]; then
                        WAIT_LINE=$line
                        rc=0
                        break
                fi
        done
        kill "$pid" 2>/dev/null
        exec {fd}<&-
        wait "$pid" 2>/dev/null
        return $rc
}

count_lines() {
        local n
        n=$(wc -l <"$1" 2>/dev/null) || n=0
        echo "${n:-0}"
}

# name_wait NAME owned|gone [TIMEOUT]
name_wait() {
        "$PY" "$T/bin/name-wait.py" "$1" "$2" "${3:-$IT_TIMEOUT}"
}

# ---------------------------------------------------------------- bus

# write_bus_config permissive|project FILE
write_bus_config() {
        local mode=$1 out=$2 example=/work/shared/spec/private-system-bus.conf.example
        mkdir -p "$T/dbus.d" "$T/services"
        cp "$SOURCE_ROOT/dbus/org.resctl.Manager.conf" "$T/dbus.d/"
        if [[ $mode == permissive ]]; then
                [[ -r $example ]] || die "missing $example"
                # The example, with our socket, no system service activation
                # (nothing may start a host service on this bus), and our
                # copy of the project's policy.
                sed -e "s|@SOCKET@|$T/bus.sock|" \
                    -e "s|<standard_system_servicedirs/>|<servicedir>$T/services</servicedir>|" \
                    -e "s|</busconfig>|  <includedir>$T/dbus.d</includedir>\n</busconfig>|" \
                    "$example" >"$out"
        else
                # No permissive default: the system bus's own default policy
                # (as in /usr/share/dbus-1/system.conf: no owning, no method
                # calls unless a policy file punches a hole), polkit's policy
                # file, and the project's.
                sed -e "s|@T@|$T|g" "$IT_DIR/system-bus.conf.in" >"$out"
        fi
}

start_bus() {
        local mode=${1:-permissive}
        write_bus_config "$mode" "$T/bus.conf"
        : >"$T/bus.addr"
        # keep_umask: everyone (nobody too) must be able to connect.
        (umask 000 && exec dbus-daemon --nofork --config-file="$T/bus.conf" --print-address=3 \
                3>"$T/bus.addr" >"$T/dbus-daemon.log" 2>&1) &
        BUS_PID=$!
        IT_PIDS+=("$BUS_PID")
        wait_line "$T/bus.addr" "unix:*" || die "dbus-daemon did not start: $(cat "$T/dbus-daemon.log")"
        export DBUS_SYSTEM_BUS_ADDRESS=$WAIT_LINE
        say "private system bus ($mode policy): $DBUS_SYSTEM_BUS_ADDRESS"
}

stop_bus() {
        kill "$BUS_PID" 2>/dev/null
        wait "$BUS_PID" 2>/dev/null
        BUS_PID=
}

# restart_services permissive|project: everything again on a new bus, with
# empty state (signal catchers of the old bus are stopped).
restart_services() {
        sig_stop_all
        [[ -n $DAEMON_PID ]] && stop_daemon
        stop_polkit
        stop_bus
        rm -rf "$T/state" "$T/run" "$T/control" "$T/runtime-control"
        start_bus "$1"
        start_polkit
        start_daemon
}

# ---------------------------------------------------------------- polkit

# Our actions and rules directories, bind mounted over the real ones.
setup_polkit_dirs() {
        mkdir -p "$T/actions" "$T/rules.d"
        cp -a /usr/share/polkit-1/actions/. "$T/actions/"
        cp "$SOURCE_ROOT/polkit/org.resctl.policy" "$T/actions/"
        chmod 755 "$T/actions"
        chmod 644 "$T"/actions/*
        chown polkitd:root "$T/rules.d" 2>/dev/null || chmod 755 "$T/rules.d"
        chmod 700 "$T/rules.d"
        mount --bind "$T/actions" /usr/share/polkit-1/actions || die "cannot bind mount the actions directory"
        mkdir -p /etc/polkit-1/rules.d
        mount --bind "$T/rules.d" /etc/polkit-1/rules.d || die "cannot bind mount the rules directory"
}

start_polkit() {
        "$POLKITD" --no-debug >>"$T/polkitd.log" 2>&1 &
        POLKIT_PID=$!
        IT_PIDS+=("$POLKIT_PID")
        timeout $((IT_TIMEOUT + 5)) gdbus wait --system --timeout "$IT_TIMEOUT" org.freedesktop.PolicyKit1 ||
                die "polkitd did not appear on the bus: $(cat "$T/polkitd.log")"
}

stop_polkit() {
        kill "$POLKIT_PID" 2>/dev/null
        wait "$POLKIT_PID" 2>/dev/null
        name_wait org.freedesktop.PolicyKit1 gone || die "polkitd's name stayed on the bus"
}

# polkit_rules NAME TEXT: install (atomically: rename) a rules file, or
# remove it if TEXT is empty, and wait until polkitd says it reloaded
# (its Authority emits Changed after re-reading the rules directories).
polkit_rules() {
        local name=$1 text=$2 since
        sig_ensure polkit
        since=$(count_lines "$T/sig.polkit")
        if [[ -n $text ]]; then
                printf '%s\n' "$text" >"$T/$name.tmp"
                chmod 644 "$T/$name.tmp"
                mv -f "$T/$name.tmp" "$T/rules.d/$name"
        else
                rm -f "$T/rules.d/$name"
        fi
        wait_line "$T/sig.polkit" "Changed*" "$IT_TIMEOUT" "$since"
}

# ---------------------------------------------------------------- daemon wrapper
# >>> RESCTL_DAEMON_WRAPPER (valgrind support; nothing here acts when it is unset)
# RESCTL_DAEMON_WRAPPER="valgrind --leak-check=full ..." prefixes every
# resctld command line. For valgrind, each daemon process writes
# $T/valgrind.<pid>.log, and the test's end checks every such log: a
# memcheck error or a definite/indirect leak fails the test (a daemon
# killed by SIGKILL has no leak summary: only its errors are checked).
# At the end a still running daemon gets SIGTERM, so that valgrind writes
# its leak summary.
DAEMON_WRAPPER=()
if [[ -n ${RESCTL_DAEMON_WRAPPER:-} ]]; then
        read -r -a DAEMON_WRAPPER <<<"$RESCTL_DAEMON_WRAPPER"
        # supervise.py execs it without a PATH search.
        DAEMON_WRAPPER[0]=$(command -v "${DAEMON_WRAPPER[0]}") || {
                echo "RESCTL_DAEMON_WRAPPER: no ${RESCTL_DAEMON_WRAPPER%% *} on PATH"
                exit 1
        }
        if [[ $(basename "${DAEMON_WRAPPER[0]}") == valgrind ]]; then
                DAEMON_WRAPPER+=("--log-file=$T/valgrind.%p.log")
        fi
        # Some daemon paths differ under the wrapper (valgrind 3.19 has no
        # pidfd_open), helpers may die, and a write to a dead helper's fifo
        # would kill the test by SIGPIPE before it_cleanup: leaving the
        # bus and polkitd behind and the valgrind logs unchecked.
        trap 'exit 141' PIPE
fi

# wrapper_check: one assertion per valgrind log of this test.
wrapper_check() {
        local log pid errs leaks
        for log in "$T"/valgrind.*.log; do
                [[ -e $log ]] || continue
                pid=${log##*/valgrind.}
                pid=${pid%.log}
                # Error headers memcheck prints as it finds them, and leak
                # records of the kinds that count.
                errs=$(grep -cE '^==[0-9]+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Argument .* of function .* has a fishy|Invalid alignment)' "$log")
                leaks=$(grep -cE '^==[0-9]+== .* (definitely|indirectly) lost in loss record' "$log")
                if ! grep -q 'ERROR SUMMARY:' "$log"; then
                        if ((errs == 0)); then
                                pass "valgrind: resctld $pid: no memcheck error (killed: no leak summary)"
                        else
                                fail "valgrind: resctld $pid: $errs memcheck error(s) (killed: no leak summary)"
                                sed 's/^/#   /' "$log" | head -n 200
                        fi
                elif ((errs == 0 && leaks == 0)) && grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
                        pass "valgrind: resctld $pid: no memcheck error, no definite or indirect leak"
                else
                        fail "valgrind: resctld $pid: $errs error(s), $leaks definite/indirect leak record(s): $(grep -o 'ERROR SUMMARY: .*' "$log")"
                        sed 's/^/#   /' "$log" | head -n 400
                fi
        done
}

# wrapper_finish: at the end, the running daemon ends by SIGTERM, then the
# logs are checked.
wrapper_finish() {
        local since
        if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
                since=$(count_lines "$T/resctld.status")
                kill -TERM "$DAEMON_PID"
                if wait_line "$T/resctld.status" "@(EXITED*|SIGNALED*)" "$IT_TIMEOUT" "$since"; then
                        expect_eq "resctld (wrapped) exits 0 on SIGTERM at the end" "$WAIT_LINE" "EXITED 0"
                else
                        fail "resctld (wrapped) did not exit within ${IT_TIMEOUT}s of SIGTERM at the end"
                fi
        fi
        wrapper_check
}
# <<< RESCTL_DAEMON_WRAPPER

# ---------------------------------------------------------------- daemon

DAEMON_ARGS=()
HARDWARE=demo

start_daemon() {
        local since
        mkdir -p "$T/state" "$T/run" "$T/control" "$T/runtime-control" "$T/units" "$T/cgroup"
        : >>"$T/resctld.status"
        since=$(count_lines "$T/resctld.status")
        echo "---- resctld start $(date +%T.%N) ----" >>"$T/resctld.log"
        "$PY" "$T/bin/supervise.py" "$T/notify.sock" "$T/resctld.status" "$T/resctld.log" -- \
                "${DAEMON_WRAPPER[@]}" "$RESCTLD" --hardware="$HARDWARE" --state-dir="$T/state" --runtime-dir="$T/run" \
                --control-dir="$T/control" --runtime-control-dir="$T/runtime-control" \
                --unit-path="$T/units" --cgroup-root="$T/cgroup" --log-level=debug \
                "${DAEMON_ARGS[@]}" "$@" &
        SUP_PID=$!
        IT_PIDS+=("$SUP_PID")
        wait_line "$T/resctld.status" "PID *" 10 "$since" || die "supervise.py did not start resctld"
        DAEMON_PID=${WAIT_LINE#PID }
        IT_PIDS+=("$DAEMON_PID")
        if ! wait_line "$T/resctld.status" "@(READY|EXITED*|SIGNALED*)" "$IT_TIMEOUT" "$since" ||
                [[ $WAIT_LINE != READY ]]; then
                tail -n 30 "$T/resctld.log" | sed 's/^/# resctld: /'
                die "resctld did not get ready (${WAIT_LINE:-timeout})"
        fi
        name_wait org.resctl.Manager owned 5 || die "READY=1 but org.resctl.Manager is not owned"
}

# Waits for the daemon's end after a signal; sets DAEMON_END.
wait_daemon_end() {
        local since=$1
        wait_line "$T/resctld.status" "@(EXITED*|SIGNALED*)" "$IT_TIMEOUT" "$since" || die "resctld did not exit"
        DAEMON_END=$WAIT_LINE
        wait "$SUP_PID" 2>/dev/null
        name_wait org.resctl.Manager gone || die "org.resctl.Manager stayed on the bus after resctld ended"
        DAEMON_PID=
}

# stop_daemon: SIGTERM, and the daemon must exit 0.
stop_daemon() {
        local since
        since=$(count_lines "$T/resctld.status")
        kill -TERM "$DAEMON_PID"
        wait_daemon_end "$since"
        expect_eq "resctld exits 0 on SIGTERM" "$DAEMON_END" "EXITED 0"
}

restart_daemon() {
        stop_daemon
        start_daemon "$@"
}

kill9_daemon() {
        local since
        since=$(count_lines "$T/resctld.status")
        kill -KILL "$DAEMON_PID"
        wait_daemon_end "$since"
        [[ $DAEMON_END == "SIGNALED 9" ]] || die "resctld ended with $DAEMON_END, not by SIGKILL"
}

kill9_restart_daemon() {
        kill9_daemon
        start_daemon "$@"
}

daemon_alive() {
        [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null &&
                name_wait org.resctl.Manager owned 2
}

expect_daemon_alive() {
        check "resctld is still running and owns org.resctl.Manager" daemon_alive
}

# ---------------------------------------------------------------- calls

# AS_USER=nobody in front of a call helper runs it as that user.
_as() {
        if [[ -n ${AS_USER:-} ]]; then
                runuser -u "$AS_USER" -- "$@"
        else
                "$@"
        fi
}

# call METHOD [SIGNATURE ARGS...]: busctl on the manager, busctl's output.
call() {
        _as busctl --system -- call org.resctl.Manager /org/resctl/Manager org.resctl.Manager "$@"
}

# pycall METHOD [SIGNATURE ARGS...]: the same through dbus-call.py
# ("OK" + JSON lines, or "ERROR name" + message).
pycall() {
        _as "$PY" "$T/bin/dbus-call.py" "$@"
}

# expect_ok METHOD [SIGNATURE ARGS...]: the call succeeds; OUT = busctl's output.
expect_ok() {
        local rc=0
        OUT=$(call "$@" 2>&1) || rc=$?
        if ((rc == 0)); then
                pass "${AS_USER:+[$AS_USER] }$(shorten "$@") -> ok"
                return 0
        fi
        fail "${AS_USER:+[$AS_USER] }$(shorten "$@") -> ok"
        say "  failed: $OUT"
        return 1
}

# expect_out WANT METHOD [SIGNATURE ARGS...]: busctl prints exactly WANT.
expect_out() {
        local want=$1 rc=0
        shift
        OUT=$(call "$@" 2>&1) || rc=$?
        expect_eq "${AS_USER:+[$AS_USER] }$(shorten "$@") -> $want" "$OUT" "$want"
}

# expect_error ERRORNAME METHOD [SIGNATURE ARGS...]: the call fails with
# that D-Bus error name (a glob: "@(A|B)" for either) and a one-line,
# non-empty message; ERRMSG = message.
expect_error() {
        local want=$1 out name
        shift
        out=$(pycall "$@" 2>&1)
        name=$(sed -n '1s/^ERROR //p' <<<"$out")
        ERRMSG=$(sed -n '2p' <<<"$out")
        # shellcheck disable=SC2053
        if [[ $out == ERROR* && $name == $want && -n $ERRMSG && $(wc -l <<<"$out") -eq 2 ]]; then
                pass "${AS_USER:+[$AS_USER] }$(shorten "$@") -> $name ($(shorten "$ERRMSG"))"
                return 0
        fi
        fail "${AS_USER:+[$AS_USER] }$(shorten "$@") -> $want"
        say "  got: $(printf '%q' "${out:0:400}")"
        return 1
}

# read_file GROUP FILE: the file's text, byte for byte, on stdout.
read_file() {
        pycall --raw ReadFile ss "$1" "$2"
}

# expect_file GROUP FILE WANT: ReadFile returns exactly WANT.
expect_file() {
        local got rc=0
        got=$(read_file "$1" "$2"; echo x) || rc=$?
        got=${got%x}
        if ((rc != 0)); then
                fail "ReadFile $1 $2 == $(printf '%q' "$3")"
                say "  failed: $got"
                return 1
        fi
        expect_eq "ReadFile $1 $2 == $(printf '%q' "$3")" "$got" "$3"
}

# write_file GROUP FILE TEXT (an assertion that it is accepted)
write_file() {
        expect_ok WriteFile sss "$1" "$2" "$3"
}

# group_path NAME: sd_bus_path_encode("/org/resctl/group", NAME)
group_path() {
        local name=$1 out="" c i
        if [[ -z $name ]]; then
                echo "/org/resctl/group/_"
                return
        fi
        for ((i = 0; i < ${#name}; i++)); do
                c=${name:i:1}
                if [[ $c == [A-Za-z0-9] ]]; then
                        out+=$c
                else
                        out+=$(printf '_%02x' "'$c")
                fi
        done
        echo "/org/resctl/group/$out"
}

# get_prop GROUP PROPERTY: busctl's output for an org.resctl.Group property.
get_prop() {
        busctl --system -- get-property org.resctl.Manager "$(group_path "$1")" org.resctl.Group "$2"
}

expect_prop() {
        local got
        got=$(get_prop "$1" "$2" 2>&1)
        expect_eq "$1 property $2 == $3" "$got" "$3"
}

# charge GROUP KEY AMOUNT FLAGS: an asserted successful Charge; ID = its id.
charge() {
        ID=
        if expect_ok Charge sstt "$@"; then
                ID=${OUT#t }
        fi
}

# charge_to VAR GROUP KEY AMOUNT FLAGS: charge, and VAR=$ID too.
charge_to() {
        local var=$1
        shift
        charge "$@"
        printf -v "$var" '%s' "$ID"
}

# ---------------------------------------------------------------- signals

# sig_start NAME [MATCH_RULE...]: record signals into $T/sig.NAME from now on.
sig_start() {
        local name=$1
        shift
        : >"$T/sig.$name"
        : >"$T/sig.$name.ready"
        chmod 666 "$T/sig.$name" "$T/sig.$name.ready"
        # SIG_USER=nobody: listen as that user (signals must reach everyone).
        if [[ -n ${SIG_USER:-} ]]; then
                runuser -u "$SIG_USER" -- "$PY" "$T/bin/sigcatch.py" "$T/sig.$name" "$@" \
                        >"$T/sig.$name.ready" 2>>"$T/sigcatch.log" &
        else
                "$PY" "$T/bin/sigcatch.py" "$T/sig.$name" "$@" >"$T/sig.$name.ready" 2>>"$T/sigcatch.log" &
        fi
        SIG_PID[$name]=$!
        IT_PIDS+=("$!")
        SIG_SINCE[$name]=0
        wait_line "$T/sig.$name.ready" "READY" || die "signal catcher $name did not start"
}

sig_ensure() {
        [[ -n ${SIG_PID[$1]:-} ]] || sig_start "$@"
}

sig_stop() {
        kill "${SIG_PID[$1]}" 2>/dev/null
        wait "${SIG_PID[$1]}" 2>/dev/null
        unset "SIG_PID[$1]"
}

sig_stop_all() {
        local n
        for n in "${!SIG_PID[@]}"; do
                sig_stop "$n"
        done
}

# sig_since NAME: later sig_wait/sig_count look only at signals from now on.
sig_since() {
        SIG_SINCE[$1]=$(count_lines "$T/sig.$1")
}

# sig_wait NAME GLOB [TIMEOUT]: assert that a signal line matching GLOB
# arrives (or arrived since sig_since); SIG_LINE = that line.
sig_wait() {
        local name=$1 glob=$2 to=${3:-10}
        SIG_LINE=
        if wait_line "$T/sig.$name" "$glob" "$to" "${SIG_SINCE[$name]:-0}"; then
                SIG_LINE=$WAIT_LINE
                pass "signal $glob"
                return 0
        fi
        fail "signal $glob (none within ${to}s)"
        tail -n +"$((${SIG_SINCE[$name]:-0} + 1))" "$T/sig.$name" | tail -n 20 | sed 's/^/#   seen: /'
        return 1
}

# sig_mark NAME: emit a marker signal and wait until catcher NAME got it.
# The daemon sends its signals before the reply that ends a call, and the
# bus keeps each sender's order, so once the marker (sent after that reply)
# is in, every signal the call caused is in too.
sig_mark() {
        local name=$1
        MARK_SEQ=$((MARK_SEQ + 1))
        gdbus emit --system --object-path /org/resctl/Test --signal org.resctl.Test.Mark "'m$MARK_SEQ'" \
                >/dev/null || die "cannot emit a marker signal"
        wait_line "$T/sig.$name" "Mark|m$MARK_SEQ" 10 "${SIG_SINCE[$name]:-0}" ||
                die "marker m$MARK_SEQ did not reach catcher $name"
}

# sig_count NAME GLOB: how many signals since sig_since match GLOB
# (call sig_mark first).
sig_count() {
        local n=0 line
        while IFS= read -r line; do
                # shellcheck disable=SC2053
                [[ $line == $2 ]] && n=$((n + 1))
        done < <(tail -n +"$((${SIG_SINCE[$1]:-0} + 1))" "$T/sig.$1")
        echo "$n"
}

# sig_expect_count NAME GLOB N: after a marker, exactly N such signals.
sig_expect_count() {
        sig_mark "$1"
        expect_eq "exactly $3 signal(s) $2" "$(sig_count "$1" "$2")" "$3"
}

# ---------------------------------------------------------------- clients

# client_start NAME [USER [CLIENT_ARGS...]]: a long-lived client.py;
# CLIENT_PID[NAME]. CLIENT_WRAP="cmd args" in front runs it through cmd.
declare -A CLIENT_PID=() CLIENT_IN=() CLIENT_OUT=()
client_start() {
        local name=$1 user=${2:-} fin fout wrap=()
        shift $(($# < 2 ? $# : 2))
        [[ -n ${CLIENT_WRAP:-} ]] && read -r -a wrap <<<"$CLIENT_WRAP"
        rm -f "$T/client.$name.in" "$T/client.$name.out"
        mkfifo -m 666 "$T/client.$name.in" "$T/client.$name.out"
        if [[ -n $user ]]; then
                runuser -u "$user" -- "${wrap[@]}" "$PY" "$T/bin/client.py" "$@" <"$T/client.$name.in" \
                        >"$T/client.$name.out" 2>>"$T/client.log" &
        else
                "${wrap[@]}" "$PY" "$T/bin/client.py" "$@" <"$T/client.$name.in" >"$T/client.$name.out" \
                        2>>"$T/client.log" &
        fi
        IT_PIDS+=("$!")
        exec {fin}>"$T/client.$name.in"
        exec {fout}<"$T/client.$name.out"
        CLIENT_IN[$name]=$fin
        CLIENT_OUT[$name]=$fout
        local line
        read -r -t "$IT_TIMEOUT" -u "$fout" line || die "client $name did not start"
        [[ $line == "READY "* ]] || die "client $name: $line"
        CLIENT_PID[$name]=${line#READY }
        IT_PIDS+=("${CLIENT_PID[$name]}")
}

# client_call NAME METHOD SIG ARGS...: REPLY = "OK [...]" or "ERROR name msg"
client_call() {
        local name=$1
        shift
        printf 'call %s\n' "$(printf '%q ' "$@")" >&"${CLIENT_IN[$name]}"
        read -r -t 30 -u "${CLIENT_OUT[$name]}" REPLY || REPLY="ERROR (no answer from client $name)"
}

# client_exit NAME: the client exits (told so; other processes started
# since may hold its input open too); waits for it.
client_exit() {
        local name=$1 pid=${CLIENT_PID[$1]}
        local fin=${CLIENT_IN[$name]} fout=${CLIENT_OUT[$name]}
        printf 'exit\n' >&"$fin"
        exec {fin}>&- {fout}<&-
        pid_wait "$pid" || die "client $name did not exit"
}

# pid_wait PID [TIMEOUT]: wait (through a pidfd) until PID, which need not
# be our child, has exited.
pid_wait() {
        "$PY" -c '
import os, select, sys
try:
    fd = os.pidfd_open(int(sys.argv[1]))
except ProcessLookupError:
    sys.exit(0)
sys.exit(0 if select.select([fd], [], [], float(sys.argv[2]))[0] else 1)
' "$1" "${2:-$IT_TIMEOUT}"
}

# ---------------------------------------------------------------- setup

# it_setup [--bus=permissive|project] [--hardware=demo|none] [--no-daemon]
it_setup() {
        local bus=permissive daemon=1 a
        for a in "$@"; do
                case $a in
                --bus=*) bus=${a#--bus=} ;;
                --hardware=*) HARDWARE=${a#--hardware=} ;;
                --no-daemon) daemon=0 ;;
                *) die "it_setup: unknown option $a" ;;
                esac
        done
        [[ -x $RESCTLD ]] || die "no resctld at $RESCTLD (build it: meson setup build && ninja -C build)"
        for a in dbus-daemon gdbus busctl runuser "$POLKITD" "$PY"; do
                command -v "$a" >/dev/null || die "missing $a (apt-get install dbus-daemon polkitd libglib2.0-bin python3-dbus python3-gi util-linux)"
        done
        say "$TEST_NAME: temp dir $T, resctld $RESCTLD"
        setup_polkit_dirs
        start_bus "$bus"
        start_polkit
        ((daemon)) && start_daemon
        return 0
}

it_cleanup() {
        local rc=$? i
        trap - EXIT
        [[ -n ${RESCTL_DAEMON_WRAPPER:-} ]] && wrapper_finish   # RESCTL_DAEMON_WRAPPER
        for ((i = ${#IT_PIDS[@]} - 1; i >= 0; i--)); do
                kill -KILL "${IT_PIDS[i]}" 2>/dev/null
        done
        wait 2>/dev/null
        umount /etc/polkit-1/rules.d 2>/dev/null
        umount /usr/share/polkit-1/actions 2>/dev/null
        if ((N_FAIL > 0)) && [[ -f $T/resctld.log ]]; then
                say "last lines of the resctld log:"
                tail -n 40 "$T/resctld.log" | sed 's/^/#   /'
        fi
        printf '# %s: %d passed, %d failed, %d known bug(s)\n' "$TEST_NAME" "$N_PASS" "$N_FAIL" "$N_TODO"
        printf '1..%d\n' $((N_PASS + N_FAIL + N_TODO))
        if [[ -n ${IT_KEEP:-} ]]; then
                say "kept $T"
        else
                rm -rf "$T"
        fi
        if ((N_FAIL > 0)); then
                rc=1
        elif ((rc == 0 && N_PASS == 0)); then
                echo "# no assertion ran"
                rc=1
        fi
        exit "$rc"
}
trap it_cleanup EXIT
trap 'exit 130' INT TERM
