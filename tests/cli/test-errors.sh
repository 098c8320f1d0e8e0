#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input: exit 2 for a wrong command line, 1 for what the daemon
# refuses, and in both cases exactly one line on stderr saying what to fix.
. "$(dirname "$0")/lib.sh"
setup

# Usage errors (2), found before the daemon is asked.
expect_error 2 "^Unknown command verb 'frobnicate'; see 'resctl --help'\.$" resctl frobnicate
expect_error 2 "^Unknown option '--frob'" resctl --frob list-groups
expect_error 2 "^Unknown option '-x'" resctl -x list-groups
expect_error 2 "^Option '--host' needs an argument" resctl list-groups --host
expect_error 2 "^Unknown JSON mode 'long'" resctl --json=long list-groups
expect_error 2 "^Unknown export format 'csv'" resctl export --format=csv
expect_error 2 "^--persist does not apply to 'list-groups'\.$" resctl --persist list-groups
expect_error 2 "^--until-stop does not apply to 'list-groups'\.$" resctl --until-stop list-groups
expect_error 2 "^Use either --persist or --until-stop, not both\.$" resctl charge --persist --until-stop a.slice sev 1
# No systemd on this bus: nothing would tell when the unit stops.
expect_error 1 "^Failed to charge: Flag 0x4 \(UNIT\) needs systemd" resctl charge --until-stop vm.service sev 1
expect_error 2 "^--json does not apply to 'cat'\.$" resctl --json=short cat -.slice misc.capacity
expect_error 2 "^Use either --host= or --machine=, not both\.$" resctl -H a -M b status
expect_error 2 "^Too few arguments: resctl show GROUP$" resctl show
expect_error 2 "^Too many arguments: resctl list-groups$" resctl list-groups extra
expect_error 2 "^Too few arguments: resctl charge \[--persist[|]--until-stop\] GROUP KEY AMOUNT$" resctl charge a.slice sev
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

# The daemon refuses (1), with its message.
expect_error 1 "^Failed to show group: nosuch\.slice holds no charge, limit or child: no such group$" \
        resctl show nosuch.slice
expect_error 1 "^Failed to list charges: nosuch\.slice" resctl list-charges nosuch.slice
expect_error 1 "^Failed to show the tree: nosuch\.slice" resctl tree nosuch.slice
expect_error 1 "^Failed to show group: 'not a unit' is not a valid unit name" resctl show "not a unit"
expect_error 1 "^Failed to read file: " resctl cat tenant-a.slice misc.nope
expect_error 1 "^Failed to read file: " resctl cat -.slice misc.max
expect_error 1 "^Failed to write file: misc\.max: unknown misc resource 'bogus'" \
        resctl write tenant-a.slice misc.max bogus 3
expect_error 1 "^Failed to charge: resource misc/nokey is not registered" resctl charge a.slice nokey 1
expect_error 1 "^Failed to charge: " resctl charge a.slice foo/bar 1
expect_error 1 "^Failed to set unit properties: a\.slice: MiscMax misc/nokey is not registered" \
        resctl set-property a.slice MiscMax=nokey:1
expect_error 1 "^Failed to set unit properties: -\.slice takes no MiscMax" resctl set-property -.slice MiscMax=sev:1
expect_error 1 "^Failed to set unit properties: .*not a valid slice name" resctl set-property a.service Slice=bad
expect_error 1 "^Failed to uncharge: No charge with id 99\.$" resctl uncharge 99
expect_error 1 "^Failed to migrate charges: No charge with id 99\.$" resctl migrate 99 a.slice
expect_error 1 "^Failed to migrate group: No group nosuch\.slice\.$" resctl migrate --group nosuch.slice b.slice
expect_error 1 "^Failed to evict: misc/sev: eviction applies to dmem regions only" resctl evict misc/sev a.slice 1
expect_error 1 "^Failed to register resource: unknown controller" resctl register-resource foo/bar 1
expect_error 1 "^Failed to unregister resource: resource misc/nope is not registered" \
        resctl unregister-resource misc/nope
expect_error 1 "^Failed to set capacity: resource misc/nope is not registered" resctl set-capacity misc/nope 3

# Nothing changed on the way.
expect 0 resctl --no-legend list-charges
[ ! -s "$tmp/out" ] || fail "charges appeared: $(cat "$tmp/out")"

# No daemon, no bus.
expect_error 1 "^Failed to list groups: .*org\.resctl\.Manager" \
        env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" sh -c 'kill '"$daemon_pid"'; while kill -0 '"$daemon_pid"' 2>/dev/null; do sleep 0.05; done; exec "$RESCTL" --no-pager list-groups'
expect_error 1 "^Failed to connect to the system bus: " \
        env DBUS_SYSTEM_BUS_ADDRESS=unix:path="$tmp/nonexistent" "$RESCTL" list-groups
echo "ok"
