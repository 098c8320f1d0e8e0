#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The cgroupfs backend against a double of the kernel's cgroup2 tree: the
# exact file names and formats of kernel-semantics.md (root-only and
# not-on-root files, rdma's trailing space), a cgroup.controllers listing
# misc, dmem and rdma. This kernel has none of them, so the double is the
# only kernel the backend can meet here.
#   1. brokered at first; at the next start the kernel has the controllers:
#      the limits kept from before land in the cgroup files;
#   2. kernel-backed keys refuse Charge/Evict/Register with KernelManaged;
#   3. every limit write lands in the right file with the right text, after
#      enabling the controller along the path;
#   4. reads come from the kernel's files; misc.events changes written the
#      way the kernel does become LimitHit and PropertiesChanged;
#   5. a cgroup that appears later gets its limits; a vanished or read-only
#      one gives a clear error and changes nothing.
. "$(dirname "$0")/lib.sh"

it_setup --hardware=none --no-daemon

C=$T/cgroup
R=drm/0000:03:00.0/vram0
V=dmem/$R
G8=8589934592

# mkcg DIR [WHERE]: a non-root cgroup as the kernel shows it, built aside
# and renamed into place so that it appears whole (as mkdir does on cgroupfs).
mkcg() {
        local d=$1 tmp=$T/cg.new
        rm -rf "$tmp"
        mkdir -p "$tmp" "$(dirname "$C/$d")"
        printf 'misc dmem rdma\n' >"$tmp/cgroup.controllers"
        : >"$tmp/cgroup.subtree_control"
        printf 'sev max\nsev_es max\n' >"$tmp/misc.max"
        printf 'sev 0\nsev_es 0\n' >"$tmp/misc.current"
        printf 'sev 0\nsev_es 0\n' >"$tmp/misc.peak"
        printf 'sev.max 0\nsev_es.max 0\n' >"$tmp/misc.events"
        printf 'sev.max 0\nsev_es.max 0\n' >"$tmp/misc.events.local"
        printf '%s 0\n' "$R" >"$tmp/dmem.current"
        printf '%s 0\n' "$R" >"$tmp/dmem.peak"
        printf '%s 0\n' "$R" >"$tmp/dmem.min"
        printf '%s 0\n' "$R" >"$tmp/dmem.low"
        printf '%s max\n' "$R" >"$tmp/dmem.max"
        printf 'mlx5_0 hca_handle=max hca_object=max \n' >"$tmp/rdma.max"
        printf 'mlx5_0 hca_handle=0 hca_object=0 \n' >"$tmp/rdma.current"
        mv "$tmp" "$C/$d"
}

# kernel_root [CONTROLLERS]: the root's files (root-only ones included).
kernel_root() {
        printf 'cpuset cpu io memory pids %s\n' "$1" >"$C/cgroup.controllers"
        printf 'cpu memory pids\n' >"$C/cgroup.subtree_control"
        printf 'sev 410\nsev_es 99\n' >"$C/misc.capacity"
        printf 'sev 0\nsev_es 0\n' >"$C/misc.current"
        printf 'sev 0\nsev_es 0\n' >"$C/misc.peak"
        printf '%s %s\n' "$R" "$G8" >"$C/dmem.capacity"
        printf '%s 0\n' "$R" >"$C/dmem.current"
}

# expect_cat FILE WANT: the double's file holds exactly WANT.
expect_cat() {
        local got
        got=$(cat "$1" 2>&1; echo x)
        expect_eq "${1#"$C"/} == $(printf '%q' "$2")" "${got%x}" "$2"
}

# wait_cat FILE LINE: the daemon writes LINE into FILE (tail -F: inotify).
wait_cat() {
        if wait_line "$1" "$2" 10; then
                pass "${1#"$C"/} gets '$2'"
        else
                fail "${1#"$C"/} gets '$2' (has: $(tr '\n' '|' <"$1" 2>&1))"
        fi
}

mkdir -p "$C"

say "---- 1. brokered first, then kernel-backed: limits are kept"
kernel_root ""
mkcg system.slice
start_daemon
kernel_resources() {
        busctl --system get-property org.resctl.Manager /org/resctl/Manager org.resctl.Manager KernelResources
}
expect_eq "KernelResources is empty without the controllers" "$(kernel_resources)" "as 0"
expect_ok RegisterResource st misc/sev 410
expect_ok RegisterResource st "$V" "$G8"
charge beta.slice misc/sev 2 1
expect_ok SetUnitProperties sba\(sv\) beta.slice false 2 MiscMax "a(st)" 1 sev 5 DMemMax "a(st)" 1 "$R" 1073741824
expect_ok WriteFile sss gamma.slice misc.max "sev 6"
check "nothing is written to the cgroup tree while resctld brokers" test ! -e "$C/beta.slice"
stop_daemon

kernel_root "rdma misc dmem"
mkcg beta.slice
mkcg gamma.slice
sig_start main
start_daemon
expect_eq "KernelResources lists what misc.capacity and dmem.capacity list" "$(kernel_resources)" \
        "as 3 \"misc/sev\" \"misc/sev_es\" \"$V\""
expect_cat "$C/beta.slice/misc.max" $'sev 5\n'
expect_cat "$C/beta.slice/dmem.max" "$R 1073741824"$'\n'
expect_cat "$C/gamma.slice/misc.max" $'sev 6\n'
for ctl in misc dmem; do
        check "the $ctl controller was enabled in the root's cgroup.subtree_control" \
                grep -q "Enabled the $ctl controller in $C/cgroup.subtree_control" "$T/resctld.log"
done
expect_out 'a(tsstut) 0' ListCharges s ""
check "the brokered charge of misc/sev is released at start (logged)" \
        grep -q 'released: the kernel charges misc/sev now' "$T/resctld.log"
expect_ok ListResources
expect_match "misc/sev capacity from misc.capacity" "$OUT" '*"misc/sev" 410 0 0 0*'

say "---- 2. KernelManaged"
expect_error org.resctl.Error.KernelManaged Charge sstt beta.slice misc/sev 1 1
expect_match "the message says who charges it" "$ERRMSG" '*KVM charges an ASID*'
expect_error org.resctl.Error.KernelManaged Charge sstt beta.slice "$V" 4096 1
expect_error org.resctl.Error.KernelManaged Evict sstt "$V" beta.slice 4096 0
expect_error org.resctl.Error.KernelManaged EvictValuable sssb "$V" "" beta.slice false
expect_error org.resctl.Error.KernelManaged RegisterResource st misc/sev 5
expect_error org.resctl.Error.KernelManaged SetCapacity st misc/sev_es 5
expect_error org.resctl.Error.KernelManaged UnregisterResource s misc/sev
expect_ok RegisterResource st rdma/mlx5_0 18446744073709551615
expect_error org.resctl.Error.KernelManaged Charge sstt system.slice rdma/mlx5_0/hca_handle 1 1
expect_ok RegisterResource st misc/foo 4
charge beta.slice misc/foo 1 1
check "a resource the kernel does not list stays brokered" test -n "$ID"
expect_ok ListResources
expect_match "ListResources still lists the brokered charge" "$OUT" '*"misc/foo" 4 1 1 0*'
check "resctl status says which is which" \
        bash -c '"$1" status | grep -q "Kernel: misc/sev misc/sev_es '"$V"' rdma/mlx5_0/hca_handle rdma/mlx5_0/hca_object"' \
        _ "$(dirname "$RESCTLD")/../resctl/resctl"

say "---- 3. limit writes land in the right file, controllers enabled along the path"
mkcg tenant.slice
mkcg tenant.slice/tenant-a.slice
# The root has them on now (as the kernel would show after the writes).
printf 'cpu memory pids misc dmem rdma\n' >"$C/cgroup.subtree_control"
expect_ok WriteFile sss tenant-a.slice misc.max "sev 3"
expect_cat "$C/tenant.slice/tenant-a.slice/misc.max" $'sev 3\n'
expect_cat "$C/tenant.slice/cgroup.subtree_control" $'+misc\n'
expect_cat "$C/tenant.slice/tenant-a.slice/cgroup.subtree_control" ""
expect_ok WriteFile sss tenant-a.slice misc.max "sev_es 0x10"
expect_cat "$C/tenant.slice/tenant-a.slice/misc.max" $'sev_es 16\n'
expect_file tenant-a.slice misc.max $'sev 3\nsev_es 16\nfoo max\n'
expect_ok SetUnitProperties sba\(sv\) tenant-a.slice true 2 DMemLow "a(st)" 1 "$R" 1073741824 DMemMin "a(st)" 1 "$R" 4096
expect_cat "$C/tenant.slice/cgroup.subtree_control" $'+dmem\n'
expect_cat "$C/tenant.slice/tenant-a.slice/dmem.low" "$R 1073741824"$'\n'
expect_cat "$C/tenant.slice/tenant-a.slice/dmem.min" "$R 4096"$'\n'
expect_ok WriteFile sss tenant-a.slice dmem.max "$R 2G"
expect_cat "$C/tenant.slice/tenant-a.slice/dmem.max" "$R 2147483648"$'\n'
expect_ok WriteFile sss tenant-a.slice rdma.max "mlx5_0 hca_handle=2"
expect_cat "$C/tenant.slice/tenant-a.slice/rdma.max" $'mlx5_0 hca_handle=2 hca_object=max\n'
expect_cat "$C/tenant.slice/cgroup.subtree_control" $'+rdma\n'
expect_cat "$C/cgroup.subtree_control" $'cpu memory pids misc dmem rdma\n'
expect_error org.resctl.Error.InvalidArgument WriteFile sss tenant-a.slice misc.max "sev -1"
expect_cat "$C/tenant.slice/tenant-a.slice/misc.max" $'sev_es 16\n'
expect_error org.resctl.Error.NoSuchFile WriteFile sss tenant-a.slice misc.capacity "sev 1"
expect_prop tenant-a.slice Max "a{st} 6 \"misc/sev\" 3 \"misc/sev_es\" 16 \"$V\" 2147483648 \"rdma/mlx5_0/hca_handle\" 2 \"rdma/mlx5_0/hca_object\" 18446744073709551615 \"misc/foo\" 18446744073709551615"

say "---- 4. reads come from the kernel; misc.events become signals"
printf 'sev 2\nsev_es 1\n' >"$C/tenant.slice/tenant-a.slice/misc.current"
printf 'sev 3\nsev_es 1\n' >"$C/tenant.slice/tenant-a.slice/misc.peak"
printf '%s 1048576\n' "$R" >"$C/tenant.slice/tenant-a.slice/dmem.current"
printf 'mlx5_0 hca_handle=1 hca_object=7 \n' >"$C/tenant.slice/tenant-a.slice/rdma.current"
printf 'mlx5_0 hca_handle=1 hca_object=9 \n' >"$C/tenant.slice/rdma.current"
printf 'sev 5\nsev_es 1\n' >"$C/misc.current"
expect_file tenant-a.slice misc.current $'sev 2\nsev_es 1\nfoo 0\n'
expect_file tenant-a.slice rdma.current $'mlx5_0 hca_handle=1 hca_object=7 \n'
expect_prop tenant-a.slice Usage "a{st} 6 \"misc/sev\" 2 \"misc/sev_es\" 1 \"$V\" 1048576 \"rdma/mlx5_0/hca_handle\" 1 \"rdma/mlx5_0/hca_object\" 7 \"misc/foo\" 0"
expect_prop tenant-a.slice Peak "a{st} 6 \"misc/sev\" 3 \"misc/sev_es\" 1 \"$V\" 0 \"rdma/mlx5_0/hca_handle\" 0 \"rdma/mlx5_0/hca_object\" 0 \"misc/foo\" 0"
expect_ok ListResources
expect_match "ListResources: root usage from misc.current" "$OUT" '*"misc/sev" 410 5 0 0*'
expect_match "ListResources: rdma root usage is what the top-level cgroups use" "$OUT" '*"rdma/mlx5_0/hca_object" 18446744073709551615 9 0 0*'

sig_since main
# The kernel's misc_cg_event(): events.local on the failing level, events
# there and on every ancestor but the root.
printf 'sev.max 1\nsev_es.max 0\n' >"$C/tenant.slice/tenant-a.slice/misc.events.local"
printf 'sev.max 1\nsev_es.max 0\n' >"$C/tenant.slice/tenant-a.slice/misc.events"
printf 'sev.max 1\nsev_es.max 0\n' >"$C/tenant.slice/misc.events"
sig_wait main "LimitHit|tenant-a.slice|misc/sev|1|tenant-a.slice|3"
sig_wait main "PropertiesChanged|$(group_path tenant-a.slice)|org.resctl.Group|*Events*"
sig_wait main "PropertiesChanged|$(group_path tenant.slice)|org.resctl.Group|*Events*"
sig_expect_count main "LimitHit|*" 1
expect_prop tenant-a.slice EventsLocal "a{st} 6 \"misc/sev\" 1 \"misc/sev_es\" 0 \"$V\" 0 \"rdma/mlx5_0/hca_handle\" 0 \"rdma/mlx5_0/hca_object\" 0 \"misc/foo\" 0"
expect_prop tenant.slice Events "a{st} 6 \"misc/sev\" 1 \"misc/sev_es\" 0 \"$V\" 0 \"rdma/mlx5_0/hca_handle\" 0 \"rdma/mlx5_0/hca_object\" 0 \"misc/foo\" 0"
expect_ok ListResources
expect_match "ListResources: refused from the top-level misc.events" "$OUT" '*"misc/sev" 410 5 0 1*'
# A capacity refusal at a level without a max: the limit is the capacity.
sig_since main
printf 'sev.max 0\nsev_es.max 2\n' >"$C/beta.slice/misc.events.local"
sig_wait main "LimitHit|beta.slice|misc/sev_es|1|beta.slice|99"
sig_expect_count main "LimitHit|*" 2

say "---- 4b. a kernel before 6.11: misc.events only, hierarchical"
# No misc.events.local: the local count is worked out from misc.events of
# the cgroup and its children, one LimitHit per refusal at its level.
mkcg old.slice
mkcg old.slice/old-a.slice
mkcg old.slice/old-a.slice/x.service
rm -f "$C"/old.slice/misc.events.local "$C"/old.slice/old-a.slice/misc.events.local \
        "$C"/old.slice/old-a.slice/x.service/misc.events.local
expect_ok WriteFile sss old-a.slice misc.max "sev 2"
expect_ok WriteFile sss old.slice misc.max "sev 7"
sig_since main
# misc_cg_try_charge() of 6.1: events of the failing level and every level above.
bump() {
        local d
        for d in "$@"; do
                printf 'sev.max %s\nsev_es.max 0\n' "$(($(sed -n 's/^sev.max //p' "$C/$d/misc.events") + 1))" \
                        >"$C/$d/misc.events"
        done
}
bump old.slice/old-a.slice old.slice
sig_wait main "LimitHit|old-a.slice|misc/sev|1|old-a.slice|2"
expect_file old-a.slice misc.events.local $'sev.max 1\nsev_es.max 0\nfoo.max 0\n'
bump old.slice/old-a.slice/x.service old.slice/old-a.slice old.slice        # refused below: not theirs
bump old.slice
sig_wait main "LimitHit|old.slice|misc/sev|1|old.slice|7"
sig_expect_count main "LimitHit|*" 2
rm -rf "$C/old.slice/old-a.slice/x.service"                     # its count stays in old-a's
bump old.slice/old-a.slice old.slice
sig_wait main "LimitHit|old-a.slice|misc/sev|1|old-a.slice|2"
sig_expect_count main "LimitHit|*" 3
expect_prop old-a.slice EventsLocal "a{st} 6 \"misc/sev\" 2 \"misc/sev_es\" 0 \"$V\" 0 \"rdma/mlx5_0/hca_handle\" 0 \"rdma/mlx5_0/hca_object\" 0 \"misc/foo\" 0"

say "---- 4c. the capacity is the kernel's: ListResources follows misc.capacity"
sig_since main
printf 'sev 300\nsev_es 99\n' >"$C/misc.capacity"
expect_file -.slice misc.capacity $'sev 300\nsev_es 99\nfoo 4\n'
expect_ok ListResources
expect_match "ListResources: misc/sev has the kernel's new capacity" "$OUT" '*"misc/sev" 300 *'
sig_wait main "CapacityChanged|misc/sev|300"
printf 'sev 410\nsev_es 99\n' >"$C/misc.capacity"
expect_ok ListResources
expect_match "ListResources: and back" "$OUT" '*"misc/sev" 410 *'

say "---- 5. a cgroup that appears later; a vanished or read-only one"
expect_ok SetUnitProperties sba\(sv\) vm1.service false 1 MiscMax "a(st)" 1 sev 1
check "no cgroup yet: nothing written" test ! -e "$C/system.slice/vm1.service"
mkcg system.slice/vm1.service
wait_cat "$C/system.slice/vm1.service/misc.max" "sev 1"
expect_file vm1.service misc.max $'sev 1\nsev_es max\nfoo max\n'

rm -rf "$C/system.slice/vm1.service"
expect_error org.resctl.Error.NoSuchGroup WriteFile sss vm1.service misc.max "sev 2"
expect_match "the message names the cgroup" "$ERRMSG" "*$C/system.slice/vm1.service is gone*"
cp "$T/control/vm1.service.d/50-resctl-MiscMax.conf" "$T/dropin.before"
expect_error org.resctl.Error.NoSuchGroup SetUnitProperties sba\(sv\) vm1.service false 1 MiscMax "a(st)" 1 sev 2
expect_file vm1.service misc.max $'sev 1\nsev_es max\nfoo max\n'
check "a refused SetUnitProperties leaves the drop-in as it was" \
        cmp -s "$T/control/vm1.service.d/50-resctl-MiscMax.conf" "$T/dropin.before"
mkcg system.slice/vm1.service
wait_cat "$C/system.slice/vm1.service/misc.max" "sev 1"
expect_ok WriteFile sss vm1.service misc.max "sev 2"
expect_cat "$C/system.slice/vm1.service/misc.max" $'sev 2\n'

A=$C/tenant.slice/tenant-a.slice
mount --bind "$A" "$A" && mount -o remount,bind,ro "$A" || die "cannot make $A read-only"
expect_error org.resctl.Error.KernelRefused WriteFile sss tenant-a.slice misc.max "sev 4"
expect_match "the message says why" "$ERRMSG" "*Read-only file system*"
expect_file tenant-a.slice misc.max $'sev 3\nsev_es 16\nfoo max\n'
expect_error org.resctl.Error.KernelRefused SetUnitProperties sba\(sv\) tenant-a.slice false 1 MiscMax "a(st)" 1 sev 4
check "a refused SetUnitProperties writes no drop-in" test ! -e "$T/control/tenant-a.slice.d/50-resctl-MiscMax.conf"
check "a setting of a brokered resource is not held up by the kernel" \
        call SetUnitProperties sba\(sv\) tenant-a.slice true 1 MiscMax "a(st)" 1 foo 2
umount "$A"
expect_daemon_alive

say "---- restart: nothing lost, nothing rewritten"
VM=$C/system.slice/vm1.service
before=$(stat -c %y "$VM/misc.max")
kill9_restart_daemon
expect_file tenant-a.slice misc.max $'sev 3\nsev_es 16\nfoo 2\n'
expect_file vm1.service misc.max $'sev 2\nsev_es max\nfoo max\n'
expect_eq "a limit the kernel has is not written again at start" "$(stat -c %y "$VM/misc.max")" "$before"
expect_cat "$VM/misc.max" $'sev 2\n'
expect_daemon_alive
