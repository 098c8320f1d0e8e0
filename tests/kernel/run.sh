#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The kernel tier, host side: boots one Debian kernel (run.sh 6.1 | 6.12)
# under QEMU with TCG, the host's userland as the guest's root (9p,
# read-only, a tmpfs overlay on top) so that resctld as built here runs in
# the guest unchanged, and runs guest.sh there as PID 1. The guest's
# checks are TAP lines; this script prints them and the count.
#
# Env: RESCTLD (the daemon to test), SOURCE_ROOT, RESCTL_KERNEL_CACHE (see
# deps.sh), KERNEL_SMP (default 1), KERNEL_MEM (MiB, default 1536),
# KERNEL_TIMEOUT (s, default 840), KERNEL_KEEP=1 keeps the work directory.
# KERNEL_GUEST_SYSTEMD=1: the guest boots the host's systemd as PID 1
# instead (guest-systemd.sh, checks-systemd.sh), with the project installed
# from BUILD_ROOT (default: RESCTLD's build directory) by "meson install
# --destdir".
set -euo pipefail

FLAVOUR=${1:?usage: run.sh 6.1|6.12}
HERE=$(cd "$(dirname "$0")" && pwd)
SOURCE_ROOT=${SOURCE_ROOT:-$(cd "$HERE/../.." && pwd)}
RESCTLD=${RESCTLD:-$SOURCE_ROOT/build/src/daemon/resctld}
CACHE=${RESCTL_KERNEL_CACHE:-/var/cache/resctl-kernel}
T0=$EPOCHREALTIME
elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '# [%6ss] %s\n' "$(elapsed)" "$*"; }

if [ "$(id -u)" != 0 ]; then
        echo "SKIP: the kernel tier needs root (9p export of /, cgroup writes in the guest)"
        exit 77
fi
"$HERE/deps.sh" >&2

K=$CACHE/$FLAVOUR
KVER=$(ls "$K/lib/modules")
HEADERS=/usr/src/linux-headers-$KVER
if [ ! -e "$K/boot/vmlinuz-$KVER" ] || [ ! -e "$HEADERS/Makefile" ]; then
        echo "kernel $FLAVOUR: $K or $HEADERS incomplete (tests/kernel/deps.sh)" >&2
        exit 1
fi
[ -x "$RESCTLD" ] || { echo "no resctld at $RESCTLD" >&2; exit 1; }

W=$(mktemp -d "/tmp/resctl-kernel-$FLAVOUR.XXXXXX")
QPID=
cleanup() {
        if [ -n "$QPID" ]; then kill "$QPID" 2>/dev/null || true; fi
        if [ -n "${KERNEL_KEEP:-}" ]; then echo "# kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
chmod 755 "$W"
X=$W/xfer
mkdir -p "$X"

# The test module, built for this kernel (kept in the cache, by the hash
# of its source); the rdma test program.
MODKEY=$(cat "$HERE"/misc-test/* | sha256sum | cut -c1-16)
MODKO=$K/resctl_misc_test-$MODKEY.ko
if [ ! -e "$MODKO" ]; then
        cp -r "$HERE/misc-test" "$W/mod"
        nice -n 10 make -s -C "$HEADERS" M="$W/mod" modules >"$W/mod.log" 2>&1 ||
                { cat "$W/mod.log" >&2; echo "the misc test module did not build for $KVER" >&2; exit 1; }
        cp "$W/mod/resctl_misc_test.ko" "$MODKO.new" && mv "$MODKO.new" "$MODKO"
fi
cp "$MODKO" "$X/resctl_misc_test.ko"
gcc -D_GNU_SOURCE -O2 -Wall -Werror -o "$X/rdma-open" "$HERE/rdma-open.c" -libverbs
gcc -D_GNU_SOURCE -O2 -Wall -Werror -o "$X/cgwrite" "$HERE/cgwrite.c"
GUEST_INIT=guest.sh
APPEND=
if [ -n "${KERNEL_GUEST_SYSTEMD:-}" ]; then
        BUILD_ROOT=${BUILD_ROOT:-$(cd "$(dirname "$RESCTLD")/../.." && pwd)}
        meson install -C "$BUILD_ROOT" --destdir "$X/dest" --no-rebuild --quiet >"$W/install.log" 2>&1 ||
                { cat "$W/install.log" >&2; echo "meson install --destdir failed" >&2; exit 1; }
        GUEST_INIT=guest-systemd.sh
        # The default target without a display.
        APPEND=" systemd.unit=multi-user.target systemd.show_status=1"
fi

# initramfs: busybox and what mounting the 9p root needs.
I=$W/initrd
mkdir -p "$I"/{bin,mods,proc,sys,dev,lower,rw,newroot}
cp /bin/busybox "$I/bin/"
for m in virtio_pci 9pnet_virtio 9p overlay; do
        modprobe -d "$K" -S "$KVER" --show-depends "$m"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
        cp "$ko" "$I/mods/"
        basename "$ko" >>"$I/mods/order"
done
sed "s|@KVER@|$KVER|g" "$HERE/initramfs-init" >"$I/init"
chmod 755 "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) >"$W/initrd.gz"

printf '%s\n' "FLAVOUR=$FLAVOUR" "KVER=$KVER" "RESCTLD=$RESCTLD" "SOURCE_ROOT=$SOURCE_ROOT" "TIER=$HERE" \
        "GUEST_SYSTEMD=${KERNEL_GUEST_SYSTEMD:-}" "GUEST_INIT=$GUEST_INIT" \
        "RESCTLD_DEBUG=${KERNEL_RESCTLD_DEBUG:-}" >"$X/guest.env"

say "booting $KVER ($FLAVOUR) under QEMU TCG"
# The console goes to a file: QEMU's serial port drops bytes on a pipe
# that says EAGAIN under load, a file never does.
: >"$W/console.log"
nice -n 10 timeout -k 10 "${KERNEL_TIMEOUT:-840}" qemu-system-x86_64 \
        -accel tcg -cpu max -m "${KERNEL_MEM:-1536}" -smp "${KERNEL_SMP:-1}" -M pc \
        -nodefaults -no-user-config -display none -no-reboot \
        -serial "file:$W/console.log" -monitor none \
        -kernel "$K/boot/vmlinuz-$KVER" -initrd "$W/initrd.gz" \
        -append "console=ttyS0 panic=-1 loglevel=4 mitigations=off$APPEND" \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$K/lib/modules/$KVER,mount_tag=kmods,security_model=none,readonly=on" \
        -virtfs "local,path=$X,mount_tag=xfer,security_model=none" \
        -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0,romfile= \
        -netdev user,id=n1,restrict=on -device virtio-net-pci,netdev=n1,romfile= \
        </dev/null >"$W/qemu.log" 2>&1 &
QPID=$!
QRC=0
wait "$QPID" || QRC=$?
QPID=
say "qemu exited ($QRC)"

R=$X/results.tap
if [ ! -s "$R" ]; then
        echo "not ok - the guest wrote no results; its console:"
        sed 's/\r$//' "$W/console.log" | tail -60
        cat "$W/qemu.log"
        echo "0 passed, 1 failed"
        exit 1
fi
cat "$R"
done_ok=1
if ! grep -q '^# guest done' "$R"; then
        done_ok=0
        echo "not ok - the guest did not finish (qemu exit $QRC); console tail:"
        sed 's/\r$//' "$W/console.log" | tail -40
fi
if grep -q '^not ok' "$R" || [ $done_ok = 0 ]; then
        for f in "$X"/*.log; do
                [ -e "$f" ] || continue
                echo "# ---- $(basename "$f") (tail)"
                tail -n 60 "$f" | sed 's/^/#   /'
        done
fi
npass=$(grep -c '^ok ' "$R" || true)
nfail=$(( $(grep -c '^not ok ' "$R" || true) + 1 - done_ok ))
echo "# kernel $KVER ($FLAVOUR): wall time $(elapsed)s"
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ] && [ "$npass" -gt 0 ]
