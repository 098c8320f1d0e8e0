#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input: exit 2 for a wrong command line, the error's own status for
# what the daemon refuses, and in both cases exactly one line on stderr
# saying what to fix (one JSON object with --json).
. "$(dirname "$0")/lib.sh"
setup

# Usage errors (2), found before the daemon is asked.
expect_error 2 "^Unknown command verb 'frobnicate'; see 'resctl --help'\.$" resctl frobnicate
expect_error 2 "^Unknown option '--frob' for 'list-groups'; see 'resctl list-groups --help'\.$" resctl --frob list-groups
expect_error 2 "^Unknown option '-x' for 'list-groups'" resctl list-groups -x
expect_error 2 "^Unknown option '--frob'; see 'resctl --help'\.$" resctl --frob
expect_error 2 "^Option '--host' needs an argument" resctl list-groups --host
expect_error 2 "^Unknown JSON mode 'long'" resctl --json=long list-groups
expect_error 2 "^Unknown export format 'csv'" resctl export --format=csv
expect_error 2 "^--persist does not apply to 'list-groups'; see 'resctl list-groups --help'\.$" resctl --persist list-groups
expect_error 2 "^--until-stop does not apply to 'list-groups'" resctl --until-stop list-groups
expect_error 2 "^Use either --persist or --until-stop, not both\.$" resctl charge --persist --until-stop a.slice sev 1
# No systemd on this bus: nothing would tell when the unit stops.
expect_error 2 "^Failed to charge: Flag 0x4 \(UNIT\) needs systemd" resctl charge --until-stop vm.service sev 1
expect_error 2 '"message":"--json does not apply to .cat.' resctl --json=short cat -.slice misc.capacity
expect_error 2 "^--value does not apply to 'status'" resctl status --value
expect_error 2 "^Unknown property 'Usge' of org\.resctl\.Group: use Name, Parent, Usage" resctl show -p Usge -.slice
expect_error 2 "^Use either --host= or --machine=, not both\.$" resctl -H a -M b status
expect_error 2 "^Too few arguments: resctl show \[-p NAME...\] \[--value\] GROUP$" resctl show
expect_error 2 "^Too many arguments: resctl list-groups$" resctl list-groups extra
expect_error 2 "^Too few arguments: resctl charge \[--persist[|]--until-stop\] \[--create\] GROUP KEY AMOUNT$" resctl charge a.slice sev
expect_error 2 "^Invalid amount 'lots': use a number" resctl charge a.slice sev lots
expect_error 2 "^Invalid amount '99999999999T': it does not fit in 64 bits\.$" resctl charge a.slice sev 99999999999T
expect_error 2 "^Invalid charge id 'x1'" resctl uncharge x1
expect_error 2 "^Invalid capacity '-3'" resctl set-capacity misc/sev -- -3
expect_error 2 "^migrate --group takes two groups" resctl migrate --group a.slice b.slice c.slice
# Malformed PROP=VALUE.
expect_error 2 "^Invalid assignment 'MiscMax': expected PROPERTY=VALUE \(e\.g\. MiscMax=sev:8\)\.$" \
        resctl set-property a.slice MiscMax
expect_error 2 "^Unknown property 'MemoryMax': use MiscMax, DMemMin, DMemLow, DMemMax, RdmaMax or Slice\.$" \
        resctl set-property a.slice MemoryMax=1G
expect_error 2 "^Invalid assignment 'MiscMax=sev': expected RESOURCE:VALUE" resctl set-property a.slice MiscMax=sev
expect_error 2 "^Invalid assignment 'DMemMax=drm/0000:c1:00.0/vram0:4X': '4X' is not a number" \
        resctl set-property a.slice DMemMax=drm/0000:c1:00.0/vram0:4X
expect_error 2 "^Invalid assignment 'RdmaMax=mlx5_0 hca_thing=2': unknown kind 'hca_thing'" \
        resctl set-property a.slice "RdmaMax=mlx5_0 hca_thing=2"
expect_error 2 "^Invalid assignment 'RdmaMax=mlx5_0 hca_handle=': 'hca_handle=' is not hca_handle=N" \
        resctl set-property a.slice "RdmaMax=mlx5_0 hca_handle="

# The daemon refuses, with its message and the exit status of its error
# (resctl(1) EXIT STATUS): 2 InvalidArgument, 5 NoSuchGroup, 153
# NoSuchResource, 154 NoSuchCharge, 155 NoSuchFile.
expect_error 5 "^Failed to show group: nosuch\.slice holds no charge, limit or child: no such group$" \
        resctl show nosuch.slice
expect_error 5 "^Failed to list charges: nosuch\.slice" resctl list-charges nosuch.slice
expect_error 5 "^Failed to show the tree: nosuch\.slice" resctl tree nosuch.slice
expect_error 2 "^Failed to show group: 'not a unit' is not a valid unit name" resctl show "not a unit"
expect_error 155 "^Failed to read file: " resctl cat tenant-a.slice misc.nope
expect_error 155 "^Failed to read file: " resctl cat -.slice misc.max
expect_error 2 "^Failed to write file: misc\.max: unknown misc resource 'bogus'" \
        resctl write tenant-a.slice misc.max bogus 3
expect_error 153 "^Failed to charge: resource misc/nokey is not registered" resctl charge a.slice nokey 1
expect_error 2 "^Failed to charge: " resctl charge a.slice foo/bar 1
expect_error 153 "^Failed to set unit properties: a\.slice: MiscMax misc/nokey is not registered" \
        resctl set-property a.slice MiscMax=nokey:1
expect_error 2 "^Failed to set unit properties: -\.slice takes no MiscMax" resctl set-property -.slice MiscMax=sev:1
expect_error 2 "^Failed to set unit properties: .*not a valid slice name" resctl set-property a.service Slice=bad
expect_error 154 "^Failed to uncharge: No charge with id 99\.$" resctl uncharge 99
expect_error 154 "^Failed to migrate charges: No charge with id 99\.$" resctl migrate 99 a.slice
expect_error 5 "^Failed to migrate group: No group nosuch\.slice\.$" resctl migrate --group nosuch.slice b.slice
expect_error 2 "^Failed to evict: misc/sev: eviction applies to dmem regions only" resctl evict misc/sev a.slice 1
expect_error 2 "^Failed to register resource: unknown controller" resctl register-resource foo/bar 1
expect_error 153 "^Failed to unregister resource: resource misc/nope is not registered" \
        resctl unregister-resource misc/nope
expect_error 153 "^Failed to set capacity: resource misc/nope is not registered" resctl set-capacity misc/nope 3

expect_error 150 "^Failed to charge: lim\.slice: misc/sev max 0 reached" \
        sh -c '"$RESCTL" set-property lim.slice MiscMax=sev:0 && exec "$RESCTL" charge --persist lim.slice sev 1'
expect_error 151 "^Failed to charge: .*capacity" resctl charge --persist lim.slice sev_es 1000
# Not authorized (no polkit here for uid 65534): 4. The bus socket in $tmp
# must be reachable for that uid.
chmod 711 "$tmp"
expect_error 4 "^Failed to charge: Not authorized: org\.resctl\.charge" \
        setpriv --reuid=65534 --regid=65534 --clear-groups "$RESCTL" --no-ask-password charge --persist lim.slice sev 1

# --json: the error is one JSON object on stderr, with the D-Bus error's
# name (null for the command line's), the line, and the exit status.
json_error() {  # NAME MESSAGE-PREFIX STATUS
        python3 -c '
import json, sys
e = json.loads(open(sys.argv[1]).read())
name = None if sys.argv[2] == "null" else sys.argv[2]
assert e["error"] == name, e
assert e["message"].startswith(sys.argv[3]), e
assert e["exit_status"] == int(sys.argv[4]), e
' "$tmp/err" "$@" || fail "not the JSON error $*: $(cat "$tmp/err")"
}
expect_error 2 '^\{"error":null,' resctl --json=short cat -.slice misc.capacity
json_error null "--json does not apply to 'cat'" 2
expect_error 153 '^\{' resctl --json=short charge --persist a.slice nokey 1
json_error org.resctl.Error.NoSuchResource "Failed to charge: resource misc/nokey is not registered" 153
expect_error 150 '^\{' resctl --json=pretty charge --persist lim.slice sev 1
json_error org.resctl.Error.LimitExceeded "Failed to charge: lim.slice: misc/sev max 0 reached" 150
expect_error 5 '^\{' resctl --json=short status nosuch.slice
json_error org.resctl.Error.NoSuchGroup "Failed to get the status of a group: nosuch.slice" 5

# Nothing changed on the way.
expect 0 resctl --no-legend list-charges
[ ! -s "$tmp/out" ] || fail "charges appeared: $(cat "$tmp/out")"

# No daemon (7), no bus (159).
expect_error 7 "^Failed to list groups: .*org\.resctl\.Manager" \
        env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" sh -c 'kill '"$daemon_pid"'; while kill -0 '"$daemon_pid"' 2>/dev/null; do sleep 0.05; done; exec "$RESCTL" --no-pager list-groups'
expect_error 159 "^Failed to connect to the system bus: " \
        env DBUS_SYSTEM_BUS_ADDRESS=unix:path="$tmp/nonexistent" "$RESCTL" list-groups
expect_error 159 '^\{"error":null,"message":"Failed to connect to the system bus: .*"exit_status":159\}$' \
        env DBUS_SYSTEM_BUS_ADDRESS=unix:path="$tmp/nonexistent" "$RESCTL" --json=short list-groups
echo "ok"
