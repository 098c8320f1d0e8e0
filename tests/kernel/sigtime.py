#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""sigtime.py OUTFILE: write each org.resctl.Manager signal to OUTFILE as
"<CLOCK_BOOTTIME seconds> Member|arg|arg...", the clock /proc/uptime shows,
so that the guest's checks can tell when a signal arrived without polling
for it. Prints READY once the match is in place."""

import sys
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib


def fmt(v):
    if isinstance(v, (dbus.Array, dbus.Struct, list, tuple)):
        return "[" + ",".join(fmt(x) for x in v) + "]"
    if isinstance(v, int) and not isinstance(v, dbus.Boolean):
        return str(int(v))
    return str(v)


def main():
    out = open(sys.argv[1], "a", buffering=1)
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()

    def on_message(bus_, msg):
        if msg.get_type() != 4 or msg.get_interface() != "org.resctl.Manager":
            return
        t = time.clock_gettime(time.CLOCK_BOOTTIME)
        out.write("%.3f %s\n" % (t, "|".join([msg.get_member()] + [fmt(a) for a in msg.get_args_list()])))

    bus.add_match_string("type='signal',interface='org.resctl.Manager'")
    bus.add_message_filter(on_message)
    print("READY", flush=True)
    GLib.MainLoop().run()


main()
