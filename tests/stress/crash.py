#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The crash suite's driver and checker (run by test-crash.sh, which owns
the bus, polkitd and resctld).

usage: crash.py ROUNDS SEED CONTROL_DIR RUNTIME_CONTROL_DIR

It runs 8 stress-client.py processes. Each round: the clients go; after a
random number of calls (seeded) crash.py asks test-crash.sh to kill resctld
with SIGKILL ("REQ kill" on stdout, "done" back on stdin); the clients are
stopped; sometimes one client exits while resctld is down (its flags-0
charges must be gone at the next start) and a new one takes its place;
in round 2 and about a third of the others the machine "reboots" instead:
every client exits and new ones take their places, and test-crash.sh
empties the runtime and runtime drop-in directories ("REQ reboot"), so
that only the persistent drop-ins and PERSIST charges remain (and a charge
id of the old boot must never be given out again: state.log still holds
the moves of the old process-owned charges);
resctld is started again ("REQ start"); then the checker compares what
resctld shows with the model built from the clients' logs:

  - every acknowledged call is reflected (else: lost),
  - nothing is there that no call made (else: phantom); a call in flight
    at the kill may be applied or not, but wholly: a half-applied one is a
    phantom,
  - every group's usage (*.current) equals the sum of the live charges in
    its subtree (else: usage_mismatch),
  - the groups listed are exactly those the charges and limits need.

The model then takes resctld's state (so one fault is counted once), and
each client is told the charges it holds. At the end the clients exit:
their flags-0 charges must be released; the persistent ones are
uncharged; nothing may be left, also after one more kill -9.

Other lines on stdout are the report; the last is
"RESULT crash_rounds=N lost=N phantom=N usage_mismatch=N leaked=N"."""

import copy
import json
import os
import random
import selectors
import subprocess
import sys
import time

import dbus

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sc = __import__("stress-client")

N_CLIENTS = 8
U64MAX = sc.U64MAX
S32MAX = 2**31 - 1
REGION = sc.REGION
DEST, PATH, IFACE = sc.DEST, sc.PATH, sc.IFACE
REFUSALS = ("org.resctl.Error.LimitExceeded", "org.resctl.Error.CapacityExceeded")
LIMIT_FILES = ["misc.max", "dmem.max", "dmem.min", "dmem.low", "rdma.max"]
# (file, res, kind) entries the clients set, with their defaults
ENTRY_KEYS = [("misc.max", "sev", ""), ("misc.max", "sev_es", ""), ("dmem.max", REGION, ""),
              ("dmem.min", REGION, ""), ("dmem.low", REGION, ""), ("rdma.max", "mlx5_0", "hca_handle"),
              ("rdma.max", "mlx5_0", "hca_object")]
# Units whose SetUnitProperties are runtime ones (their drop-ins are gone
# after a reboot).
RUNTIME_UNITS = {g for _i in range(N_CLIENTS) for g, _rt in sc.own_groups(_i) if _rt}
PROP_ENTRY = {}                 # (prop, key) -> (file, res, kind)
for _p, (_f, _keys) in sc.PROPS.items():
    for _k, _res, _kind in _keys:
        PROP_ENTRY[(_p, _k)] = (_f, _res, _kind)


def default(file):
    return 0 if file in ("dmem.min", "dmem.low") else U64MAX


def norm(file, v):
    if v == U64MAX or (file == "rdma.max" and v >= S32MAX):
        return U64MAX
    return v


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def request(what):
    """Ask test-crash.sh to do something to resctld; returns when done."""
    out("REQ " + what)
    line = sys.stdin.readline()
    if line.strip() != "done":
        raise SystemExit("crash.py: test-crash.sh answered %r to %s" % (line, what))


def parse_file(file, text):
    """A kernel interface file's text -> {(res, kind): value}."""
    vals = {}
    for line in text.splitlines():
        w = line.split()
        if not w:
            continue
        if file.startswith("rdma."):
            for kv in w[1:]:
                k, _, v = kv.partition("=")
                vals[(w[0], k)] = U64MAX if v == "max" else int(v)
        elif len(w) == 2:
            vals[(w[0], "")] = U64MAX if w[1] == "max" else int(w[1])
    return vals


def read_dropins(dirs, unit):
    """The unit's property lists as its resctl drop-ins say them:
    {prop: {key: value}} (persistent ones mask runtime ones, by name)."""
    conf = {}
    seen = set()
    for d in dirs:
        path = os.path.join(d, unit + ".d")
        try:
            names = sorted(os.listdir(path))
        except FileNotFoundError:
            continue
        for name in names:
            if not (name.startswith("50-resctl-") and name.endswith(".conf")) or name in seen:
                continue
            seen.add(name)
            with open(os.path.join(path, name)) as f:
                for line in f:
                    line = line.strip()
                    prop, eq, value = line.partition("=")
                    if eq and prop == "Slice":
                        conf["Slice"] = value
                        continue
                    if not eq or prop not in sc.PROPS:
                        continue
                    lst = conf.setdefault(prop, {})
                    if not value:
                        lst.clear()
                        continue
                    if prop == "RdmaMax":
                        w = value.split()
                        for kv in w[1:]:
                            k, _, v = kv.partition("=")
                            lst[w[0] + "/" + k] = U64MAX if v == "max" else int(v)
                    else:
                        k, _, v = value.rpartition(":")
                        lst[k] = U64MAX if v in ("max", "infinity") else int(v)
    return {p: lst for p, lst in conf.items() if lst}


def split_slice(conf):
    """(the property lists, the Slice= value or None)"""
    conf = dict(conf)
    return conf, conf.pop("Slice", None)


class Model:
    """What resctld must show: charges {id: (group, key, amount, owner pid, flags)},
    limit entries {(group, file, res, kind): value}, Slice of units
    {unit: slice}, the units' property lists {unit: {prop: {key: value}}}."""

    def __init__(self):
        self.charges = {}
        self.entries = {}
        self.parents = {}
        self.unitconf = {}
        # For the known bug "a WriteFile record that a later
        # SetUnitProperties forgot is still replayed at start": every value
        # WriteFile set per entry, and the entries a unit setting took over.
        self.wvals = {}
        self.superseded = set()

    def set_unit_entry(self, key, v):
        if key in self.wvals:
            self.superseded.add(key)
        self.entries[key] = v

    def stale(self, key, v):
        """v is an old WriteFile value that resctld's restart brought back
        (the known bug), not a value that nothing wrote."""
        return key in self.superseded and v in self.wvals.get(key, ())

    def apply(self, op, res, pid):
        m = op["m"]
        if m == "Charge":
            self.charges[res[0]] = (op["g"], op["k"], op["a"], pid if op["f"] == 0 else 0, op["f"])
        elif m == "Uncharge":
            if op["id"] not in self.charges:
                return                  # released with its dead owner
            g, k, a, p, f = self.charges[op["id"]]
            if op["a"] in (0, a):
                del self.charges[op["id"]]
            else:
                self.charges[op["id"]] = (g, k, a - op["a"], p, f)
        elif m == "MigrateCharges":
            for cid in op["ids"]:
                if cid in self.charges:
                    self.charges[cid] = (op["dst"],) + self.charges[cid][1:]
        elif m == "WriteFile":
            for file, r, kind, v in op["entries"]:
                self.entries[(op["g"], file, r, kind)] = norm(file, v)
                self.wvals.setdefault((op["g"], file, r, kind), set()).add(norm(file, v))
        elif m == "SetUnitProperties":
            u = op["u"]
            conf = self.unitconf.setdefault(u, {})
            for name, value in op["props"]:
                if name == "Slice":
                    self.parents[u] = value
                    continue
                lst = conf.setdefault(name, {})
                if value:
                    for k, v in value:
                        file, r, kind = PROP_ENTRY[(name, k)]
                        lst[k] = v
                        self.set_unit_entry((u, file, r, kind), norm(file, v))
                else:
                    for k in lst:
                        file, r, kind = PROP_ENTRY[(name, k)]
                        self.set_unit_entry((u, file, r, kind), default(file))
                    lst.clear()
            self.unitconf[u] = {p: lst for p, lst in conf.items() if lst}

    def reboot(self):
        """What survives a reboot: the persistent drop-ins and the PERSIST
        charges (the runtime log and runtime drop-ins are gone; the owners
        of the other charges are dead, see Crash.check)."""
        for u in RUNTIME_UNITS:
            self.unitconf.pop(u, None)
            self.parents.pop(u, None)
        self.entries = {}
        for u, conf in self.unitconf.items():
            for prop, lst in conf.items():
                for k, v in lst.items():
                    file, r, kind = PROP_ENTRY[(prop, k)]
                    self.entries[(u, file, r, kind)] = norm(file, v)
        self.wvals = {}
        self.superseded = set()

    def entry(self, g, file, r, kind):
        return self.entries.get((g, file, r, kind), default(file))

    def parent_of(self, g):
        if g == "-.slice":
            return ""
        if g.endswith(".slice"):
            return g[:g.rfind("-")] + ".slice" if "-" in g[:-6] else "-.slice"
        return self.parents.get(g, "system.slice")

    def expected_groups(self):
        need = set(c[0] for c in self.charges.values() if c[2] > 0)
        need |= set(g for (g, f, r, k), v in self.entries.items() if v != default(f))
        out = set()
        for g in need:
            while g:
                out.add(g)
                g = self.parent_of(g)
        out.add("-.slice")
        return out


class Daemon:
    """resctld's state as its methods show it."""

    def __init__(self, bus, groups_of_interest, dropin_dirs):
        obj = bus.get_object(DEST, PATH, introspect=False)
        mgr = dbus.Interface(obj, IFACE)
        self.charges = {int(c[0]): (str(c[1]), str(c[2]), int(c[3]), int(c[4]), int(c[5]))
                        for c in mgr.ListCharges("")}
        self.groups = {str(g[0]): str(g[1]) for g in mgr.ListGroups()}
        self.entries = {}
        for g in groups_of_interest:
            for file in LIMIT_FILES:
                vals = parse_file(file, str(mgr.ReadFile(g, file)))
                for f, r, kind in ENTRY_KEYS:
                    if f == file:
                        self.entries[(g, f, r, kind)] = norm(f, vals.get((r, kind), default(f)))
        self.usage = {}
        for g in self.groups:
            for file in ("misc.current", "dmem.current", "rdma.current"):
                if g == "-.slice" and file == "rdma.current":
                    continue            # not on the root (the kernel's rule): ListResources below
                for (r, kind), v in parse_file(file, str(mgr.ReadFile(g, file))).items():
                    ctl = file.split(".")[0]
                    self.usage[(g, ctl + "/" + r + ("/" + kind if kind else ""))] = v
        # The group objects' properties: Parent, Usage and Peak per key.
        self.props = {}
        for g in mgr.ListGroups():
            o = bus.get_object(DEST, str(g[2]), introspect=False)
            p = dbus.Interface(o, "org.freedesktop.DBus.Properties").GetAll("org.resctl.Group")
            self.props[str(g[0])] = (str(p["Parent"]), {str(k): int(v) for k, v in p["Usage"].items()},
                                     {str(k): int(v) for k, v in p["Peak"].items()})
        resources = mgr.ListResources()
        self.refused = {str(r[0]): int(r[4]) for r in resources}
        for r in resources:
            if str(r[0]).startswith("rdma/"):
                self.usage[("-.slice", str(r[0]))] = int(r[2])
        self.unitconf, self.slices = {}, {}
        for u in groups_of_interest:
            conf, sl = split_slice(read_dropins(dropin_dirs, u))
            if conf:
                self.unitconf[u] = conf
            if sl:
                self.slices[u] = sl

    def parent_of(self, g):
        """Where resctld has the group, or would put it (its Slice= drop-in)."""
        if g in self.groups:
            return self.groups[g]
        return self.slices.get(g, "system.slice")

    def entry(self, g, file, r, kind):
        return self.entries.get((g, file, r, kind), default(file))


class Client:
    def __init__(self, slot, seed, incarnation):
        self.slot = slot
        self.proc = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "stress-client.py"), "crash",
                                      str(slot), "%s/%d" % (seed, incarnation)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.buf = b""
        self.pending = {}           # seq -> op, sent and not answered
        self.inflight = []          # ops whose fate the checker decides
        self.paused = False
        self.pid = None
        line = self.proc.stdout.readline().decode()
        if not line.startswith("READY "):
            raise SystemExit("crash.py: client %d: %r" % (slot, line))
        self.pid = int(line.split()[1])

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())

    def exit(self):
        self.send("exit")
        self.proc.stdin.close()
        self.proc.wait()


class Crash:
    def __init__(self, rounds, seed, dropin_dirs):
        self.rounds = rounds
        self.seed = seed
        self.rng = random.Random("crash/%s" % seed)
        self.dropin_dirs = dropin_dirs
        self.bus = dbus.SystemBus()
        self.model = Model()
        self.clients = [Client(i, seed, 0) for i in range(N_CLIENTS)]
        self.incarnation = [0] * N_CLIENTS
        self.dead_pids = set()
        self.sel = selectors.DefaultSelector()
        for c in self.clients:
            self.sel.register(c.proc.stdout, selectors.EVENT_READ, c)
        self.log = open(os.path.join(os.environ.get("STRESS_LOGDIR", "/tmp"), "crash-ops.log"), "w")
        self.known_w_replay = self.known_split = self.known_dropin = self.known_refusals = 0
        self.lost = self.phantom = self.usage_bad = self.leaked = self.groups_bad = 0
        self.acked = self.refused = self.inflight_total = self.inflight_applied = 0
        self.sent = 0
        self.reboots = 0
        # The refused column of ListResources (all resources): what the last
        # check saw, the refusals acknowledged since, and the calls in flight
        # since that may have been refused.
        self.refused_seen = {}
        self.refusals_acked, self.refusals_maybe = {}, {}
        self.errors = {}
        self.retired = []
        self.owner_slot = {}            # persistent charge id -> the slot whose client made it
        self.interest = sorted(set(g for i in range(N_CLIENTS) for g, _ in sc.own_groups(i)))

    # ------------------------------------------------------------ client I/O

    def handle(self, c, line):
        self.log.write("%d %s\n" % (c.pid, line))
        w = line.split(" ", 3)
        if w[0] == "R" and w[2] != "OK":
            w[3] = w[3].split(" ", 1)[0]       # the error name (its message follows)
        if w[0] == "S":
            c.pending[int(w[1])] = json.loads(w[2] + (" " + w[3] if len(w) > 3 else ""))
            self.sent += 1
        elif w[0] == "R":
            op = c.pending.pop(int(w[1]))
            if w[2] == "OK":
                res = json.loads(w[3])
                self.model.apply(op, res, c.pid)
                if op["m"] == "Charge" and op["f"]:
                    self.owner_slot[res[0]] = c.slot
                self.acked += 1
            elif w[2] == "UNKNOWN":
                c.inflight.append(op)
                if op["m"] == "Charge":
                    self.refusals_maybe[op["k"]] = self.refusals_maybe.get(op["k"], 0) + 1
            else:
                if w[3] in REFUSALS and op["m"] == "Charge":
                    self.refusals_acked[op["k"]] = self.refusals_acked.get(op["k"], 0) + 1        # (a refused migration is not counted)
                self.refused += 1
                self.errors[w[3]] = self.errors.get(w[3], 0) + 1
        elif w[0] == "PAUSED":
            c.paused = True

    def pump(self, until):
        """Reads the clients' lines until until() holds."""
        while not until():
            for key, _ in self.sel.select(timeout=60):
                c = key.data
                data = os.read(c.proc.stdout.fileno(), 65536)
                if not data:
                    raise SystemExit("crash.py: client %d (pid %d) went away" % (c.slot, c.pid))
                c.buf += data
                while b"\n" in c.buf:
                    line, c.buf = c.buf.split(b"\n", 1)
                    self.handle(c, line.decode())

    # ------------------------------------------------------------ checking

    def fetch(self):
        return Daemon(self.bus, self.interest, self.dropin_dirs)

    def bad(self, kind, what):
        if kind == "lost":
            self.lost += 1
        elif kind == "phantom":
            self.phantom += 1
        elif kind == "usage":
            self.usage_bad += 1
        elif kind == "groups":
            self.groups_bad += 1
        out("# round %d: %s: %s" % (self.round, kind, what))

    def resolve(self, d, c, op, claimed):
        """Decides whether an op in flight at the kill was applied, wholly:
        returns True (applied), False (not) or None (neither: half-applied)."""
        m = self.model
        if op["m"] == "Charge":
            want = (op["g"], op["k"], op["a"], c.pid if op["f"] == 0 else 0, op["f"])
            for cid in sorted(d.charges):
                if cid not in m.charges and cid not in claimed and d.charges[cid] == want:
                    claimed.add(cid)
                    m.apply(op, [cid], c.pid)
                    if op["f"]:
                        self.owner_slot[cid] = c.slot
                    return True
            return False
        yes = copy.deepcopy(m)
        yes.apply(op, None, c.pid)
        if op["m"] in ("Uncharge", "MigrateCharges"):
            ids = [op["id"]] if op["m"] == "Uncharge" else op["ids"]
            ids = [i for i in ids if i in m.charges]

            def same(model, tolerant):
                return all(model.charges.get(i) == d.charges.get(i) for i in ids)
        else:
            u = op["g"] if op["m"] == "WriteFile" else op["u"]
            keys = [(u, f, r, k) for f, r, k in ENTRY_KEYS]

            def same(model, tolerant):
                return (all(model.entry(*k) == d.entry(*k) or (tolerant and model.stale(k, d.entry(*k)))
                            for k in keys) and
                        (u.endswith(".slice") or model.parent_of(u) == d.parent_of(u)) and
                        (op["m"] == "WriteFile" or model.unitconf.get(u, {}) == d.unitconf.get(u, {})))
        # Exact matches first: tolerating a stale value (a known bug) must
        # not make an op that was not applied look applied.
        for tolerant in (False, True):
            if same(yes, tolerant):
                self.model = yes
                return True
            if same(m, tolerant):
                return False
        # Neither: counted once, as half-applied; go on from what resctld shows.
        if op["m"] in ("Uncharge", "MigrateCharges"):
            self.why = ["charge %d: not applied %s, applied %s, resctld %s" %
                        (i, m.charges.get(i), yes.charges.get(i), d.charges.get(i)) for i in ids]
        else:
            self.why = ["%s: not applied %s, applied %s, resctld %s" % (k, m.entry(*k), yes.entry(*k), d.entry(*k))
                        for k in keys if not (m.entry(*k) == yes.entry(*k) == d.entry(*k))]
            self.why.append("parent: not applied %s, applied %s, resctld %s" %
                            (m.parent_of(u), yes.parent_of(u), d.parent_of(u)))
            self.why.append("drop-ins: not applied %s, applied %s, resctld %s" %
                            (m.unitconf.get(u), yes.unitconf.get(u), d.unitconf.get(u)))
        if op["m"] in ("Uncharge", "MigrateCharges"):
            for i in ids:
                if i in d.charges:
                    m.charges[i] = d.charges[i]
                else:
                    m.charges.pop(i, None)
        else:
            for k in keys:
                m.entries[k] = d.entry(*k)
            if not u.endswith(".slice"):
                m.parents[u] = d.parent_of(u)
            m.unitconf[u] = copy.deepcopy(d.unitconf.get(u, {}))
        return None

    def split_by_log(self, d, op):
        """A MigrateCharges applied to its PERSIST charges only, or to its
        process-owned ones only (the two logs)."""
        if op["m"] != "MigrateCharges":
            return False
        ids = [i for i in op["ids"] if i in d.charges and i in self.model.charges]
        moved = {i for i in ids if d.charges[i][0] == op["dst"] != self.model.charges[i][0]}
        stayed = {i for i in ids if d.charges[i][0] == self.model.charges[i][0] != op["dst"]}
        persist = {i for i in ids if d.charges[i][4] & 1}
        if len(moved) + len(stayed) != len([i for i in ids if self.model.charges[i][0] != op["dst"]]):
            return False
        return (moved <= persist and not stayed & persist) or (stayed <= persist and not moved & persist)

    def split_by_dropin(self, d, op, c):
        """A SetUnitProperties whose properties are each wholly applied or
        wholly not (one drop-in file per property, renamed in turn)."""
        if op["m"] != "SetUnitProperties":
            return False
        m = self.model
        yes = copy.deepcopy(m)
        yes.apply(op, None, c.pid)
        u = op["u"]
        for name, _ in op["props"]:
            if name == "Slice":
                got, a, b = d.parent_of(u), m.parent_of(u), yes.parent_of(u)
            else:
                got = d.unitconf.get(u, {}).get(name, {})
                a, b = m.unitconf.get(u, {}).get(name, {}), yes.unitconf.get(u, {}).get(name, {})
            if got not in (a, b, None):
                return False
        return True

    def check(self, final=False):
        d = self.fetch()
        m = self.model
        # Charges of owners that died are released at start.
        for cid in [i for i, ch in m.charges.items() if ch[3] in self.dead_pids]:
            del m.charges[cid]
        claimed = set()
        for c in self.clients + self.retired:
            for op in c.inflight:
                self.inflight_total += 1
                r = self.resolve(d, c, op, claimed)
                if r:
                    self.inflight_applied += 1
                elif r is None and self.split_by_log(d, op):
                    self.phantom += 1
                    self.known_split += 1
                    out("# round %s: phantom (known bug: PERSIST and process-owned charges are in two logs, "
                        "committed one after the other): half-applied %s" % (self.round, json.dumps(op)))
                elif r is None and self.split_by_dropin(d, op, c):
                    self.phantom += 1
                    self.known_dropin += 1
                    out("# round %s: phantom (known bug: SetUnitProperties renames one drop-in per property, "
                        "in turn): half-applied %s" % (self.round, json.dumps(op)))
                    for w in self.why:
                        out("#     %s" % w)
                elif r is None:
                    self.bad("phantom", "call in flight at the kill is half-applied: %s" % json.dumps(op))
                    for w in self.why:
                        out("#     %s" % w)
            c.inflight = []
        m = self.model
        # Charges
        for cid in sorted(set(m.charges) | set(d.charges)):
            a, b = m.charges.get(cid), d.charges.get(cid)
            if a == b:
                continue
            if a is None:
                self.bad("phantom", "charge %d %s was never acknowledged" % (cid, b))
            elif b is None:
                self.bad("lost", "charge %d %s is missing" % (cid, a))
            else:
                self.bad("lost", "charge %d is %s, acknowledged as %s" % (cid, b, a))
        # Limits
        for g in self.interest:
            for f, r, k in ENTRY_KEYS:
                a, b = m.entry(g, f, r, k), d.entry(g, f, r, k)
                if a != b and m.stale((g, f, r, k), b):
                    m.entries[(g, f, r, k)] = b     # what the groups below are compared with
                    self.known_w_replay += 1
                    self.lost += 1
                    if self.known_w_replay <= 3:
                        out("# round %s: lost (known bug: forgotten WriteFile record replayed): %s %s %s%s is %s, "
                            "acknowledged %s" % (self.round, g, f, r, "/" + k if k else "", b, a))
                elif a != b:
                    kind = "lost" if (g, f, r, k) in m.entries else "phantom"
                    self.bad(kind, "%s %s %s%s is %s, acknowledged %s" % (g, f, r, "/" + k if k else "", b, a))
            if not g.endswith(".slice") and g in d.groups and d.groups[g] != d.slices.get(g, "system.slice"):
                self.bad("groups", "%s is under %s, its Slice= drop-in says %s" %
                         (g, d.groups[g], d.slices.get(g, "system.slice")))
            if not g.endswith(".slice") and g not in d.groups and m.parent_of(g) != d.parent_of(g):
                self.bad("lost", "%s: its Slice= drop-in says %s, acknowledged %s" % (g, d.parent_of(g), m.parent_of(g)))
            if m.unitconf.get(g, {}) != d.unitconf.get(g, {}):
                self.bad("lost", "%s: drop-ins say %s, acknowledged %s" % (g, d.unitconf.get(g), m.unitconf.get(g)))
        # Groups and parents
        want = m.expected_groups()
        for g in sorted(want | set(d.groups)):
            if g not in d.groups:
                self.bad("groups", "group %s is not listed (parent %s)" % (g, m.parent_of(g)))
            elif g not in want:
                self.bad("groups", "group %s (parent %s) is listed, nothing holds it" % (g, d.groups[g]))
            elif d.groups[g] != m.parent_of(g):
                self.bad("lost", "group %s has parent %s, acknowledged %s" % (g, d.groups[g], m.parent_of(g)))
        # Usage = sum of the live charges in the subtree, by resctld's own tree
        sums = {}
        for g, key, amount, _, _ in d.charges.values():
            x = g
            seen = set()
            while x and x not in seen:
                seen.add(x)
                sums[(x, key)] = sums.get((x, key), 0) + amount
                x = d.groups.get(x, "")
        for g in d.groups:
            parent, usage, peak = d.props.get(g, (None, {}, {}))
            if g in d.props and parent != d.groups[g]:
                self.bad("groups", "%s: property Parent %s, ListGroups says %s" % (g, parent, d.groups[g]))
            for key in sc.KEYS:
                u, s = d.usage.get((g, key), 0), sums.get((g, key), 0)
                if u != s:
                    self.bad("usage", "%s %s usage %d, its subtree's charges sum to %d" % (g, key, u, s))
                if g in d.props and usage.get(key, 0) != u:
                    self.bad("usage", "%s %s: property Usage %d, the file says %d" % (g, key, usage.get(key, 0), u))
                if g in d.props and peak.get(key, 0) < u:
                    self.bad("usage", "%s %s: property Peak %d below the usage %d" % (g, key, peak.get(key, 0), u))
        # Refused charges counted (the refused column of ListResources):
        # every refused Charge acknowledged since the last check, and at most
        # one more per Charge in flight.
        for key in sc.KEYS:
            got = d.refused.get(key, 0)
            lo = self.refused_seen.get(key, 0) + self.refusals_acked.get(key, 0)
            hi = lo + self.refusals_maybe.get(key, 0)
            if got < lo:
                # Known bug: the LimitExceeded error goes out before the
                # commit (method_charge returns 1 with the sd_bus_error set).
                self.lost += 1
                self.known_refusals += 1
                out("# round %s: lost (known bug: a refusal is acknowledged before it is committed): %s: resctld "
                    "counts %d refused charges, %d were acknowledged" % (self.round, key, got, lo))
            elif got > hi:
                self.bad("phantom", "%s: resctld counts %d refused charges, at most %d happened" % (key, got, hi))
        self.refused_seen = dict(d.refused)
        self.refusals_acked, self.refusals_maybe = {}, {}
        # One fault is counted once: go on from what resctld shows.
        m.charges = dict(d.charges)
        for k in list(m.entries):
            m.entries[k] = d.entries.get(k, m.entries[k])
        for k, v in d.entries.items():
            if v != default(k[1]):
                m.entries[k] = v
        for g in set(d.groups) | set(self.interest):
            if not g.endswith(".slice"):
                m.parents[g] = d.parent_of(g)
        m.unitconf = copy.deepcopy(d.unitconf)
        return d

    def tell_state(self):
        for c in self.clients:
            mine = [[cid, g, k, a, f] for cid, (g, k, a, p, f) in sorted(self.model.charges.items())
                    if p == c.pid or (p == 0 and self.owner_slot.get(cid) == c.slot)]
            c.send("state " + json.dumps(mine))

    # ------------------------------------------------------------ rounds

    def run(self):
        t0 = time.monotonic()
        for self.round in range(1, self.rounds + 1):
            self.log.write("# round %d: go\n" % self.round)
            for c in self.clients:
                c.paused = False
                c.send("go")
            start = self.sent
            kill_after = self.rng.randint(1, 120)
            self.pump(lambda: self.sent - start >= kill_after)
            # A random instant inside the next calls as well, not only just
            # after a call went out.
            if self.rng.random() < 0.5:
                time.sleep(self.rng.uniform(0, 0.004))
            self.log.write("# round %d: kill\n" % self.round)
            request("kill")
            self.log.write("# round %d: killed\n" % self.round)
            for c in self.clients:
                c.send("stop")
            self.pump(lambda: all(c.paused for c in self.clients))
            for c in self.clients:
                # Sent and never answered (not possible once paused, kept safe)
                c.inflight.extend(c.pending.values())
                c.pending.clear()
            # A reboot (the runtime directories emptied, every process
            # gone) in round 2 and in about a third of the others.
            reboot = self.round == 2 or self.rng.random() < 0.3
            if reboot:
                self.log.write("# round %d: reboot\n" % self.round)
                for slot in range(N_CLIENTS):
                    self.retire(slot)
                request("reboot")
                self.model.reboot()
                # The refused counts were in the runtime log.
                self.refused_seen, self.refusals_acked, self.refusals_maybe = {}, {}, {}
                self.reboots += 1
            elif self.rng.random() < 0.25:
                self.retire(self.rng.randrange(N_CLIENTS))
            request("start")
            before = (self.lost, self.phantom, self.usage_bad, self.groups_bad)
            self.check()
            self.tell_state()
            now = (self.lost, self.phantom, self.usage_bad, self.groups_bad)
            out("# round %d: kill after %d calls%s; acked %d refused %d in flight %d (applied %d)%s" %
                (self.round, kill_after, ", reboot" if reboot else "", self.acked, self.refused,
                 self.inflight_total, self.inflight_applied, "" if now == before else " FAULTS %s" % (now,)))
        self.elapsed_rounds = time.monotonic() - t0
        self.finish()

    def retire(self, slot):
        """Client SLOT exits while resctld is down; a new one takes over
        its persistent charges."""
        c = self.clients[slot]
        self.sel.unregister(c.proc.stdout)
        c.exit()
        self.dead_pids.add(c.pid)
        self.retired.append(c)
        self.incarnation[slot] += 1
        n = Client(slot, self.seed, self.incarnation[slot])
        self.clients[slot] = n
        self.sel.register(n.proc.stdout, selectors.EVENT_READ, n)
        out("# round %d: client %d (pid %d) exited while resctld was down; pid %d replaces it" %
            (self.round, slot, c.pid, n.pid))

    def finish(self):
        """The clients exit: their flags-0 charges are released; the
        persistent ones are uncharged; nothing is left."""
        owned = {cid for cid, ch in self.model.charges.items() if ch[3] != 0}
        released = set()
        from dbus.mainloop.glib import DBusGMainLoop
        from gi.repository import GLib
        bus = dbus.SystemBus(private=True, mainloop=DBusGMainLoop())
        loop = GLib.MainLoop()

        def on_released(cid, group, key, amount, reason):
            if str(reason) == "owner-exited":
                released.add(int(cid))
                if owned <= released:
                    loop.quit()

        bus.add_signal_receiver(on_released, "ChargeReleased", IFACE, None, PATH)
        # The match is in place once a call on the same connection returned.
        bus.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId", "", [])
        for c in self.clients:
            self.sel.unregister(c.proc.stdout)
            c.exit()
            self.dead_pids.add(c.pid)
        if owned:
            GLib.timeout_add_seconds(30, loop.quit)
            loop.run()
        missing = owned - released
        for cid in sorted(missing):
            self.bad("lost", "charge %d %s: no ChargeReleased owner-exited after its owner exited" %
                     (cid, self.model.charges[cid]))
        self.round = "end"
        self.check()
        mgr = dbus.Interface(self.bus.get_object(DEST, PATH, introspect=False), IFACE)
        for cid in sorted(self.model.charges):
            mgr.Uncharge(dbus.UInt64(cid), dbus.UInt64(0))
        self.model.charges = {}
        d = self.check()
        self.leak_check(d, "after the clients exited and the persistent charges were uncharged")
        request("kill")
        request("start")
        self.round = "end+kill"
        d = self.check()
        self.leak_check(d, "after one more kill -9 and start")

    def leak_check(self, d, when):
        left = [(g, k, v) for (g, k), v in d.usage.items() if v]
        if d.charges or left:
            self.leaked += len(d.charges) + len(left)
            out("# leaked %s: charges %s usage %s" % (when, d.charges, left))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    rounds, seed = int(sys.argv[1]), sys.argv[2]
    cr = Crash(rounds, seed, [sys.argv[3], sys.argv[4]])
    t0 = time.monotonic()
    cr.run()
    out("# seed=%s calls_sent=%d acked=%d refused=%d in_flight=%d in_flight_applied=%d wall_seconds=%.1f" %
        (seed, cr.sent, cr.acked, cr.refused, cr.inflight_total, cr.inflight_applied, time.monotonic() - t0))
    out("# errors: %s" % json.dumps(cr.errors, sort_keys=True))
    out("# reboots=%d" % cr.reboots)
    out("RESULT crash_rounds=%d lost=%d phantom=%d usage_mismatch=%d group_mismatch=%d leaked=%d "
        "lost_known_w_replay=%d lost_known_refusal_count=%d phantom_known_split_migrate=%d "
        "phantom_known_split_dropins=%d" %
        (rounds, cr.lost, cr.phantom, cr.usage_bad, cr.groups_bad, cr.leaked, cr.known_w_replay, cr.known_refusals,
         cr.known_split, cr.known_dropin))


if __name__ == "__main__":
    main()
