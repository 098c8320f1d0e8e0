#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The real prometheus-node-exporter (Debian's package) reads what
# "resctl export" writes to its textfile directory: resctl's metrics come
# out with the daemon's values and node_textfile_scrape_error 0.
. "$(dirname "$0")/lib.sh"

exporter=$(command -v prometheus-node-exporter || true)
if [ -z "$exporter" ] || ! command -v curl >/dev/null; then
        echo "prometheus-node-exporter or curl is not installed (apt-get install prometheus-node-exporter curl)"
        exit 77
fi
setup

dmem=dmem/drm/0000:c1:00.0/vram0
expect 0 resctl set-property tenant-a.slice MiscMax=sev:2 "DMemMax=drm/0000:c1:00.0/vram0:8G" \
        "DMemLow=drm/0000:c1:00.0/vram0:1G"
expect 0 resctl set-property tenant.slice "DMemLow=drm/0000:c1:00.0/vram0:2G"
expect 0 resctl charge --persist tenant-a.slice sev 2
expect 150 resctl charge --persist tenant-a.slice sev 1
expect 0 resctl charge --persist tenant-a.slice "$dmem" 3G

mkdir "$tmp/textfile"
expect 0 resctl export --format=prometheus --output="$tmp/textfile/resctl.prom"

# A free port on the loopback, then the exporter with the textfile
# collector only; ready when it answers.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$exporter" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$tmp/textfile" >"$tmp/exporter.log" 2>&1 &
pids+=($!)
scrape() { curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" >"$tmp/metrics"; }
wait_for "node-exporter to answer on 127.0.0.1:$port" scrape

want() {
        grep -qxF "$1" "$tmp/metrics" || { cat "$tmp/exporter.log" >&2; fail "scrape lacks: $1"; }
}
# node-exporter gives every sample of a family the same label names: a
# label a sample has not comes out empty (as absent to PromQL).
D='controller="dmem",device="drm/0000:c1:00.0"'
M='controller="misc",device=""'
# check_scrape N: N charges of sev held by tenant-a.slice.
check_scrape() {
        want 'node_textfile_scrape_error 0'
        want 'resctl_up 1'
        want "resctl_capacity{$M,kind=\"sev\"} 400"
        want "resctl_capacity_bytes{$D,region=\"vram0\"} 1.7179869184e+10"
        want 'resctl_capacity{controller="rdma",device="mlx5_0",kind="hca_handle"} +Inf'
        want "resctl_usage{$M,group=\"tenant-a.slice\",kind=\"sev\"} 2"
        want "resctl_usage_bytes{$D,group=\"-.slice\",region=\"vram0\"} 3.221225472e+09"
        want "resctl_max{$M,group=\"tenant-a.slice\",kind=\"sev\"} 2"
        want "resctl_max{$M,group=\"tenant.slice\",kind=\"sev\"} +Inf"
        want "resctl_max_bytes{$D,group=\"tenant-a.slice\",region=\"vram0\"} 8.589934592e+09"
        want "resctl_peak{$M,group=\"tenant-a.slice\",kind=\"sev\"} 2"
        want "resctl_peak_bytes{$D,group=\"tenant-a.slice\",region=\"vram0\"} 3.221225472e+09"
        want "resctl_low_bytes{$D,group=\"tenant-a.slice\",region=\"vram0\"} 1.073741824e+09"
        want "resctl_min_bytes{$D,group=\"tenant-a.slice\",region=\"vram0\"} 0"
        # tenant.slice's unclaimed 1G goes to its child too (dmem's recursive protection).
        want "resctl_effective_low_bytes{$D,group=\"tenant-a.slice\",region=\"vram0\"} 2.147483648e+09"
        want "resctl_effective_min_bytes{$D,group=\"tenant-a.slice\",region=\"vram0\"} 0"
        want "resctl_events_total{$M,group=\"tenant-a.slice\",kind=\"sev\",region=\"\"} 1"
        want "resctl_events_total{$M,group=\"tenant.slice\",kind=\"sev\",region=\"\"} 1"
        want "resctl_events_total{$M,group=\"-.slice\",kind=\"sev\",region=\"\"} 1"
        want "resctl_events_local_total{$M,group=\"tenant-a.slice\",kind=\"sev\",region=\"\"} 1"
        want "resctl_events_local_total{$M,group=\"tenant.slice\",kind=\"sev\",region=\"\"} 0"
        want "resctl_refusals_total{$M,kind=\"sev\",region=\"\"} 1"
        want "resctl_charges{$M,group=\"tenant-a.slice\",kind=\"sev\",region=\"\"} $1"
        want "resctl_charges{$D,group=\"tenant-a.slice\",kind=\"\",region=\"vram0\"} 1"
        grep -q '^resctl_export_last_success_timestamp_seconds [0-9.e+]*$' "$tmp/metrics" ||
                fail "scrape lacks resctl_export_last_success_timestamp_seconds"
}
check_scrape 1
# Every family, with its type, as Prometheus will store it.
for fam in resctl_up:gauge resctl_export_last_success_timestamp_seconds:gauge \
        resctl_capacity:gauge resctl_capacity_bytes:gauge resctl_refusals_total:counter \
        resctl_usage:gauge resctl_usage_bytes:gauge resctl_peak:gauge resctl_peak_bytes:gauge \
        resctl_max:gauge resctl_max_bytes:gauge resctl_min_bytes:gauge resctl_low_bytes:gauge \
        resctl_effective_min_bytes:gauge resctl_effective_low_bytes:gauge \
        resctl_events_total:counter resctl_events_local_total:counter resctl_charges:gauge; do
        want "# TYPE ${fam%:*} ${fam#*:}"
done
[ "$(grep -c '^# TYPE resctl_' "$tmp/metrics")" = 18 ] || fail "a family in the scrape is not checked here"

# The values follow the daemon's, file by file.
expect 0 resctl uncharge 1 1
expect 0 resctl export --format=prometheus --output="$tmp/textfile/resctl.prom"
scrape
want "resctl_usage{$M,group=\"tenant-a.slice\",kind=\"sev\"} 1"

# The OpenMetrics form is read too (its counters as untyped, UNIT and EOF
# as comments), without error.
expect 0 resctl charge --persist tenant-a.slice sev 1
expect 0 resctl export --format=openmetrics --output="$tmp/textfile/resctl.prom"
scrape
check_scrape 2

# export --follow: its two counters too.
rm "$tmp/textfile/resctl.prom"
"$RESCTL" export --follow --format=prometheus --output="$tmp/textfile/resctl.prom" &
follow=$!
pids+=("$follow")
wait_for "the --follow export" test -s "$tmp/textfile/resctl.prom"
expect 0 resctl uncharge 1
released() {
        scrape && grep -qx 'resctl_releases_total{controller="misc",device="",kind="sev",reason="uncharged",region=""} 1' \
                "$tmp/metrics"
}
wait_for "the release in the scrape" released
want 'node_textfile_scrape_error 0'
want '# TYPE resctl_releases_total counter'
want '# TYPE resctl_eviction_requests_total counter'
want 'resctl_eviction_requests_total{controller="dmem",device="drm/0000:c1:00.0",kind="",region="vram0"} 0'
[ "$(grep -c '^# TYPE resctl_' "$tmp/metrics")" = 20 ] || fail "--follow: not 20 families"
kill -INT "$follow"
echo "ok"
