#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A small org.resctl.Manager client for the system tier (runs inside the
container, usually as a systemd unit so that group "" is that unit).

  client.py hold GROUP KEY AMOUNT       Charge (owned by this process), print
                                        "ok ID", then stay alive holding it
  client.py charge GROUP KEY AMOUNT     Charge once: "ok ID" or
                                        "error ERROR.NAME message"; exits 0
                                        either way (the answer is the output)
  client.py wait-signal MEMBER SECONDS  Print "READY" once listening, then the
                                        first MEMBER signal of org.resctl.Manager
                                        as "MEMBER|arg|arg...", or "timeout"
"""

import signal
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib


def manager(bus):
    return dbus.Interface(bus.get_object("org.resctl.Manager", "/org/resctl/Manager"),
                          "org.resctl.Manager")


def charge(group, key, amount):
    bus = dbus.SystemBus()
    try:
        cid = manager(bus).Charge(group, key, dbus.UInt64(int(amount)), dbus.UInt64(0))
        return True, "ok %d" % cid
    except dbus.DBusException as e:
        return False, "error %s %s" % (e.get_dbus_name(), e.get_dbus_message())


def main(argv):
    if len(argv) == 5 and argv[1] == "hold":
        ok, text = charge(argv[2], argv[3], argv[4])
        print(text, flush=True)
        if not ok:
            return 1
        while True:
            signal.pause()
    if len(argv) == 5 and argv[1] == "charge":
        print(charge(argv[2], argv[3], argv[4])[1], flush=True)
        return 0
    if len(argv) == 4 and argv[1] == "wait-signal":
        dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
        bus = dbus.SystemBus()
        loop = GLib.MainLoop()
        result = ["timeout"]

        def on_signal(*args, **kw):
            result[0] = "|".join([argv[2]] + [str(a) for a in args])
            loop.quit()

        bus.add_signal_receiver(on_signal, signal_name=argv[2], dbus_interface="org.resctl.Manager")
        # add_signal_receiver's AddMatch is asynchronous: a round trip to
        # the bus makes sure it is in place before READY.
        bus.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "GetId", "", [])
        print("READY", flush=True)
        GLib.timeout_add(int(float(argv[3]) * 1000), loop.quit)
        loop.run()
        print(result[0], flush=True)
        return 0 if result[0] != "timeout" else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
