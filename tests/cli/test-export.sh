#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# resctl export: OpenMetrics, Prometheus text and NFD output, atomic
# --output, and the commands of units/resctl-export.service.
. "$(dirname "$0")/lib.sh"
setup

dmem=dmem/drm/0000:c1:00.0/vram0
expect 0 resctl set-property tenant-a.slice MiscMax=sev:2 "DMemMax=drm/0000:c1:00.0/vram0:8G"
expect 0 resctl charge --persist tenant-a.slice sev 2
expect 150 resctl charge --persist tenant-a.slice sev 1
expect 0 resctl charge --persist tenant-a.slice "$dmem" 3G

check export.openmetrics resctl export
check export.openmetrics resctl export --format=openmetrics
check export.prometheus resctl export --format=prometheus
check export.nfd resctl export --format=nfd

# OpenMetrics: HELP and TYPE before each family, no timestamps, "# EOF" last.
expect 0 resctl export
[ "$(tail -n1 "$tmp/out")" = "# EOF" ] || fail "openmetrics output does not end with # EOF"
[ "$(grep -c '^# EOF$' "$tmp/out")" = 1 ] || fail "more than one # EOF"
for fam in resctl_capacity:gauge resctl_usage:gauge resctl_max:gauge resctl_peak:gauge resctl_events:counter; do
        grep -qx "# TYPE ${fam%:*} ${fam#*:}" "$tmp/out" || fail "no TYPE line for $fam"
        grep -q "^# HELP ${fam%:*} " "$tmp/out" || fail "no HELP line for ${fam%:*}"
done
grep -v '^#' "$tmp/out" | awk 'NF != 2 { print "bad sample line: " $0; bad = 1 } END { exit bad }' ||
        fail "a sample line has a timestamp or is malformed"
grep -qx 'resctl_events_total{group="tenant-a.slice",resource="misc/sev"} 1' "$tmp/out" || fail "no refused charge counted"
grep -qx 'resctl_usage{group="tenant-a.slice",resource="dmem/drm/0000:c1:00.0/vram0"} 3221225472' "$tmp/out" ||
        fail "no dmem usage"
# Prometheus text: the counter's TYPE names its samples, no # EOF.
expect 0 resctl export --format=prometheus
grep -qx '# TYPE resctl_events_total counter' "$tmp/out" || fail "prometheus: counter TYPE"
! grep -q '^# EOF' "$tmp/out" || fail "prometheus: # EOF"
# NFD: namespaced key=value lines and comments only, under 64 kB.
expect 0 resctl export --format=nfd
grep -v '^#' "$tmp/out" | grep -vqE '^resctl\.io/[A-Za-z0-9][A-Za-z0-9._-]{0,62}=[A-Za-z0-9._-]{0,63}$' &&
        fail "nfd: a line is not resctl.io/NAME=VALUE"
[ "$(wc -c <"$tmp/out")" -lt 65536 ] || fail "nfd: over 64 kB"
grep -qx 'resctl.io/misc-sev.free=398' "$tmp/out" || fail "nfd: misc/sev free"

# --output: written to FILE.tmp and renamed over FILE.
mkdir "$tmp/out.d"
echo old >"$tmp/out.d/resctl.prom"
ino=$(stat -c %i "$tmp/out.d/resctl.prom")
expect 0 resctl export --format=prometheus --output="$tmp/out.d/resctl.prom"
[ ! -s "$tmp/out" ] || fail "--output also printed to stdout"
[ "$(stat -c %i "$tmp/out.d/resctl.prom")" != "$ino" ] || fail "--output rewrote the file in place"
[ ! -e "$tmp/out.d/resctl.prom.tmp" ] || fail "--output left resctl.prom.tmp"
cp "$tmp/out.d/resctl.prom" "$tmp/out"
compare export.prometheus
[ "$(stat -c %a "$tmp/out.d/resctl.prom")" = 644 ] || fail "--output: mode is not 0644"
# A directory that is not there: one line, exit 1.
expect_error 1 "^Failed to create $tmp/nodir/resctl\.prom\.tmp: No such file or directory$" \
        resctl export --output="$tmp/nodir/resctl.prom"

# The service's commands, with its Environment= paths moved to $tmp.
unit="$SOURCE_ROOT/units/resctl-export.service"
grep -q '^Type=oneshot$' "$unit" || fail "resctl-export.service is not Type=oneshot"
grep -q '^OnUnitActiveSec=' "$SOURCE_ROOT/units/resctl-export.timer" || fail "timer has no OnUnitActiveSec="
mkdir -p "$tmp/prom" "$tmp/features.d"
RESCTL_PROM_FILE="$tmp/prom/resctl.prom"
RESCTL_NFD_FILE="$tmp/features.d/resctl"
n=0
while IFS= read -r line; do
        cmd=${line#ExecStart=}
        cmd=${cmd//\$\{RESCTL_PROM_FILE\}/$RESCTL_PROM_FILE}
        cmd=${cmd//\$\{RESCTL_NFD_FILE\}/$RESCTL_NFD_FILE}
        [ "${cmd%% *}" = resctl ] || fail "ExecStart= does not run resctl: $line"
        # shellcheck disable=SC2086
        "$RESCTL" ${cmd#resctl } || fail "ExecStart= failed: $line"
        n=$((n + 1))
done < <(grep '^ExecStart=' "$unit")
[ "$n" = 2 ] || fail "expected two ExecStart= lines, found $n"
grep -q '^Environment=RESCTL_PROM_FILE=/var/lib/prometheus/node-exporter/resctl.prom$' "$unit" || fail "prom path"
grep -q '^Environment=RESCTL_NFD_FILE=/etc/kubernetes/node-feature-discovery/features.d/resctl$' "$unit" ||
        fail "nfd path"
cp "$RESCTL_PROM_FILE" "$tmp/out"
compare export.prometheus
cp "$RESCTL_NFD_FILE" "$tmp/out"
compare export.nfd
if command -v systemd-analyze >/dev/null; then
        # Installed, "resctl" is found in systemd's own search path; here it
        # is in the build tree.
        mkdir -p "$tmp/verify-units"
        sed "s|^ExecStart=resctl |ExecStart=$RESCTL |" "$unit" >"$tmp/verify-units/resctl-export.service"
        cp "$SOURCE_ROOT/units/resctl-export.timer" "$tmp/verify-units/"
        systemd-analyze verify --man=no "$tmp/verify-units/resctl-export.service" "$tmp/verify-units/resctl-export.timer" \
                >"$tmp/verify" 2>&1 || { cat "$tmp/verify" >&2; fail "systemd-analyze verify"; }
        [ ! -s "$tmp/verify" ] || { cat "$tmp/verify" >&2; fail "systemd-analyze verify warned"; }
fi
echo "ok"
