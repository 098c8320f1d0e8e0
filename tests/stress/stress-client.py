#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stress client: one process that issues random Charge, Uncharge,
MigrateCharges, WriteFile and SetUnitProperties calls (the load mode adds
reads) on the system bus. It is the owner of the charges it makes with
flags 0.

usage: stress-client.py crash INDEX SEED
       stress-client.py load INDEX SEED CALLS

crash mode: driven line by line on stdin by crash.py, every line it
writes on stdout is for crash.py:
  stdin  "state <json>"   the charges it holds ([id, group, key, amount,
                          flags], as the checker found them in resctld)
  stdin  "go"             issue calls until "stop" arrives
  stdin  "stop"           -> "PAUSED" once no call is in flight
  stdin  "exit"           exits (so does end of input)
  stdout "READY <pid>"    once connected
  stdout "S <seq> <json>" before a call is sent (the call, as JSON)
  stdout "R <seq> OK <json>" / "R <seq> ERR <name> <json message>" /
         "R <seq> UNKNOWN <name> <json message>"
                          its result: acknowledged, refused (not applied),
                          or lost with the daemon (maybe applied)
After an UNKNOWN (the daemon went away) it waits for "stop".

load mode: prints "READY <pid>" once connected (with STRESS_PRIME=1: after
calls that give each of its groups every limit entry and unit setting),
waits for a line on
stdin, makes CALLS calls, then prints one line "RESULT <json>" with the
calls made, the time taken and the count of each error name."""

import json
import os
import random
import select
import sys
import time

import dbus

DEST, PATH, IFACE = "org.resctl.Manager", "/org/resctl/Manager", "org.resctl.Manager"
U64MAX = 2**64 - 1
MIB = 1 << 20
REGION = "drm/0000:c1:00.0/vram0"
KEYS = ["misc/sev", "misc/sev_es", "dmem/" + REGION, "rdma/mlx5_0/hca_handle", "rdma/mlx5_0/hca_object"]
# Errors that say the call never reached resctld, or was refused: not applied.
# Errors that say resctld went away with the call: maybe applied.
MAYBE = {"org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Disconnected",
         "org.freedesktop.DBus.Error.Timeout", "org.freedesktop.DBus.Error.TimedOut"}
GONE = MAYBE | {"org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner"}


def own_groups(i):
    """The groups whose limits client i (alone) sets; the runtime flag
    SetUnitProperties uses for each (fixed, so no persistent drop-in ever
    masks a runtime one)."""
    return [("s%d.slice" % i, False), ("s%d-a.slice" % i, True), ("s%d-a-x.slice" % i, False),
            ("s%d-b.slice" % i, True), ("u%da.scope" % i, False), ("u%db.service" % i, True)]


def slice_choices(i):
    return ["s%d.slice" % i, "s%d-a.slice" % i, "system.slice"]


def amount_for(rng, key):
    if key == "misc/sev":
        return rng.randint(1, 3)
    if key == "misc/sev_es":
        return rng.randint(1, 2)
    if key.startswith("dmem/"):
        return rng.randint(1, 256) * MIB
    if key.endswith("hca_handle"):
        return rng.randint(1, 2)
    return rng.randint(1, 50)


def limit_value(rng, file, res, kind):
    """A random value for one limit entry (U64MAX = max)."""
    if rng.random() < 0.25:
        return 0 if file in ("dmem.min", "dmem.low") else U64MAX
    if file == "misc.max":
        return rng.randint(2, 40) if res == "sev" else rng.randint(1, 12)
    if file in ("dmem.max",):
        return rng.randint(1, 64) * 64 * MIB
    if file in ("dmem.min", "dmem.low"):
        return rng.randint(1, 16) * 64 * MIB
    return rng.randint(1, 8) if kind == "hca_handle" else rng.randint(10, 300)


def vtext(v):
    return "max" if v == U64MAX else str(v)


# SetUnitProperties property -> (file, [(entry key, res, kind)])
PROPS = {
    "MiscMax": ("misc.max", [("sev", "sev", ""), ("sev_es", "sev_es", "")]),
    "DMemMax": ("dmem.max", [(REGION, REGION, "")]),
    "DMemLow": ("dmem.low", [(REGION, REGION, "")]),
    "DMemMin": ("dmem.min", [(REGION, REGION, "")]),
    "RdmaMax": ("rdma.max", [("mlx5_0/hca_handle", "mlx5_0", "hca_handle"),
                             ("mlx5_0/hca_object", "mlx5_0", "hca_object")]),
}


class Gen:
    """Random calls of client INDEX; charges = {id: [group, key, amount, flags]}."""

    def __init__(self, index, seed, load=False):
        self.i = index
        self.rng = random.Random("%s/%d" % (seed, index))
        self.charges = {}
        self.load = load
        self.groups = [g for g, _ in own_groups(index)]
        self.pool = self.groups + ["shared.slice", "shared-p.slice", "shared-q.scope"]

    def pick_group(self):
        r = self.rng.random()
        if r < 0.75:
            return self.rng.choice(self.groups)
        if r < 0.9:
            return self.rng.choice(self.pool[len(self.groups):])
        # Another client's group: its limits refuse our charges too.
        other = self.rng.randrange(8)
        return self.rng.choice([g for g, _ in own_groups(other)][:4])

    def charge(self):
        key = self.rng.choice(KEYS)
        flags = 1 if self.rng.random() < 0.4 else 0
        return {"m": "Charge", "g": self.pick_group(), "k": key, "a": amount_for(self.rng, key), "f": flags}

    def uncharge(self):
        cid = self.rng.choice(sorted(self.charges))
        amount = self.charges[cid][2]
        part = self.rng.randint(1, amount - 1) if amount > 1 and self.rng.random() < 0.5 else 0
        return {"m": "Uncharge", "id": cid, "a": part}

    def migrate(self):
        ids = sorted(self.charges)
        ids = self.rng.sample(ids, min(len(ids), self.rng.randint(1, 4)))
        return {"m": "MigrateCharges", "ids": sorted(ids), "dst": self.pick_group()}

    def write_file(self):
        g = self.rng.choice(self.groups)
        file = self.rng.choice(["misc.max", "dmem.max", "dmem.min", "dmem.low", "rdma.max"])
        entries = []
        if file == "misc.max":
            res = self.rng.choice(["sev", "sev_es"])
            v = limit_value(self.rng, file, res, "")
            entries.append([file, res, "", v])
            text = "%s %s" % (res, vtext(v))
        elif file.startswith("dmem."):
            v = limit_value(self.rng, file, REGION, "")
            entries.append([file, REGION, "", v])
            text = "%s %s" % (REGION, vtext(v))
        else:
            kinds = self.rng.choice([["hca_handle"], ["hca_object"], ["hca_handle", "hca_object"]])
            text = "mlx5_0"
            for k in kinds:
                v = limit_value(self.rng, file, "mlx5_0", k)
                entries.append([file, "mlx5_0", k, v])
                text += " %s=%s" % (k, vtext(v))
        return {"m": "WriteFile", "g": g, "file": file, "text": text, "entries": entries}

    def set_unit_properties(self):
        unit, runtime = self.rng.choice(own_groups(self.i))
        names = list(PROPS)
        if not unit.endswith(".slice"):
            names.append("Slice")
        props = []
        for name in self.rng.sample(names, self.rng.choice([1, 1, 2, 3])):
            if name == "Slice":
                props.append([name, self.rng.choice(slice_choices(self.i))])
                continue
            file, keys = PROPS[name]
            if self.rng.random() < 0.2:
                props.append([name, []])           # a reset
                continue
            chosen = self.rng.sample(keys, self.rng.randint(1, len(keys)))
            props.append([name, [[k, limit_value(self.rng, file, res, kind)] for k, res, kind in chosen]])
        return {"m": "SetUnitProperties", "u": unit, "rt": runtime, "props": props}

    def prime(self):
        """Calls that give every group of ours every limit entry and unit
        setting there is (non-default values): what resctld keeps for our
        groups is then at its largest."""
        ops = []
        for g, runtime in own_groups(self.i):
            ops.append({"m": "WriteFile", "g": g, "file": "misc.max", "text": "sev 39"})
            ops.append({"m": "WriteFile", "g": g, "file": "misc.max", "text": "sev_es 11"})
            for f in ("dmem.max", "dmem.min", "dmem.low"):
                ops.append({"m": "WriteFile", "g": g, "file": f, "text": "%s %d" % (REGION, 64 * MIB)})
            ops.append({"m": "WriteFile", "g": g, "file": "rdma.max", "text": "mlx5_0 hca_handle=7 hca_object=299"})
            props = [[name, [[k, limit_value(self.rng, file, res, kind) % U64MAX or 1] for k, res, kind in keys]]
                     for name, (file, keys) in PROPS.items()]
            if not g.endswith(".slice"):
                props.append(["Slice", slice_choices(self.i)[0]])
            ops.append({"m": "SetUnitProperties", "u": g, "rt": runtime, "props": props})
        return ops

    def read(self):
        r = self.rng.random()
        if r < 0.4:
            return {"m": "ReadFile", "g": self.rng.choice(self.pool),
                    "file": self.rng.choice(["misc.current", "dmem.current", "rdma.current", "misc.max",
                                             "misc.events"])}
        if r < 0.7:
            return {"m": "ListCharges", "g": self.rng.choice(self.pool)}
        if r < 0.85:
            return {"m": "ListGroups"}
        return {"m": "ListResources"}

    def next(self):
        weights = [("charge", 35), ("uncharge", 20), ("migrate", 12), ("write_file", 15), ("sup", 12)]
        if self.load:
            weights.append(("read", 25))
        op = self.rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]
        if op in ("uncharge", "migrate") and not self.charges:
            op = "charge"
        if op == "charge" and len(self.charges) >= 16:
            op = "uncharge"
        return {"charge": self.charge, "uncharge": self.uncharge, "migrate": self.migrate,
                "write_file": self.write_file, "sup": self.set_unit_properties, "read": self.read}[op]()

    def acked(self, op, res):
        """Our view after an acknowledged call."""
        m = op["m"]
        if m == "Charge":
            self.charges[res[0]] = [op["g"], op["k"], op["a"], op["f"]]
        elif m == "Uncharge":
            c = self.charges[op["id"]]
            if op["a"] == 0 or op["a"] == c[2]:
                del self.charges[op["id"]]
            else:
                c[2] -= op["a"]
        elif m == "MigrateCharges":
            for cid in op["ids"]:
                self.charges[cid][0] = op["dst"]


def dbus_args(op):
    m = op["m"]
    if m == "Charge":
        return "sstt", [op["g"], op["k"], dbus.UInt64(op["a"]), dbus.UInt64(op["f"])]
    if m == "Uncharge":
        return "tt", [dbus.UInt64(op["id"]), dbus.UInt64(op["a"])]
    if m == "MigrateCharges":
        return "ats", [dbus.Array([dbus.UInt64(x) for x in op["ids"]], signature="t"), op["dst"]]
    if m == "WriteFile":
        return "sss", [op["g"], op["file"], op["text"]]
    if m == "SetUnitProperties":
        props = []
        for name, value in op["props"]:
            if name == "Slice":
                v = dbus.String(value, variant_level=1)
            else:
                v = dbus.Array([dbus.Struct((dbus.String(k), dbus.UInt64(x)), signature="st") for k, x in value],
                               signature="(st)", variant_level=1)
            props.append(dbus.Struct((dbus.String(name), v), signature="sv"))
        return "sba(sv)", [op["u"], dbus.Boolean(op["rt"]), dbus.Array(props, signature="(sv)")]
    if m == "ReadFile":
        return "ss", [op["g"], op["file"]]
    if m == "ListCharges":
        return "s", [op["g"]]
    return "", []


def plain(v):
    if isinstance(v, (dbus.Array, dbus.Struct, list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, int):
        return int(v)
    return str(v)


def call(bus, op):
    sig, args = dbus_args(op)
    res = bus.call_blocking(DEST, PATH, IFACE, op["m"], sig, args, timeout=60)
    if res is None:
        return []
    if not isinstance(res, tuple) or isinstance(res, dbus.Struct):
        res = (res,)
    return [plain(x) for x in res]


def crash_mode(index, seed):
    bus = dbus.SystemBus()
    gen = Gen(index, seed)
    out = sys.stdout
    inp = sys.stdin.buffer.raw if hasattr(sys.stdin.buffer, "raw") else sys.stdin.buffer
    buf = b""
    seq = 0

    def lines(block):
        nonlocal buf
        while b"\n" not in buf:
            if not block and not select.select([inp], [], [], 0)[0]:
                return None
            data = os.read(inp.fileno(), 65536)
            if not data:
                return "exit"
            buf += data
        line, buf = buf.split(b"\n", 1)
        return line.decode()

    def say(s):
        out.write(s + "\n")
        out.flush()

    say("READY %d" % os.getpid())
    running = False
    while True:
        cmd = lines(block=not running)
        if cmd is None:
            # Running, and nothing new on stdin: one more call.
            op = gen.next()
            seq += 1
            say("S %d %s" % (seq, json.dumps(op)))
            try:
                res = call(bus, op)
                gen.acked(op, res)
                say("R %d OK %s" % (seq, json.dumps(res)))
            except dbus.exceptions.DBusException as e:
                name = e.get_dbus_name() or "?"
                say("R %d %s %s %s" % (seq, "UNKNOWN" if name in MAYBE else "ERR", name,
                                       json.dumps(e.get_dbus_message() or "")))
                if name in GONE:
                    running = False         # the daemon is down: wait for "stop"
            continue
        if cmd == "exit":
            return
        if cmd == "go":
            running = True
        elif cmd == "stop":
            running = False
            say("PAUSED")
        elif cmd.startswith("state "):
            gen.charges = {c[0]: list(c[1:]) for c in json.loads(cmd[6:])}


def load_mode(index, seed, calls):
    bus = dbus.SystemBus()
    gen = Gen(index, seed, load=True)
    errors = {}
    if os.environ.get("STRESS_PRIME") == "1":
        for op in gen.prime():
            call(bus, op)
    print("READY %d" % os.getpid())
    sys.stdout.flush()
    sys.stdin.readline()                # "go": all clients start together
    t0 = time.monotonic()
    for _ in range(calls):
        op = gen.next()
        try:
            gen.acked(op, call(bus, op))
        except dbus.exceptions.DBusException as e:
            name = e.get_dbus_name() or "?"
            errors[name] = errors.get(name, 0) + 1
            if not name.startswith("org.resctl.Error.") or name.endswith(("LimitExceeded", "CapacityExceeded")):
                continue
            sys.stderr.write("client %d: %s: %s: %s\n" % (index, json.dumps(op), name, e.get_dbus_message()))
    elapsed = time.monotonic() - t0
    print("RESULT " + json.dumps({"calls": calls, "seconds": elapsed, "errors": errors,
                                  "charges_left": len(gen.charges)}))
    sys.stdout.flush()


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "crash":
        crash_mode(int(a[1]), a[2])
    elif len(a) >= 4 and a[0] == "load":
        load_mode(int(a[1]), a[2], int(a[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
