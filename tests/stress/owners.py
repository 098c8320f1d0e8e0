#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""owners.py N GROUP KEY: N processes that each own one charge (flags 0) of
KEY in GROUP and stay alive, as cheaply as a process can: each is forked,
speaks D-Bus on a socket of its own (the bare protocol: no library state to
fork), takes its charge and then execs sleep(1) with the connection's
socket still open, so that the connection and the owner live on.

Prints "charged=N" and, for each distinct refusal, "error=<count> <name>
<message>"; then "pids=<pid>,..." of the sleeping owners (kill them to
release the charges). DBUS_SYSTEM_BUS_ADDRESS names the bus."""

import os
import re
import socket
import struct
import sys

BATCH = 64


def pad(buf, n):
    buf.extend(b"\0" * (-len(buf) % n))


def put_str(buf, s, sigchar):
    b = s.encode()
    if sigchar == "g":
        buf.append(len(b))
    else:
        pad(buf, 4)
        buf.extend(struct.pack("<I", len(b)))
    buf.extend(b + b"\0")


def message(serial, dest, path, iface, member, sig, body):
    fields = bytearray()
    for code, t, v in ((1, "o", path), (2, "s", iface), (3, "s", member), (6, "s", dest), (8, "g", sig)):
        if v is None:
            continue
        pad(fields, 8)
        fields.append(code)
        fields.extend(bytes([1]) + t.encode() + b"\0")
        put_str(fields, v, t)
    head = bytearray(b"l\x01\x00\x01" + struct.pack("<III", len(body), serial, len(fields)))
    head.extend(fields)
    pad(head, 8)
    return bytes(head) + bytes(body)


def read_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise EOFError("bus closed the connection")
        out += chunk
    return out


def read_message(s):
    """(type, reply_serial, error_name, body)"""
    fixed = read_exact(s, 16)
    mtype = fixed[1]
    body_len, _, fields_len = struct.unpack("<III", fixed[4:16])
    rest = read_exact(s, fields_len + (-(16 + fields_len) % 8) + body_len)
    fields = fixed[12:16] + rest[:fields_len]
    body = rest[len(rest) - body_len:]
    i, reply_serial, err = 4, None, None
    base = 12
    while i < 4 + fields_len:
        i += -(base + i) % 8
        code = fields[i]
        slen = fields[i + 1]
        t = fields[i + 2:i + 2 + slen].decode()
        i += 3 + slen
        if t in ("s", "o"):
            i += -(base + i) % 4
            n = struct.unpack("<I", fields[i:i + 4])[0]
            v = fields[i + 4:i + 4 + n].decode()
            i += 5 + n
        elif t == "g":
            n = fields[i]
            v = fields[i + 1:i + 1 + n].decode()
            i += 2 + n
        elif t == "u":
            i += -(base + i) % 4
            v = struct.unpack("<I", fields[i:i + 4])[0]
            i += 4
        else:
            raise ValueError("unexpected header field type " + t)
        if code == 5:
            reply_serial = v
        elif code == 4:
            err = v
    return mtype, reply_serial, err, body


def call(s, serial, *args):
    s.sendall(message(serial, *args))
    while True:
        mtype, rs, err, body = read_message(s)
        if mtype in (2, 3) and rs == serial:
            return mtype, err, body


def owner(group, key, out):
    addr = os.environ["DBUS_SYSTEM_BUS_ADDRESS"]
    path = dict(kv.split("=", 1) for kv in addr.split(":", 1)[1].split(","))["path"]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
    line = b""
    while not line.endswith(b"\r\n"):
        line += s.recv(1)
    if not line.startswith(b"OK"):
        raise RuntimeError("auth: " + line.decode())
    s.sendall(b"BEGIN\r\n")
    call(s, 1, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", None, b"")
    body = bytearray()
    put_str(body, group, "s")
    put_str(body, key, "s")
    pad(body, 8)
    body.extend(struct.pack("<QQ", 1, 0))
    mtype, err, rbody = call(s, 2, "org.resctl.Manager", "/org/resctl/Manager", "org.resctl.Manager", "Charge",
                             "sstt", body)
    if mtype == 2:
        os.write(out, b"OK\n")
    else:
        n = struct.unpack("<I", rbody[:4])[0] if len(rbody) >= 4 else 0
        msg = rbody[4:4 + n].decode(errors="replace")
        os.write(out, ("ERROR %s %s\n" % (err, msg.replace("\n", " "))).encode())
    os.close(out)
    os.set_inheritable(s.fileno(), True)
    os.execv("/bin/sleep", ["sleep", "600"])


def main():
    n, group, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    pids, charged, errors = [], 0, {}
    left = n
    while left > 0:
        batch = min(BATCH, left)
        left -= batch
        pipes = []
        for _ in range(batch):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                try:
                    owner(group, key, w)
                except Exception as e:  # noqa: BLE001 - reported, then this child ends
                    os.write(w, ("ERROR exception %s\n" % e).encode())
                os._exit(1)
            os.close(w)
            pids.append(pid)
            pipes.append(r)
        for r in pipes:
            with os.fdopen(r) as f:
                line = f.readline().strip() or "ERROR exited without an answer"
            if line == "OK":
                charged += 1
            else:
                # Counted by kind: the connection's name and pid vary.
                kind = re.sub(r":1\.[0-9]+", ":1.N", re.sub(r"\b[0-9]{2,}\b", "N", line[6:]))
                errors[kind] = errors.get(kind, 0) + 1
    print("charged=%d" % charged)
    for e, c in sorted(errors.items()):
        print("error=%d %s" % (c, e))
    print("pids=" + ",".join(map(str, pids)))
    sys.stdout.flush()
    # The sleeping owners are our children: reap them when killed.
    os.close(1)
    for pid in pids:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
