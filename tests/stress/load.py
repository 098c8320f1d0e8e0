#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The load test's driver (run by test-load.sh, which owns the bus, polkitd
and resctld).

usage: load.py run CLIENTS CALLS SEED
         CLIENTS stress-client.py processes in load mode, CALLS mixed calls
         each, all connected before any begins, then
         prints name=value lines: calls, seconds, calls_per_second, the
         count of each error name, and unexpected_errors (any error but
         LimitExceeded and CapacityExceeded).
       load.py settle
         after the clients exited: waits (on ChargeReleased signals) until
         no charge of a dead process is left, then uncharges every PERSIST
         charge; prints charges_left= and the usage left at the root.
       load.py heap
         resctld's heap from malloc_info(3) (GetMallocInfo of
         org.freedesktop.MemoryAllocation1): heap_in_use_bytes= (what it
         keeps allocated) and heap_system_bytes= (what the allocator holds)."""

import json
import os
import subprocess
import sys
import time

import dbus

HERE = os.path.dirname(os.path.abspath(__file__))
DEST, PATH, IFACE = "org.resctl.Manager", "/org/resctl/Manager", "org.resctl.Manager"
EXPECTED = {"org.resctl.Error.LimitExceeded", "org.resctl.Error.CapacityExceeded"}


def run(n, calls, seed):
    # Every client connects first; then all start together.
    procs = []
    for i in range(n):
        p = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "stress-client.py"), "load", str(i), seed,
                              str(calls)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        procs.append(p)
    for p in procs:
        line = p.stdout.readline().decode()
        if not line.startswith("READY "):
            sys.exit("load.py: a client did not start: %r" % line)
    t0 = time.monotonic()
    for p in procs:
        p.stdin.write(b"go\n")
        p.stdin.close()
    total, errors, failed = 0, {}, 0
    for p in procs:
        out = p.stdout.read().decode()
        p.wait()
        res = None
        for line in out.splitlines():
            if line.startswith("RESULT "):
                res = json.loads(line[7:])
        if p.returncode != 0 or res is None:
            failed += 1
            continue
        total += res["calls"]
        for k, v in res["errors"].items():
            errors[k] = errors.get(k, 0) + v
    elapsed = time.monotonic() - t0
    print("clients=%d" % n)
    print("clients_failed=%d" % failed)
    print("calls=%d" % total)
    print("seconds=%.2f" % elapsed)
    print("calls_per_second=%.0f" % (total / elapsed))
    for k in sorted(errors):
        print("errors_%s=%d" % (k.rsplit(".", 1)[-1], errors[k]))
    print("unexpected_errors=%d" % sum(v for k, v in errors.items() if k not in EXPECTED))


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def settle():
    from dbus.mainloop.glib import DBusGMainLoop
    from gi.repository import GLib
    bus = dbus.SystemBus(private=True, mainloop=DBusGMainLoop())
    mgr = dbus.Interface(bus.get_object(DEST, PATH, introspect=False), IFACE)
    loop = GLib.MainLoop()
    bus.add_signal_receiver(lambda *a: loop.quit(), "ChargeReleased", IFACE, None, PATH)
    deadline = time.monotonic() + 60
    while True:
        # The match is in place before this call returns (same connection).
        orphans = [c for c in mgr.ListCharges("") if int(c[4]) != 0 and not alive(int(c[4]))]
        if not orphans or time.monotonic() > deadline:
            break
        GLib.timeout_add_seconds(5, loop.quit)
        loop.run()                          # until the next release (or 5 s)
    print("orphans_left=%d" % len(orphans))
    for c in mgr.ListCharges(""):
        if int(c[5]) & 1:
            mgr.Uncharge(dbus.UInt64(c[0]), dbus.UInt64(0))
    print("charges_left=%d" % len(mgr.ListCharges("")))
    print("root_usage_left=%d" % sum(int(r[2]) for r in mgr.ListResources()))


def heap():
    import xml.etree.ElementTree as ET
    bus = dbus.SystemBus(private=True)
    obj = bus.get_object(DEST, "/org/freedesktop/MemoryAllocation1", introspect=False)
    fd = obj.GetMallocInfo(dbus_interface="org.freedesktop.MemoryAllocation1").take()
    with os.fdopen(fd, "rb") as f:
        root = ET.fromstring(f.read())
    # The totals over all arenas are the <total>/<system> children of the
    # root; free = the fast bins + the rest (bins and the top chunk).
    total = {t.get("type"): int(t.get("size")) for t in root.findall("total")}
    system = {t.get("type"): int(t.get("size")) for t in root.findall("system")}
    print("heap_in_use_bytes=%d" % (system["current"] - total["fast"] - total["rest"] + total["mmap"]))
    print("heap_system_bytes=%d" % (system["current"] + total["mmap"]))


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "run":
        run(int(a[1]), int(a[2]), a[3])
    elif a == ["settle"]:
        settle()
    elif a == ["heap"]:
        heap()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
