#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The client side of test-disk-full.sh: PERSIST charges, uncharges and
resource changes against resctld while its state directory (a small tmpfs)
fills up and frees again.

usage: disk-full.py STATE_DIR ACKED_FILE

Prints TAP-like "ok"/"not ok" lines (the shell counts them) and writes the
ids of the PERSIST charges resctld acknowledged and did not uncharge to
ACKED_FILE, one per line, for the check after kill -9."""

import os
import subprocess
import sys
import time

import dbus

STATE_DIR, ACKED_FILE = sys.argv[1], sys.argv[2]
FILLER = os.path.join(STATE_DIR, "filler")
STORAGE_FAILED = "org.resctl.Error.StorageFailed"
KEY = "dmem/drm/0000:c1:00.0/vram0"        # the demo GPU: 16 GiB, room for every charge

bus = dbus.SystemBus()
mgr = dbus.Interface(bus.get_object("org.resctl.Manager", "/org/resctl/Manager"), "org.resctl.Manager")
failures = 0


def ok(cond, what):
    global failures
    print("%s - %s" % ("ok" if cond else "not ok", what), flush=True)
    if not cond:
        failures += 1
    return cond


def call(method, *args):
    """("OK", result) or ("ERROR", name, message)."""
    try:
        return ("OK", getattr(mgr, method)(*args, timeout=120))
    except dbus.DBusException as e:
        return ("ERROR", e.get_dbus_name(), e.get_dbus_message())


acked = set()           # PERSIST charges acknowledged and not uncharged


def persist_listed():
    return {int(c[0]) for c in mgr.ListCharges("") if int(c[5]) & 1}


def charge(group):
    r = call("Charge", group, KEY, dbus.UInt64(1), dbus.UInt64(1))
    if r[0] == "OK":
        acked.add(int(r[1]))
    return r


def fill():
    """Fills the file system of STATE_DIR up to the last byte."""
    fd = os.open(FILLER, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    for size in (65536, 4096, 512, 1):
        try:
            while True:
                os.write(fd, b"\0" * size)
        except OSError:
            pass
    os.close(fd)


# 1. Room on disk: everything works.
for i in range(20):
    r = charge("full-a.slice")
    if not ok(r[0] == "OK", "with room: Charge %d acknowledged (%r)" % (i, r[1:] if r[0] != "OK" else "")):
        break

# 2. Full: charges go on while the room resctld reserved ahead lasts, then
# are refused with StorageFailed; nothing else goes wrong.
fill()
ok(os.statvfs(STATE_DIR).f_bavail == 0, "the state directory's file system is full")
refused = None
n_full_ok = 0
for i in range(100000):
    r = charge("full-b.slice")
    if r[0] == "OK":
        n_full_ok += 1
        continue
    refused = r
    break
print("# acknowledged on the full file system before the first refusal: %d" % n_full_ok, flush=True)
ok(refused is not None and refused[1] == STORAGE_FAILED,
   "on a full disk, a Charge is refused with StorageFailed (%r)" % (refused[1:] if refused else "never refused",))
ok(refused is not None and refused[2] and "\n" not in refused[2], "with a one-line message: %s"
   % (refused[2] if refused else ""))
before = persist_listed()
ok(before == acked, "reads work, and ListCharges shows exactly the acknowledged charges (%d)" % len(acked))
victim = min(acked)
for method, args in (("Charge", ("full-c.slice", KEY, dbus.UInt64(1), dbus.UInt64(1))),
                     ("Uncharge", (dbus.UInt64(victim), dbus.UInt64(0))),
                     ("RegisterResource", ("misc/tdx", dbus.UInt64(5))),
                     ("WriteFile", ("full-a.slice", "misc.max", "sev 3")),
                     ("MigrateCharges", (dbus.Array([dbus.UInt64(victim)], "t"), "full-c.slice"))):
    r = call(method, *args)
    ok(r[0] == "ERROR" and r[1] == STORAGE_FAILED, "on a full disk, %s is refused with StorageFailed (%r)"
       % (method, r[1:]))
ok(persist_listed() == before, "nothing of the refused calls was applied")
ok(mgr.ReadFile("full-a.slice", "misc.max").startswith("sev max\n"), "the refused WriteFile changed nothing")
ok(not any(r[0] == "misc/tdx" for r in mgr.ListResources()), "the refused RegisterResource changed nothing")

# 3. Space returns: resctld accepts changes again by itself.
os.unlink(FILLER)
deadline = time.monotonic() + 20
while True:
    r = charge("full-d.slice")
    if r[0] == "OK" or time.monotonic() > deadline:
        break
    if r[1] != STORAGE_FAILED:
        break
    time.sleep(0.1)
ok(r[0] == "OK", "once space returns, a Charge is acknowledged again (%r)" % (r[1:] if r[0] != "OK" else "",))
r = call("Uncharge", dbus.UInt64(victim), dbus.UInt64(0))
if ok(r[0] == "OK", "and an Uncharge (%r)" % (r[1:] if r[0] != "OK" else "",)):
    acked.discard(victim)
for i in range(20):
    r = charge("full-d.slice")
    if not ok(r[0] == "OK", "after recovery: Charge %d acknowledged" % i):
        break
ok(persist_listed() == acked, "ListCharges shows exactly the acknowledged charges (%d)" % len(acked))

with open(ACKED_FILE, "w") as f:
    for i in sorted(acked):
        f.write("%d\n" % i)
sys.exit(1 if failures else 0)
