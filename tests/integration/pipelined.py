#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sends N calls of one method at once on one connection (they reach
resctld while the first is still with polkit) and prints one line per
distinct outcome, sorted: "N OK" or "N ERROR <name>".

usage: pipelined.py N METHOD SIGNATURE ARGS..."""

import collections
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
dc = __import__("dbus-call")


def main():
    n, method, sig, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    obj = bus.get_object("org.resctl.Manager", "/org/resctl/Manager", introspect=False)
    pending = collections.deque(args)
    values = [dc.conv(t, pending) for t in dc.split_types(sig)]
    outcomes = collections.Counter()
    loop = GLib.MainLoop()

    def done(outcome):
        outcomes[outcome] += 1
        if sum(outcomes.values()) == n:
            loop.quit()

    for _ in range(n):
        obj.get_dbus_method(method, "org.resctl.Manager")(
            *values, signature=sig, timeout=60,
            reply_handler=lambda *a: done("OK"),
            error_handler=lambda e: done("ERROR " + e.get_dbus_name()))
    loop.run()
    for k in sorted(outcomes):
        print("%d %s" % (outcomes[k], k))


if __name__ == "__main__":
    main()
