# SPDX-License-Identifier: LGPL-2.1-or-later
"""A D-Bus value as one line of text, the same every time: what sigcatch.py
records and snapshot.py prints. quote=True writes strings as Python
literals (snapshot.py: every string is quoted, so "" and an absent value
differ)."""

import dbus


def fmt(v, quote=False):
    if isinstance(v, dbus.Boolean):
        return "true" if v else "false"
    if isinstance(v, (dbus.Dictionary, dict)):
        return "{" + ",".join("%s=%s" % (fmt(k, quote), fmt(x, quote))
                              for k, x in sorted(v.items(), key=lambda kv: str(kv[0]))) + "}"
    if isinstance(v, (dbus.Array, dbus.Struct, list, tuple)):
        return "[" + ",".join(fmt(x, quote) for x in v) + "]"
    if isinstance(v, int):
        return str(int(v))
    return repr(str(v)) if quote else str(v)
