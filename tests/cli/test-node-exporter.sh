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
expect 0 resctl set-property tenant-a.slice MiscMax=sev:2 "DMemMax=drm/0000:c1:00.0/vram0:8G"
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
check_scrape() {
        want 'node_textfile_scrape_error 0'
        want 'resctl_capacity{resource="misc/sev"} 400'
        want 'resctl_capacity{resource="dmem/drm/0000:c1:00.0/vram0"} 1.7179869184e+10'
        want 'resctl_capacity{resource="rdma/mlx5_0/hca_handle"} +Inf'
        want 'resctl_usage{group="tenant-a.slice",resource="misc/sev"} 2'
        want 'resctl_usage{group="-.slice",resource="dmem/drm/0000:c1:00.0/vram0"} 3.221225472e+09'
        want 'resctl_max{group="tenant-a.slice",resource="misc/sev"} 2'
        want 'resctl_max{group="tenant.slice",resource="misc/sev"} +Inf'
        want 'resctl_peak{group="tenant-a.slice",resource="misc/sev"} 2'
        want 'resctl_events_total{group="tenant-a.slice",resource="misc/sev"} 1'
        want 'resctl_events_total{group="tenant.slice",resource="misc/sev"} 1'
}
check_scrape
want '# TYPE resctl_events_total counter'
want '# TYPE resctl_usage gauge'

# The values follow the daemon's, file by file.
expect 0 resctl uncharge 1 1
expect 0 resctl export --format=prometheus --output="$tmp/textfile/resctl.prom"
scrape
want 'resctl_usage{group="tenant-a.slice",resource="misc/sev"} 1'

# The OpenMetrics form is read too (its counter as untyped), without error.
expect 0 resctl charge --persist tenant-a.slice sev 1
expect 0 resctl export --format=openmetrics --output="$tmp/textfile/resctl.prom"
scrape
check_scrape
echo "ok"
