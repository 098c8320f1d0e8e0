#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every method of api.md against a running resctld (--hardware=demo), with
# results, errors and signals checked.
. "$(dirname "$0")/lib.sh"

it_setup --hardware=demo
sig_start s

say "---- ListResources: the demo profile"
expect_out "a(stttt) 5 \"misc/sev\" 400 0 0 0 \"misc/sev_es\" 99 0 0 0 \"$V\" 17179869184 0 0 0 \"rdma/mlx5_0/hca_handle\" $U64MAX 0 0 0 \"rdma/mlx5_0/hca_object\" $U64MAX 0 0 0" \
        ListResources
expect_out 'a(sso) 1 "-.slice" "" "/org/resctl/group/_2d_2eslice"' ListGroups
expect_out 'a(tsstut) 0' ListCharges s ""
expect_file -.slice misc.capacity $'sev 400\nsev_es 99\n'
expect_file -.slice dmem.capacity "$VN 17179869184"$'\n'

say "---- RegisterResource / SetCapacity / UnregisterResource"
sig_since s
expect_ok RegisterResource st misc/tdx 10
sig_wait s "ResourceAdded|misc/tdx|10"
expect_ok ListResources
expect_match "misc/tdx listed last, capacity 10" "$OUT" 'a(stttt) 6 * "misc/tdx" 10 0 0 0'
expect_file -.slice misc.capacity $'sev 400\nsev_es 99\ntdx 10\n'
sig_since s
expect_ok SetCapacity st misc/tdx 5
sig_wait s "CapacityChanged|misc/tdx|5"
expect_file -.slice misc.capacity $'sev 400\nsev_es 99\ntdx 5\n'
sig_since s
expect_ok RegisterResource st tdx 7              # existing key (no "/" = misc): sets the capacity
sig_wait s "CapacityChanged|misc/tdx|7"
sig_expect_count s "ResourceAdded|misc/tdx|*" 0
expect_file -.slice misc.capacity $'sev 400\nsev_es 99\ntdx 7\n'
# A live charge of a resource being unregistered is released (R13).
charge_to TDX_ID tdx-user.slice misc/tdx 2 1
sig_since s
expect_ok UnregisterResource s misc/tdx
sig_wait s "ChargeReleased|$TDX_ID|tdx-user.slice|misc/tdx|2|resource-removed"
sig_wait s "ResourceRemoved|misc/tdx"
expect_error $E.NoSuchCharge Uncharge tt "$TDX_ID" 0
expect_error $E.NoSuchResource UnregisterResource s misc/tdx
expect_error $E.NoSuchResource SetCapacity st misc/tdx 3
expect_error $E.NoSuchResource Charge sstt tdx-user.slice misc/tdx 1 1
expect_error $E.NoSuchGroup GetGroup s tdx-user.slice
expect_file -.slice misc.capacity $'sev 400\nsev_es 99\n'
# A second dmem region and an rdma device.
sig_since s
expect_ok RegisterResource st dmem/drm/0000:03:00.0/vram0 8514437120
sig_wait s "ResourceAdded|dmem/drm/0000:03:00.0/vram0|8514437120"
expect_file -.slice dmem.capacity "$VN 17179869184"$'\ndrm/0000:03:00.0/vram0 8514437120\n'
sig_since s
expect_ok RegisterResource st rdma/mlx4_0 $U64MAX
sig_wait s "ResourceAdded|rdma/mlx4_0*"
expect_file probe.slice rdma.max $'mlx5_0 hca_handle=max hca_object=max \nmlx4_0 hca_handle=max hca_object=max \n'
expect_file probe.slice rdma.current $'mlx5_0 hca_handle=0 hca_object=0 \nmlx4_0 hca_handle=0 hca_object=0 \n'
sig_since s
expect_ok UnregisterResource s rdma/mlx4_0
sig_wait s "ResourceRemoved|rdma/mlx4_0*"
expect_ok UnregisterResource s dmem/drm/0000:03:00.0/vram0
expect_file probe.slice rdma.max $'mlx5_0 hca_handle=max hca_object=max \n'
expect_error $E.NoSuchGroup GetGroup s probe.slice   # reads create nothing
# Capacity 0: registered but unavailable (MISC-09).
expect_ok RegisterResource st misc/zero 0
expect_error $E.InvalidArgument Charge sstt zero.slice misc/zero 1 1
expect_file -.slice misc.capacity $'sev 400\nsev_es 99\n'
expect_ok UnregisterResource s misc/zero
expect_error $E.InvalidArgument RegisterResource st "misc/Bad-Name" 1
expect_error $E.InvalidArgument RegisterResource st "gpu/x" 1

say "---- groups: ListGroups / GetGroup / parents"
charge_to SEV1 tenant-a-vm.slice misc/sev 3 1
expect_out "a(sso) 4 \"-.slice\" \"\" \"$(group_path -.slice)\" \"tenant-a-vm.slice\" \"tenant-a.slice\" \"$(group_path tenant-a-vm.slice)\" \"tenant-a.slice\" \"tenant.slice\" \"$(group_path tenant-a.slice)\" \"tenant.slice\" \"-.slice\" \"$(group_path tenant.slice)\"" \
        ListGroups
expect_out "o \"$(group_path tenant-a.slice)\"" GetGroup s tenant-a.slice
expect_out "o \"$(group_path -.slice)\"" GetGroup s -.slice
expect_error $E.NoSuchGroup GetGroup s other.slice
expect_error $E.InvalidArgument GetGroup s a--b.slice
expect_prop tenant-a-vm.slice Name 's "tenant-a-vm.slice"'
expect_prop tenant-a-vm.slice Parent 's "tenant-a.slice"'
expect_prop tenant.slice Parent 's "-.slice"'
# A non-slice unit hangs under system.slice without systemd or Slice=.
charge_to VM42 vm42.scope misc/sev 1 1
expect_out "o \"$(group_path vm42.scope)\"" GetGroup s vm42.scope
expect_prop vm42.scope Parent 's "system.slice"'
expect_ok Uncharge tt "$VM42" 0
expect_error $E.NoSuchGroup GetGroup s vm42.scope
expect_error $E.NoSuchGroup GetGroup s system.slice

say "---- Charge until LimitExceeded; LimitHit; events"
write_file tenant-a.slice misc.max "sev 4"
expect_file tenant-a.slice misc.max $'sev 4\nsev_es max\n'
expect_prop tenant-a.slice Max "a{st} 5 \"misc/sev\" 4 \"misc/sev_es\" $U64MAX \"$V\" $U64MAX \"rdma/mlx5_0/hca_handle\" $U64MAX \"rdma/mlx5_0/hca_object\" $U64MAX"
charge_to SEV2 tenant-a-vm.slice misc/sev 1 1
sig_since s
expect_error $E.LimitExceeded Charge sstt tenant-a-vm.slice misc/sev 2 1
expect_match "LimitExceeded message names the limit" "$ERRMSG" "*tenant-a.slice*"
sig_wait s "LimitHit|tenant-a-vm.slice|misc/sev|2|tenant-a.slice|4"
sig_wait s "PropertiesChanged|$(group_path tenant-a.slice)|org.resctl.Group|*Events*"
expect_file tenant-a-vm.slice misc.current $'sev 4\nsev_es 0\n'
expect_file tenant-a.slice misc.current $'sev 4\nsev_es 0\n'
expect_file -.slice misc.current $'sev 4\nsev_es 0\n'
expect_file tenant-a-vm.slice misc.peak $'sev 4\nsev_es 0\n'
expect_file tenant-a.slice misc.events $'sev.max 1\nsev_es.max 0\n'
expect_file tenant-a.slice misc.events.local $'sev.max 1\nsev_es.max 0\n'
expect_file tenant-a-vm.slice misc.events $'sev.max 0\nsev_es.max 0\n'
expect_file tenant.slice misc.events $'sev.max 1\nsev_es.max 0\n'
expect_file tenant.slice misc.events.local $'sev.max 0\nsev_es.max 0\n'
expect_prop tenant-a.slice Events "a{st} 5 \"misc/sev\" 1 \"misc/sev_es\" 0 \"$V\" 0 \"rdma/mlx5_0/hca_handle\" 0 \"rdma/mlx5_0/hca_object\" 0"
expect_prop tenant-a.slice EventsLocal "a{st} 5 \"misc/sev\" 1 \"misc/sev_es\" 0 \"$V\" 0 \"rdma/mlx5_0/hca_handle\" 0 \"rdma/mlx5_0/hca_object\" 0"
expect_prop tenant-a-vm.slice Events "a{st} 5 \"misc/sev\" 0 \"misc/sev_es\" 0 \"$V\" 0 \"rdma/mlx5_0/hca_handle\" 0 \"rdma/mlx5_0/hca_object\" 0"
expect_prop tenant-a-vm.slice Usage "a{st} 5 \"misc/sev\" 4 \"misc/sev_es\" 0 \"$V\" 0 \"rdma/mlx5_0/hca_handle\" 0 \"rdma/mlx5_0/hca_object\" 0"
expect_prop tenant-a-vm.slice Peak "a{st} 5 \"misc/sev\" 4 \"misc/sev_es\" 0 \"$V\" 0 \"rdma/mlx5_0/hca_handle\" 0 \"rdma/mlx5_0/hca_object\" 0"
expect_out "a(stttt) 5 \"misc/sev\" 400 4 4 1 \"misc/sev_es\" 99 0 0 0 \"$V\" 17179869184 0 0 0 \"rdma/mlx5_0/hca_handle\" $U64MAX 0 0 0 \"rdma/mlx5_0/hca_object\" $U64MAX 0 0 0" \
        ListResources
# The limit at the charging group itself.
write_file tenant-b.slice misc.max "sev_es 1"
sig_since s
expect_error $E.LimitExceeded Charge sstt tenant-b.slice misc/sev_es 2 1
sig_wait s "LimitHit|tenant-b.slice|misc/sev_es|2|tenant-b.slice|1"
# rdma: N single charges, all or nothing (R7).
write_file tenant-b.slice rdma.max "mlx5_0 hca_handle=2"
charge_to RD1 tenant-b.slice rdma/mlx5_0/hca_handle 1 1
sig_since s
expect_error $E.LimitExceeded Charge sstt tenant-b.slice rdma/mlx5_0/hca_handle 2 1
sig_wait s "LimitHit|tenant-b.slice|rdma/mlx5_0/hca_handle|2|tenant-b.slice|2"
expect_file tenant-b.slice rdma.current $'mlx5_0 hca_handle=1 hca_object=0 \n'
charge_to RD2 tenant-b.slice rdma/mlx5_0/hca_handle 1 1
expect_file tenant-b.slice rdma.current $'mlx5_0 hca_handle=2 hca_object=0 \n'
expect_file tenant-b.slice rdma.max $'mlx5_0 hca_handle=2 hca_object=max \n'
expect_ok Uncharge tt "$RD1" 0
expect_ok Uncharge tt "$RD2" 0

say "---- CapacityExceeded"
sig_since s
expect_error $E.CapacityExceeded Charge sstt cap.slice misc/sev_es 100 1
sig_wait s "LimitHit|cap.slice|misc/sev_es|100|*|99"
expect_error $E.CapacityExceeded Charge sstt cap.slice "$V" 17179869185 1
expect_error $E.NoSuchGroup GetGroup s cap.slice  # a refused charge leaves nothing behind
charge_to CAP1 cap.slice misc/sev_es 99 1
expect_error $E.CapacityExceeded Charge sstt cap2.slice misc/sev_es 1 1
expect_ok Uncharge tt "$CAP1" 0

say "---- Uncharge: partial, full; ChargeReleased"
charge_to UNC unc.slice misc/sev 5 1
expect_out "a(tsstut) 1 $UNC \"unc.slice\" \"misc/sev\" 5 0 1" ListCharges s unc.slice
sig_since s
expect_ok Uncharge tt "$UNC" 2
sig_wait s "ChargeReleased|$UNC|unc.slice|misc/sev|2|uncharged"
expect_out "a(tsstut) 1 $UNC \"unc.slice\" \"misc/sev\" 3 0 1" ListCharges s unc.slice
expect_file unc.slice misc.current $'sev 3\nsev_es 0\n'
expect_file unc.slice misc.peak $'sev 5\nsev_es 0\n'
expect_error $E.InvalidArgument Uncharge tt "$UNC" 4
sig_since s
expect_ok Uncharge tt "$UNC" 0
sig_wait s "ChargeReleased|$UNC|unc.slice|misc/sev|3|uncharged"
expect_error $E.NoSuchCharge Uncharge tt "$UNC" 0
expect_error $E.NoSuchCharge Uncharge tt 999999 1
expect_out 'a(tsstut) 0' ListCharges s unc.slice
expect_error $E.NoSuchGroup GetGroup s unc.slice

say "---- ListCharges"
expect_out "a(tsstut) 2 $SEV1 \"tenant-a-vm.slice\" \"misc/sev\" 3 0 1 $SEV2 \"tenant-a-vm.slice\" \"misc/sev\" 1 0 1" \
        ListCharges s ""
expect_out "a(tsstut) 2 $SEV1 \"tenant-a-vm.slice\" \"misc/sev\" 3 0 1 $SEV2 \"tenant-a-vm.slice\" \"misc/sev\" 1 0 1" \
        ListCharges s tenant-a-vm.slice
expect_out 'a(tsstut) 0' ListCharges s tenant-a.slice     # charges of the group itself only
expect_out 'a(tsstut) 0' ListCharges s nothing-here.slice
expect_error $E.InvalidArgument ListCharges s "a--b.slice"

say "---- MigrateCharges / MigrateGroup: all or nothing"
write_file dst.slice misc.max "sev 2"
charge_to MA src.slice misc/sev 1 1
charge_to MB src.slice misc/sev 2 1
BEFORE_CH=$(call ListCharges s "")
BEFORE_SRC=$(read_file src.slice misc.current)
sig_since s
expect_error $E.LimitExceeded MigrateCharges ats 2 "$MA" "$MB" dst.slice
expect_match "the error names the limit hit" "$ERRMSG" "*dst.slice*"
expect_eq "failed MigrateCharges changed no charge" "$(call ListCharges s "")" "$BEFORE_CH"
expect_eq "failed MigrateCharges left src usage" "$(read_file src.slice misc.current)" "$BEFORE_SRC"
expect_file dst.slice misc.current $'sev 0\nsev_es 0\n'
expect_file -.slice misc.current $'sev 7\nsev_es 0\n'
expect_error $E.NoSuchCharge MigrateCharges ats 2 "$MA" 999999 dst.slice
expect_eq "MigrateCharges with an unknown id changed nothing" "$(call ListCharges s "")" "$BEFORE_CH"
expect_ok MigrateCharges ats 1 "$MA" dst.slice
expect_out "a(tsstut) 1 $MA \"dst.slice\" \"misc/sev\" 1 0 1" ListCharges s dst.slice
expect_file dst.slice misc.current $'sev 1\nsev_es 0\n'
expect_file src.slice misc.current $'sev 2\nsev_es 0\n'
expect_file -.slice misc.current $'sev 7\nsev_es 0\n'
BEFORE_CH=$(call ListCharges s "")
expect_error $E.LimitExceeded MigrateGroup ss src.slice dst.slice
expect_eq "failed MigrateGroup changed no charge" "$(call ListCharges s "")" "$BEFORE_CH"
expect_file dst.slice misc.current $'sev 1\nsev_es 0\n'
write_file dst.slice misc.max "sev 3"
expect_out "at 1 $MB" MigrateGroup ss src.slice dst.slice
expect_out "a(tsstut) 2 $MA \"dst.slice\" \"misc/sev\" 1 0 1 $MB \"dst.slice\" \"misc/sev\" 2 0 1" ListCharges s dst.slice
expect_file dst.slice misc.current $'sev 3\nsev_es 0\n'
expect_error $E.NoSuchGroup GetGroup s src.slice
expect_error $E.NoSuchGroup MigrateGroup ss src.slice dst.slice
expect_error $E.InvalidArgument MigrateGroup ss "bad" dst.slice
expect_error $E.InvalidArgument MigrateGroup ss "a--b.slice" dst.slice
# Inside a full subtree (R9): the common ancestor is not re-checked.
write_file full.slice misc.max "sev 2"
charge_to FA full-a.slice misc/sev 2 1
expect_ok MigrateCharges ats 1 "$FA" full-b.slice
expect_file full.slice misc.current $'sev 2\nsev_es 0\n'
expect_file full-b.slice misc.current $'sev 2\nsev_es 0\n'
expect_ok Uncharge tt "$FA" 0
expect_ok Uncharge tt "$MA" 0
expect_ok Uncharge tt "$MB" 0

say "---- Evict / EvictValuable on the dmem region"
write_file gpu.slice dmem.max "$VN 80M"
expect_file gpu.slice dmem.max "$VN 83886080"$'\n'
charge_to X1 gpu-x.slice "$V" $((32 * M)) 1
charge_to X2 gpu-x.slice "$V" $((32 * M)) 1
expect_error $E.LimitExceeded Charge sstt gpu-y.slice "$V" $((64 * M)) 1
# Room for 64M in gpu-y: both of gpu-x's charges, oldest first.
sig_since s
expect_out "a(tst) 2 $X1 \"gpu-x.slice\" $((32 * M)) $X2 \"gpu-x.slice\" $((32 * M))" \
        Evict sstt "$V" gpu-y.slice $((64 * M)) 0
sig_wait s "EvictionRequested|$X1|gpu-x.slice|$V|$((32 * M))"
sig_wait s "EvictionRequested|$X2|gpu-x.slice|$V|$((32 * M))"
sig_expect_count s "ChargeReleased|*" 0
expect_file gpu-x.slice dmem.current "$VN 67108864"$'\n'
expect_out "a(tst) 0" Evict sstt "$V" gpu-y.slice $M 0       # fits already
# min protection: after x1 goes, gpu-x's 32M is all protected.
write_file gpu-x.slice dmem.min "$VN 32M"
expect_out "a(tst) 1 $X1 \"gpu-x.slice\" $((32 * M))" Evict sstt "$V" gpu-y.slice $((64 * M)) 0
expect_out "bb true false" EvictValuable sssb "$V" gpu.slice gpu-x.slice false
expect_out "bb true false" EvictValuable sssb "$V" gpu-x.slice gpu-x.slice false
expect_out "bb false false" EvictValuable sssb "$V" gpu-y.slice gpu-x.slice false
sig_since s
expect_out "a(tst) 1 $X1 \"gpu-x.slice\" $((32 * M))" Evict sstt "$V" gpu-y.slice $((64 * M)) 1
sig_wait s "EvictionRequested|$X1|gpu-x.slice|$V|$((32 * M))"
sig_wait s "ChargeReleased|$X1|gpu-x.slice|$V|$((32 * M))|evicted"
expect_out "a(tsstut) 1 $X2 \"gpu-x.slice\" \"$V\" $((32 * M)) 0 1" ListCharges s gpu-x.slice
expect_out "bb false false" EvictValuable sssb "$V" gpu.slice gpu-x.slice false
expect_out "bb false false" EvictValuable sssb "$V" gpu.slice gpu-x.slice true
# low protection: skipped in pass 1 (hit_low), evictable when low is ignored.
write_file gpu-x.slice dmem.min "$VN 0"
write_file gpu-x.slice dmem.low "$VN 32M"
expect_out "bb false true" EvictValuable sssb "$V" gpu.slice gpu-x.slice false
expect_out "bb true false" EvictValuable sssb "$V" gpu.slice gpu-x.slice true
expect_out "a(tst) 1 $X2 \"gpu-x.slice\" $((32 * M))" Evict sstt "$V" gpu-y.slice $((64 * M)) 0
expect_prop gpu-x.slice Low "a{st} 1 \"$V\" $((32 * M))"
expect_prop gpu-x.slice Min "a{st} 1 \"$V\" 0"
# Against -.slice: gpu.slice protects nothing, so neither does gpu-x.slice.
expect_prop gpu-x.slice EffectiveLow "a{st} 1 \"$V\" 0"
write_file gpu.slice dmem.low "$VN 64M"
expect_prop gpu-x.slice EffectiveLow "a{st} 1 \"$V\" $((32 * M))"
expect_prop gpu.slice EffectiveLow "a{st} 1 \"$V\" $((64 * M))"
expect_prop gpu-x.slice EffectiveMin "a{st} 1 \"$V\" 0"
# Device full (only the region size refuses): no limit pool.
expect_out "bb true false" EvictValuable sssb "$V" "" gpu-x.slice true
expect_error $E.InvalidArgument Evict sstt misc/sev gpu-y.slice 1 0
expect_error $E.InvalidArgument Evict sstt "$V" gpu-y.slice 1 2
expect_error $E.NoSuchResource Evict sstt dmem/drm/0000:99:00.0/vram0 gpu-y.slice 1 0
expect_error $E.InvalidArgument EvictValuable sssb misc/sev gpu.slice gpu-x.slice false
sig_since s
expect_ok Uncharge tt "$X2" 0
sig_wait s "ChargeReleased|$X2|gpu-x.slice|$V|$((32 * M))|uncharged"

say "---- SetUnitProperties: drop-ins, runtime, reset"
expect_ok SetUnitProperties sba\(sv\) tenant-c.slice false 1 MiscMax "a(st)" 1 sev 8
DROPIN=$T/control/tenant-c.slice.d/50-resctl-MiscMax.conf
check "persistent drop-in written under the control dir" test -f "$DROPIN"
expect_eq "drop-in content" "$(cat "$DROPIN" 2>/dev/null)" "$(printf '%s\n' \
        '# This is a drop-in unit file extension, created via "resctl set-property".' '# Do not edit.' \
        '[X-Resctl]' 'MiscMax=' 'MiscMax=sev:8')"
expect_file tenant-c.slice misc.max $'sev 8\nsev_es max\n'
expect_ok SetUnitProperties sba\(sv\) tenant-c.slice true 2 DMemMax "a(st)" 1 "$VN" 1073741824 RdmaMax "a(st)" 1 mlx5_0/hca_handle 2
RDROP=$T/runtime-control/tenant-c.slice.d
check "runtime DMemMax drop-in under the runtime control dir" test -f "$RDROP/50-resctl-DMemMax.conf"
check "runtime RdmaMax drop-in under the runtime control dir" test -f "$RDROP/50-resctl-RdmaMax.conf"
check "no persistent DMemMax drop-in" test ! -e "$T/control/tenant-c.slice.d/50-resctl-DMemMax.conf"
expect_eq "DMemMax drop-in content" "$(tail -n 2 "$RDROP/50-resctl-DMemMax.conf" 2>/dev/null)" \
        "$(printf '%s\n' 'DMemMax=' "DMemMax=$VN:1073741824")"
expect_eq "RdmaMax drop-in content" "$(tail -n 2 "$RDROP/50-resctl-RdmaMax.conf" 2>/dev/null)" \
        "$(printf '%s\n' 'RdmaMax=' 'RdmaMax=mlx5_0 hca_handle=2')"
expect_file tenant-c.slice dmem.max "$VN 1073741824"$'\n'
expect_file tenant-c.slice rdma.max $'mlx5_0 hca_handle=2 hca_object=max \n'
expect_prop tenant-c.slice Max "a{st} 5 \"misc/sev\" 8 \"misc/sev_es\" $U64MAX \"$V\" 1073741824 \"rdma/mlx5_0/hca_handle\" 2 \"rdma/mlx5_0/hca_object\" $U64MAX"
expect_ok SetUnitProperties sba\(sv\) tenant-c.slice false 1 MiscMax "a(st)" 0
expect_file tenant-c.slice misc.max $'sev max\nsev_es max\n'
expect_eq "reset drop-in content" "$(tail -n 2 "$DROPIN" 2>/dev/null)" "$(printf '%s\n' '[X-Resctl]' 'MiscMax=')"
expect_ok SetUnitProperties sba\(sv\) tenant-c.slice false 1 MiscMax "a(st)" 1 sev $U64MAX
expect_file tenant-c.slice misc.max $'sev max\nsev_es max\n'
expect_error $E.InvalidArgument SetUnitProperties sba\(sv\) -.slice false 1 MiscMax "a(st)" 1 sev 8
expect_error $E.InvalidArgument SetUnitProperties sba\(sv\) -.slice true 1 DMemMax "a(st)" 1 "$VN" 1
expect_error $E.InvalidArgument SetUnitProperties sba\(sv\) tenant-c.slice false 1 CPUQuota "a(st)" 1 sev 8
expect_error $E.NoSuchResource SetUnitProperties sba\(sv\) tenant-c.slice false 1 MiscMax "a(st)" 1 tdx 8
check "-.slice got no drop-in" test ! -e "$T/control/-.slice.d"
# Slice= places a non-slice unit.
expect_ok SetUnitProperties sba\(sv\) vm7.scope false 1 Slice s tenant-c.slice
check "Slice drop-in written" grep -qx 'Slice=tenant-c.slice' "$T/control/vm7.scope.d/50-resctl-Slice.conf"
charge_to VM7 vm7.scope misc/sev 1 1
expect_prop vm7.scope Parent 's "tenant-c.slice"'
expect_file tenant-c.slice misc.current $'sev 1\nsev_es 0\n'
expect_ok Uncharge tt "$VM7" 0

say "---- ReadFile / WriteFile, byte for byte"
expect_file fresh.slice misc.max $'sev max\nsev_es max\n'
expect_file fresh.slice misc.current $'sev 0\nsev_es 0\n'
expect_file fresh.slice misc.events $'sev.max 0\nsev_es.max 0\n'
expect_file fresh.slice rdma.max $'mlx5_0 hca_handle=max hca_object=max \n'
expect_file fresh.slice rdma.current $'mlx5_0 hca_handle=0 hca_object=0 \n'
expect_file fresh.slice dmem.max "$VN max"$'\n'
expect_file fresh.slice dmem.min "$VN 0"$'\n'
expect_file fresh.slice dmem.low "$VN 0"$'\n'
expect_file fresh.slice dmem.current "$VN 0"$'\n'
write_file fresh.slice rdma.max "mlx5_0 hca_handle=2 hca_object=2000"
expect_file fresh.slice rdma.max $'mlx5_0 hca_handle=2 hca_object=2000 \n'
write_file fresh.slice rdma.max $'mlx5_0 hca_object=max\n'
expect_file fresh.slice rdma.max $'mlx5_0 hca_handle=2 hca_object=max \n'
write_file fresh.slice dmem.max "$VN"$'\t4096'
expect_file fresh.slice dmem.max "$VN 4096"$'\n'
write_file fresh.slice dmem.max "$VN 0x1000"
expect_file fresh.slice dmem.max "$VN 4096"$'\n'
write_file fresh.slice dmem.max "$VN 2251799813685247"
expect_file fresh.slice dmem.max "$VN max"$'\n'
write_file fresh.slice misc.max "sev 0x10"
expect_file fresh.slice misc.max $'sev 16\nsev_es max\n'
write_file fresh.slice misc.max "sev 18446744073709551615"
expect_file fresh.slice misc.max $'sev max\nsev_es max\n'
write_file fresh.slice misc.max $'  sev 010\n'
expect_file fresh.slice misc.max $'sev 8\nsev_es max\n'
expect_file -.slice misc.current $'sev 4\nsev_es 0\n'
expect_file -.slice dmem.current "$VN 0"$'\n'
expect_error $E.NoSuchFile ReadFile ss -.slice misc.max
expect_error $E.NoSuchFile ReadFile ss -.slice misc.events
expect_error $E.NoSuchFile ReadFile ss -.slice rdma.max
expect_error $E.NoSuchFile ReadFile ss -.slice rdma.current
expect_error $E.NoSuchFile ReadFile ss -.slice dmem.max
expect_error $E.NoSuchFile ReadFile ss -.slice dmem.low
expect_error $E.NoSuchFile ReadFile ss fresh.slice misc.capacity
expect_error $E.NoSuchFile ReadFile ss fresh.slice dmem.capacity
expect_error $E.NoSuchFile ReadFile ss fresh.slice memory.max
expect_error $E.NoSuchFile WriteFile sss -.slice misc.max "sev 1"
expect_error "$E.@(NoSuchFile|InvalidArgument)" WriteFile sss fresh.slice misc.current "sev 1"
expect_error $E.NoSuchFile WriteFile sss fresh.slice cpu.max "max"
expect_error $E.InvalidArgument WriteFile sss fresh.slice misc.max "sev 08"
expect_error $E.InvalidArgument WriteFile sss fresh.slice misc.max "sev 18446744073709551616"
expect_error $E.NoSuchResource WriteFile sss fresh.slice rdma.max "mlx9 hca_handle=1"
expect_error $E.InvalidArgument WriteFile sss fresh.slice dmem.max "drm/0000:99:00.0/vram0 1G"

say "---- every error name of api.md was provoked above"
say "KernelManaged is not reachable: nothing in this build charges through the kernel (no controller on this machine)"

expect_daemon_alive
