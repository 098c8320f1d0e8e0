#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# No reply is larger than ReplySizeMax= (resctld.conf(5)), so that no
# request can make the bus drop resctld. The bus here takes messages of at
# most 64 KiB and resctld's bound is 32 KiB; 500 groups with a charge each
# make ListGroups, ListCharges and GetManagedObjects too large (before the
# bound, GetManagedObjects alone made dbus-daemon drop resctld, which
# exited): they are refused with LimitsExceeded naming the paged method,
# the paged methods give everything, and resctl uses them.
. "$(dirname "$0")/lib.sh"

RESCTL=${RESCTL:-$(dirname "$RESCTLD")/../resctl/resctl}
N=500
mkdir -p "$T/dbus.d" "$T/conf"
cat >"$T/dbus.d/zz-limits.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <limit name="max_message_size">65536</limit>
</busconfig>
CONF
printf '[Bus]\nReplySizeMax=32K\n' >"$T/conf/resctld.conf"
DAEMON_ARGS=(--config-dir="$T/conf")
it_setup --hardware=demo

"$PY" -c '
import sys, dbus
m = dbus.Interface(dbus.SystemBus().get_object("org.resctl.Manager", "/org/resctl/Manager"), "org.resctl.Manager")
for i in range(int(sys.argv[1])):
    m.Charge("r-%03d.slice" % i, sys.argv[2], dbus.UInt64(1), dbus.UInt64(1))
' "$N" "$V" || fail "$N charges in $N groups"
say "groups: $N + r.slice + -.slice"

say "---- too large for one reply: refused, the daemon stays"
expect_error org.freedesktop.DBus.Error.LimitsExceeded ListGroups
expect_match "the message names the paged method" "$ERRMSG" "*ListGroupsPaged*"
expect_error org.freedesktop.DBus.Error.LimitsExceeded ListCharges s ""
expect_match "the message names the paged method" "$ERRMSG" "*ListChargesPaged*"
expect_error org.freedesktop.DBus.Error.LimitsExceeded --path /org/resctl --iface org.freedesktop.DBus.ObjectManager \
        GetManagedObjects
expect_match "the message names what to use" "$ERRMSG" "*ListGroupsPaged*"
AS_USER=nobody expect_error org.freedesktop.DBus.Error.LimitsExceeded --path /org/resctl \
        --iface org.freedesktop.DBus.ObjectManager GetManagedObjects
expect_daemon_alive
expect_out "a(tsstut) 1 5 \"r-004.slice\" \"$V\" 1 0 1" ListCharges s r-004.slice

say "---- the paged methods give everything"
out=$("$PY" "$T/bin/pages.py" groups 0)
expect_match "ListGroupsPaged (as many as fit): every group once, in order, in several pages" "$(head -n 1 <<<"$out")" \
        "pages=[2-9] items=$((N + 2)) sorted=1 unique=1"
out=$("$PY" "$T/bin/pages.py" groups 7)
expect_eq "ListGroupsPaged by 7: every group once, in order" "$(head -n 1 <<<"$out")" \
        "pages=$(((N + 2 + 6) / 7)) items=$((N + 2)) sorted=1 unique=1"
expect_eq "the last group" "$(tail -n 1 <<<"$out")" "r.slice"
out=$("$PY" "$T/bin/pages.py" charges "" 0)
expect_match "ListChargesPaged: every charge once, by id, in several pages" "$(head -n 1 <<<"$out")" \
        "pages=[2-9] items=$N sorted=1 unique=1"
out=$("$PY" "$T/bin/pages.py" charges r-004.slice 0)
expect_eq "ListChargesPaged of one group" "$out" $'pages=1 items=1 sorted=1 unique=1\n5'
expect_out 'a(sso)s 0 ""' ListGroupsPaged su r.slice 0
expect_out 'a(tsstut)t 0 0' ListChargesPaged stu "" $N 0

say "---- resctl reads through the paged methods"
out=$("$RESCTL" --no-pager --no-legend list-charges 2>&1) || fail "resctl list-charges: $out"
expect_eq "resctl list-charges lists $N charges" "$(wc -l <<<"$out")" "$N"
out=$("$RESCTL" --no-pager --json=short status 2>&1) || fail "resctl status: $out"
expect_match "resctl status counts them" "$out" "*\"groups\":$((N + 2)),\"charges\":$N,*"
out=$("$RESCTL" --no-pager --no-legend list-groups 2>&1) || fail "resctl list-groups: $out"
expect_eq "resctl list-groups lists every group" "$(wc -l <<<"$out")" "$((N + 2))"
expect_daemon_alive
