#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# PID 1 of the systemd guest (run.sh with KERNEL_GUEST_SYSTEMD=1), for a
# moment: installs the project into the writable overlay as a package
# would (the tree "meson install --destdir" made on the host), enables
# resctld.service, puts the test units in /etc/systemd/system, turns off
# what the host has enabled that a test VM does not want, and then execs
# the host's own systemd, which stays PID 1. The checks run as a unit
# (kt-checks.service, checks-systemd.sh); their TAP lines go to
# /mnt/xfer/results.tap.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
X=/mnt/xfer
set -a
# shellcheck disable=SC1091
. $X/guest.env
set +a
log() { echo "guest-systemd: $*" >/dev/console; }

# The install: what a package puts on the system. /lib is a symlink into
# /usr on the host (merged /usr): keep it one.
tar -C $X/dest -cf - . | tar -C / -xf - --keep-directory-symlink || log "install failed"

# What the host enabled (databases, exporters, timers, a getty) is not
# this VM's business: its wants go, and what the generators and vendor
# presets would still pull in that only costs time under TCG is masked.
rm -f /etc/systemd/system/{multi-user,timers,sockets,sysinit,getty}.target.wants/*
for u in serial-getty@.service getty@.service systemd-timesyncd.service \
        systemd-pcrphase.service systemd-pcrphase-sysinit.service \
        console-getty.service systemd-firstboot.service systemd-repart.service systemd-binfmt.service \
        proc-sys-fs-binfmt_misc.automount e2scrub_reap.service \
        apt-daily.timer apt-daily-upgrade.timer man-db.timer; do
        ln -sf /dev/null "/etc/systemd/system/$u"
done
: >/etc/fstab

# The test units, then "systemctl enable" for them and for resctld (offline:
# no systemd runs yet, so systemctl edits the symlinks only).
mkdir -p /var/lib/kt
for f in "$TIER"/systemd/*.service "$TIER"/systemd/*.slice; do
        sed -e "s|@TIER@|$TIER|g" -e "s|@XFER@|$X|g" "$f" >"/etc/systemd/system/${f##*/}"
done
systemctl enable resctld.service kt-rxe.service kt-limited.service kt-control.service \
        kt.slice kt-sliced.service kt-checks.service \
        >$X/enable.log 2>&1 || log "systemctl enable failed: $(cat $X/enable.log)"

# KERNEL_RESCTLD_DEBUG=1 (run.sh): resctld logs at debug level.
if [ -n "${RESCTLD_DEBUG:-}" ]; then
        mkdir -p /etc/systemd/system/resctld.service.d
        printf '[Service]\nExecStart=\nExecStart=/usr/local/libexec/resctld --log-level=debug\n' \
                >/etc/systemd/system/resctld.service.d/debug.conf
fi

log "exec /lib/systemd/systemd"
exec /lib/systemd/systemd
