#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Unit settings as percentages of a capacity (resctl.unit(5)): through
# SetUnitProperties (a(ss) values) and unit files; the files show the
# absolute value, rounded down, and follow capacity changes; a percentage
# of a resource without a capacity is refused.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/units"
# A unit file read at start: 12.5% of the demo GPU's 16 GiB, 50% low.
cat >"$T/units/gpu-job.service" <<'UNIT'
[Service]
ExecStart=/bin/true

[X-Resctl]
DMemMax=drm/0000:c1:00.0/vram0:12.5%
DMemLow=drm/0000:c1:00.0/vram0 50%
MiscMax=sev_es:10%
MiscMax=sev:150%
UNIT
it_setup --hardware=demo
sig_start s

say "---- unit file: percentages applied as absolute values"
expect_file gpu-job.service dmem.max "$VN 2147483648"$'\n'
expect_file gpu-job.service dmem.low "$VN 8589934592"$'\n'
# 10% of 99 ASIDs is 9.9: rounded down. 150% is skipped with a warning.
expect_file gpu-job.service misc.max $'sev max\nsev_es 9\n'
check "the 150% line was logged and skipped" grep -q "MiscMax=sev:150%: '150%' is more than 100%" "$T/resctld.log"

say "---- SetUnitProperties: a(ss) values"
expect_ok SetUnitProperties sba\(sv\) tenant-p.slice false 1 MiscMax "a(ss)" 1 sev 10%
expect_file tenant-p.slice misc.max $'sev 40\nsev_es max\n'
DROPIN=$T/control/tenant-p.slice.d/50-resctl-MiscMax.conf
expect_eq "drop-in keeps the percentage" "$(tail -n 1 "$DROPIN" 2>/dev/null)" "MiscMax=sev:10%"
expect_ok SetUnitProperties sba\(sv\) tenant-p.slice true 1 DMemMin "a(ss)" 1 "$VN" 0%
expect_file tenant-p.slice dmem.min "$VN 0"$'\n'
expect_ok SetUnitProperties sba\(sv\) tenant-p.slice true 1 DMemMin "a(ss)" 1 "$VN" 100%
expect_file tenant-p.slice dmem.min "$VN 17179869184"$'\n'
expect_ok SetUnitProperties sba\(sv\) tenant-p.slice false 1 DMemMax "a(ss)" 1 "$VN" 4G
expect_file tenant-p.slice dmem.max "$VN 4294967296"$'\n'
expect_prop tenant-p.slice Max "a{st} 5 \"misc/sev\" 40 \"misc/sev_es\" $U64MAX \"$V\" 4294967296 \"rdma/mlx5_0/hca_handle\" $U64MAX \"rdma/mlx5_0/hca_object\" $U64MAX"
# Charges obey the limit in force.
charge tenant-p.slice misc/sev 40 1
expect_error $E.LimitExceeded Charge sstt tenant-p.slice misc/sev 1 1

say "---- refusals change nothing"
expect_error $E.InvalidArgument SetUnitProperties sba\(sv\) tenant-p.slice false 1 MiscMax "a(ss)" 1 sev 101%
expect_match "message says why" "$ERRMSG" "*'101%' is more than 100%*"
expect_error $E.InvalidArgument SetUnitProperties sba\(sv\) tenant-p.slice false 1 MiscMax "a(ss)" 1 sev 12.55555555%
expect_error $E.InvalidArgument SetUnitProperties sba\(sv\) tenant-p.slice false 1 MiscMax "a(ss)" 1 sev ten%
expect_error $E.InvalidArgument SetUnitProperties sba\(sv\) tenant-p.slice false 1 RdmaMax "a(ss)" 1 mlx5_0/hca_handle 50%
expect_match "rdma: no capacity" "$ERRMSG" "*no capacity*"
expect_ok RegisterResource st misc/nocap $U64MAX
expect_error $E.InvalidArgument SetUnitProperties sba\(sv\) tenant-p.slice false 1 MiscMax "a(ss)" 1 nocap 50%
expect_match "a capacity of max is none" "$ERRMSG" "*misc/nocap has no capacity*"
expect_file tenant-p.slice misc.max $'sev 40\nsev_es max\nnocap max\n'
expect_eq "drop-in unchanged" "$(tail -n 1 "$DROPIN" 2>/dev/null)" "MiscMax=sev:10%"
# An absolute value in text form is fine too.
expect_ok SetUnitProperties sba\(sv\) tenant-p.slice false 1 MiscMax "a(ss)" 2 nocap 7 sev 10%
expect_file tenant-p.slice misc.max $'sev 40\nsev_es max\nnocap 7\n'

say "---- a capacity change re-applies percentages, not absolute values"
sig_since s
expect_ok SetCapacity st misc/sev 200
sig_wait s "CapacityChanged|misc/sev|200"
expect_file tenant-p.slice misc.max $'sev 20\nsev_es max\nnocap 7\n'
expect_ok SetCapacity st misc/sev_es 50
expect_file gpu-job.service misc.max $'sev max\nsev_es 5\nnocap max\n'
expect_ok RegisterResource st "$V" 8589934592
expect_file gpu-job.service dmem.max "$VN 1073741824"$'\n'
expect_file gpu-job.service dmem.low "$VN 4294967296"$'\n'
expect_file tenant-p.slice dmem.min "$VN 8589934592"$'\n'
expect_file tenant-p.slice dmem.max "$VN 4294967296"$'\n'
# misc capacity 0 stores nothing; back to non-zero applies the share again.
expect_ok SetCapacity st misc/sev 0
expect_ok SetCapacity st misc/sev 30
expect_file tenant-p.slice misc.max $'sev 3\nsev_es max\nnocap 7\n'

say "---- the percentage survives a restart; the value follows the capacity then too"
kill9_restart_daemon
expect_file tenant-p.slice misc.max $'sev 3\nsev_es max\nnocap 7\n'
expect_file gpu-job.service dmem.max "$VN 1073741824"$'\n'

say "---- resctl set-property sends percentages"
RESCTL=${RESCTL:-$(dirname "$RESCTLD")/../resctl/resctl}
if [[ -x $RESCTL ]]; then
        check "resctl set-property MiscMax=sev:50%" "$RESCTL" set-property tenant-p.slice MiscMax=sev:50%
        expect_file tenant-p.slice misc.max $'sev 15\nsev_es max\nnocap 7\n'
        check "resctl set-property DMemLow=...:25% --runtime" "$RESCTL" set-property --runtime tenant-p.slice "DMemLow=$VN:25%"
        expect_file tenant-p.slice dmem.low "$VN 2147483648"$'\n'
fi
expect_daemon_alive
