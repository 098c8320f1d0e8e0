# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# A booted systemd container for the system tier and bench/systemd-load.sh.
#
# An overlayfs whose lower layer is / and whose upper layer is a tmpfs is
# booted with systemd-nspawn; every write lands in the tmpfs, never on the
# host. The caller runs in a mount namespace of its own (unshare --mount),
# so the mounts go away with it even if machine_teardown never runs.
#
#   machine_overlay         $T: the tmpfs, overlay on $T/root (1: cannot)
#   machine_boot SRC [ARG]  boots it (again after a reboot) with SRC bound
#                           read-only at /resctl-src, ARGs passed to nspawn;
#                           sets NSPAWN_PID, SD_PID, MACHINE_STATE (running
#                           or degraded), BOOT_SECONDS; 1 with MACHINE_ERR
#   IN CMD...               runs CMD in the container's namespaces
#   machine_meson_install   builds /resctl-src in the container, installs it
#                           with --prefix=/usr (log in $T/build.log)
#   machine_teardown        powers the container off, unmounts $T
#
# And for counting what a bus peer asks of systemd:
#
#   sd_monitor_start NAME   busctl monitor of method calls from NAME's owner
#                           to org.freedesktop.systemd1 into $T/sd-calls.log
#   sd_calls                how many it has recorded so far
#   sd_monitor_stop
#   sd_calls_settle N       polls until the count stays the same over two
#                           1 s looks, at most N s; 1 if it never did

BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
NSPAWN_PID=
SD_PID=
T=
MACHINE_STATE=
MACHINE_ERR=
SD_MONITOR_PID=
SD_OWNER=

IN() {
        nsenter -t "$SD_PID" -a env -u DBUS_SYSTEM_BUS_ADDRESS -u DBUS_SESSION_BUS_ADDRESS \
                -u NOTIFY_SOCKET -u LISTEN_FDS -u LISTEN_PID "$@"
}

machine_overlay() {
        T=$(mktemp -d /tmp/resctl-system.XXXXXX)
        if ! mount -t tmpfs -o mode=0755 resctl-system "$T"; then
                rmdir "$T"
                T=
                MACHINE_ERR="cannot mount a tmpfs"
                return 1
        fi
        mkdir -p "$T/upper" "$T/work" "$T/root"
        if ! mount -t overlay resctl-system -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$T/root"; then
                MACHINE_ERR="cannot mount an overlayfs over /"
                return 1
        fi
        # The services, sockets and timers the host enabled (databases,
        # exporters, apt's timers, ...) are of no use in the container, and
        # some cannot start beside the host's own (the network is shared)
        # and keep the boot from ending: masked in the overlay.
        local w
        for w in "$T"/root/etc/systemd/system/*.wants/*.{service,socket,timer}; do
                [[ -L $w || -e $w ]] && ln -sfn /dev/null "$T/root/etc/systemd/system/$(basename "$w")"
        done
        return 0
}

machine_boot() {
        local src=$1 c start=$SECONDS
        shift
        SD_PID=
        MACHINE_STATE=
        # The source tree is bound in: the container mounts its own /tmp
        # (and the tree may live there).
        systemd-nspawn --quiet --directory="$T/root" --boot --register=no --keep-unit \
                --machine="resctl-sys$$" --bind-ro="$src:/resctl-src" "$@" \
                -- systemd.firstboot=off </dev/null >>"$T/console.log" 2>&1 &
        NSPAWN_PID=$!
        # The container's PID 1 is nspawn's child once it runs systemd.
        while ((SECONDS - start < BOOT_TIMEOUT)); do
                kill -0 "$NSPAWN_PID" 2>/dev/null || break
                for c in $(ps -o pid= --ppid "$NSPAWN_PID"); do
                        [[ $(cat "/proc/$c/comm" 2>/dev/null) == systemd ]] && SD_PID=$c
                done
                [[ -n $SD_PID ]] && break
                sleep 0.1
        done
        if [[ -z $SD_PID ]]; then
                MACHINE_ERR="systemd does not run in the container: $(tail -n 20 "$T/console.log")"
                return 1
        fi
        # is-system-running --wait returns once the boot is done; before
        # systemd's private socket is up it fails at once, so ask again.
        while ((SECONDS - start < BOOT_TIMEOUT)); do
                MACHINE_STATE=$(IN timeout $((BOOT_TIMEOUT - (SECONDS - start) + 1)) \
                        systemctl is-system-running --wait 2>/dev/null)
                BOOT_SECONDS=$((SECONDS - start))
                [[ $MACHINE_STATE == running || $MACHINE_STATE == degraded ]] && return 0
                sleep 0.2
        done
        MACHINE_ERR="the container did not finish booting: state '$MACHINE_STATE'"
        return 1
}

machine_meson_install() {
        local b=/var/tmp/resctl-build
        IN meson setup "$b" /resctl-src --prefix=/usr --buildtype=debugoptimized >"$T/build.log" 2>&1 &&
                IN ninja -C "$b" >>"$T/build.log" 2>&1 && IN meson install -C "$b" --quiet >>"$T/build.log" 2>&1
}

machine_teardown() {
        local i
        sd_monitor_stop
        if [[ -n $SD_PID && -n $NSPAWN_PID ]] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
                # SIGRTMIN+4 asks systemd to power off.
                kill -s RTMIN+4 "$SD_PID" 2>/dev/null
                for ((i = 0; i < 300; i++)); do
                        kill -0 "$NSPAWN_PID" 2>/dev/null || break
                        sleep 0.1
                done
                if kill -0 "$NSPAWN_PID" 2>/dev/null; then
                        echo "# the container did not power off in 30 s: killing it"
                        kill -KILL "$NSPAWN_PID" 2>/dev/null
                fi
        fi
        [[ -n $NSPAWN_PID ]] && wait "$NSPAWN_PID" 2>/dev/null
        if [[ -n $T ]]; then
                umount "$T/root" 2>/dev/null || umount -l "$T/root" 2>/dev/null
                umount "$T" 2>/dev/null || umount -l "$T" 2>/dev/null
                rmdir "$T" 2>/dev/null
        fi
        return 0
}

# ---------------------------------------------------------------- calls to systemd

sd_monitor_start() {
        local i
        sd_monitor_stop
        SD_OWNER=$(IN busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
                GetNameOwner s "$1") || return 1
        SD_OWNER=${SD_OWNER#s \"}
        SD_OWNER=${SD_OWNER%\"}
        # One JSON object a line. Our own Ping to systemd is matched too: once
        # one shows, the monitor is in place.
        IN busctl monitor --json=short \
                --match "type='method_call',sender='$SD_OWNER',destination='org.freedesktop.systemd1'" \
                --match "type='method_call',destination='org.freedesktop.systemd1',interface='org.freedesktop.DBus.Peer',member='Ping'" \
                >"$T/sd-calls.log" 2>"$T/sd-monitor.err" &
        SD_MONITOR_PID=$!
        for ((i = 0; i < 100; i++)); do
                IN busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.DBus.Peer Ping \
                        >/dev/null 2>&1
                grep -q '"member":"Ping"' "$T/sd-calls.log" && return 0
                sleep 0.1
        done
        MACHINE_ERR="busctl monitor did not start: $(cat "$T/sd-monitor.err")"
        return 1
}

sd_calls() {
        grep -c "\"sender\":\"$SD_OWNER\"" "$T/sd-calls.log" 2>/dev/null || true
}

sd_monitor_stop() {
        if [[ -n $SD_MONITOR_PID ]]; then
                kill "$SD_MONITOR_PID" 2>/dev/null
                wait "$SD_MONITOR_PID" 2>/dev/null
                SD_MONITOR_PID=
        fi
        return 0
}

sd_calls_settle() {
        local n=$1 start=$SECONDS a b
        b=$(sd_calls)
        while ((SECONDS - start < n)); do
                sleep 1
                a=$b
                b=$(sd_calls)
                [[ $a == "$b" ]] && return 0
        done
        return 1
}

# ---------------------------------------------------------------- unit storms

# sd_storm_prepare: the template unit the storms start instances of (run
# it before counting: the daemon-reload makes every follower read again).
sd_storm_prepare() {
        IN sh -c 'printf "[Service]\nExecStart=/bin/sleep infinity\n" >/etc/systemd/system/rc-storm@.service' &&
                IN systemctl daemon-reload
}

# sd_storm TAG TRANSIENT TEMPLATE STATUS MISSING: starts and stops TRANSIENT
# transient services and TEMPLATE instances of rc-storm@.service, then runs
# systemctl status on STATUS stopped instances never started and on
# MISSING units that do not exist. Sets SD_CHANGES to the unit state
# changes asked for (a start or a stop each), SD_STORM_FAILED to the
# systemctl and systemd-run calls that failed, timed out (after 20 s each)
# or were not made, and SD_STORM_SKIPPED to those not made because the
# storm ran past SD_STORM_DEADLINE seconds (600).
sd_storm() {
        local tag=$1 i u start=$SECONDS
        SD_CHANGES=0
        SD_STORM_FAILED=0
        SD_STORM_SKIPPED=0
        # _storm CHANGES CMD...: runs CMD, which makes CHANGES unit state changes.
        _storm() {
                local n=$1
                shift
                if ((SECONDS - start >= ${SD_STORM_DEADLINE:-600})); then
                        SD_STORM_SKIPPED=$((SD_STORM_SKIPPED + 1))
                        return 1
                fi
                SD_CHANGES=$((SD_CHANGES + n))
                IN timeout 20 "$@" >/dev/null 2>&1
        }
        for ((i = 0; i < $2; i++)); do
                u=rc-$tag-t$i.service
                _storm 1 systemd-run --quiet --unit="$u" /bin/sleep infinity || SD_STORM_FAILED=$((SD_STORM_FAILED + 1))
                _storm 1 systemctl stop "$u" || SD_STORM_FAILED=$((SD_STORM_FAILED + 1))
        done
        for ((i = 0; i < $3; i++)); do
                u=rc-storm@$tag-i$i.service
                _storm 1 systemctl start "$u" || SD_STORM_FAILED=$((SD_STORM_FAILED + 1))
                _storm 1 systemctl stop "$u" || SD_STORM_FAILED=$((SD_STORM_FAILED + 1))
        done
        # status exits 3 for a stopped unit, 4 for a missing one.
        for ((i = 0; i < $4; i++)); do
                _storm 0 systemctl status --no-pager "rc-storm@$tag-s$i.service"
                [[ $? == 3 ]] || SD_STORM_FAILED=$((SD_STORM_FAILED + 1))
        done
        for ((i = 0; i < $5; i++)); do
                _storm 0 systemctl status --no-pager "rc-$tag-missing$i.service"
                [[ $? == 4 ]] || SD_STORM_FAILED=$((SD_STORM_FAILED + 1))
        done
        return 0
}
