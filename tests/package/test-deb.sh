#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Package tier: the Debian package, built by dpkg-buildpackage from a clean
# copy of the tree (deb.sh), holds every file the system reads, and
# lintian finds no error in it. The system tier installs the same .deb.

set -uo pipefail

PKG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SOURCE_ROOT=${SOURCE_ROOT:-$(cd "$PKG_DIR/../.." && pwd)}
. "$PKG_DIR/../system/tap.sh"

for p in dpkg-buildpackage dh lintian; do
        command -v "$p" >/dev/null || { echo "SKIP: $p is missing (scripts/deps installs it)"; exit 77; }
done

start=$SECONDS
if deb=$("$PKG_DIR/deb.sh" 2>"${TMPDIR:-/tmp}/resctl-deb.$$.err"); then
        pass "dpkg-buildpackage -us -uc -b: $(basename "$deb") ($((SECONDS - start)) s, cached when the tree is unchanged)"
else
        fail "dpkg-buildpackage -us -uc -b" "$(tail -n 30 "${TMPDIR:-/tmp}/resctl-deb.$$.err")"
        rm -f "${TMPDIR:-/tmp}/resctl-deb.$$.err"
        exit 1
fi
rm -f "${TMPDIR:-/tmp}/resctl-deb.$$.err"

version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$SOURCE_ROOT/meson.build" | head -n1)
if [[ $(basename "$deb") == "resctl_${version}_$(dpkg --print-architecture).deb" ]]; then
        pass "the package is resctl_${version}_$(dpkg --print-architecture).deb"
else
        fail "the package is named after the project's version" "$deb"
fi

contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
missing=()
for f in /usr/libexec/resctld /usr/bin/resctl \
        /lib/systemd/system/resctld.service \
        /lib/systemd/system/resctl-export-prometheus.service /lib/systemd/system/resctl-export-prometheus.timer \
        /lib/systemd/system/resctl-export-nfd.service /lib/systemd/system/resctl-export-nfd.timer \
        /usr/share/dbus-1/system.d/org.resctl.Manager.conf \
        /usr/share/dbus-1/system-services/org.resctl.Manager.service \
        /usr/share/dbus-1/interfaces/org.resctl.Manager.xml \
        /usr/share/polkit-1/actions/org.resctl.policy \
        /lib/udev/rules.d/70-resctl.rules \
        /usr/share/man/man1/resctl.1.gz /usr/share/man/man8/resctld.8.gz \
        /usr/share/man/man5/org.resctl.Manager.5.gz /usr/share/man/man5/resctl.unit.5.gz \
        /usr/share/bash-completion/completions/resctl /usr/share/zsh/vendor-completions/_resctl; do
        grep -qxF -- "$f" <<<"$contents" || missing+=("$f")
done
if ((${#missing[@]} == 0)); then
        pass "the package holds the daemon, client, units, bus files, polkit actions, udev rules, man pages, completion"
else
        fail "the package holds every file" "missing: ${missing[*]}"
fi
if ! grep -q '^/usr/local' <<<"$contents"; then
        pass "nothing under /usr/local"
else
        fail "nothing under /usr/local" "$(grep '^/usr/local' <<<"$contents")"
fi

# The maintainer scripts dh_installsystemd wrote: the daemon and the
# timers enabled, units reloaded.
scripts=$(mktemp -d)
dpkg-deb -e "$deb" "$scripts"
if grep -q "deb-systemd-helper.*enable 'resctld.service'" "$scripts/postinst" 2>/dev/null &&
        grep -q "resctl-export-nfd.timer" "$scripts/postinst"; then
        pass "postinst (dh_installsystemd) enables resctld.service and the export timers"
else
        fail "postinst enables the units" "$(head -n 40 "$scripts/postinst" 2>&1)"
fi
rm -rf "$scripts"

# lintian: errors fail, warnings are listed. It runs unprivileged.
lt=$(lintian --fail-on error --tag-display-limit 0 "$deb" 2>&1)
rc=$?
if ((rc == 0)) && ! grep -q '^E: ' <<<"$lt"; then
        pass "lintian: no errors ($(grep -c '^W: ' <<<"$lt") warnings)"
        grep -E '^(W|I): ' <<<"$lt" | sed 's/^/#   /'
else
        fail "lintian: no errors" "$lt"
fi

printf '# %d passed, %d failed\n' "$N_PASS" "$N_FAIL"
((N_FAIL == 0))
