#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The kernel tier's checks, run inside the guest by guest.sh (TAP on
# stdout, diagnostics on stderr and in /mnt/xfer/*.log):
#   1. discovery: rdma/rxe0 from the RDMA netlink and udev, rxe1 added and
#      removed after start; misc resources from the test module's
#      capacities, loaded before and after resctld starts; a capacity
#      change seen by ListResources and ReadFile alike;
#   2. enforcement: SetUnitProperties limits land in the unit's cgroup in
#      systemd's layout and the kernel refuses beyond them (ibv_open_device,
#      PDs, misc charges); Usage, Peak and ReadFile are the kernel's;
#      Charge is KernelManaged;
#   3. exactly one LimitHit per refused misc charge, within 1 s;
#   4. differential semantics (diff.py).
set -u
. "$TIER/guest-lib.sh"

CG=/sys/fs/cgroup
S=/run/kt
mkdir -p $S/units $S/dbus.d

# ---- udev with the project's rules (and the test module tagged like kvm_amd)
mkdir -p /etc/udev/rules.d
cp "$SOURCE_ROOT/udev/70-resctl.rules" /etc/udev/rules.d/
echo 'SUBSYSTEM=="module", KERNEL=="resctl_misc_test", TAG+="resctl"' >/etc/udev/rules.d/71-resctl-test.rules
/lib/systemd/systemd-udevd --daemon --resolve-names=never
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=300 || say "udevadm settle timed out"

# ---- soft-RoCE on the virtio NIC
NICS=()
for n in /sys/class/net/*; do [ -e "$n/device" ] && NICS+=("${n##*/}"); done
NET=${NICS[0]} NET2=${NICS[1]}
ip link set "$NET" up
ip link set "$NET2" up
modprobe rdma_rxe
modprobe ib_uverbs
rdma link add rxe0 type rxe netdev "$NET"
udevadm settle --timeout=60
check "rxe0 is there (rdma dev)" test -e /sys/class/infiniband/rxe0

# ---- the misc test module, before resctld starts
insmod $X/resctl_misc_test.ko sev=16 sev_es=4
expect_eq "misc.capacity from the test module" "$(cat $CG/misc.capacity)" $'sev 16\nsev_es 4'
KERNEL_PEAK=0
[ -e $CG/misc.peak ] && KERNEL_PEAK=1
KERNEL_LOCAL=0
# Which misc files this kernel has, seen in a throwaway cgroup.
echo +misc >$CG/cgroup.subtree_control
mkdir $CG/probe
[ -e $CG/probe/misc.events.local ] && KERNEL_LOCAL=1
rmdir $CG/probe
echo -misc >$CG/cgroup.subtree_control
say "kernel files: misc.peak=$KERNEL_PEAK misc.events.local=$KERNEL_LOCAL"

# ---- a system bus and resctld
sed -e "s|@SOCKET@|/run/dbus/system_bus_socket|" -e "s|@POLICYDIR@|$S/dbus.d|" \
        "$SOURCE_ROOT/scripts/private-bus.conf.in" >$S/bus.conf
cp "$SOURCE_ROOT/dbus/org.resctl.Manager.conf" $S/dbus.d/
mkdir -p /run/dbus
dbus-daemon --config-file=$S/bus.conf --fork --nopidfile
printf '[X-Resctl]\nSlice=tenant-a.slice\n' >$S/units/vm1.service
printf '[X-Resctl]\nSlice=tenant-a.slice\n' >$S/units/vm2.service
printf '[X-Resctl]\nSlice=tenant-b.slice\n' >$S/units/vm3.service
sig_start
"$RESCTLD" --hardware=auto --state-dir=$S/state --runtime-dir=$S/run --control-dir=$S/control \
        --runtime-control-dir=$S/rcontrol --unit-path=$S/units --cgroup-root=$CG --log-level=debug \
        >$X/resctld.log 2>&1 &
RESCTLD_PID=$!
wait_for 300 busctl --system status org.resctl.Manager || die "resctld did not take its bus name"

say "---- 1. discovery"
call ListResources
expect_match "ListResources: misc/sev with the module's capacity" "$OUT" '*"misc/sev" 16 0 0 0*'
expect_match "ListResources: misc/sev_es with the module's capacity" "$OUT" '*"misc/sev_es" 4 0 0 0*'
expect_match "ListResources: rdma/rxe0 (netlink and udev)" "$OUT" '*"rdma/rxe0/hca_handle"*"rdma/rxe0/hca_object"*'
check "resctld logged the RDMA netlink probe" grep -q 'RDMA netlink: [1-9]' $X/resctld.log
KR=$(busctl --system get-property org.resctl.Manager /org/resctl/Manager org.resctl.Manager KernelResources)
expect_match "KernelResources: misc/sev and rxe0" "$KR" '*"misc/sev"*"rdma/rxe0/hca_handle"*'
rdma link add rxe1 type rxe netdev "$NET2"
sig_wait "ResourceAdded|rdma/rxe1|*"
rdma link delete rxe1
sig_wait "ResourceRemoved|rdma/rxe1"
rmmod resctl_misc_test
sig_wait "ResourceRemoved|misc/sev"
insmod $X/resctl_misc_test.ko sev=12 sev_es=3
sig_wait "ResourceAdded|misc/sev|12"
call ListResources
expect_match "module loaded after start: ListResources says 12" "$OUT" '*"misc/sev" 12 0 0 0*'
# A capacity change no uevent tells about: one source of truth.
poke - "capacity sev 14"
expect_read -.slice misc.capacity $CG/misc.capacity
expect_match "misc.capacity says 14" "$(cat $CG/misc.capacity)" 'sev 14*'
call ListResources
expect_match "ListResources: the kernel's 14 too" "$OUT" '*"misc/sev" 14 0 0 0*'
poke - "capacity sev 12"

say "---- 2. enforcement in systemd's layout"
call SetUnitProperties 'sba(sv)' tenant-a.slice false 1 MiscMax 'a(st)' 1 sev 3
check "tenant.slice does not exist yet" test ! -e $CG/tenant.slice
# As systemd starts vm1.service: the slices first, then the unit.
mkdir $CG/tenant.slice
mkdir $CG/tenant.slice/tenant-a.slice
mkdir $CG/tenant.slice/tenant-a.slice/vm1.service
A=$CG/tenant.slice/tenant-a.slice
V1=$A/vm1.service
wait_file $A/misc.max $'sev 3\nsev_es max'
# RdmaMax before MiscMax: the misc files of vm1.service appear only later.
call SetUnitProperties 'sba(sv)' vm1.service false 1 RdmaMax 'a(st)' 2 rxe0/hca_handle 1 rxe0/hca_object 1
expect_eq "vm1.service rdma.max" "$(cat $V1/rdma.max)" "rxe0 hca_handle=1 hca_object=1 "
call SetUnitProperties 'sba(sv)' vm1.service false 1 MiscMax 'a(st)' 1 sev 2
expect_eq "vm1.service misc.max" "$(cat $V1/misc.max)" $'sev 2\nsev_es max'

# rdma: the kernel refuses beyond the limits
mkfifo $S/hold.in
in_cg $V1 $X/rdma-open rxe0 2 hold <$S/hold.in >$S/hold.out 2>&1 &
HOLD_PID=$!
exec {HOLD_FD}>$S/hold.in
wait_for 300 grep -q holding $S/hold.out
expect_eq "an opener in vm1.service: open ok, the 2nd PD refused (hca_object=1)" \
        "$(sed 's/: E[A-Z]*$/: refused/' $S/hold.out)" $'open rxe0: ok\npd 1: ok\npd 2: refused\nholding'
OUT2=$(in_cg $V1 $X/rdma-open rxe0 0)
expect_match "a 2nd opener in vm1.service is refused by the kernel (hca_handle=1)" "$OUT2" 'open rxe0: E*'
say "  (kernel said: $OUT2; first opener: $(tr '\n' ' ' <$S/hold.out))"
expect_eq "vm1.service rdma.current" "$(cat $V1/rdma.current)" "rxe0 hca_handle=1 hca_object=1 "
expect_read vm1.service rdma.current $V1/rdma.current
expect_prop_key vm1.service Usage rdma/rxe0/hca_handle 1
expect_prop_key vm1.service Usage rdma/rxe0/hca_object 1
exec {HOLD_FD}>&-
wait $HOLD_PID
expect_eq "vm1.service rdma.current after the holder exits" "$(cat $V1/rdma.current)" "rxe0 hca_handle=0 hca_object=0 "

say "---- 2/3. misc: refusals and LimitHit"
sig_since
poke $V1 "charge sev 2"
expect_eq "vm1.service charges sev 2" "$POKE" ok
limit_hit_case $V1 "charge sev 1" "LimitHit|vm1.service|misc/sev|1|vm1.service|2"
limit_hit_case $V1 "charge sev 1" "LimitHit|vm1.service|misc/sev|1|vm1.service|2"
expect_prop_key vm1.service Usage misc/sev 2
if [ $KERNEL_PEAK = 1 ]; then
        expect_prop_key vm1.service Peak misc/sev "$(awk '$1 == "sev" { print $2 }' $V1/misc.peak)"
fi
expect_read vm1.service misc.current $V1/misc.current
expect_read vm1.service misc.events $V1/misc.events
expect_read vm1.service misc.max $V1/misc.max
# The first unit of the slice's second child: started after the slice's limit.
mkdir $A/vm2.service
poke $A/vm2.service "charge sev 1"
expect_eq "vm2.service charges sev 1 (tenant-a.slice at 3 of 3)" "$POKE" ok
limit_hit_case $A/vm2.service "charge sev 1" "LimitHit|tenant-a.slice|misc/sev|1|tenant-a.slice|3"
# A new slice whose limit was set before it existed.
call SetUnitProperties 'sba(sv)' tenant-b.slice false 1 MiscMax 'a(st)' 1 sev 1
mkdir $CG/tenant.slice/tenant-b.slice
wait_file $CG/tenant.slice/tenant-b.slice/misc.max $'sev 1\nsev_es max'
mkdir $CG/tenant.slice/tenant-b.slice/vm3.service
poke $CG/tenant.slice/tenant-b.slice/vm3.service "charge sev 1"
expect_eq "vm3.service charges sev 1" "$POKE" ok
limit_hit_case $CG/tenant.slice/tenant-b.slice/vm3.service "charge sev 1" \
        "LimitHit|tenant-b.slice|misc/sev|1|tenant-b.slice|1"
# A capacity refusal at the leaf: vm3.service may have 20, the machine has 12.
poke $CG/tenant.slice/tenant-b.slice/vm3.service "uncharge sev 1"
call SetUnitProperties 'sba(sv)' tenant-b.slice false 1 MiscMax 'a(st)' 1 sev 18446744073709551615
call SetUnitProperties 'sba(sv)' vm3.service false 1 MiscMax 'a(st)' 1 sev 20
wait_file $CG/tenant.slice/tenant-b.slice/vm3.service/misc.max $'sev 20\nsev_es max'
limit_hit_case $CG/tenant.slice/tenant-b.slice/vm3.service "charge sev 13" \
        "LimitHit|vm3.service|misc/sev|1|vm3.service|12"
# Every LimitHit so far was one of the above: the last one came after all
# the earlier events were read (one inotify queue, in order).
expect_eq "exactly one LimitHit per refusal" "$(sig_count 'LimitHit|*')" "$N_REFUSED"
say "limithit_latency_max_s=$LATENCY_MAX"

expect_error org.resctl.Error.KernelManaged Charge sstt vm1.service misc/sev 1 1
expect_error org.resctl.Error.KernelManaged Charge sstt vm1.service rdma/rxe0/hca_handle 1 1

say "---- 4. differential semantics"
[ -e "$TIER/diff.py" ] && /usr/bin/python3 "$TIER/diff.py" --peak=$KERNEL_PEAK --local=$KERNEL_LOCAL --report=$X/diff.log

check "resctld is still running" kill -0 $RESCTLD_PID
kill $RESCTLD_PID
wait $RESCTLD_PID
cp $SIGF $X/signals.log
summary
