#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# contrib/prometheus/resctl.rules.yml: promtool checks it, and its alerts
# fire (and only they) on what a real resctld exported: files written at
# minutes 0 and 1, then the exporter stops (node-exporter keeps serving the
# last file), then at minute 30 the daemon is down (resctl_up 0).
. "$(dirname "$0")/lib.sh"

if ! command -v promtool >/dev/null; then
        echo "promtool is not installed (apt-get install prometheus; scripts/deps)"
        exit 77
fi
rules="$SOURCE_ROOT/contrib/prometheus/resctl.rules.yml"
promtool check rules "$rules" >"$tmp/check" 2>&1 || { cat "$tmp/check" >&2; fail "promtool check rules"; }
setup

expect 0 resctl set-property tenant-a.slice MiscMax=sev:2 "DMemMax=drm/0000:c1:00.0/vram0:8G"
expect 0 resctl charge --persist tenant-a.slice sev 2
expect 150 resctl charge --persist tenant-a.slice sev 1
expect 0 resctl charge --persist tenant-b.slice sev_es 95                     # of 99
expect 0 resctl charge --persist tenant-a.slice dmem/drm/0000:c1:00.0/vram0 3G
expect 0 resctl export --format=prometheus --output="$tmp/m0.prom"
expect 150 resctl charge --persist tenant-a.slice sev 1
expect 0 resctl export --format=prometheus --output="$tmp/m1.prom"
grep -qx 'resctl_events_local_total{group="tenant-a.slice",controller="misc",kind="sev"} 2' "$tmp/m1.prom" ||
        fail "second refusal not exported"
kill "$daemon_pid"
while kill -0 "$daemon_pid" 2>/dev/null; do sleep 0.05; done
expect 7 resctl export --format=prometheus --output=-
cp "$tmp/out" "$tmp/down.prom"
grep -qx 'resctl_up 0' "$tmp/down.prom" || fail "no resctl_up 0 from a daemon that is down"

cp "$rules" "$tmp/resctl.rules.yml"
"$SOURCE_ROOT/tests/cli/promtest.py" resctl.rules.yml 40 0:"$tmp/m0.prom" 1:"$tmp/m1.prom" 30:"$tmp/down.prom" \
        >"$tmp/test.yml" <<'YAML'
- eval_time: 4m
  alertname: ResctlRefusalsRising
  exp_alerts:
    - exp_labels: {severity: warning, group: tenant-a.slice, controller: misc, kind: sev, instance: node1, job: node}
      exp_annotations:
        summary: tenant-a.slice refused misc sev charges in 10 minutes on node1
        description: See 'resctl monitor' for the LimitHit signals and 'resctl show tenant-a.slice'.
- eval_time: 4m
  alertname: ResctlExportStale
- eval_time: 4m
  alertname: ResctlGroupAtMax
- eval_time: 4m
  alertname: ResctlCapacityNearlyExhausted
- eval_time: 10m
  alertname: ResctlGroupAtMax
  exp_alerts:
    - exp_labels: {severity: warning, group: tenant-a.slice, controller: misc, kind: sev, instance: node1, job: node}
      exp_annotations:
        summary: tenant-a.slice uses all of its misc sev max on node1
        description: Raise it with 'resctl set-property tenant-a.slice ...' or move work elsewhere.
- eval_time: 10m
  alertname: ResctlCapacityNearlyExhausted
  exp_alerts:
    - exp_labels: {severity: warning, controller: misc, kind: sev_es, instance: node1, job: node}
      exp_annotations:
        summary: misc sev_es is 95.96% used on node1
        description: Charges beyond the capacity will be refused (CapacityExceeded). See 'resctl list-resources'.
- eval_time: 10m
  alertname: ResctlExportStale
  exp_alerts:
    - exp_labels: {severity: warning, instance: node1, job: node}
      exp_annotations:
        summary: resctl metrics of node1 are 9m 0s old
        description: Check 'systemctl status resctl-export-prometheus.timer resctl-export-prometheus.service resctld.service'.
- eval_time: 20m
  alertname: ResctlRefusalsRising
- eval_time: 20m
  alertname: ResctlDown
- eval_time: 33m
  alertname: ResctlDown
  exp_alerts:
    - exp_labels: {severity: critical, instance: node1, job: node}
      exp_annotations:
        summary: resctld does not answer on node1
        description: Check 'systemctl status resctld.service'.
YAML
(cd "$tmp" && promtool test rules test.yml) >"$tmp/test.out" 2>&1 || {
        cat "$tmp/test.out" >&2
        fail "promtool test rules"
}
grep -q SUCCESS "$tmp/test.out" || { cat "$tmp/test.out" >&2; fail "promtool test rules did not say SUCCESS"; }
echo "ok"
