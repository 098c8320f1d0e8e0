#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# PID 1 of the guest (the host's userland over 9p, the guest's kernel):
# the mounts a system has, then checks.sh, then power off. Its TAP lines go
# to /mnt/xfer/results.tap, which run.sh reads on the host.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
X=/mnt/xfer
set -a
. $X/guest.env
set +a

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# What udev would make: bash's process substitution needs /dev/fd.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=755 tmpfs /run
# As systemd mounts it.
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup ||
        mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
hostname resctl-kernel
ip link set lo up

echo "# guest: $(uname -r), up $(cut -d' ' -f1 /proc/uptime)s" >$X/results.tap
bash "$TIER/checks.sh" >>$X/results.tap 2>$X/checks.log
echo "# guest done: up $(cut -d' ' -f1 /proc/uptime)s" >>$X/results.tap
sync
/bin/busybox poweroff -f
echo o >/proc/sysrq-trigger
sleep 30
