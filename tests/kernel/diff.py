#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Differential semantics, run in the guest by checks.sh: the same sequence
of misc operations (limit writes with the parse table's spellings, charges
and uncharges in a small tree, capacity changes) and of rdma operations
(rdma.max spellings, opens and PDs) on the real kernel, through the test
module and libibverbs, and on resctld's brokered engine, through a
registered resource of the same capacity. After each operation every file
of the tree is compared, and the result of the operation itself (ok or the
errno, mapped to resctld's errors by R6). A difference passes only when it
is one of the R decisions of kernel-semantics.md, named here; anything else
fails. TAP on stdout, the whole record in --report.

Kernel tree:  kdP (+misc +rdma) -> kdP/kdC,  kdO       (under the cgroup root)
resctld tree: dp.slice -> dp-c.slice,        do.slice
Resources:    kernel sev (capacity from the module) ~ resctld misc/dsev;
              kernel rxe0 ~ resctld rdma/drxe (registered, brokered)."""

import argparse
import os
import subprocess
import sys

import dbus

CG = "/sys/fs/cgroup"
CMD = "/proc/resctl_misc_test"
RDMA_OPEN = "/mnt/xfer/rdma-open"
NODES = {"P": ("kdP", "dp.slice"), "C": ("kdP/kdC", "dp-c.slice"), "O": ("kdO", "do.slice"),
         "root": ("", "-.slice")}

ap = argparse.ArgumentParser()
ap.add_argument("--peak", type=int, default=0)
ap.add_argument("--local", type=int, default=0)
ap.add_argument("--report", required=True)
args = ap.parse_args()
report = open(args.report, "w", buffering=1)
bus = dbus.SystemBus()
mgr = dbus.Interface(bus.get_object("org.resctl.Manager", "/org/resctl/Manager"), "org.resctl.Manager")
n_ok = n_fail = 0
undocumented = []
sticky = {}


def tap(ok, desc):
    global n_ok, n_fail
    if ok:
        n_ok += 1
    else:
        n_fail += 1
    print("%s - differential: %s" % ("ok" if ok else "not ok", desc), flush=True)


def log(*a):
    print(*a, file=report)


# ---- the kernel side

def kwrite(path, text, cgroup=None):
    """One write(2) from inside `cgroup` (a directory under CG): "ok" or the errno name."""
    if cgroup is not None:
        with open(os.path.join(CG, cgroup, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
        return "ok"
    except OSError as e:
        import errno
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        if cgroup is not None:
            with open(os.path.join(CG, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))


def kread(node, file):
    try:
        with open(os.path.join(CG, NODES[node][0], file)) as f:
            return f.read()
    except FileNotFoundError:
        return None


# ---- resctld's side

ERRMAP = {"org.resctl.Error.InvalidArgument": "EINVAL", "org.resctl.Error.LimitExceeded": "EBUSY",
          "org.resctl.Error.CapacityExceeded": "EBUSY", "org.resctl.Error.NoSuchResource": "ENODEV"}


def rcall(method, *a):
    try:
        return "ok", getattr(mgr, method)(*a)
    except dbus.DBusException as e:
        return ERRMAP.get(e.get_dbus_name(), e.get_dbus_name()), None


def rread(node, file):
    r, text = rcall("ReadFile", NODES[node][1], file)
    return str(text) if r == "ok" else None


# ---- comparing

def line_of(text, name, file):
    """The line about `name` (file's naming), or None when not listed."""
    if text is None:
        return None
    for line in text.splitlines(keepends=True):
        first = line.split(" ", 1)[0]
        if file.startswith("misc.events"):
            first = first[:-4] if first.endswith(".max") else first
        if first == name:
            return line
    return None


def files_for(controller):
    if controller == "misc":
        per = ["misc.current", "misc.max", "misc.events"] + (["misc.events.local"] if args.local else []) + \
              (["misc.peak"] if args.peak else [])
        # Not the root's misc.peak: it keeps the highs of the checks that
        # ran before, the module's reload does not reset it.
        root = ["misc.current", "misc.capacity"]
    else:
        per, root = ["rdma.max", "rdma.current"], []
    return [(n, f) for n in ("P", "C", "O") for f in per] + [("root", f) for f in root]


def compare(step, controller, kres, rres, allowed):
    """kres/rres: results of the operation. allowed: {what: R decision}
    for differences this step may show."""
    kname, rname = ("sev", "dsev") if controller == "misc" else ("rxe0", "drxe")
    diffs = []
    if kres != rres:
        diffs.append(("result", kres, rres))
    for node, file in files_for(controller):
        k = line_of(kread(node, file), kname, file)
        r = line_of(rread(node, file), rname, file)
        if r is not None:
            r = kname + r[len(rname):]
        if k != r:
            diffs.append(("%s/%s" % (node, file), k, r))
    bad = []
    notes = []
    # A peak that differed by R4 stays different: the kernel never lowers it.
    allowed = dict(sticky, **allowed)
    # 6.1 has no misc.current on the root: resctld shows the newest
    # kernels' files whatever kernel it runs on (resctld(8)).
    allowed = dict(allowed)
    if controller == "misc" and kread("root", "misc.current") is None:
        allowed["root/misc.current"] = "newest file set"
    # resctld forgets a group that holds nothing (no charge, no limit, no
    # child): its counters go with it; the kernel keeps a cgroup's until
    # rmdir (resctld(8), R14).
    if controller == "misc":
        update_forgotten()
        for node in forgotten:
            for f in ("misc.events", "misc.events.local", "misc.peak"):
                allowed["%s/%s" % (node, f)] = "R14 forgotten group"
    for what, k, r in diffs:
        key = what if what == "result" else what.split("/", 1)[1]
        dec = allowed.get(what) or allowed.get(key)
        if dec:
            if key == "misc.peak":
                sticky[what] = dec
            notes.append("%s: kernel %r, resctld %r (%s)" % (what, k, r, dec))
        else:
            bad.append("%s: kernel %r, resctld %r" % (what, k, r))
    log("%-60s kernel=%-7s resctld=%-7s %s" % (step, kres, rres,
                                               "same" if not diffs else "; ".join(notes + ["UNDOCUMENTED " + b for b in bad])))
    undocumented.extend("%s: %s" % (step, b) for b in bad)
    tap(not bad, "%s -> %s%s" % (step, kres, "" if not notes else " [%s]" % ", ".join(sorted(set(
        n.split("(")[-1].rstrip(")") for n in notes)))))


# ---- misc

held = {}       # node -> [(amount, charge id)]
max_set = {}    # node -> the value of its last successful misc.max write
forgotten = set()
was_held = set()


def update_forgotten():
    """A leaf that held a charge or a limit and holds neither now (P has C
    below it): resctld forgot it, counters and all."""
    for node in ("C", "O"):
        if held.get(node) or max_set.get(node, "max") != "max":
            was_held.add(node)
        elif node in was_held:
            forgotten.add(node)


def misc_charge(node, n, allowed=None):
    k = kwrite(CMD, "charge sev %d" % n, NODES[node][0])
    r, cid = rcall("Charge", NODES[node][1], "misc/dsev", dbus.UInt64(n), dbus.UInt64(0))
    if r == "ok":
        held.setdefault(node, []).append((n, cid))
    compare("charge(%s, %d)" % (node, n), "misc", k, r, allowed or {})


def misc_uncharge(node, n):
    k = kwrite(CMD, "uncharge sev %d" % n, NODES[node][0])
    amounts = held.get(node, [])
    cid = next((c for a, c in amounts if a == n), None)
    amounts.remove((n, cid))
    r, _ = rcall("Uncharge", cid, dbus.UInt64(n))
    compare("uncharge(%s, %d)" % (node, n), "misc", k, r, {})


def misc_max(node, text, allowed=None):
    k = kwrite(os.path.join(CG, NODES[node][0], "misc.max"), text.replace("dsev", "sev"))
    r, _ = rcall("WriteFile", NODES[node][1], "misc.max", text)
    if r == "ok":
        parts = text.strip().split(" ")
        max_set[node] = "max" if parts[-1] in ("max", "18446744073709551615") else parts[-1]
    compare("write %s misc.max %r" % (node, text.replace("dsev", "sev")), "misc", k, r, allowed or {})


def misc_capacity(n):
    k = kwrite(CMD, "capacity sev %d" % n)
    r, _ = rcall("SetCapacity", "misc/dsev", dbus.UInt64(n))
    compare("capacity %d" % n, "misc", k, r, {})


# R4: levels below a failing one keep the kernel's transient peak.
R4 = {"misc.peak": "R4 transient peaks"}


def run_misc():
    log("== misc: kernel sev (test module) vs resctld misc/dsev (brokered)")
    subprocess.run(["rmmod", "resctl_misc_test"], check=True)
    subprocess.run(["insmod", "/mnt/xfer/resctl_misc_test.ko", "sev=10", "sev_es=0"], check=True)
    r, _ = rcall("RegisterResource", "misc/dsev", dbus.UInt64(10))
    tap(r == "ok", "RegisterResource misc/dsev 10 -> %s" % r)
    for d in ("kdP", "kdO"):
        os.mkdir(os.path.join(CG, d))
    with open(os.path.join(CG, "kdP/cgroup.subtree_control"), "w") as f:
        f.write("+misc +rdma")
    os.mkdir(os.path.join(CG, "kdP/kdC"))
    for node in ("P", "C", "O"):       # makes resctld's groups; "max" is what they have
        misc_max(node, "dsev max")
    misc_max("P", "dsev 4")
    misc_charge("C", 3)
    misc_charge("C", 2, R4)         # fails at P: C keeps a transient peak of 5 in the kernel
    for text in ["dsev 0x10", "dsev 010", "dsev 08", "dsev 0x", "dsev MAX", "dsev  5", "dsev 5 6", "dsev +5",
                 "dsev -1", "dsev 18446744073709551615", "dsev 18446744073709551614", " dsev 7 ", "dsev\t7",
                 "dsev", "bogus 1", "dsev 7\n", "dsev 0", "dsev max"]:
        # R6: the kernel's ERANGE is InvalidArgument in resctld, as EINVAL
        misc_max("C", text)
    misc_max("C", "dsev 18446744073709551616", {"result": "R6 errno mapping (ERANGE)"})
    misc_max("C", "dsev 2")
    misc_charge("C", 1, R4)         # fails at C itself
    misc_max("C", "dsev max")
    misc_charge("O", 6)
    misc_charge("O", 2, R4)         # root: 11 > capacity 10; nothing visible counts it
    misc_charge("C", 0, {"result": "R7 amount 0"})
    misc_capacity(5)                # below the usage of 9
    misc_charge("O", 1, R4)         # O: 7 > capacity 5, at the leaf
    misc_charge("C", 1, R4)         # C 4, P 4, root 10 > 5: at the root
    misc_uncharge("O", 6)
    misc_capacity(0)
    misc_charge("C", 1)             # capacity 0: EINVAL, nothing counted
    misc_max("P", "dsev 3")         # EINVAL after the parse; misc.max lists nothing
    misc_uncharge("C", 3)
    misc_capacity(10)               # the kept max of P shows again
    misc_charge("C", 4, R4)
    misc_charge("C", 1, R4)


# ---- rdma

holders = []


def rdma_open(node, npd, allowed=None):
    """The kernel: a process in the node's cgroup opens rxe0 and allocates
    npd PDs, and holds them. resctld: one hca_handle and npd hca_object
    charges, each stopping at its first refusal, as the process does."""
    kdir = os.path.join(CG, NODES[node][0])
    p = subprocess.Popen([RDMA_OPEN, "rxe0", str(npd), "hold"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True, preexec_fn=lambda: open(os.path.join(kdir, "cgroup.procs"), "w").write(
                             str(os.getpid())))
    lines = []
    for line in p.stdout:
        lines.append(line.strip())
        if line.startswith("holding") or line.startswith("open rxe0: E"):
            break
    holders.append(p)
    kres = ";".join(l.split(": ", 1)[1] if ": " in l else l for l in lines if l != "holding")
    rres = []
    r, cid = rcall("Charge", NODES[node][1], "rdma/drxe/hca_handle", dbus.UInt64(1), dbus.UInt64(0))
    rres.append(r)
    for _ in range(npd if r == "ok" else 0):
        r, cid = rcall("Charge", NODES[node][1], "rdma/drxe/hca_object", dbus.UInt64(1), dbus.UInt64(0))
        rres.append(r)
        if r != "ok":
            break
    # The kernel's errno for a refused open or PD is what the RDMA core and
    # libibverbs make of the controller's EAGAIN.
    rres = ";".join("EAGAIN-like" if x == "EBUSY" else x for x in rres)
    kres = ";".join("EAGAIN-like" if x.startswith("E") else x for x in kres.split(";"))
    compare("open rxe0 + %d PD in %s" % (npd, node), "rdma", kres, rres, allowed or {})


def rdma_max(node, text, allowed=None):
    k = kwrite(os.path.join(CG, NODES[node][0], "rdma.max"), text.replace("drxe", "rxe0"))
    r, _ = rcall("WriteFile", NODES[node][1], "rdma.max", text)
    compare("write %s rdma.max %r" % (node, text.replace("drxe", "rxe0")), "rdma", k, r, allowed or {})


def run_rdma():
    log("== rdma: kernel rxe0 (soft-RoCE) vs resctld rdma/drxe (brokered)")
    r, _ = rcall("RegisterResource", "rdma/drxe", dbus.UInt64(2**64 - 1))
    tap(r == "ok", "RegisterResource rdma/drxe -> %s" % r)
    rdma_max("C", "drxe hca_handle=3")
    for text in ["drxe hca_handle=-1", "drxe hca_handle", "drxe foo=1", "drxe  hca_handle=1",
                 "drxe hca_handle=1  hca_object=1", "drxe hca_handle=maxx", "drxe hca_handle=MAX",
                 "drxe hca_handle=+5", "drxe hca_handle=2147483648", "mlx9 hca_handle=1", "mlx9 hca_handle=-1",
                 "drxe hca_handle=5abc", "drxe hca_handle=0x10", "drxe hca_handle=010", "drxe hca_handle=-0",
                 "drxe hca_handle=1 hca_handle=4", "drxe hca_handle=", "drxe hca_handle=ma",
                 "drxe hca_handle=2147483647", "drxe", "drxe hca_handle=3 hca_object=2"]:
        rdma_max("C", text)
    rdma_max("P", "drxe hca_handle=2 hca_object=1")
    rdma_open("C", 1)
    rdma_open("C", 1)               # the 2nd PD under P: refused at P
    rdma_open("O", 0)
    rdma_open("C", 0)               # the 3rd handle under P: refused
    for p in holders:
        p.stdin.close()
        p.wait()
    # resctld's charges are released by uncharging them all
    for c in mgr.ListCharges(""):
        if str(c[2]).startswith("rdma/drxe"):
            mgr.Uncharge(c[0], c[3])
    compare("all holders gone", "rdma", "ok", "ok", {})


run_misc()
run_rdma()
log("== undocumented differences: %d" % len(undocumented))
for u in undocumented:
    log("  " + u)
sys.exit(0)
