#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Malformed arguments get the contract's errors, the daemon stays up and
# nothing changes: every batch of bad calls is bracketed by a full
# snapshot (resources, groups, charges, every file, every property) and
# a listing of the drop-in directories, which must be identical after.
. "$(dirname "$0")/lib.sh"

it_setup --hardware=demo
sig_start s

INVAL=$E.InvalidArgument
BIG=$(printf 'a%.0s' {1..65536})

# Some state that bad calls must not touch.
write_file bad.slice misc.max "sev 3"
write_file bad.slice rdma.max "mlx5_0 hca_handle=3"
write_file bad.slice dmem.max "$VN 1G"
write_file bad.slice dmem.low "$VN 512M"
charge_to ID1 bad-a.slice misc/sev 2 1
charge_to ID2 bad-a.slice "$V" 4096 1
charge_to ID3 bad-a.slice rdma/mlx5_0/hca_handle 1 1
expect_ok SetUnitProperties "sba(sv)" bad-u.slice false 1 MiscMax "a(st)" 1 sev 5

BATCH=0
# batch_start [SNAPSHOT_OPTIONS] / batch_end NAME: nothing changed in
# between, the daemon is alive.
batch_start() {
        BATCH=$((BATCH + 1))
        BATCH_OPTS=("$@")
        "$PY" "$T/bin/snapshot.py" "${BATCH_OPTS[@]}" bad.slice bad-a.slice bad-u.slice >"$T/batch.$BATCH.before"
        (cd "$T" && find control runtime-control | sort) >"$T/batch.$BATCH.files.before"
        sig_since s
}
batch_end() {
        "$PY" "$T/bin/snapshot.py" "${BATCH_OPTS[@]}" bad.slice bad-a.slice bad-u.slice >"$T/batch.$BATCH.after"
        (cd "$T" && find control runtime-control | sort) >"$T/batch.$BATCH.files.after"
        expect_same_file "$1: state unchanged" "$T/batch.$BATCH.before" "$T/batch.$BATCH.after" "lines compared" 30
        expect_same_file "$1: no drop-in written or removed" "$T/batch.$BATCH.files.before" "$T/batch.$BATCH.files.after"
        sig_expect_count s "ChargeReleased|*" 0
        expect_daemon_alive
}

say "---- invalid unit names, in every method that takes one"
BAD_UNITS=(a--b.slice -a.slice a-.slice a-b--c.slice foo@.service @foo.service noext "foo.bar" ".slice"
        "$BIG.slice" $'a\x01b.slice' $'a\nb.slice' $'a\tb.scope' "a b.slice" "a/b.slice" "ä.slice" "x@y.slice")
batch_start
for u in "${BAD_UNITS[@]}"; do
        expect_error $INVAL Charge sstt "$u" misc/sev 1 1
        expect_error $INVAL ReadFile ss "$u" misc.max
        expect_error $INVAL WriteFile sss "$u" misc.max "sev 1"
        expect_error $INVAL SetUnitProperties "sba(sv)" "$u" false 1 MiscMax "a(st)" 1 sev 1
        expect_error $INVAL GetGroup s "$u"
        expect_error $INVAL ListCharges s "$u"
        expect_error $INVAL MigrateCharges ats 1 "$ID1" "$u"
        expect_error $INVAL MigrateGroup ss "$u" bad.slice
        expect_error $INVAL MigrateGroup ss bad-a.slice "$u"
        expect_error $INVAL Evict sstt "$V" "$u" 1 0
        expect_error $INVAL EvictValuable sssb "$V" "$u" bad-a.slice false
        expect_error $INVAL EvictValuable sssb "$V" bad.slice "$u" false
done
expect_error $INVAL ReadFile ss "" misc.max
expect_error $INVAL WriteFile sss "" misc.max "sev 1"
expect_error $INVAL SetUnitProperties "sba(sv)" "" false 1 MiscMax "a(st)" 1 sev 1
expect_error $INVAL GetGroup s ""
expect_error $INVAL MigrateGroup ss bad-a.slice ""
batch_end "invalid unit names"

say "---- unknown and malformed resource keys"
batch_start
for k in misc/nope misc/tdx dmem/drm/0000:99:00.0/vram0 rdma/mlx9/hca_handle rdma/mlx9/hca_object nope; do
        expect_error $E.NoSuchResource Charge sstt bad-a.slice "$k" 1 1
done
expect_error $E.NoSuchResource Evict sstt dmem/drm/0000:99:00.0/vram0 bad-a.slice 1 0
expect_error $E.NoSuchResource EvictValuable sssb dmem/drm/0000:99:00.0/vram0 bad.slice bad-a.slice false
expect_error $E.NoSuchResource SetCapacity st misc/nope 1
expect_error $E.NoSuchResource UnregisterResource s misc/nope
expect_error $E.NoSuchResource UnregisterResource s rdma/mlx9
for k in "" misc/ misc/Bad misc/a-b "misc/a b" "misc/$BIG" gpu/x dmem/ rdma/ rdma/mlx5_0/bogus \
        rdma/mlx5_0/hca_handle/x "$BIG" $'misc/a\x01' $'misc/se\nv' "/sev"; do
        expect_error "$E.@(InvalidArgument|NoSuchResource)" Charge sstt bad-a.slice "$k" 1 1
        expect_error "$E.@(InvalidArgument|NoSuchResource)" Evict sstt "$k" bad-a.slice 1 0
done
for k in "" misc/ misc/Bad "misc/a b" "misc/$BIG" gpu/x dmem/ rdma/ rdma/mlx5_0/bogus "$BIG" $'misc/a\x01' \
        "misc/abcdefghijklmnopqrstuvwxyz0123456"; do
        expect_error $INVAL RegisterResource st "$k" 1
done
# rdma: a device is registered as a whole; a charge names a kind.
expect_error "$E.@(InvalidArgument|NoSuchResource)" Charge sstt bad-a.slice rdma/mlx5_0 1 1
expect_error $INVAL Evict sstt misc/sev bad-a.slice 1 0            # eviction is for dmem
expect_error $INVAL Evict sstt rdma/mlx5_0/hca_handle bad-a.slice 1 0
expect_error $INVAL EvictValuable sssb misc/sev bad.slice bad-a.slice false
batch_end "unknown and malformed keys"

say "---- amounts, numbers, flags"
batch_start
expect_error $INVAL Charge sstt bad-a.slice misc/sev 0 1                 # R7
expect_error $INVAL Charge sstt bad-a.slice "$V" 0 1
expect_error $INVAL Charge sstt bad-a.slice rdma/mlx5_0/hca_handle 0 1
for f in 4 8 0x100 0x8000000000000000 $U64MAX; do   # 0x1 PERSIST, 0x2 CREATE are flags
        expect_error $INVAL Charge sstt bad-a.slice misc/sev 1 "$f"
done
for f in 2 3 0x8000000000000000 $U64MAX; do
        expect_error $INVAL Evict sstt "$V" bad-a.slice 1 "$f"
done
batch_end "amounts and flags"
# Amounts that overflow a usage: refused, nothing wraps. A refusal by a
# limit or capacity counts events (R8), so those are left out here.
batch_start --no-events --no-refused
for a in $U64MAX 18446744073709551614 9223372036854775808; do
        expect_error "$E.@(CapacityExceeded|LimitExceeded|InvalidArgument)" Charge sstt bad-a.slice misc/sev "$a" 1
        expect_error "$E.@(CapacityExceeded|LimitExceeded|InvalidArgument)" Charge sstt bad-a.slice "$V" "$a" 1
        expect_error "$E.@(CapacityExceeded|LimitExceeded|InvalidArgument)" Charge sstt bad-b.slice misc/sev "$a" 1
        expect_error "$E.@(CapacityExceeded|LimitExceeded|InvalidArgument)" Charge sstt bad-b.slice "$V" "$a" 1
        expect_error "$E.@(LimitExceeded|InvalidArgument)" Charge sstt bad-a.slice rdma/mlx5_0/hca_object "$a" 1
done
expect_error "$E.@(LimitExceeded|InvalidArgument)" Charge sstt bad-b.slice rdma/mlx5_0/hca_object 2147483648 1
expect_error $INVAL Uncharge tt "$ID1" 3                                # holds 2
expect_error $INVAL Uncharge tt "$ID1" $U64MAX
expect_error $E.NoSuchCharge Uncharge tt 0 0
expect_error $E.NoSuchCharge Uncharge tt $U64MAX 1
expect_error $E.NoSuchCharge MigrateCharges ats 2 "$ID1" $U64MAX bad-b.slice
expect_error $E.NoSuchGroup MigrateGroup ss nothing-here.slice bad.slice
batch_end "overflowing amounts (events aside)"
# Refusals by limits are events, not state changes: done outside a batch.
sig_since s
expect_error $E.LimitExceeded Charge sstt bad-a.slice misc/sev 2 1   # bad.slice sev max 3, holds 2
sig_wait s "LimitHit|bad-a.slice|misc/sev|2|bad.slice|3"

say "---- wrong D-Bus signatures and variant types"
batch_start
expect_error org.freedesktop.DBus.Error.InvalidArgs Charge ss bad-a.slice misc/sev
expect_error org.freedesktop.DBus.Error.InvalidArgs Charge sstts bad-a.slice misc/sev 1 1 x
expect_error org.freedesktop.DBus.Error.InvalidArgs Uncharge s "$ID1"
expect_error org.freedesktop.DBus.Error.InvalidArgs WriteFile ss bad.slice misc.max
expect_error org.freedesktop.DBus.Error.UnknownMethod Frobnicate s x
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 MiscMax s "sev:1"
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 MiscMax "a(su)" 1 sev 1
# a(ss) is the text form ("10%", "4G"): a value it cannot parse is refused.
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 MiscMax "a(ss)" 1 sev lots
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 MiscMax "a(sb)" 1 sev true
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 Slice "a(st)" 0
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 Slice t 1
batch_end "wrong signatures"

say "---- SetUnitProperties: unknown properties, keys and values"
batch_start
for p in CPUQuota miscmax MiscMaxx "" "$BIG"; do
        expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 "$p" "a(st)" 1 sev 1
done
for p in MiscMax DMemMax DMemLow DMemMin RdmaMax; do
        expect_error $INVAL SetUnitProperties "sba(sv)" -.slice false 1 "$p" "a(st)" 0
        expect_error $INVAL SetUnitProperties "sba(sv)" -.slice true 1 "$p" "a(st)" 0
done
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 Slice s bad.slice    # slices: by name
expect_error $INVAL SetUnitProperties "sba(sv)" vm1.scope false 1 Slice s a--b.slice
expect_error $INVAL SetUnitProperties "sba(sv)" vm1.scope false 1 Slice s foo.service
expect_error $INVAL SetUnitProperties "sba(sv)" vm1.scope false 1 Slice s "$BIG.slice"
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 MiscMax "a(st)" 1 "" 1
expect_error "$E.@(InvalidArgument|NoSuchResource)" SetUnitProperties "sba(sv)" bad-u.slice false 1 MiscMax "a(st)" 1 misc/sev 1
expect_error "$E.@(InvalidArgument|NoSuchResource)" SetUnitProperties "sba(sv)" bad-u.slice false 1 MiscMax "a(st)" 1 Bad 1
expect_error $E.NoSuchResource SetUnitProperties "sba(sv)" bad-u.slice false 1 MiscMax "a(st)" 1 tdx 1
expect_error $E.NoSuchResource SetUnitProperties "sba(sv)" bad-u.slice false 1 DMemMax "a(st)" 1 drm/0000:99:00.0/vram0 1
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 RdmaMax "a(st)" 1 mlx5_0 1
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 RdmaMax "a(st)" 1 mlx5_0/bogus 1
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 RdmaMax "a(st)" 1 mlx5_0/hca_handle 2147483648
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 1 RdmaMax "a(st)" 1 mlx5_0/hca_handle 18446744073709551614
# One bad entry spoils the whole call: the good ones are not applied.
expect_error $E.NoSuchResource SetUnitProperties "sba(sv)" bad-u.slice false 2 MiscMax "a(st)" 1 sev 1 DMemMax "a(st)" 1 drm/0000:99:00.0/vram0 1
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice false 2 MiscMax "a(st)" 1 sev 1 Bogus "a(st)" 0
# A persistent setting masks a runtime one of the same property.
expect_error $INVAL SetUnitProperties "sba(sv)" bad-u.slice true 1 MiscMax "a(st)" 1 sev 2
batch_end "SetUnitProperties"

say "---- ReadFile / WriteFile: files that do not exist there"
batch_start
for f in "" nope misc misc.maxx misc.max.x ../misc.max "misc.max/" memory.max cgroup.procs rdma.peak "$BIG"; do
        expect_error $E.NoSuchFile ReadFile ss bad.slice "$f"
        expect_error $E.NoSuchFile WriteFile sss bad.slice "$f" "sev 1"
done
for f in misc.max misc.events misc.events.local rdma.max rdma.current dmem.min dmem.low dmem.max; do
        expect_error $E.NoSuchFile ReadFile ss -.slice "$f"
done
for f in misc.max rdma.max dmem.min dmem.low dmem.max; do
        expect_error $E.NoSuchFile WriteFile sss -.slice "$f" "x 1"
done
expect_error $E.NoSuchFile ReadFile ss bad.slice misc.capacity
expect_error $E.NoSuchFile ReadFile ss bad.slice dmem.capacity
for f in misc.current misc.peak misc.events misc.events.local rdma.current dmem.current misc.capacity dmem.capacity; do
        expect_error "$E.@(NoSuchFile|InvalidArgument)" WriteFile sss bad.slice "$f" "sev 1"
done
batch_end "files"

# bad_writes FILE EXPECTED TEXT...: each write fails with EXPECTED, and the
# file reads the same before and after.
bad_writes() {
        local file=$1 want=$2 before t
        shift 2
        before=$(read_file bad.slice "$file"; echo x)
        for t in "$@"; do
                expect_error "$want" WriteFile sss bad.slice "$file" "$t"
        done
        expect_eq "bad.slice $file unchanged after $# bad writes" "$(read_file bad.slice "$file"; echo x)" "$before"
}

say "---- misc.max: rejected writes (kernel-semantics 1.3, MISC-10)"
batch_start
expect_file bad.slice misc.max $'sev 3\nsev_es max\n'
bad_writes misc.max $INVAL "" " " "sev" "sev_es" "nope 5" "tdx 1" "SEV 5" "sev 08" "sev 0x" "sev MAX" "sev Max" \
        "sev  5" "sev 5 6" "sev -1" "sev -0" "sev 1.5" "sev 5k" "sev 0x1g" "sev 18446744073709551616" \
        "sev 99999999999999999999999" "sev 0x10000000000000000" $'sev\t5' $'sev 5\n6' $'sev 5\nsev_es 6' \
        "sev ${BIG}" "$BIG 5" $'sev \x01' "sev maxx" "sev_es  max" " sev  5"
# Capacity 0: the parse comes first (ERANGE), then the capacity (EINVAL).
expect_ok RegisterResource st misc/zero 0
bad_writes misc.max $INVAL "zero 5" "zero max" "zero 18446744073709551616" "zero x"
expect_ok UnregisterResource s misc/zero
batch_end "misc.max"

say "---- rdma.max: rejected writes (RDMA-07)"
batch_start
expect_file bad.slice rdma.max $'mlx5_0 hca_handle=3 hca_object=max \n'
bad_writes rdma.max $INVAL "mlx5_0 hca_handle=-1" "mlx5_0 hca_handle" "mlx5_0 foo=1" "mlx5_0  hca_handle=1" \
        "mlx5_0 hca_handle=1  hca_object=1" "mlx5_0 hca_handle=maxx" "mlx5_0 hca_handle=MAX" "mlx5_0 hca_handle=+5" \
        "mlx5_0 hca_handle=2147483648" "mlx9 hca_handle=-1" "mlx5_0 =5" "mlx5_0 HCA_HANDLE=1" "mlx5_0 hca_handle=abc" \
        "mlx5_0 hca_handle=99999999999999999999" "mlx5_0 hca_handle=1 bogus" "mlx5_0 hca_handle=1 hca_object"
# The device is looked up after the limits parsed (even none): ENODEV.
bad_writes rdma.max $E.NoSuchResource "mlx9 hca_handle=1" "mlx5_1 hca_object=max" "MLX5_0 hca_handle=1" "mlx9" ""
batch_end "rdma.max"

say "---- dmem.max / dmem.min / dmem.low: rejected writes (DMEM-02, R1, R12)"
batch_start
expect_file bad.slice dmem.max "$VN 1073741824"$'\n'
expect_file bad.slice dmem.low "$VN 536870912"$'\n'
for f in dmem.max dmem.min dmem.low; do
        bad_writes "$f" $INVAL "$VN" "drm/0000:c1:00.0/vram1 1G" "$VN 1.5G" "$VN 1GB" "$VN -1" "$VN +1" \
                "$VN  1G" "$VN MAX" "" "$VN 16E" "$VN 123456789012345678901" "$VN 18446744073709551616" \
                "$VN 17179869184T" "$VN 0x" "$VN 1G 2G" "$VN 1Z" "$VN"$'\t\t1' \
                "$VN 1G"$'\n'"$VN 2G" "$(tr 'a-z' 'A-Z' <<<"$VN") 1G" " 1G" "$VN ${BIG}"
done
batch_end "dmem files"

say "---- the daemon is fine after all of it"
expect_out "a(tsstut) 3 $ID1 \"bad-a.slice\" \"misc/sev\" 2 0 1 $ID2 \"bad-a.slice\" \"$V\" 4096 0 1 $ID3 \"bad-a.slice\" \"rdma/mlx5_0/hca_handle\" 1 0 1" \
        ListCharges s ""
charge bad-a.slice misc/sev 1 1
expect_ok Uncharge tt "$ID" 0
write_file bad.slice misc.max "sev 4"
expect_file bad.slice misc.max $'sev 4\nsev_es max\n'
kill9_restart_daemon
expect_out "a(tsstut) 3 $ID1 \"bad-a.slice\" \"misc/sev\" 2 0 1 $ID2 \"bad-a.slice\" \"$V\" 4096 0 1 $ID3 \"bad-a.slice\" \"rdma/mlx5_0/hca_handle\" 1 0 1" \
        ListCharges s ""
expect_file bad.slice misc.max $'sev 4\nsev_es max\n'
expect_daemon_alive
