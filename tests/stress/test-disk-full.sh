#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A full disk: the state directory is a 4 MiB tmpfs that fills up under
# resctld (disk-full.py). Changes are refused with StorageFailed and
# nothing of them is applied, reads keep working, resctld stays up, and it
# accepts changes again by itself once space returns; after kill -9 the
# acknowledged charges are exactly there.
# shellcheck disable=SC2119  # start_daemon and friends take optional daemon arguments
. "$(dirname "$0")/../integration/lib.sh"

it_setup --hardware=demo --no-daemon

mkdir -p "$T/state"
mount -t tmpfs -o size=4m,mode=0755 resctl-test-state "$T/state" || die "cannot mount a tmpfs on $T/state"
start_daemon
cp "$(dirname "$0")/disk-full.py" "$T/bin/"

# persist_ids: the ids of the PERSIST charges ListCharges shows, one a line.
persist_ids() {
        pycall ListCharges s "" | sed -n 2p | "$PY" -c '
import json, sys
print("\n".join(str(c[0]) for c in sorted(json.load(sys.stdin)) if c[5] & 1))'
}

while IFS= read -r line; do
        case $line in
        "ok - "*) pass "${line#ok - }" ;;
        "not ok - "*) fail "${line#not ok - }" ;;
        *) say "${line#\# }" ;;
        esac
done < <("$PY" "$T/bin/disk-full.py" "$T/state" "$T/acked" 2>&1; echo "# disk-full.py exit status $?")
check "disk-full.py ran to its end" test -s "$T/acked"
expect_daemon_alive
expect_eq "resctld never exited" "$(grep -c '^\(EXITED\|SIGNALED\)' "$T/resctld.status")" 0
check "resctld logged once that it refuses changes" test "$(grep -c "Refusing changes" "$T/resctld.log")" -eq 1
check "resctld logged that it accepts changes again" grep -q "accepting changes" "$T/resctld.log"

kill9_restart_daemon
expect_eq "after kill -9, exactly the acknowledged PERSIST charges" "$(persist_ids)" "$(cat "$T/acked")"
expect_daemon_alive
# Detached now, freed when the last file on it closes (at the cleanup).
umount -l "$T/state" || :
