#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# contrib/nfd/resctl-nodefeaturerule.yaml: a NodeFeatureRule of the right
# shape whose matches and extended resources name labels the real
# "resctl export --format=nfd" writes, with the values the node gets.
. "$(dirname "$0")/lib.sh"
python3 -c 'import yaml' 2>/dev/null || { echo "python3-yaml is not installed (scripts/deps)"; exit 77; }
setup

rule="$SOURCE_ROOT/contrib/nfd/resctl-nodefeaturerule.yaml"
expect 0 resctl export --format=nfd --output="$tmp/resctl"
expect 0 "$SOURCE_ROOT/tests/cli/nfdrule.py" --strict "$rule" "$tmp/resctl"
printf '%s\n' resctl.io/sev-asids=400 resctl.io/sev-es-asids=99 resctl.io/vram-16g=true | diff - "$tmp/out" >&2 ||
        fail "the demo node's extended resources and labels"

# Hardware changes are what changes them: SEV-ES gone (capacity 0), a
# smaller region.
expect 0 resctl set-capacity misc/sev_es 0
expect 0 resctl set-capacity dmem/drm/0000:c1:00.0/vram0 8G
expect 0 resctl export --format=nfd --output="$tmp/resctl"
expect 0 "$SOURCE_ROOT/tests/cli/nfdrule.py" "$rule" "$tmp/resctl"
printf '%s\n' resctl.io/sev-asids=400 | diff - "$tmp/out" >&2 || fail "after the hardware changed"

# The checker refuses a rule of the wrong shape.
sed 's/op: Gt, value: \["0"\]/op: Gt, value: ["max"]/' "$rule" >"$tmp/bad.yaml"
expect_error 1 'Gt compares integers' "$SOURCE_ROOT/tests/cli/nfdrule.py" --strict "$tmp/bad.yaml" "$tmp/resctl"
sed 's/misc-sev.capacity"/misc-sev.free"/' "$rule" >"$tmp/bad.yaml"
expect_error 1 'names no feature' "$SOURCE_ROOT/tests/cli/nfdrule.py" --strict "$tmp/bad.yaml" "$tmp/resctl"
echo "ok"
