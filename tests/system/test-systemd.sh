#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# System tier: resctld under a real systemd, booted in a container.
#
# The machine (machine.sh): an overlayfs whose lower layer is / and whose upper layer is a tmpfs is
# booted with systemd-nspawn; every write, the install included, lands in
# the tmpfs, never on the host. The Debian package (tests/package/deb.sh:
# dpkg-buildpackage from a clean copy of the tree, built once per tree) is
# installed inside the container with "apt-get install ./resctl_*.deb" (its
# dependencies are the host's, the lower layer: no network), and the
# package-installed daemon is then driven with systemctl, systemd-run and
# busctl (and Debian's python3-dbus for charges that a process keeps
# holding). The last steps reboot the container (nspawn exits with 133 and
# is started again on the same overlay). Everything is torn down on exit:
# machine powered off, overlay unmounted.
#
# Needs root. Installs systemd-container when systemd-nspawn is missing.

set -uo pipefail

if [[ $(id -u) -ne 0 ]]; then
        echo "SKIP: the system tier needs root (overlayfs, systemd-nspawn)"
        exit 77
fi
# Our own mount namespace: the overlay and tmpfs go away with us even if
# the cleanup below never runs.
if [[ ${RESCTL_SYS_INNER:-} != 1 ]]; then
        export RESCTL_SYS_INNER=1
        exec unshare --mount --propagation private -- /bin/bash "$0" "$@"
fi

SYS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_ROOT=${SOURCE_ROOT:-$(cd "$SYS_DIR/../.." && pwd)}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
WAIT=${SYS_WAIT:-20}
PY=/usr/bin/python3             # Debian's: has python3-dbus and gi

. "$SYS_DIR/tap.sh"
. "$SYS_DIR/machine.sh"

say() { printf '# %s\n' "$*"; }

cleanup() {
        local rc=$?
        trap - EXIT INT TERM
        if [[ -n $SD_PID && -n $NSPAWN_PID ]] && kill -0 "$NSPAWN_PID" 2>/dev/null &&
                { ((N_FAIL > 0)) || [[ $rc -ne 0 && $rc -ne 77 ]]; }; then
                say "resctld's journal:"
                IN journalctl -u resctld --no-pager -n 80 -o short-monotonic 2>&1 | sed 's/^/#   /'
        fi
        if [[ -n $T ]] && ((N_FAIL > 0)) && [[ -s $T/console.log ]]; then
                say "container console (last lines):"
                tail -n 20 "$T/console.log" | sed 's/^/#   /'
        fi
        machine_teardown
        if [[ $rc -eq 77 ]]; then
                exit 77
        fi
        if ((N_FAIL > 0 || rc != 0 || N_PASS == 0)); then
                say "$N_PASS passed, $N_FAIL failed"
                exit 1
        fi
        say "$N_PASS passed, 0 failed"
        exit 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! command -v systemd-nspawn >/dev/null; then
        say "installing systemd-container"
        apt-get install -y systemd-container >/dev/null 2>&1 ||
                { apt-get update >/dev/null 2>&1 && apt-get install -y systemd-container >/dev/null 2>&1; } ||
                { echo "SKIP: systemd-nspawn is missing and systemd-container cannot be installed"; exit 77; }
fi
for p in systemctl busctl "$PY" runuser dpkg-buildpackage; do
        command -v "$p" >/dev/null || { echo "SKIP: $p is missing"; exit 77; }
done

say "building the Debian package (tests/package/deb.sh)"
if ! DEB=$("$SOURCE_ROOT/tests/package/deb.sh" 2>"/tmp/resctl-system-deb.$$.log"); then
        fail "the Debian package builds" "$(tail -n 30 "/tmp/resctl-system-deb.$$.log")"
        rm -f "/tmp/resctl-system-deb.$$.log"
        exit 1
fi
rm -f "/tmp/resctl-system-deb.$$.log"

machine_overlay || { echo "SKIP: $MACHINE_ERR"; exit 77; }
# boot_machine: boots the overlay (again after a reboot) with the package
# bound in; sets NSPAWN_PID, SD_PID, BOOT_STATE and BOOT_SECONDS.
boot_machine() {
        say "booting systemd in $T/root"
        machine_boot "$SOURCE_ROOT" --bind-ro="$(dirname "$DEB"):/resctl-deb"
        local rc=$?
        BOOT_STATE=$MACHINE_STATE
        return $rc
}

if ! boot_machine; then
        fail "the container booted" "$MACHINE_ERR"
        exit 1
fi
pass "the container booted ($BOOT_STATE) in $BOOT_SECONDS s"
[[ $BOOT_STATE == degraded ]] && say "failed units: $(IN systemctl --failed --no-legend --plain | awk '{print $1}' | xargs)"

# ---------------------------------------------------------------- install

DEB_NAME=$(basename "$DEB")
say "installing the package inside the container: apt-get install ./$DEB_NAME"
# shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not the shell's
# Nothing to fetch: every dependency is the host's. (Not --no-download: apt
# 2.6 then fails on a local .deb with "Pathname to install is not absolute".)
if IN sh -c "cd /resctl-deb && DEBIAN_FRONTEND=noninteractive apt-get install -y ./$DEB_NAME" \
        >"$T/install.log" 2>&1 && [[ $(IN dpkg-query -W -f='${Status}' resctl) == "install ok installed" ]]; then
        pass "apt-get install ./$DEB_NAME inside the container"
else
        fail "apt-get install ./$DEB_NAME inside the container" "$(tail -n 30 "$T/install.log")"
        exit 1
fi
missing=()
for f in /usr/libexec/resctld /usr/bin/resctl /lib/systemd/system/resctld.service \
        /usr/share/dbus-1/system.d/org.resctl.Manager.conf \
        /usr/share/dbus-1/system-services/org.resctl.Manager.service \
        /usr/share/polkit-1/actions/org.resctl.policy /lib/udev/rules.d/70-resctl.rules; do
        IN test -e "$f" || missing+=("$f")
done
if ((${#missing[@]} == 0)); then
        pass "the package installed the daemon, client, unit, bus files, polkit actions and udev rules"
else
        fail "the package installed every file" "missing: ${missing[*]}"
fi
RESCTL=
IN test -x /usr/bin/resctl && RESCTL=/usr/bin/resctl
# dh_installsystemd's postinst enabled and started resctld and the timers.
if [[ $(IN systemctl is-enabled resctld) == enabled ]] &&
        [[ $(IN systemctl is-enabled resctl-export-prometheus.timer resctl-export-nfd.timer | sort -u) == enabled ]]; then
        pass "the package enables resctld.service and the export timers"
else
        fail "the package enables resctld.service and the export timers" \
                "$(IN systemctl is-enabled resctld resctl-export-prometheus.timer resctl-export-nfd.timer 2>&1 | xargs)"
fi

# The demo profile, so that misc/sev exists; and a copy of the client.
IN mkdir -p /etc/systemd/system/resctld.service.d /var/tmp/resctl-test
IN sh -c 'printf "[Service]\nExecStart=\nExecStart=/usr/libexec/resctld --hardware=demo\n" \
        >/etc/systemd/system/resctld.service.d/50-demo.conf'
IN install -m 0755 /resctl-src/tests/system/client.py /var/tmp/resctl-test/client.py
CLIENT=/var/tmp/resctl-test/client.py
IN systemctl daemon-reload
# What the package started stops, so that the first call below shows bus
# activation; the timers come back in the export step.
IN systemctl stop resctl-export-prometheus.timer resctl-export-nfd.timer
IN systemctl stop resctld resctl-export-prometheus.service resctl-export-nfd.service
IN systemctl reset-failed resctld 2>/dev/null
JOURNAL_SINCE=$(IN date '+%Y-%m-%d %H:%M:%S')

# ---------------------------------------------------------------- helpers

M=(org.resctl.Manager /org/resctl/Manager org.resctl.Manager)
call() { IN busctl --timeout=30 call "${M[@]}" "$@"; }

# poll SECONDS COMMAND...: until the command succeeds.
poll() {
        local t=$1 start=$SECONDS
        shift
        while ! "$@" >/dev/null 2>&1; do
                ((SECONDS - start >= t)) && return 1
                sleep 0.2
        done
}
# readfile_has GROUP FILE LINE: the file has that line.
readfile() {
        local out
        out=$(call ReadFile ss "$1" "$2") || return 1
        out=${out#s \"}
        printf '%b' "${out%\"}"
}
# Output is taken whole before grep -q looks at it: with pipefail, a grep
# that stops reading early makes the writer's SIGPIPE fail the pipeline.
readfile_has() { local t; t=$(readfile "$1" "$2") && grep -qx -- "$3" <<<"$t"; }
readfile_lacks() { local t; t=$(readfile "$1" "$2") && ! grep -qx -- "$3" <<<"$t"; }
group_parent_is() { local t; t=$(call ListGroups) && grep -q "\"$1\" \"$2\"" <<<"$t"; }
# sleeper UNIT SLICE: UNIT.service sleeping in SLICE, until resctld lists
# its group (or $WAIT seconds passed).
sleeper() {
        IN systemd-run --quiet --unit="$1" --slice="$2" sleep infinity
        poll "$WAIT" group_parent_is "$1.service" "$2"
}
group_absent() { local t; t=$(call ListGroups) && ! grep -q "\"$1\" " <<<"$t"; }
is_active() { [[ $(IN systemctl is-active "$1") == active ]]; }

# ---------------------------------------------------------------- tests

# 1. Bus activation, then systemctl start.
[[ $(IN systemctl is-active resctld) != active ]] || fail "resctld is not running before the first call"
out=$(call ListResources 2>&1)
if [[ $out == *misc/sev* ]] && is_active resctld; then
        pass "a bus call activates resctld.service (demo resources listed)"
else
        fail "a bus call activates resctld.service" "$out" "$(IN systemctl status resctld --no-pager 2>&1 | head -5)"
fi
IN systemctl stop resctld
if [[ $(IN systemctl is-active resctld) != active ]] && IN systemctl start resctld &&
        [[ $(IN systemctl show -P SubState resctld) == running ]]; then
        pass "systemctl start: active (running)"
else
        fail "systemctl start: active (running)" "$(IN systemctl status resctld --no-pager 2>&1 | head -8)"
fi
status=$(IN systemctl status resctld --no-pager 2>&1)
if grep -q 'Active: active (running)' <<<"$status" && grep -q 'Status: "Managing' <<<"$status"; then
        pass "systemctl status shows active (running) and the STATUS= line"
else
        fail "systemctl status shows active (running) and the STATUS= line" "$status"
fi
if [[ $(IN systemctl show -P WatchdogUSec resctld) != 0 ]] && [[ $(IN systemctl show -P NRestarts resctld) == 0 ]]; then
        pass "WatchdogSec= is in force (WatchdogUSec set, no restarts)"
else
        fail "the watchdog is armed" "$(IN systemctl show -p WatchdogUSec -p NRestarts resctld)"
fi
# The hardened service can do its work: read systemd's tree, /proc, pidfds.
if poll "$WAIT" group_parent_is dbus.service system.slice; then
        pass "running units appear as groups under their slice (dbus.service in system.slice)"
else
        fail "running units appear as groups" "$(call ListGroups 2>&1 | head -c 600)"
fi

# 2. systemd-run units appear under tenant-a.slice.
IN systemd-run --quiet --unit=rc-sleep-a --slice=tenant-a.slice sleep infinity
if poll "$WAIT" group_parent_is rc-sleep-a.service tenant-a.slice && group_parent_is tenant-a.slice tenant.slice; then
        pass "systemd-run --slice=tenant-a.slice: the unit is a group under tenant-a.slice (under tenant.slice)"
else
        fail "systemd-run --slice=tenant-a.slice: the unit is a group under tenant-a.slice" "$(call ListGroups 2>&1)"
fi

# 3. [X-Resctl] MiscMax=sev:2 on tenant-a.slice + daemon-reload.
IN mkdir -p /etc/systemd/system/tenant-a.slice.d
IN sh -c 'printf "[X-Resctl]\nMiscMax=sev:2\n" >/etc/systemd/system/tenant-a.slice.d/60-sev.conf'
IN systemctl daemon-reload
if poll "$WAIT" readfile_has tenant-a.slice misc.max 'sev 2'; then
        pass "a drop-in [X-Resctl] MiscMax=sev:2 + daemon-reload: tenant-a.slice misc.max is sev 2"
else
        fail "drop-in MiscMax=sev:2 applies after daemon-reload" "$(readfile tenant-a.slice misc.max 2>&1)"
fi

# Two charges held by processes of two units in tenant-a.slice (group "").
for u in rc-hold-a1 rc-hold-a2; do
        IN systemd-run --quiet --unit=$u --slice=tenant-a.slice "$PY" "$CLIENT" hold "" sev 1
done
charges_of() { call ListCharges s "" | grep -o "\"$1\" \"misc/sev\" 1" | wc -l; }
held() { [[ $(charges_of rc-hold-a1.service) == 1 && $(charges_of rc-hold-a2.service) == 1 ]]; }
if poll "$WAIT" held && group_parent_is rc-hold-a1.service tenant-a.slice; then
        pass "Charge with group \"\" from inside a unit charges that unit (under tenant-a.slice)"
else
        fail "Charge with group \"\" charges the caller's unit" "$(call ListCharges s '' 2>&1)" \
                "$(IN journalctl -u rc-hold-a1 -u rc-hold-a2 --no-pager -o cat 2>&1 | tail -4)"
fi

# The third is refused, with LimitHit.
IN "$PY" "$CLIENT" wait-signal LimitHit "$WAIT" >"$T/limithit.out" 2>&1 &
sigpid=$!
poll 10 grep -q READY "$T/limithit.out"
out=$(IN systemd-run --quiet --wait --pipe --unit=rc-third --slice=tenant-a.slice "$PY" "$CLIENT" charge "" sev 1 2>&1)
if [[ $out == "error org.resctl.Error.LimitExceeded "* ]]; then
        pass "a third charge from inside tenant-a.slice fails with LimitExceeded"
else
        fail "a third charge from inside tenant-a.slice fails with LimitExceeded" "$out"
fi
wait "$sigpid"
sig=$(tail -n 1 "$T/limithit.out")
if [[ $sig == "LimitHit|rc-third.service|misc/sev|1|tenant-a.slice|2" ]]; then
        pass "LimitHit names rc-third.service, misc/sev, 1, tenant-a.slice, 2"
else
        fail "LimitHit is emitted" "$sig"
fi

# 4. Stopping a unit releases the charges its processes owned.
IN systemctl stop rc-hold-a1.service
released() { [[ $(charges_of rc-hold-a1.service) == 0 && $(charges_of rc-hold-a2.service) == 1 ]]; }
if poll "$WAIT" released && poll "$WAIT" group_absent rc-hold-a1.service; then
        pass "stopping a unit releases the charges its processes owned (and its group goes)"
else
        fail "stopping a unit releases its processes' charges" "$(call ListCharges s '' 2>&1)"
fi
out=$(IN systemd-run --quiet --wait --pipe --unit=rc-fourth --slice=tenant-a.slice "$PY" "$CLIENT" charge "" sev 1 2>&1)
if [[ $out == "ok "* ]]; then
        pass "with one charge released, a charge fits again"
else
        fail "with one charge released, a charge fits again" "$out"
fi

# 5. SetUnitProperties: persistent, across restart and daemon-reload.
sleeper rc-sleep-b tenant-b.slice
out=$(call SetUnitProperties sba\(sv\) tenant-b.slice false 1 MiscMax 'a(st)' 1 sev 3 2>&1)
dropin=/etc/systemd/system.control/tenant-b.slice.d/50-resctl-MiscMax.conf
if [[ -z $out ]] && readfile_has tenant-b.slice misc.max 'sev 3' && IN grep -qx 'MiscMax=sev:3' "$dropin"; then
        pass "SetUnitProperties writes $dropin and applies it at once"
else
        fail "SetUnitProperties writes the drop-in and applies it" "$out" "$(IN cat "$dropin" 2>&1)" \
                "misc.max: $(readfile tenant-b.slice misc.max 2>&1)" "$(call ListGroups 2>&1)" \
                "$(IN journalctl -u resctld --no-pager -n 20 2>&1)"
fi
IN systemctl restart resctld
if is_active resctld && poll "$WAIT" readfile_has tenant-b.slice misc.max 'sev 3'; then
        pass "the setting survives systemctl restart resctld"
else
        fail "the setting survives systemctl restart resctld" "$(readfile tenant-b.slice misc.max 2>&1)"
fi
if [[ $(charges_of rc-hold-a2.service) == 1 ]]; then
        pass "a process-owned charge survives systemctl restart resctld"
else
        fail "a process-owned charge survives systemctl restart resctld" "$(call ListCharges s '' 2>&1)"
fi
IN systemctl daemon-reload
sleep 1
if poll "$WAIT" readfile_has tenant-b.slice misc.max 'sev 3'; then
        pass "the setting survives a daemon-reload"
else
        fail "the setting survives a daemon-reload" "$(readfile tenant-b.slice misc.max 2>&1)"
fi
cat_out=$(IN systemctl cat tenant-b.slice 2>&1)
if grep -qx "# $dropin" <<<"$cat_out" && grep -qx 'MiscMax=sev:3' <<<"$cat_out"; then
        pass "systemctl cat tenant-b.slice shows the drop-in"
else
        fail "systemctl cat tenant-b.slice shows the drop-in" "$cat_out"
fi
# A file the unit's own files carry is kept next to the set-property one.
if readfile_has tenant-a.slice misc.max 'sev 2'; then
        pass "tenant-a.slice keeps its unit-file setting through restart and reload"
else
        fail "tenant-a.slice keeps its unit-file setting" "$(readfile tenant-a.slice misc.max 2>&1)"
fi

# Runtime settings live under /run.
rt=/run/systemd/system.control/tenant-c.slice.d/50-resctl-MiscMax.conf
sleeper rc-sleep-c tenant-c.slice
out=$(call SetUnitProperties sba\(sv\) tenant-c.slice true 1 MiscMax 'a(st)' 1 sev 4 2>&1)
if [[ -z $out ]] && IN test -f "$rt" && ! IN test -e /etc/systemd/system.control/tenant-c.slice.d &&
        readfile_has tenant-c.slice misc.max 'sev 4'; then
        pass "runtime=true writes $rt (nothing under /etc) and applies it"
else
        fail "runtime=true writes under /run" "$out" "$(IN ls -R /run/systemd/system.control /etc/systemd/system.control 2>&1)"
fi
IN systemctl daemon-reload
if poll "$WAIT" readfile_has tenant-c.slice misc.max 'sev 4' && grep -qx "# $rt" <<<"$(IN systemctl cat tenant-c.slice 2>&1)"; then
        pass "the runtime setting survives a daemon-reload; systemctl cat shows it"
else
        fail "the runtime setting survives a daemon-reload" "$(readfile tenant-c.slice misc.max 2>&1)"
fi

# systemctl revert removes system.control/UNIT.d: the setting goes.
IN systemctl revert tenant-b.slice >/dev/null 2>&1
if ! IN test -e "$dropin" && poll "$WAIT" readfile_lacks tenant-b.slice misc.max 'sev 3'; then
        pass "systemctl revert tenant-b.slice drops the setting"
else
        fail "systemctl revert tenant-b.slice drops the setting" "$(readfile tenant-b.slice misc.max 2>&1)"
fi

# A unit that stops loses its limits (R11): tenant-c.slice stopped.
IN systemctl stop tenant-c.slice
if poll "$WAIT" group_absent tenant-c.slice; then
        pass "a stopped slice without charges is no group any more"
else
        fail "a stopped slice without charges is no group any more" "$(call ListGroups 2>&1)"
fi

# 6. polkit: nobody is refused, then allowed by a rules file.
nobody_set() {
        IN runuser -u nobody -- busctl --timeout=30 call "${M[@]}" SetUnitProperties sba\(sv\) tenant-a.slice true 1 \
                DMemMax 'a(st)' 1 drm/0000:c1:00.0/vram0 1073741824 2>&1
}
out=$(nobody_set)
if [[ $out == *"Access denied"* || $out == *"nteractive authorization"* || $out == *AccessDenied* ]]; then
        pass "nobody's SetUnitProperties is refused by polkit"
else
        fail "nobody's SetUnitProperties is refused by polkit" "$out"
fi
IN mkdir -p /etc/polkit-1/rules.d
IN sh -c 'cat >/etc/polkit-1/rules.d/50-resctl-systest.rules' <<'EOF'
polkit.addRule(function(action, subject) {
        if (action.id == "org.resctl.manage-limits" && subject.user == "nobody")
                return polkit.Result.YES;
});
EOF
nobody_allowed() { [[ -z $(nobody_set) ]]; }
if poll "$WAIT" nobody_allowed && readfile_has tenant-a.slice dmem.max 'drm/0000:c1:00.0/vram0 1073741824'; then
        pass "after a rules file grants org.resctl.manage-limits, nobody's call succeeds"
else
        fail "a rules file grants nobody the action" "$(nobody_set)"
fi

# 7. The resctl client, when built.
if [[ -n $RESCTL ]]; then
        out=$(IN "$RESCTL" --no-pager list-groups 2>&1)
        if grep -q 'tenant-a.slice' <<<"$out"; then
                pass "resctl list-groups shows the slice tree"
        else
                fail "resctl list-groups shows the slice tree" "$out"
        fi
fi

# 8. Hardening as installed.
score=$(IN systemd-analyze security resctld.service 2>/dev/null | sed -n 's/.*Overall exposure level for resctld.service: \([0-9.]*\).*/\1/p')
if [[ -n $score ]] && awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }'; then
        pass "systemd-analyze security resctld.service: exposure $score (<= 1.5)"
else
        fail "systemd-analyze security resctld.service: exposure <= 1.5" "score: '$score'"
fi
if [[ $(IN systemctl show -P NRestarts resctld) == 0 ]] &&
        [[ -z $(IN journalctl -u resctld -p err --since "$JOURNAL_SINCE" --no-pager -q) ]]; then
        pass "resctld logged no errors and never restarted"
else
        fail "resctld logged no errors and never restarted" "$(IN journalctl -u resctld -p err --no-pager 2>&1 | tail -5)"
fi

# 8a. Admission control at unit start (resctl.unit(5)): a unit charge
#     taken in ExecStartPre= lives as long as the unit; two fit in
#     sev-vms.slice's MiscMax=sev:2, the third unit fails to start until one
#     stops; a kill -9 of resctld in between changes nothing, and a unit
#     that stops while resctld is down has its charge released at start.
if [[ -n $RESCTL ]]; then
        IN mkdir -p /etc/systemd/system/sev-vms.slice.d
        IN sh -c 'printf "[X-Resctl]\nMiscMax=sev:2\n" >/etc/systemd/system/sev-vms.slice.d/50-sev.conf'
        IN sh -c 'printf "[Service]\nSlice=sev-vms.slice\nExecStartPre=/usr/bin/resctl charge --until-stop %%n sev 1\nExecStart=/bin/sleep infinity\n" \
                >/etc/systemd/system/rc-sev@.service'
        IN systemctl daemon-reload
        IN systemctl start sev-vms.slice
        unit_charges() { call ListCharges s "" | grep -o "\"$1\" \"misc/sev\" 1 0 4" | wc -l; }
        sev_usage_is() { readfile_has sev-vms.slice misc.current "sev $1"; }
        if poll "$WAIT" readfile_has sev-vms.slice misc.max 'sev 2' &&
                IN systemctl start rc-sev@1.service rc-sev@2.service && is_active rc-sev@1.service &&
                is_active rc-sev@2.service && [[ $(unit_charges rc-sev@1.service) == 1 ]] &&
                [[ $(unit_charges rc-sev@2.service) == 1 ]] && sev_usage_is 2 &&
                group_parent_is rc-sev@1.service sev-vms.slice; then
                pass "ExecStartPre=resctl charge --until-stop: two units start within MiscMax=sev:2, each holds a unit charge (flags 4)"
        else
                fail "two units with a unit charge start" "$(call ListCharges s '' 2>&1)" \
                        "$(IN journalctl -u 'rc-sev@*' --no-pager -o cat 2>&1 | tail -6)"
        fi
        third_refused() {
                ! IN systemctl start rc-sev@3.service 2>/dev/null && ! is_active rc-sev@3.service &&
                        IN journalctl -u rc-sev@3.service --no-pager -o cat 2>/dev/null |
                        grep -q 'Failed to charge: sev-vms.slice: misc/sev max 2 reached'
        }
        if third_refused && [[ $(unit_charges rc-sev@3.service) == 0 ]] && sev_usage_is 2; then
                pass "the third unit fails to start; its journal says 'Failed to charge: sev-vms.slice: misc/sev max 2 reached'"
        else
                fail "the third unit fails to start" "$(IN systemctl status rc-sev@3.service --no-pager 2>&1 | tail -6)"
        fi
        # kill -9: systemd restarts resctld (Restart=on-failure); nothing changes.
        IN systemctl kill -s KILL resctld
        restarted() { is_active resctld && [[ $(IN systemctl show -P NRestarts resctld) -ge 1 ]]; }
        if poll "$WAIT" restarted && [[ $(unit_charges rc-sev@1.service) == 1 ]] &&
                [[ $(unit_charges rc-sev@2.service) == 1 ]] && sev_usage_is 2 && third_refused; then
                pass "after kill -9 of resctld: both unit charges are back, the third unit still fails to start"
        else
                fail "kill -9 of resctld changes nothing" "$(call ListCharges s '' 2>&1)" \
                        "$(IN systemctl show -p NRestarts -p ActiveState resctld 2>&1)"
        fi
        IN systemctl stop rc-sev@1.service
        if poll "$WAIT" sev_usage_is 1 && [[ $(unit_charges rc-sev@1.service) == 0 ]] &&
                IN systemctl start rc-sev@3.service && is_active rc-sev@3.service &&
                [[ $(unit_charges rc-sev@3.service) == 1 ]]; then
                pass "stopping one unit releases its charge (unit-stopped): the third unit starts"
        else
                fail "stopping one unit lets the third start" "$(call ListCharges s '' 2>&1)" \
                        "$(IN journalctl -u rc-sev@3.service --no-pager -o cat 2>&1 | tail -4)"
        fi
        # A unit that stops while resctld is down: released when it starts.
        IN systemctl stop resctld
        IN systemctl stop rc-sev@2.service
        IN systemctl start resctld
        if poll "$WAIT" sev_usage_is 1 && [[ $(unit_charges rc-sev@2.service) == 0 ]] &&
                [[ $(unit_charges rc-sev@3.service) == 1 ]]; then
                pass "a unit that stopped while resctld was down has its charge released at start"
        else
                fail "a unit stopped while resctld was down: charge released at start" "$(call ListCharges s '' 2>&1)" \
                        "$(IN journalctl -u resctld --no-pager -n 10 -o cat 2>&1)"
        fi
        # A failed unit (its main process killed) releases too.
        IN systemctl kill -s KILL rc-sev@3.service
        if poll "$WAIT" sev_usage_is 0 && [[ $(unit_charges rc-sev@3.service) == 0 ]]; then
                pass "a unit that fails releases its unit charge"
        else
                fail "a unit that fails releases its unit charge" "$(call ListCharges s '' 2>&1)"
        fi
        IN systemctl reset-failed 'rc-sev@*' 2>/dev/null
fi

# 9. The kernel backend under systemd, sandboxed as installed. This kernel
#    has no misc controller, so the cgroup root is a double in the kernel's
#    formats; a unit's [X-Resctl] limit lands in its cgroup once that exists,
#    announced by systemd or appearing after the start.
CG=/var/lib/resctl-cgroup
IN sh -c "mkdir -p $CG/system.slice $CG/.new && printf 'cpu memory pids misc\n' >$CG/cgroup.controllers &&
        printf 'sev 16\n' >$CG/misc.capacity && printf 'sev 0\n' >$CG/misc.current &&
        : >$CG/cgroup.subtree_control && : >$CG/system.slice/cgroup.subtree_control &&
        printf 'sev max\n' >$CG/.new/misc.max && printf 'sev.max 0\n' >$CG/.new/misc.events &&
        printf 'sev.max 0\n' >$CG/.new/misc.events.local && printf 'sev 0\n' >$CG/.new/misc.current"
IN sh -c "printf '[Service]\nExecStart=\nExecStart=/usr/libexec/resctld --hardware=none --cgroup-root=$CG\nReadWritePaths=$CG\n' \
        >/etc/systemd/system/resctld.service.d/50-demo.conf"
IN sh -c 'printf "[Service]\nExecStart=/bin/sleep infinity\n[X-Resctl]\nMiscMax=sev:3\n" >/etc/systemd/system/rc-vm.service'
IN systemctl daemon-reload
IN systemctl restart resctld
kernel_listed() { [[ $(IN busctl get-property "${M[@]}" KernelResources) == 'as 1 "misc/sev"' ]]; }
if is_active resctld && poll "$WAIT" kernel_listed; then
        pass "with misc in cgroup.controllers, misc/sev is kernel-backed (KernelResources)"
else
        fail "misc/sev is kernel-backed" "$(IN busctl get-property "${M[@]}" KernelResources 2>&1)"
fi
out=$(call Charge sstt tenant-a.slice misc/sev 1 1 2>&1)
if [[ $out == *"managed by the kernel"* ]]; then
        pass "Charge of a kernel-backed key is refused (KernelManaged)"
else
        fail "Charge of a kernel-backed key is refused (KernelManaged)" "$out"
fi
IN systemctl start rc-vm.service
IN mv "$CG/.new" "$CG/system.slice/rc-vm.service"
vm_limited() { [[ $(IN cat "$CG/system.slice/rc-vm.service/misc.max") == "sev 3" ]]; }
if poll "$WAIT" vm_limited && [[ $(IN cat "$CG/system.slice/cgroup.subtree_control") == "+misc" ]]; then
        pass "rc-vm.service's MiscMax=sev:3 is written to its cgroup's misc.max, misc enabled above it"
else
        fail "MiscMax=sev:3 lands in the unit's misc.max" "$(IN cat "$CG/system.slice/rc-vm.service/misc.max" 2>&1)" \
                "$(IN journalctl -u resctld --no-pager -n 15 -o cat 2>&1)"
fi

# 10. resctld keeps no load on systemd (issue 12): after a storm of
#     transient units, template instances and systemctl status on stopped
#     and missing units, its calls to systemd stop within a few seconds,
#     stay at 0 over an idle window, and number at most 3 per unit state
#     change. Counted with busctl monitor, not timed.
check_systemd_load() {
        local settled calls idle failed
        sd_storm_prepare
        if ! is_active resctld || ! sd_monitor_start org.resctl.Manager; then
                fail "a bus monitor counts resctld's calls to systemd" "$MACHINE_ERR"
                return
        fi
        SD_STORM_DEADLINE=180 sd_storm sys 20 10 10 10
        failed=$SD_STORM_FAILED
        sd_calls_settle 10 && settled=1 || settled=0
        calls=$(sd_calls)
        # The idle window: nothing happens, nothing may be asked.
        sleep 5
        idle=$(($(sd_calls) - calls))
        sd_monitor_stop
        if ((failed == 0)); then
                pass "a storm of $SD_CHANGES unit starts and stops and 20 systemctl status answered, each within 20 s"
        else
                fail "every systemctl and systemd-run of the storm answered within 20 s" \
                        "$failed failed, timed out or were not run after 180 s"
        fi
        if ((settled && idle == 0)); then
                pass "resctld's calls to systemd stop after the storm (settled at $calls) and stay at 0 for 5 s"
        else
                fail "resctld's calls to systemd stop after the storm and stay at 0" \
                        "settled: $settled; $calls calls, $idle more in 5 s idle" \
                        "busiest: $(grep -o '"path":"[^"]*"' "$T/sd-calls.log" | sort | uniq -c | sort -rn | head -3 | xargs)"
        fi
        if ((calls <= 3 * SD_CHANGES)); then
                pass "resctld made $calls calls to systemd for $SD_CHANGES unit state changes (<= 3 each)"
        else
                fail "resctld makes at most 3 calls to systemd per unit state change" \
                        "$calls calls for $SD_CHANGES changes"
        fi
}
check_systemd_load

# 11. The export timers on a host with node-exporter's textfile directory
#     (the host's, in the lower layer) and without node-feature-discovery:
#     one export writes, the other is skipped, neither fails.
PROM_DIR=/var/lib/prometheus/node-exporter
NFD_DIR=/etc/kubernetes/node-feature-discovery/features.d
IN mkdir -p "$PROM_DIR"
IN rm -rf /etc/kubernetes
IN systemctl start resctl-export-prometheus.timer resctl-export-nfd.timer
IN systemctl start resctl-export-prometheus.service resctl-export-nfd.service
not_failed() { [[ $(IN systemctl show -P Result "$1") == success ]] && ! IN systemctl is-failed --quiet "$1"; }
if not_failed resctl-export-prometheus.service && IN grep -q '^resctl_capacity{' "$PROM_DIR/resctl.prom"; then
        pass "resctl-export-prometheus.service writes $PROM_DIR/resctl.prom"
else
        fail "resctl-export-prometheus.service writes $PROM_DIR/resctl.prom" \
                "$(IN systemctl status resctl-export-prometheus.service --no-pager 2>&1 | head -12)"
fi
if not_failed resctl-export-nfd.service && [[ $(IN systemctl show -P ConditionResult resctl-export-nfd.service) == no ]] &&
        ! IN test -e /etc/kubernetes; then
        pass "without NFD, resctl-export-nfd.service is skipped by its condition, not failed, and writes nothing"
else
        fail "without NFD, resctl-export-nfd.service is skipped, not failed" \
                "$(IN systemctl status resctl-export-nfd.service --no-pager 2>&1 | head -12)"
fi
timers_ok() {
        [[ $(IN systemctl is-active resctl-export-prometheus.timer resctl-export-nfd.timer | sort -u) == active ]] &&
                [[ -z $(IN systemctl list-units --failed --no-legend --plain 'resctl*') ]]
}
if timers_ok; then
        pass "both export timers are active and no resctl unit is failed"
else
        fail "both export timers are active and no resctl unit is failed" \
                "$(IN systemctl list-units --all --no-legend --plain 'resctl*' 2>&1)"
fi
# The timer fired at its start (OnBootSec= is long past) and its skipped
# run still schedules the next one: NFD installed later is served.
nfd_timer_fired() { [[ $(IN systemctl show -P LastTriggerUSecMonotonic resctl-export-nfd.timer) != 0 ]]; }
next=
poll "$WAIT" nfd_timer_fired && next=$(IN systemctl show -P NextElapseUSecMonotonic resctl-export-nfd.timer)
if [[ -n $next && $next != infinity && $next != 0 ]] && not_failed resctl-export-nfd.service; then
        pass "after a skipped run the nfd timer is scheduled again (next elapse at $next)"
else
        fail "after a skipped run the nfd timer is scheduled again" \
                "$(IN systemctl show -p LastTriggerUSecMonotonic -p NextElapseUSecMonotonic resctl-export-nfd.timer 2>&1)"
fi
IN mkdir -p "$NFD_DIR"
IN systemctl start resctl-export-nfd.service
if not_failed resctl-export-nfd.service && IN grep -q '^resctl.io/' "$NFD_DIR/resctl"; then
        pass "with NFD's features.d, resctl-export-nfd.service writes $NFD_DIR/resctl"
else
        fail "with NFD's features.d, resctl-export-nfd.service writes its file" \
                "$(IN systemctl status resctl-export-nfd.service --no-pager 2>&1 | head -12)"
fi
IN systemctl stop resctl-export-prometheus.timer resctl-export-nfd.timer

# 12. The udev rules as installed: a tagged device pulls in resctld.service.
#     No udevd runs in a container, so "udevadm test" replays the rules on a
#     device. Without kvm_amd (or a GPU) here, a copy of the rules (same
#     name, in /etc, which wins) tags /dev/null's device instead.
dev=
if IN test -e /sys/module/kvm_amd/uevent; then
        dev=/sys/module/kvm_amd
elif IN test -e /sys/class/drm/card0/uevent; then
        dev=/sys/class/drm/card0
elif IN test -e /sys/devices/virtual/mem/null/uevent; then
        dev=/sys/devices/virtual/mem/null
        IN sh -c "sed 's/^SUBSYSTEM==\"module\", KERNEL==\"kvm_amd\"/SUBSYSTEM==\"mem\", KERNEL==\"null\"/' \
                /lib/udev/rules.d/70-resctl.rules >/etc/udev/rules.d/70-resctl.rules"
fi
if [[ -z $dev ]]; then
        say "SKIP udev rules: no device to replay them on"
else
        out=$(IN udevadm test --action=add "$dev" 2>&1)
        if grep -qx 'SYSTEMD_WANTS=resctld.service' <<<"$out" && grep -q '^TAGS=.*:resctl:' <<<"$out" &&
                grep -q '^TAGS=.*:systemd:' <<<"$out"; then
                pass "udev rules: $dev's add event is tagged resctl and systemd, SYSTEMD_WANTS=resctld.service"
        else
                fail "udev rules pull in resctld.service ($dev)" "$(grep -E '^[A-Z_]+=' <<<"$out" | tail -n 12)"
        fi
        out=$(IN udevadm test --action=add /sys/devices/virtual/mem/zero 2>&1)
        if grep -q '^SUBSYSTEM=mem' <<<"$out" && ! grep -q 'SYSTEMD_WANTS=.*resctld' <<<"$out"; then
                pass "udev rules: an untagged device (/dev/zero's) does not pull in resctld.service"
        else
                fail "udev rules: an untagged device does not pull in resctld.service" "$(grep -E '^[A-Z_]+=' <<<"$out")"
        fi
        IN rm -f /etc/udev/rules.d/70-resctl.rules
fi

# 13. Enabled, resctld comes up at boot by itself, before a workload that is
#     ordered after network.target (as VM and container managers are): the
#     workload reads its slice's limit, as the kernel would enforce it, from
#     the cgroup double at its start. The slice is started at boot
#     (slices.target) so its cgroup exists when resctld starts, as
#     resctld(8) advises; the double's directory stands for it.
IN systemctl disable --quiet resctld
if [[ $(IN systemctl is-enabled resctld) == disabled ]] && IN systemctl enable --quiet resctld &&
        [[ $(IN systemctl is-enabled resctld) == enabled ]] &&
        IN test -L /etc/systemd/system/multi-user.target.wants/resctld.service; then
        pass "systemctl disable, then enable resctld: multi-user.target.wants/resctld.service"
else
        fail "systemctl enable resctld" "$(IN systemctl is-enabled resctld 2>&1)"
fi
IN sh -c 'printf "[X-Resctl]\nMiscMax=sev:2\n[Install]\nWantedBy=slices.target\n" >/etc/systemd/system/rcboot.slice'
IN sh -c "cat >/etc/systemd/system/rc-boot.service" <<EOT
[Unit]
Wants=network.target
After=network.target
[Service]
Type=oneshot
RemainAfterExit=yes
Slice=rcboot.slice
StandardOutput=append:/var/tmp/rc-boot.seen
ExecStart=/bin/systemctl is-active resctld
ExecStart=/bin/cat $CG/rcboot.slice/misc.max
[Install]
WantedBy=multi-user.target
EOT
IN systemctl enable --quiet rcboot.slice rc-boot.service
# The slice's directory as the kernel has it before anyone wrote a limit,
# with resctld stopped (it would write there at once).
IN systemctl stop resctld
IN sh -c "mkdir -p $CG/rcboot.slice && printf 'sev max\n' >$CG/rcboot.slice/misc.max &&
        printf 'sev.max 0\n' >$CG/rcboot.slice/misc.events && printf 'sev.max 0\n' >$CG/rcboot.slice/misc.events.local &&
        printf 'sev 0\n' >$CG/rcboot.slice/misc.current"
IN rm -f /var/tmp/rc-boot.seen
say "rebooting the container"
IN systemctl reboot >/dev/null 2>&1   # the bus connection goes with the machine
wait "$NSPAWN_PID"
rc=$?
NSPAWN_PID=
if ((rc == 133)); then
        pass "systemctl reboot: systemd-nspawn exits with 133"
else
        fail "systemctl reboot: systemd-nspawn exits with 133" "exit status $rc" "$(tail -n 10 "$T/console.log")"
fi
if boot_machine; then
        pass "the container booted again ($BOOT_STATE) in $BOOT_SECONDS s"
else
        fail "the container booted again" "state: '$BOOT_STATE'" "$(tail -n 20 "$T/console.log")"
        exit 1
fi
ts() { IN systemctl show -P "$2" "$1"; }
seen=$(IN cat /var/tmp/rc-boot.seen 2>&1)
r_up=$(ts resctld ActiveEnterTimestampMonotonic)
w_start=$(ts rc-boot.service ExecMainStartTimestampMonotonic)
if is_active resctld && [[ $(ts resctld NRestarts) == 0 ]] && ((r_up > 0 && w_start > 0 && r_up <= w_start)); then
        pass "after the reboot resctld is active, ready before the workload started ($r_up <= $w_start us)"
else
        fail "after the reboot resctld is up before the workload" "resctld up at '$r_up', workload at '$w_start'" \
                "$(IN systemctl status resctld --no-pager 2>&1 | head -6)"
fi
if [[ $seen == $'active\nsev 2' ]]; then
        pass "the workload saw resctld active and its slice's MiscMax=sev:2 in misc.max at its start"
else
        fail "the workload saw its slice's limit at its start" "seen: $seen" \
                "now: $(IN cat "$CG/rcboot.slice/misc.max" 2>&1), resctld's: $(readfile rcboot.slice misc.max 2>&1)" \
                "rcboot.slice: $(IN systemctl show -p ActiveState -p ActiveEnterTimestampMonotonic -p ControlGroup rcboot.slice | xargs)" \
                "$(IN journalctl -b -u resctld -u rc-boot.service -u rcboot.slice --no-pager -o short-monotonic 2>&1 | tail -n 20)"
fi
# Bus activation of the package-installed daemon, once more after the boot.
IN systemctl stop resctld
out=$(call ListResources 2>&1)
if [[ $(IN systemctl is-active resctld) == active && $out == *misc/sev* ]]; then
        pass "with resctld stopped, a busctl call starts it again (bus activation)"
else
        fail "with resctld stopped, a busctl call starts it again" "$out"
fi


# 14. (issue 17) Under systemd, a charge on a unit systemd does not know (a
#     typo) is refused unless CREATE is set; refusals go to the unit's
#     journal with a MESSAGE_ID that "journalctl -x" explains. Self-contained:
#     the demo hardware, without the cgroup double of step 9.
IN sh -c 'printf "[Service]\nExecStart=\nExecStart=/usr/libexec/resctld --hardware=demo\n" \
        >/etc/systemd/system/resctld.service.d/50-demo.conf'
IN sh -c 'printf "[Service]\nExecStart=/bin/sleep infinity\n" >/etc/systemd/system/rc-vm1.service'
IN systemctl daemon-reload
IN systemctl restart resctld
IN journalctl --update-catalog
is_active resctld || fail "resctld restarts with the demo hardware" "$(IN systemctl status resctld --no-pager 2>&1 | head -5)"
out=$(call Charge sstt rc-vml.service misc/sev 1 1 2>&1)
if [[ $out == *NoSuchGroup* || $out == *"systemd knows no such unit"* ]] && [[ $out == *"rc-vml.service"* ]] &&
        [[ $out =~ "did you mean "[^?]*"rc-vm1.service"[^?]*"?" ]] && [[ $out == *"0x2 (CREATE)"* ]]; then
        pass "Charge on an unknown unit (rc-vml.service) is refused, naming it and suggesting rc-vm1.service"
else
        fail "Charge on an unknown unit is refused with a suggestion" "$out"
fi
if group_absent rc-vml.service; then
        pass "the refused charge created no group"
else
        fail "the refused charge created no group" "$(call ListGroups 2>&1)"
fi
if [[ -n $RESCTL ]]; then
        rc=0
        out=$(IN "$RESCTL" --no-pager charge --persist rc-vml.service sev 1 2>&1) || rc=$?
        if [[ $rc == 5 && $out == *"; use --create to charge it anyway." ]]; then
                pass "resctl charge on the typo exits 5 and suggests --create"
        else
                fail "resctl charge on the typo exits 5 and suggests --create" "exit $rc: $out"
        fi
fi
out=$(call Charge sstt rc-vm1.service misc/sev 1 1 2>&1)
if [[ $out == "t "* ]]; then
        pass "a unit with a unit file, not running, can be charged"
else
        fail "a unit with a unit file can be charged" "$out"
fi
out=$(call Charge sstt rc-vml.service misc/sev 1 3 2>&1)
if [[ $out == "t "* ]] && group_parent_is rc-vml.service system.slice; then
        pass "with CREATE (0x2) the unknown unit is charged (under system.slice)"
else
        fail "with CREATE the unknown unit is charged" "$out"
fi
# A limit refusal, in the journal of the unit refused.
IN systemd-run --quiet --unit=rc-lim --slice=rc-lim.slice sleep infinity
poll "$WAIT" group_parent_is rc-lim.service rc-lim.slice
call SetUnitProperties sba\(sv\) rc-lim.service true 1 MiscMax 'a(st)' 1 sev 0 >/dev/null 2>&1
out=$(call Charge sstt rc-lim.service misc/sev 1 1 2>&1)
[[ $out == *LimitExceeded* || $out == *"max 0 reached"* ]] || fail "the charge over MiscMax=sev:0 is refused" "$out"
journal_has() {  # UNIT MESSAGE_ID TEXT
        local t
        t=$(IN journalctl -u "$1" MESSAGE_ID="$2" -o cat --no-pager) && grep -qF -- "$3" <<<"$t"
}
if poll "$WAIT" journal_has rc-vml.service 9a1cb306335c4a64b4139e3c22efc9e2 \
        "rc-vml.service: refused a charge of 1 misc/sev: systemd knows no such unit (not loaded, no unit file); close names: "; then
        pass "journalctl -u rc-vml.service shows the refusal, with its MESSAGE_ID"
else
        fail "journalctl -u rc-vml.service shows the refusal" "$(IN journalctl -u rc-vml.service -o verbose --no-pager 2>&1 | tail -20)" \
                "$(IN journalctl -u resctld --no-pager -n 10 -o cat 2>&1)"
fi
if poll "$WAIT" journal_has rc-lim.service ba1dc5871b08453ba70644c77d5206be \
        "rc-lim.service: refused a charge of 1 misc/sev: rc-lim.service: misc/sev max 0 reached"; then
        pass "journalctl -u rc-lim.service shows the limit refusal, with its MESSAGE_ID"
else
        fail "journalctl -u rc-lim.service shows the limit refusal" "$(IN journalctl -u rc-lim.service -o verbose --no-pager 2>&1 | tail -20)"
fi
# The explanation's lines start with "░░ " (or "-- " without UTF-8).
x=$(IN journalctl -u rc-vml.service -x --no-pager 2>&1)
if grep -qF -- 'Subject: A charge on rc-vml.service was refused: systemd knows no such unit' <<<"$x" &&
        grep -qF 'set the Charge flag 0x2' <<<"$x"; then
        pass "journalctl -x explains the refusal from the catalog"
else
        fail "journalctl -x explains the refusal from the catalog" "$x"
fi
x=$(IN journalctl -u rc-lim.service -x --no-pager 2>&1)
if grep -qF -- 'Subject: A charge of misc/sev for rc-lim.service was refused' <<<"$x"; then
        pass "journalctl -x explains the limit refusal"
else
        fail "journalctl -x explains the limit refusal" "$x"
fi
IN systemctl stop rc-lim.service
