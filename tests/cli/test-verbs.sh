#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every verb of resctl against resctld --hardware=demo, text and JSON
# output compared with tests/cli/expected/.
. "$(dirname "$0")/lib.sh"
setup

dmem=dmem/drm/0000:c1:00.0/vram0

# The daemon's pid is the one thing that changes from run to run.
status() { resctl "$@" status | sed -E -e 's/(PID: )[0-9]+/\1N/' -e 's/("pid": ?)[0-9]+/\1N/'; }

check status-empty status
check list-resources-empty resctl list-resources
check list-groups-empty resctl list-groups

# Limits, as unit files say them.
expect 0 resctl set-property tenant-a.slice MiscMax=sev:8 "DMemMax=drm/0000:c1:00.0/vram0:4G" \
        "DMemLow=drm/0000:c1:00.0/vram0 1G" "DMemMin=drm/0000:c1:00.0/vram0:512M" \
        "RdmaMax=mlx5_0 hca_handle=2 hca_object=2000"
expect 0 resctl set-property vm1.service Slice=tenant-a.slice
expect 0 resctl set-property --runtime vm2.service Slice=tenant-a.slice
expect 0 resctl set-property --runtime tenant-b.slice MiscMax=sev_es:4 MiscMax=sev:max
# Persistent drop-ins under --control-dir, runtime ones under --runtime-control-dir.
for f in "$tmp/etc/tenant-a.slice.d/50-resctl-MiscMax.conf" "$tmp/etc/tenant-a.slice.d/50-resctl-RdmaMax.conf" \
        "$tmp/etc/vm1.service.d/50-resctl-Slice.conf" "$tmp/runctl/vm2.service.d/50-resctl-Slice.conf" \
        "$tmp/runctl/tenant-b.slice.d/50-resctl-MiscMax.conf"; do
        [ -f "$f" ] || fail "set-property wrote no $f"
done
cat "$tmp/etc/tenant-a.slice.d/50-resctl-RdmaMax.conf" "$tmp/runctl/tenant-b.slice.d/50-resctl-MiscMax.conf" >"$tmp/out"
compare dropins

# Charges: persistent ones stay; one without --persist goes with resctl.
check charge-1 resctl charge --persist vm1.service sev 3
check charge-2 resctl charge --persist vm1.service "$dmem" 2G
check charge-3 resctl charge --persist vm2.service "$dmem" 1G
check charge-4 resctl --json=short charge --persist vm2.service misc/sev 1
expect 0 resctl charge vm2.service sev_es 1
compare charge-transient
cp "$tmp/err" "$tmp/out"
compare charge-transient.stderr
# resctl has exited: the daemon sees its pidfd close and releases charge 5.
wait_for "charge 5 to go with its owner" charge_gone 5
expect_error 150 '^Failed to charge: tenant-a\.slice: misc/sev max 8 reached \(usage 4, asked 5\)' \
        resctl charge --persist vm1.service sev 5
expect_error 151 '^Failed to charge: .*capacity' resctl charge --persist other.slice sev_es 100
check charge-rdma resctl charge --persist vm1.service rdma/mlx5_0/hca_object 100

check list-charges resctl list-charges
check list-charges-vm1 resctl list-charges vm1.service
check list-charges.json resctl --json=pretty list-charges
check list-charges-no-legend resctl --no-legend list-charges
check list-groups resctl list-groups
check list-groups.json resctl --json=short list-groups
check list-resources resctl list-resources
check list-resources.json resctl --json=pretty list-resources
check list-resources-no-legend resctl --no-legend list-resources
check tree resctl tree
check tree-tenant-a resctl tree tenant-a.slice
check tree.json resctl --json=pretty tree
check show resctl show tenant-a.slice
check show-root resctl show -.slice
check show.json resctl --json=pretty show tenant-a.slice
check status status
check status.json status --json=pretty

# The kernel's files, and a runtime write.
for f in misc.max misc.current misc.peak misc.events misc.events.local rdma.max rdma.current \
        dmem.current dmem.min dmem.low dmem.max; do
        expect 0 resctl cat tenant-a.slice "$f"
        printf '== %s\n' "$f" >>"$tmp/cat"
        cat "$tmp/out" >>"$tmp/cat"
done
for f in misc.capacity dmem.capacity; do
        expect 0 resctl cat -.slice "$f"
        printf '== -.slice %s\n' "$f" >>"$tmp/cat"
        cat "$tmp/out" >>"$tmp/cat"
done
cp "$tmp/cat" "$tmp/out"
compare cat
expect 0 resctl write tenant-a.slice misc.max sev 9
check cat-after-write resctl cat tenant-a.slice misc.max
expect 0 resctl write tenant-a.slice misc.max "sev 8"

# Eviction: tenant-a.slice holds 3G of its 4G; 2G more for vm2 needs 1G.
check evict resctl evict "$dmem" vm2.service 2G
grep -q 'use --force' "$tmp/err" || fail "evict without --force gives no hint"
check list-charges-after-evict resctl list-charges
check evict.json resctl --json=short evict --force "$dmem" vm2.service 2G
check list-charges-after-force resctl list-charges

# Migration and release.
check migrate resctl migrate 1 other.slice
check migrate-group resctl migrate --group vm2.service other.slice
check migrate-group.json resctl --json=short migrate --group other.slice tenant-b.slice
expect 0 resctl uncharge 1 1
expect 0 resctl uncharge 4
check list-charges-after-migrate resctl list-charges

# Resources.
expect 0 resctl register-resource misc/tdx 16
expect 0 resctl set-capacity misc/tdx 32
check charge-tdx resctl charge --persist tenant-b.slice tdx 2
check list-resources-tdx resctl --no-legend list-resources
expect 0 resctl unregister-resource misc/tdx
check list-resources-final resctl --no-legend list-resources

# Resets.
expect 0 resctl set-property tenant-a.slice MiscMax= "RdmaMax="
check cat-after-reset resctl cat tenant-a.slice misc.max
[ ! -s "$tmp/err" ] || fail "stderr not empty: $(cat "$tmp/err")"

# Default verb, help and version.
check status-default sh -c '"$RESCTL" --no-pager | sed -E "s/(PID: )[0-9]+/\1N/"'
expect 0 resctl --help
grep -q '^  set-property UNIT PROP=VALUE' "$tmp/out" || fail "--help lacks set-property"
grep -q 'released when resctl exits' "$tmp/out" || fail "--help does not say charges without --persist go"
expect 0 resctl --version
grep -qx 'resctl [0-9.]*' "$tmp/out" || fail "--version: $(cat "$tmp/out")"

# JSON output parses.
for v in list-resources list-groups list-charges tree status "show tenant-b.slice"; do
        # shellcheck disable=SC2086
        "$RESCTL" --no-pager --json=short $v | python3 -c 'import json, sys; json.load(sys.stdin)' ||
                fail "--json=short $v is not JSON"
done
echo "ok"
