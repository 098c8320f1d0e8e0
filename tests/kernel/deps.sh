#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what the kernel tier needs and fetches its two guest kernels:
# Debian 12's default (6.1) and the 6.12 that bookworm-security carries.
# Each kernel .deb is downloaded with `apt-get download` and unpacked with
# `dpkg-deb -x` into $RESCTL_KERNEL_CACHE/<flavour> (not installed on the
# host); its linux-headers are installed to build the misc test module.
#   deps.sh            install packages and fetch both kernels
#   deps.sh --check    exit 0 when everything is there, 1 otherwise (no changes)
set -euo pipefail

CACHE=${RESCTL_KERNEL_CACHE:-/var/cache/resctl-kernel}
# The flavours the tier boots: the meta-package naming the newest ABI of each.
FLAVOURS=(6.1:linux-image-amd64 6.12:linux-image-6.12-amd64)

pkgs=(qemu-system-x86 busybox-static kmod cpio gcc make iproute2 udev
      rdma-core ibverbs-utils ibverbs-providers libibverbs-dev)

check_only=
[ "${1:-}" = --check ] && check_only=1

missing=()
for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# meta-package -> the versioned image package it depends on
abi_of() {
        apt-cache depends "$1" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}'
}

# their headers, for the misc test module
for f in "${FLAVOURS[@]}"; do
        img=$(abi_of "${f#*:}")
        [ -n "$img" ] || { echo "kernel/deps: apt knows no ${f#*:} (apt-get update?)" >&2; exit 1; }
        h=linux-headers-${img#linux-image-}
        dpkg-query -W -f='${Status}' "$h" 2>/dev/null | grep -q "install ok installed" || missing+=("$h")
done

if [ ${#missing[@]} -gt 0 ]; then
        if [ -n "$check_only" ]; then
                echo "kernel/deps: missing packages ${missing[*]}" >&2
                exit 1
        fi
        [ "$(id -u)" = 0 ] || { echo "kernel/deps: run as root to install ${missing[*]}" >&2; exit 1; }
        echo "Installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
                { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi

for f in "${FLAVOURS[@]}"; do
        name=${f%%:*} meta=${f#*:}
        img=$(abi_of "$meta")
        [ -n "$img" ] || { echo "kernel/deps: apt knows no $meta (apt-get update?)" >&2; exit 1; }
        kver=${img#linux-image-}
        if [ ! -e "$CACHE/$name/boot/vmlinuz-$kver" ] || [ -n "$(find "$CACHE/$name" -name '*.ko.xz' -print -quit)" ]; then
                [ -n "$check_only" ] && { echo "kernel/deps: $name kernel $kver not in $CACHE" >&2; exit 1; }
                [ "$(id -u)" = 0 ] || { echo "kernel/deps: run as root to fetch $img" >&2; exit 1; }
                apt-cache show "$img-unsigned" >/dev/null 2>&1 && img=$img-unsigned
                tmp=$(mktemp -d)
                echo "Fetching $img"
                (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "$img" >/dev/null)
                rm -rf "$CACHE/$name.new"
                mkdir -p "$CACHE/$name.new"
                dpkg-deb -x "$tmp"/linux-image-*.deb "$CACHE/$name.new"
                rm -rf "$tmp"
                # 6.12's modules are xz-compressed; the busybox insmod of the
                # initramfs and the guest's kmod 30 want them plain.
                find "$CACHE/$name.new" -name '*.ko.xz' -exec unxz {} +
                # the .deb ships no modules.dep (its postinst makes it)
                depmod -b "$CACHE/$name.new" "$kver"
                rm -rf "${CACHE:?}/${name:?}"
                mv "$CACHE/$name.new" "$CACHE/$name"
        fi
done

exit 0
