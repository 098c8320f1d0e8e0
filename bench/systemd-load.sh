#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The load resctld puts on systemd (issue 12), by hand, as root; never in
# CI. In a container booted like the system tier's (tests/system/machine.sh:
# an overlay over /, systemd-nspawn --boot), with SOURCE_ROOT (default: this
# tree) built and installed by meson inside it:
#
#   1. without resctld: UNITS transient services started and stopped one
#      after the other (systemd-run, systemctl stop), then systemctl status
#      on STATUS stopped units (instances of a template never started);
#      PID 1's CPU time (/proc/<pid>/stat utime+stime) over that and the 5 s
#      after it;
#   2. the same with resctld running (--hardware=demo), its calls to
#      org.freedesktop.systemd1 counted by busctl monitor (sender: its
#      unique name), then IDLE seconds of nothing.
#
# Prints name=value lines: systemd_calls_per_unit_change (calls during the
# storm and the 5 s after it, over the starts and stops), systemd_calls_idle_<IDLE>s,
# pid1_cpu_ms_per_unit_change with and without resctld, and their ratio.
# UNITS (200), STATUS (50) and IDLE (30) change the sizes.
set -uo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
bench_enter systemd-load "$@"
bench_need systemd-load systemd-nspawn nsenter busctl awk

SOURCE_ROOT=${SOURCE_ROOT:-$PWD}
UNITS=${UNITS:-200}
STATUS=${STATUS:-50}
IDLE=${IDLE:-30}
. tests/system/machine.sh

die() {
        echo "bench/systemd-load.sh: $*" >&2
        exit 1
}
trap machine_teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

machine_overlay || die "$MACHINE_ERR"
machine_boot "$SOURCE_ROOT" || die "$MACHINE_ERR"
machine_meson_install || die "meson install in the container failed: $(tail -n 20 "$T/build.log")"
IN mkdir -p /etc/systemd/system/resctld.service.d
IN sh -c 'printf "[Service]\nExecStart=\nExecStart=/usr/libexec/resctld --hardware=demo\n" \
        >/etc/systemd/system/resctld.service.d/50-demo.conf'
IN busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null
sd_storm_prepare || die "cannot write the template unit"

hz=$(getconf CLK_TCK)
pid1_cpu_ms() { awk -v hz="$hz" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$SD_PID/stat"; }

# storm TAG: SD_CHANGES, and cpu_ms: PID 1's CPU over the storm and 5 s after.
storm() {
        local c0
        c0=$(pid1_cpu_ms)
        sd_storm "$1" "$UNITS" 0 "$STATUS" 0
        sleep 5
        cpu_ms=$(($(pid1_cpu_ms) - c0))
        ((SD_STORM_FAILED == 0)) ||
                echo "# $1: $SD_STORM_FAILED systemctl/systemd-run calls failed or timed out (20 s)," \
                        "$SD_STORM_SKIPPED of them not run after ${SD_STORM_DEADLINE:-600} s; $SD_CHANGES changes made" >&2
}

echo "# $(nproc) CPUs, $UNITS transient units started and stopped, $STATUS systemctl status, idle ${IDLE} s"
echo "# source: $SOURCE_ROOT ($(git -C "$SOURCE_ROOT" describe --always --dirty 2>/dev/null || echo 'no git'))"

storm without
base=$(awk -v c="$cpu_ms" -v n="$SD_CHANGES" 'BEGIN { printf "%.3f", c / n }')
echo "without_resctld_pid1_cpu_ms_per_unit_change=$base"

IN systemctl start resctld ||
        die "resctld does not start: $(IN journalctl -u resctld --no-pager -n 15 -o cat 2>&1)"
sd_monitor_start org.resctl.Manager || die "$MACHINE_ERR"
storm with
calls=$(sd_calls)
sleep "$IDLE"
idle=$(($(sd_calls) - calls))
echo "systemd_calls_per_unit_change=$(awk -v c="$calls" -v n="$SD_CHANGES" 'BEGIN { printf "%.3f", c / n }')"
echo "systemd_calls_idle_${IDLE}s=$idle"
with=$(awk -v c="$cpu_ms" -v n="$SD_CHANGES" 'BEGIN { printf "%.3f", c / n }')
echo "pid1_cpu_ms_per_unit_change=$with"
echo "pid1_cpu_ratio=$(awk -v a="$with" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
echo "# busiest: $(grep -o '"member":"[A-Za-z]*"' "$T/sd-calls.log" | sort | uniq -c | sort -rn | head -3 | xargs)"
