#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Call a D-Bus method with busctl-style arguments and report the D-Bus
error NAME, which busctl does not print.

usage: dbus-call.py [--dest D] [--path P] [--iface I] [--raw] [--timeout S]
                    METHOD [SIGNATURE [ARGS...]]

Arguments follow busctl's syntax: basic types take one word, "a" takes a
count then the elements, "(..)" takes its fields in turn, "v" takes a
signature then the value, "a{..}" takes a count then key/value pairs.

Success: exit 0 and print "OK" then each return value as JSON on its own
line (--raw: print the single string result byte-for-byte, nothing else).
D-Bus error: exit 1 and print "ERROR <name>" then the message on one line.
Non-interactive: the call does not allow interactive authorization."""

import collections
import json
import sys

import dbus

BASIC = {
    "y": dbus.Byte, "n": dbus.Int16, "q": dbus.UInt16, "i": dbus.Int32,
    "u": dbus.UInt32, "x": dbus.Int64, "t": dbus.UInt64, "d": dbus.Double,
    "s": dbus.String, "o": dbus.ObjectPath, "g": dbus.Signature,
}


def end_of_type(sig, i):
    c = sig[i]
    if c == "a":
        return end_of_type(sig, i + 1)
    if c in "({":
        close = ")" if c == "(" else "}"
        depth = 0
        for j in range(i, len(sig)):
            if sig[j] == c:
                depth += 1
            elif sig[j] == close:
                depth -= 1
                if depth == 0:
                    return j + 1
        raise ValueError("unbalanced signature " + sig)
    return i + 1


def split_types(sig):
    out, i = [], 0
    while i < len(sig):
        j = end_of_type(sig, i)
        out.append(sig[i:j])
        i = j
    return out


def conv(t, args):
    c = t[0]
    if c == "a":
        n = int(args.popleft())
        elem = t[1:]
        if elem[0] == "{":
            kt, vt = split_types(elem[1:-1])
            d = {}
            for _ in range(n):
                k = conv(kt, args)
                d[k] = conv(vt, args)
            return dbus.Dictionary(d, signature=elem[1:-1])
        return dbus.Array([conv(elem, args) for _ in range(n)], signature=elem)
    if c == "(":
        return dbus.Struct([conv(x, args) for x in split_types(t[1:-1])], signature=t[1:-1])
    if c == "v":
        inner = args.popleft()
        return conv(inner, args)        # dbus-python wraps typed objects as is
    if c == "b":
        v = args.popleft().lower()
        if v not in ("true", "false", "yes", "no", "1", "0", "on", "off"):
            raise ValueError("bad boolean " + v)
        return dbus.Boolean(v in ("true", "yes", "1", "on"))
    v = args.popleft()
    if c in "ynqiuxt":
        return BASIC[c](int(v, 0))
    if c == "d":
        return dbus.Double(float(v))
    return BASIC[c](v)


def plain(v):
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.Dictionary, dict)):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (dbus.Array, dbus.Struct, list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, (int,)):
        return int(v)
    if isinstance(v, float):
        return float(v)
    return str(v)


def main():
    argv = sys.argv[1:]
    dest, path, iface, raw, timeout = "org.resctl.Manager", "/org/resctl/Manager", "org.resctl.Manager", False, 25.0
    while argv and argv[0].startswith("--"):
        o = argv.pop(0)
        if o == "--raw":
            raw = True
        elif o == "--dest":
            dest = argv.pop(0)
        elif o == "--path":
            path = argv.pop(0)
        elif o == "--iface":
            iface = argv.pop(0)
        elif o == "--timeout":
            timeout = float(argv.pop(0))
        else:
            sys.exit("dbus-call.py: unknown option " + o)
    if not argv:
        sys.exit(__doc__)
    method = argv.pop(0)
    sig = argv.pop(0) if argv else ""
    args = collections.deque(argv)
    values = [conv(t, args) for t in split_types(sig)]
    if args:
        sys.exit("dbus-call.py: %d argument(s) left over" % len(args))
    bus = dbus.SystemBus()
    try:
        res = bus.call_blocking(dest, path, iface, method, sig, values, timeout=timeout)
    except dbus.exceptions.DBusException as e:
        msg = e.get_dbus_message() or ""
        print("ERROR " + (e.get_dbus_name() or "?"))
        print(msg.replace("\n", "\\n"))
        sys.stdout.flush()
        sys.exit(1)
    if raw:
        if not isinstance(res, str):
            sys.exit("dbus-call.py: --raw needs a single string result")
        sys.stdout.buffer.write(str(res).encode("utf-8"))
        return
    if res is None:
        res = ()
    elif not isinstance(res, tuple) or isinstance(res, dbus.Struct):
        res = (res,)
    print("OK")
    for v in res:
        print(json.dumps(plain(v)))


if __name__ == "__main__":
    main()
