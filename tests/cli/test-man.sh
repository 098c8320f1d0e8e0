#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The man pages render without warnings, and document what the code has:
# every option of resctl and resctld, every verb, every method, property,
# signal and error of the D-Bus API, every [X-Resctl] setting.
. "$(dirname "$0")/lib.sh"

if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
        echo "man or groff is not installed (apt-get install man-db groff-base)"
        exit 77
fi
man_dir="$SOURCE_ROOT/man"
render() {
        MANWIDTH=80 man --warnings -l "$man_dir/$1" 2>"$tmp/man.err" | col -bx >"$tmp/$1.txt" ||
                fail "man -l $1 failed"
        [ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err" >&2; fail "man --warnings -l $1 warned"; }
        [ -s "$tmp/$1.txt" ] || fail "$1 rendered nothing"
        # Nothing sticks out of 80 columns.
        awk -v f="$1" 'length > 80 { print f ": too wide: " $0; bad = 1 } END { exit bad }' "$tmp/$1.txt" ||
                fail "$1 does not fit in 80 columns"
}
for p in resctl.1 resctld.8 org.resctl.Manager.5 resctl.unit.5 resctld.conf.5; do
        render "$p"
done
# man/meson.build installs them all.
for p in resctl.1 resctld.8 org.resctl.Manager.5 resctl.unit.5 resctld.conf.5; do
        grep -q "'$p'" "$man_dir/meson.build" || fail "man/meson.build does not install $p"
done

mentions() {  # PAGE WORD...
        local page=$1 w
        shift
        for w in "$@"; do
                grep -qF -- "$w" "$tmp/$page.txt" || fail "$page does not mention $w"
        done
}

# resctl: every long option and every verb of --help.
"$RESCTL" --help >"$tmp/help"
mapfile -t opts < <(grep -oE -- '--[a-z][a-z-]+' "$tmp/help" | sort -u)
mentions resctl.1 "${opts[@]}" -H -M
mapfile -t verbs < <(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' "$tmp/help" | sort -u)
[ "${#verbs[@]}" -ge 17 ] || fail "found only ${#verbs[@]} verbs in resctl --help"
mentions resctl.1 "${verbs[@]}"
mentions resctl.1 short pretty openmetrics prometheus nfd pkttyagent "EXIT STATUS" resctl_events_total

# resctld: every option of --help, and nothing else that looks like one.
"$RESCTLD" --help >"$tmp/dhelp"
mapfile -t dopts < <(grep -oE -- '--[a-z][a-z-]+' "$tmp/dhelp" | sort -u)
mentions resctld.8 "${dopts[@]}"
grep -oE -- '--[a-z][a-z-]+' "$tmp/resctld.8.txt" | sort -u >"$tmp/documented"
printf '%s\n' "${dopts[@]}" | sort -u >"$tmp/actual"
extra=$(comm -23 "$tmp/documented" "$tmp/actual")
[ -z "$extra" ] || fail "resctld.8 documents options resctld does not have: $extra"

# The D-Bus API: every method, signal and property of the XML, and nothing more.
xml="$SOURCE_ROOT/dbus/org.resctl.Manager.xml"
mapfile -t names < <(grep -oE '<(method|signal|property) name="[A-Za-z]+"' "$xml" | sed -E 's/.*"(.*)"/\1/' | sort -u)
[ "${#names[@]}" -ge 30 ] || fail "found only ${#names[@]} names in the XML"
mentions org.resctl.Manager.5 "${names[@]}"
# The interface listing in the page names exactly the XML's members.
sed -n '/^THE MANAGER OBJECT/,/^ERRORS/p' "$tmp/org.resctl.Manager.5.txt" |
        grep -oE '^ +([A-Z][A-Za-z]+)\(|readonly [a-z{}()]+ [A-Za-z]+' | sed -E 's/^ +//; s/\($//; s/.* //' |
        sort -u >"$tmp/listed"
printf '%s\n' "${names[@]}" | sort -u >"$tmp/xmlnames"
diff -u "$tmp/xmlnames" "$tmp/listed" >&2 || fail "org.resctl.Manager.5's listing differs from the XML"
# Every error the daemon defines.
mapfile -t errors < <(grep -ohE '"org\.resctl\.Error\.[A-Za-z]+"' "$SOURCE_ROOT"/src/daemon/*.h | tr -d '"' | sort -u)
[ "${#errors[@]}" -ge 8 ] || fail "found only ${#errors[@]} errors"
mentions org.resctl.Manager.5 "${errors[@]}" org.freedesktop.DBus.Error.AccessDenied \
        org.freedesktop.DBus.Error.InteractiveAuthorizationRequired
# Every polkit action.
mapfile -t actions < <(grep -oE 'action id="[a-z.-]+"' "$SOURCE_ROOT/polkit/org.resctl.policy" | sed -E 's/.*"(.*)"/\1/')
mentions org.resctl.Manager.5 "${actions[@]}"
mentions resctl.1 "${actions[@]}"
# Every kernel file ReadFile serves, and every ChargeReleased reason.
mentions org.resctl.Manager.5 misc.capacity misc.max misc.current misc.peak misc.events misc.events.local \
        rdma.max rdma.current dmem.capacity dmem.current dmem.min dmem.low dmem.max \
        uncharged owner-exited evicted resource-removed

# Unit settings: what the daemon's parser knows.
mapfile -t settings < <(grep -oE '\[UNIT_CONF_[A-Z_]+\] = \{ "[A-Za-z]+"' "$SOURCE_ROOT/src/daemon/unit-conf.c" |
        sed -E 's/.*"(.*)"/\1/')
[ "${#settings[@]}" = 6 ] || fail "expected 6 unit settings in unit-conf.c, found ${#settings[@]}"
for s in "${settings[@]}"; do
        mentions resctl.unit.5 "$s="
        mentions resctl.1 "$s"
done
mentions resctl.unit.5 "[X-Resctl]" 50-resctl- system.control
echo "ok"
