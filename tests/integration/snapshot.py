#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Print everything resctld shows, deterministically, for before/after
comparisons: ListResources, ListGroups, ListCharges, every interface file
of every group (ReadFile; the error name where there is none) and every
org.resctl.Group property.

usage: snapshot.py [--no-peaks] [--no-events] [--no-refused] [--refused-only] [EXTRA_GROUP...]
Extra groups are read too even if they are not listed (they must then read
as defaults). --no-peaks leaves out peaks (misc.peak, Peak, the peak column
of ListResources), --no-events the event counters (misc.events*, Events,
EventsLocal), --no-refused the refused column of ListResources;
--refused-only prints just that column."""

import sys

import dbus

import dbusfmt

FILES = ["misc.capacity", "misc.max", "misc.current", "misc.peak", "misc.events", "misc.events.local",
         "rdma.max", "rdma.current", "dmem.capacity", "dmem.current", "dmem.min", "dmem.low", "dmem.max"]


def fmt(v):
    return dbusfmt.fmt(v, quote=True)


def main():
    args = sys.argv[1:]
    no_peaks = "--no-peaks" in args
    no_refused = "--no-refused" in args
    no_events = "--no-events" in args
    refused_only = "--refused-only" in args
    extra = [a for a in args if not a.startswith("--")]
    bus = dbus.SystemBus()
    obj = bus.get_object("org.resctl.Manager", "/org/resctl/Manager", introspect=False)
    mgr = dbus.Interface(obj, "org.resctl.Manager")
    resources = [list(r) for r in mgr.ListResources()]
    if refused_only:
        print("refused", fmt([[r[0], r[4]] for r in resources]))
        return
    for r in resources:
        if no_peaks:
            r[3] = "-"
        if no_refused:
            r[4] = "-"
    print("resources", fmt(resources))
    groups = mgr.ListGroups()
    print("groups", fmt(groups))
    print("charges", fmt(mgr.ListCharges("")))
    names = [str(g[0]) for g in groups] + [g for g in extra if g not in [str(x[0]) for x in groups]]
    for name in names:
        for f in FILES:
            if no_peaks and f == "misc.peak":
                continue
            if no_events and f.startswith("misc.events"):
                continue
            try:
                text = mgr.ReadFile(name, f)
                print("file", name, f, repr(str(text)))
            except dbus.exceptions.DBusException as e:
                print("file", name, f, "error", e.get_dbus_name())
    for g in groups:
        o = bus.get_object("org.resctl.Manager", g[2], introspect=False)
        props = dbus.Interface(o, "org.freedesktop.DBus.Properties").GetAll("org.resctl.Group")
        for k in sorted(props):
            if no_peaks and k == "Peak":
                continue
            if no_events and k in ("Events", "EventsLocal"):
                continue
            print("prop", str(g[0]), k, fmt(props[k]))


if __name__ == "__main__":
    main()
