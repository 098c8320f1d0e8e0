#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Record D-Bus signals, one line each, in OUTFILE:

  Member|arg1|arg2|...

Strings are written as they are, numbers in decimal, booleans as
true/false, arrays as [a,b], dicts as {k=v,k=v} (sorted by key). For
PropertiesChanged the line is
  PropertiesChanged|<path>|<interface>|{Prop={...},...}|[invalidated]

The match rules are added (synchronously) before "READY" is written to
stdout, so whatever happens after that is seen.

usage: sigcatch.py OUTFILE [MATCH_RULE...]
Default rules: the org.resctl.Manager interface, PropertiesChanged under
/org/resctl, polkit's Changed, and the test marker interface
org.resctl.Test."""

import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

DEFAULT_RULES = [
    "type='signal',interface='org.resctl.Manager'",
    "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',path_namespace='/org/resctl'",
    "type='signal',interface='org.freedesktop.PolicyKit1.Authority',member='Changed'",
    "type='signal',interface='org.resctl.Test'",
]


from dbusfmt import fmt


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = open(sys.argv[1], "a", buffering=1)
    rules = sys.argv[2:] or DEFAULT_RULES
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()

    def on_message(bus_, msg):
        if msg.get_type() != 4:         # DBUS_MESSAGE_TYPE_SIGNAL
            return
        member = msg.get_member()
        if member in ("NameAcquired", "NameLost") and msg.get_interface() == "org.freedesktop.DBus":
            return
        args = msg.get_args_list()
        if member == "PropertiesChanged":
            line = "|".join(["PropertiesChanged", msg.get_path()] + [fmt(a) for a in args])
        else:
            line = "|".join([member] + [fmt(a) for a in args])
        out.write(line.replace("\n", "\\n") + "\n")
        out.flush()

    bus.add_message_filter(on_message)
    for r in rules:
        bus.add_match_string(r)         # blocking AddMatch: done when it returns
    # A round trip through the bus driver: every match is in place.
    bus.get_unique_name()
    dbus.Interface(bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
                   "org.freedesktop.DBus").GetId()
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
