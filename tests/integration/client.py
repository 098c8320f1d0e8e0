#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A long-lived bus client driven line by line on stdin; one answer line
per command on stdout. It is the process that owns charges made with
flags 0.

Commands (busctl-style arguments, as dbus-call.py takes them):
  call METHOD SIGNATURE ARGS...   -> "OK <json results>" or "ERROR <name> <message>"
  pid                             -> "PID <pid>"
  exit                            -> exits (so does end of input)

Started as "client.py", it prints "READY <pid>" once connected.

"client.py --orphan": the process that connected forks and exits; its
child goes on with the connection it inherited (a connection whose process
has exited). "READY <pid>" then names the process that connected, and is
printed once it has exited; "pid" answers with the child's."""

import collections
import json
import os
import select
import shlex
import sys

import dbus

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
dc = __import__("dbus-call")


def orphan():
    """Fork; the parent (the connected process) exits, the child returns
    once it has (pidfd), with the parent's pid."""
    parent = os.getpid()
    fd = os.pidfd_open(parent)
    if os.fork() != 0:
        os._exit(0)
    select.select([fd], [], [], 30)
    os.close(fd)
    return parent


def main():
    bus = dbus.SystemBus()
    out = sys.stdout
    ready = orphan() if sys.argv[1:] == ["--orphan"] else os.getpid()
    out.write("READY %d\n" % ready)
    out.flush()
    for line in sys.stdin:
        words = shlex.split(line)
        if not words:
            continue
        if words[0] == "exit":
            break
        if words[0] == "pid":
            out.write("PID %d\n" % os.getpid())
        elif words[0] == "call":
            method, sig = words[1], words[2] if len(words) > 2 else ""
            args = collections.deque(words[3:])
            try:
                values = [dc.conv(t, args) for t in dc.split_types(sig)]
                res = bus.call_blocking("org.resctl.Manager", "/org/resctl/Manager", "org.resctl.Manager", method,
                                        sig, values, timeout=25)
                if res is None:
                    res = ()
                elif not isinstance(res, tuple) or isinstance(res, dbus.Struct):
                    res = (res,)
                out.write("OK " + json.dumps([dc.plain(v) for v in res]) + "\n")
            except dbus.exceptions.DBusException as e:
                out.write("ERROR %s %s\n" % (e.get_dbus_name(), (e.get_dbus_message() or "").replace("\n", " ")))
        else:
            out.write("ERROR usage unknown command\n")
        out.flush()


if __name__ == "__main__":
    main()
