#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The kernel tier's checks under the host's systemd as PID 1 (issue 14,
# item 5), run as kt-checks.service in the guest that guest-systemd.sh
# booted: resctld enabled and started by systemd, udevd with the project's
# rules, rxe0 made at boot (kt-rxe.service), and a unit with
# RdmaMax=rxe0 hca_handle=0 (kt-limited.service) that cannot open rxe0 at
# its first start; the control (kt-control.service) can. TAP on stdout;
# then the guest powers off.
set -u
X=/mnt/xfer
set -a
# shellcheck disable=SC1091
. $X/guest.env
set +a
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
. "$TIER/guest-lib.sh"
K=/var/lib/kt
CG=/sys/fs/cgroup

finish() {
        say "systemd: $(systemctl is-system-running 2>&1); failed units: $(systemctl list-units --failed --plain --no-legend 2>&1 | awk '{ print $1 }' | tr '\n' ' ')"
        say "boot: $(systemd-analyze time 2>&1 | head -1)"
        journalctl -b -u resctld -o short-monotonic --no-pager >$X/resctld.log 2>&1
        journalctl -b -o short-monotonic --no-pager >$X/journal.txt 2>&1
        summary
        echo "# guest done: up $(cut -d' ' -f1 /proc/uptime)s"
        sync
        systemctl poweroff -ff
}
trap finish EXIT

echo "# guest: $(uname -r), up $(cut -d' ' -f1 /proc/uptime)s, systemd checks"

say "---- PID 1"
expect_eq "PID 1 is systemd (comm)" "$(cat /proc/1/comm)" systemd
expect_match "PID 1 runs the host's /lib/systemd/systemd" "$(readlink /proc/1/exe)" "*/lib/systemd/systemd"
expect_eq "the cgroup tree is systemd's, on the guest's kernel" "$(stat -f -c %T $CG)" cgroup2fs
check "the kernel has the rdma controller" grep -qw rdma $CG/cgroup.controllers

say "---- resctld.service"
check "resctld.service becomes active (within 180s)" wait_for 180 systemctl is-active --quiet resctld.service
expect_eq "resctld.service is enabled" "$(systemctl is-enabled resctld.service 2>&1)" enabled
check "multi-user.target wants resctld.service (the enable symlink)" \
        test -L /etc/systemd/system/multi-user.target.wants/resctld.service
MAINPID=$(systemctl show -P MainPID resctld.service)
expect_eq "resctld (pid $MAINPID) is systemd's child" "$(awk '{ print $4 }' /proc/"$MAINPID"/stat 2>&1)" 1
expect_eq "resctld runs in its unit's cgroup" "$(cut -d: -f3 /proc/"$MAINPID"/cgroup 2>&1)" /system.slice/resctld.service
expect_eq "resctld is the installed one" "$(readlink /proc/"$MAINPID"/exe 2>&1)" /usr/local/libexec/resctld
expect_eq "resctld started once (no restarts)" "$(systemctl show -P NRestarts resctld.service)" 0
check "resctld owns org.resctl.Manager on the system bus" busctl --system status org.resctl.Manager

say "---- udevd and the project's rules"
check "systemd-udevd.service is active" systemctl is-active --quiet systemd-udevd.service
check "70-resctl.rules is installed where udevd reads it" test -e /lib/udev/rules.d/70-resctl.rules
check "rxe0 exists (kt-rxe.service, at boot)" test -e /sys/class/infiniband/rxe0
UDEV=$(udevadm info -q property /sys/class/infiniband/rxe0 2>&1)
expect_match "udev tagged rxe0 resctl (70-resctl.rules)" "$UDEV" "*TAGS=*:resctl:*"
expect_match "udev: rxe0 wants resctld.service" "$UDEV" "*SYSTEMD_WANTS=*resctld.service*"
call ListResources &&
        expect_match "resctld registered rdma/rxe0" "$OUT" '*"rdma/rxe0/hca_handle"*'

# unit_case NAME CGROUP FILE: kt-NAME.service ran once, in CGROUP, and its
# first command saw "rxe0 hca_handle=0" in FILE (CGROUP's rdma.max or its
# slice's); the kernel refused its ibv_open_device with EAGAIN.
unit_case() {
        local n=$1 cg=$2 f=$3
        check "kt-$n.service ran (within 120s)" wait_for 120 test -e "$K/$n".rc
        expect_eq "kt-$n.service started once since boot, in its cgroup" "$(cat "$K/$n".cgroup)" "0::${cg#"$CG"}"
        expect_match "${f#"$CG"/} as the unit's first command read it: rxe0 hca_handle=0" "$(cat "$K/$n".max)" "rxe0 hca_handle=0 hca_object=max*"
        expect_eq "ibv_open_device(rxe0) in kt-$n.service: EAGAIN (the kernel refuses)" "$(cat "$K/$n".out)" "open rxe0: EAGAIN"
        expect_eq "kt-$n.service: rdma-open exit status 2 (the open failed)" "$(cat "$K/$n".rc)" 2
        expect_match "the kernel's ${f#"$CG"/} now" "$(cat "$f" 2>&1)" "rxe0 hca_handle=0 hca_object=max*"
        expect_eq "kt-$n.service is active (it holds its cgroup)" "$(systemctl is-active "kt-$n.service")" active
}

say "---- kt-limited.service: RdmaMax=rxe0 hca_handle=0 in its unit file, first start after boot"
unit_case limited $CG/system.slice/kt-limited.service $CG/system.slice/kt-limited.service/rdma.max
expect_eq "ReadFile kt-limited.service rdma.max is the kernel's" \
        "$(read_file kt-limited.service rdma.max 2>&1)" "$(cat $CG/system.slice/kt-limited.service/rdma.max 2>&1)"
say "kt-limited.service's first command ran at uptime $(cat $K/limited.t)s"

say "---- kt-sliced.service in kt.slice (started at boot) with RdmaMax=rxe0 hca_handle=0"
unit_case sliced $CG/kt.slice/kt-sliced.service $CG/kt.slice/rdma.max
expect_eq "ReadFile kt.slice rdma.max is the kernel's" \
        "$(read_file kt.slice rdma.max 2>&1)" "$(cat $CG/kt.slice/rdma.max 2>&1)"

say "---- kt-control.service: no limit, the same program"
check "kt-control.service ran (within 120s)" wait_for 120 test -e $K/control.rc
expect_eq "ibv_open_device(rxe0) in kt-control.service: ok" "$(cat $K/control.out)" "open rxe0: ok"
expect_eq "kt-control.service: rdma-open exit status 0" "$(cat $K/control.rc)" 0
say "kt-control.service's rdma.max at its first command: $(cat $K/control.max)"
