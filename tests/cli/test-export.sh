#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# resctl export: OpenMetrics, Prometheus text and NFD output, atomic
# --output, and the commands of units/resctl-export-{prometheus,nfd}.service.
. "$(dirname "$0")/lib.sh"
setup

dmem=dmem/drm/0000:c1:00.0/vram0
expect 0 resctl set-property tenant-a.slice MiscMax=sev:2 "DMemMax=drm/0000:c1:00.0/vram0:8G"
expect 0 resctl charge --persist tenant-a.slice sev 2
expect 150 resctl charge --persist tenant-a.slice sev 1
expect 0 resctl charge --persist tenant-a.slice "$dmem" 3G

# The export time, checked against the clock and then masked, so that the
# rest compares exactly.
now_masked() {
        local before=$1 after ts
        after=$(date +%s)
        ts=$(sed -n 's/^resctl_export_last_success_timestamp_seconds \([0-9]*\)\.[0-9]\{3\}$/\1/p' "$tmp/out")
        [ -n "$ts" ] || fail "no resctl_export_last_success_timestamp_seconds sample"
        if [ "$ts" -lt "$before" ] || [ "$ts" -gt "$after" ]; then
                fail "export timestamp $ts not in [$before, $after]"
        fi
        sed -i 's/^\(resctl_export_last_success_timestamp_seconds\) .*/\1 NOW/' "$tmp/out"
}
check_export() {
        local name=$1 before
        shift
        before=$(date +%s)
        expect 0 "$@"
        now_masked "$before"
        compare "$name"
}
check_export export.openmetrics resctl export
check_export export.openmetrics resctl export --format=openmetrics
check_export export.openmetrics resctl export --output=-
check_export export.prometheus resctl export --format=prometheus
expect 0 resctl export --format=nfd
sed -i 's/^# +expiry-time=.*/# +expiry-time=EXPIRY/' "$tmp/out"
compare export.nfd

# OpenMetrics: HELP and TYPE before each family, UNIT for _bytes, no
# timestamps, "# EOF" last.
expect 0 resctl export
[ "$(tail -n1 "$tmp/out")" = "# EOF" ] || fail "openmetrics output does not end with # EOF"
[ "$(grep -c '^# EOF$' "$tmp/out")" = 1 ] || fail "more than one # EOF"
families="resctl_up:gauge resctl_export_last_success_timestamp_seconds:gauge
        resctl_capacity:gauge resctl_capacity_bytes:gauge resctl_refusals:counter
        resctl_usage:gauge resctl_usage_bytes:gauge resctl_peak:gauge resctl_peak_bytes:gauge
        resctl_max:gauge resctl_max_bytes:gauge resctl_min_bytes:gauge resctl_low_bytes:gauge
        resctl_effective_min_bytes:gauge resctl_effective_low_bytes:gauge
        resctl_events:counter resctl_events_local:counter resctl_charges:gauge"
for fam in $families; do
        grep -qx "# TYPE ${fam%:*} ${fam#*:}" "$tmp/out" || fail "no TYPE line for $fam"
        grep -q "^# HELP ${fam%:*} " "$tmp/out" || fail "no HELP line for ${fam%:*}"
        case $fam in
        *_bytes:*) grep -qx "# UNIT ${fam%:*} bytes" "$tmp/out" || fail "no UNIT line for $fam" ;;
        esac
done
[ "$(grep -c '^# TYPE ' "$tmp/out")" = "$(wc -w <<<"$families")" ] || fail "a family is not in the list"
grep -v '^#' "$tmp/out" | awk 'NF != 2 { print "bad sample line: " $0; bad = 1 } END { exit bad }' ||
        fail "a sample line has a timestamp or is malformed"
# Counts for misc and rdma, bytes for dmem, never in the same family.
grep -q '^resctl_usage{.*controller="dmem"' "$tmp/out" && fail "dmem in resctl_usage"
grep -q '^resctl_usage_bytes{.*controller="misc"' "$tmp/out" && fail "misc in resctl_usage_bytes"
grep -qx 'resctl_events_total{group="tenant-a.slice",controller="misc",kind="sev"} 1' "$tmp/out" ||
        fail "no refused charge counted"
grep -qx 'resctl_usage_bytes{group="tenant-a.slice",controller="dmem",device="drm/0000:c1:00.0",region="vram0"} 3221225472' \
        "$tmp/out" || fail "no dmem usage"
grep -qx 'resctl_charges{group="tenant-a.slice",controller="misc",kind="sev"} 1' "$tmp/out" || fail "no charge count"

# Prometheus text: the counter's TYPE names its samples, no UNIT, no # EOF.
expect 0 resctl export --format=prometheus
grep -qx '# TYPE resctl_events_total counter' "$tmp/out" || fail "prometheus: counter TYPE"
! grep -q '^# EOF' "$tmp/out" || fail "prometheus: # EOF"
! grep -q '^# UNIT' "$tmp/out" || fail "prometheus: # UNIT"
# NFD: namespaced key=value lines and comments only, under 64 kB; labels
# that change with the hardware only: no usage, no "max".
expect 0 resctl export --format=nfd
grep -v '^#' "$tmp/out" | grep -vqE '^resctl\.io/[A-Za-z0-9][A-Za-z0-9._-]{0,62}=[A-Za-z0-9._-]{0,63}$' &&
        fail "nfd: a line is not resctl.io/NAME=VALUE"
[ "$(wc -c <"$tmp/out")" -lt 65536 ] || fail "nfd: over 64 kB"
grep -q '=max$' "$tmp/out" && fail "nfd: a label says max"
grep -qx 'resctl.io/misc-sev=true' "$tmp/out" || fail "nfd: misc-sev"
grep -qx 'resctl.io/misc-sev.capacity=400' "$tmp/out" || fail "nfd: misc-sev.capacity"
grep -qx 'resctl.io/dmem-vram=true' "$tmp/out" || fail "nfd: dmem-vram"
# Expiry: RFC 3339 in UTC, ten minutes after the export.
before=$(date +%s)
expect 0 resctl export --format=nfd
exp=$(sed -n 's/^# +expiry-time=\([0-9T:-]*Z\)$/\1/p' "$tmp/out")
[ -n "$exp" ] || fail "nfd: no # +expiry-time= line in RFC 3339 UTC"
exp_s=$(date -d "$exp" +%s)
if [ "$exp_s" -lt $((before + 600)) ] || [ "$exp_s" -gt $(($(date +%s) + 600)) ]; then
        fail "nfd: expiry $exp"
fi

# --output: written to FILE.tmp and renamed over FILE.
mkdir "$tmp/out.d"
echo old >"$tmp/out.d/resctl.prom"
ino=$(stat -c %i "$tmp/out.d/resctl.prom")
ino_before=$(date +%s)
expect 0 resctl export --format=prometheus --output="$tmp/out.d/resctl.prom"
[ ! -s "$tmp/out" ] || fail "--output also printed to stdout"
[ "$(stat -c %i "$tmp/out.d/resctl.prom")" != "$ino" ] || fail "--output rewrote the file in place"
[ "$(ls -A "$tmp/out.d")" = resctl.prom ] || fail "--output left a file behind: $(ls -A "$tmp/out.d")"
cp "$tmp/out.d/resctl.prom" "$tmp/out"
now_masked "$ino_before"
compare export.prometheus
[ "$(stat -c %a "$tmp/out.d/resctl.prom")" = 644 ] || fail "--output: mode is not 0644"
# A directory that is not there: one line, exit 1.
expect_error 1 "^Failed to create $tmp/nodir/\.resctl\.prom\.tmp: No such file or directory$" \
        resctl export --output="$tmp/nodir/resctl.prom"

# The services' commands, with their Environment= paths moved to $tmp; each
# runs only where its consumer's directory exists (a condition, so a host
# without node-exporter or NFD has a skipped unit, not a failed one).
mkdir -p "$tmp/prom" "$tmp/features.d"
RESCTL_PROM_FILE="$tmp/prom/resctl.prom"
RESCTL_NFD_FILE="$tmp/features.d/resctl"
for kind in prometheus:RESCTL_PROM_FILE:/var/lib/prometheus/node-exporter/resctl.prom \
        nfd:RESCTL_NFD_FILE:/etc/kubernetes/node-feature-discovery/features.d/resctl; do
        IFS=: read -r fmt var path <<<"$kind"
        unit="$SOURCE_ROOT/units/resctl-export-$fmt.service"
        grep -q '^Type=oneshot$' "$unit" || fail "resctl-export-$fmt.service is not Type=oneshot"
        grep -q '^OnUnitActiveSec=' "$SOURCE_ROOT/units/resctl-export-$fmt.timer" || fail "$fmt timer has no OnUnitActiveSec="
        grep -qx "Environment=$var=$path" "$unit" || fail "$fmt path"
        grep -qx "ConditionPathIsDirectory=${path%/*}" "$unit" || fail "$fmt: no condition on ${path%/*}"
        n=0
        while IFS= read -r line; do
                cmd=${line#ExecStart=}
                cmd=${cmd//\$\{$var\}/${!var}}
                [ "${cmd%% *}" = resctl ] || fail "ExecStart= does not run resctl: $line"
                [[ $cmd == *" --format=$fmt "* ]] || fail "ExecStart= does not export $fmt: $line"
                # shellcheck disable=SC2086
                "$RESCTL" ${cmd#resctl } || fail "ExecStart= failed: $line"
                n=$((n + 1))
        done < <(grep '^ExecStart=' "$unit")
        [ "$n" = 1 ] || fail "resctl-export-$fmt.service: expected one ExecStart= line, found $n"
done
cp "$RESCTL_PROM_FILE" "$tmp/out"
now_masked "$ino_before"
compare export.prometheus
cp "$RESCTL_NFD_FILE" "$tmp/out"
sed -i 's/^# +expiry-time=.*/# +expiry-time=EXPIRY/' "$tmp/out"
compare export.nfd
if command -v systemd-analyze >/dev/null; then
        # Installed, "resctl" is found in systemd's own search path; here it
        # is in the build tree.
        mkdir -p "$tmp/verify-units"
        for fmt in prometheus nfd; do
                sed "s|^ExecStart=resctl |ExecStart=$RESCTL |" "$SOURCE_ROOT/units/resctl-export-$fmt.service" \
                        >"$tmp/verify-units/resctl-export-$fmt.service"
                cp "$SOURCE_ROOT/units/resctl-export-$fmt.timer" "$tmp/verify-units/"
        done
        systemd-analyze verify --man=no "$tmp"/verify-units/* >"$tmp/verify" 2>&1 ||
                { cat "$tmp/verify" >&2; fail "systemd-analyze verify"; }
        [ ! -s "$tmp/verify" ] || { cat "$tmp/verify" >&2; fail "systemd-analyze verify"; }
fi
# Usage changes; the NFD labels do not.
expect 0 resctl export --format=nfd
cp "$tmp/out" "$tmp/nfd.before"
expect 0 resctl uncharge 1
expect 0 resctl export --format=nfd
diff <(grep -v '^# +expiry' "$tmp/nfd.before") <(grep -v '^# +expiry' "$tmp/out") >&2 ||
        fail "nfd: the labels changed with usage"

# The root's events: the daemon counts none there (as the kernel), yet
# every refusal happened at its level or below; a refusal by the region's
# size is the root's own (EventsLocal), as "resctl show -.slice" says.
expect 151 resctl charge --persist tenant-b.slice "$dmem" 14G
expect 0 resctl show -.slice
grep -q "^EventsLocal=.*$dmem:1" "$tmp/out" || fail "show -.slice: no EventsLocal for the region"
expect 0 resctl export
grep -qx 'resctl_events_local_total{group="-.slice",controller="dmem",device="drm/0000:c1:00.0",region="vram0"} 1' \
        "$tmp/out" || fail "root's events_local"
grep -qx 'resctl_events_total{group="-.slice",controller="dmem",device="drm/0000:c1:00.0",region="vram0"} 1' \
        "$tmp/out" || fail "root's events stays 0"
grep -qx 'resctl_events_total{group="-.slice",controller="misc",kind="sev"} 1' "$tmp/out" ||
        fail "root's events do not count the refusal below it"
grep -qx 'resctl_refusals_total{controller="dmem",device="drm/0000:c1:00.0",region="vram0"} 1' "$tmp/out" ||
        fail "refusals of the region"

# --follow: the file is rewritten after each change the daemon signals,
# with releases by reason and eviction requests counted from the signals.
D='controller="dmem",device="drm/0000:c1:00.0",region="vram0"'
mkdir "$tmp/follow"
"$RESCTL" export --follow --format=prometheus --output="$tmp/follow/resctl.prom" 2>"$tmp/follow.err" &
follow=$!
pids+=("$follow")
wait_for "the first --follow export" grep -q "^resctl_releases_total{$D,reason=\"evicted\"} 0$" \
        "$tmp/follow/resctl.prom"
expect 0 resctl charge --persist tenant-a.slice sev_es 3
id=$(cat "$tmp/out")
expect 0 resctl uncharge "$id"
expect 0 resctl set-property tenant-c.slice "DMemMax=drm/0000:c1:00.0/vram0:1G"
expect 0 resctl charge --persist tenant-c.slice "$dmem" 1G
expect 0 resctl evict "$dmem" tenant-c.slice 512M
expect 0 resctl evict --force "$dmem" tenant-c.slice 512M
wait_for "--follow to count the eviction" grep -q "^resctl_releases_total{$D,reason=\"evicted\"} 1$" \
        "$tmp/follow/resctl.prom"
grep -qx 'resctl_releases_total{controller="misc",kind="sev_es",reason="uncharged"} 1' "$tmp/follow/resctl.prom" ||
        fail "--follow: the uncharge"
grep -qx "resctl_eviction_requests_total{$D} 2" "$tmp/follow/resctl.prom" || fail "--follow: eviction requests"
grep -qx 'resctl_usage{group="tenant-a.slice",controller="misc",kind="sev_es"} 0' "$tmp/follow/resctl.prom" ||
        fail "--follow: usage not followed"
[ "$(ls -A "$tmp/follow")" = resctl.prom ] || fail "--follow left a file behind"
kill -INT "$follow"
rc=0
wait "$follow" || rc=$?
[ "$rc" = 0 ] || fail "--follow exited $rc on SIGINT"
[ ! -s "$tmp/follow.err" ] || { cat "$tmp/follow.err" >&2; fail "--follow said something on stderr"; }
expect_error 2 '^--follow rewrites a metrics file: ' resctl export --follow
expect_error 2 '^--follow rewrites a metrics file: ' resctl export --follow --format=nfd --output="$tmp/x"

# resctld down: a file keeps its last good content (its timestamp and
# mtime tell its age); standard output says resctl_up 0; exit 7 (not running) either way.
cp "$tmp/out.d/resctl.prom" "$tmp/good.prom"
kill "$daemon_pid"
while kill -0 "$daemon_pid" 2>/dev/null; do sleep 0.05; done
expect 7 resctl export --format=prometheus --output="$tmp/out.d/resctl.prom"
cmp -s "$tmp/good.prom" "$tmp/out.d/resctl.prom" || fail "a failed export changed the file"
[ "$(ls -A "$tmp/out.d")" = resctl.prom ] || fail "a failed export left a file behind"
if [ "$(wc -l <"$tmp/err")" != 1 ] || ! grep -q '^Failed to read the state of resctld: ' "$tmp/err"; then
        cat "$tmp/err" >&2
        fail "a failed export: not one error line"
fi
[ ! -s "$tmp/out" ] || fail "a failed export to a file printed on stdout"
expect 7 resctl export
printf '%s\n' '# HELP resctl_up 1 when resctld answered this export, 0 when it did not.' '# TYPE resctl_up gauge' \
        'resctl_up 0' '# EOF' | diff - "$tmp/out" >&2 || fail "a failed export to stdout: not resctl_up 0"
expect 7 resctl export --format=nfd
[ ! -s "$tmp/out" ] || fail "a failed nfd export printed something"
echo "ok"
