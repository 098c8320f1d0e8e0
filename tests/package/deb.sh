#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# deb.sh: builds the Debian package from a clean copy of the source tree
# (the files git tracks, as they are in the work tree) with
# "dpkg-buildpackage -us -uc -b", and prints the .deb's path.
#
# The result is kept in $RESCTL_DEB_CACHE/<hash of the tracked files>/, so
# one CI run builds it once: the package tier and the system tiers of the
# plain and the sanitize build all ask for the same tree. A lock serializes
# concurrent callers. DEB_BUILD_OPTIONS=nocheck: the tests run in the
# project's own tiers.

set -euo pipefail

SOURCE_ROOT=${SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CACHE=${RESCTL_DEB_CACHE:-/var/tmp/resctl-deb}

tracked() {
        if git -C "$SOURCE_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
                # Deleted but not yet committed files are left out.
                git -C "$SOURCE_ROOT" ls-files -z | while IFS= read -r -d '' f; do
                        [[ -e $SOURCE_ROOT/$f ]] && printf '%s\0' "$f"
                done
        else
                (cd "$SOURCE_ROOT" && find . -path './build*' -prune -o -path ./.git -prune -o -type f -printf '%P\0')
        fi
}

mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9

# The key: every file but the tests, benches and README, which the package
# does not ship (a change to a test does not rebuild it).
hash=$(cd "$SOURCE_ROOT" && tracked | grep -zv -e '^tests/' -e '^bench/' -e '^README.md$' | sort -z |
        xargs -0 sha256sum | sha256sum | cut -c1-16)
out=$CACHE/$hash
deb=$(find "$out" -maxdepth 1 -name 'resctl_*.deb' 2>/dev/null | head -n1 || true)
if [[ -n $deb ]]; then
        echo "$deb"
        exit 0
fi

# Older trees' packages go.
find "$CACHE" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
tmp=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/resctl"
(cd "$SOURCE_ROOT" && tracked | tar --null -T - -cf -) | tar -xf - -C "$tmp/resctl"
if ! (cd "$tmp/resctl" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
        dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
        grep -E "error|warning: |FAILED" "$tmp/build.log" | tail -n 20 >&2
        echo "dpkg-buildpackage failed (log above)" >&2
        exit 1
fi
mkdir -p "$out.new"
mv "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$tmp/build.log" "$out.new/"
mv "$out.new" "$out"
find "$out" -maxdepth 1 -name 'resctl_*.deb'
