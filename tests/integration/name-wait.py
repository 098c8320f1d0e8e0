#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Wait until a bus name is owned or has no owner, by NameOwnerChanged.

usage: name-wait.py NAME owned|gone TIMEOUT_SECONDS
Exit 0 when the state is reached, 1 on timeout."""

import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("owned", "gone"):
        sys.exit(__doc__)
    name, want, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    loop = GLib.MainLoop()
    result = {"ok": False}

    def reached(has_owner):
        return has_owner == (want == "owned")

    def on_change(n, old, new):
        if reached(bool(new)):
            result["ok"] = True
            loop.quit()

    # Subscribe first, then look: no change can fall in between.
    bus.add_signal_receiver(on_change, "NameOwnerChanged", "org.freedesktop.DBus", "org.freedesktop.DBus",
                            "/org/freedesktop/DBus", arg0=name)
    drv = dbus.Interface(bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"), "org.freedesktop.DBus")
    if reached(bool(drv.NameHasOwner(name))):
        return 0
    GLib.timeout_add(int(timeout * 1000), loop.quit)
    loop.run()
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
