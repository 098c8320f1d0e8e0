#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Malformed calls to org.resctl.Manager, in bulk, from one bus connection.

usage: badinput.py TABLE [NAME=VALUE...]

TABLE is one of the tables below ("calls", "refusals", ...); NAME=VALUE
pairs fill in what the test's fixture made (charge ids ID1 ID2 ID3).

For every call it prints one line:
  ok - METHOD(args) -> ERROR.NAME (message)
  not ok - METHOD(args) -> want ERROR.NAME; got ...
The call must fail with exactly the wanted D-Bus error name (api.md), its
message must be one non-empty line, and after it the daemon must still be
up: org.resctl.Manager still owned by the same connection (a crash or a
restart would change the owner). The last line is "# N calls".
"""

import sys

import dbus

E = "org.resctl.Error."
INVAL = E + "InvalidArgument"
NSR = E + "NoSuchResource"
NSG = E + "NoSuchGroup"
NSC = E + "NoSuchCharge"
NSF = E + "NoSuchFile"
LIMIT = E + "LimitExceeded"
CAP = E + "CapacityExceeded"
ARGS = "org.freedesktop.DBus.Error.InvalidArgs"
UNKNOWN = "org.freedesktop.DBus.Error.UnknownMethod"

U64MAX = 2**64 - 1
BIG = "a" * 65536                       # 64 KiB
V = "dmem/drm/0000:c1:00.0/vram0"       # --hardware=demo's region
VN = "drm/0000:c1:00.0/vram0"

# Unit names every method must refuse (none of them in test-bad-input.sh).
BAD_UNITS = [
    "slice", ".service", "foo.", "foo.nosuchtype", "foo.SLICE", "foo bar.service", "foo\x7f.service",
    "foo\x1b[31m.service", "foo%.service", "foo!.service", "foo*.slice", "föö.service",
    "u" * 250 + ".service",            # longer than systemd's 255 bytes
    "a-b-.slice", "a---b.slice", "--.slice", "\t.slice", "foo.service\n", "x" * 65536 + ".scope",
]
# Valid names of groups that do not exist.
UNKNOWN_GROUPS = ["nothere.slice", "bb-zz.slice", "vm999.scope", "nothere.service", "foo@bar.service",
                  "a-b-c-d-e.slice", "bb-a-x.slice", "user@1000.service", "x.socket", "x.mount", "x.target",
                  "dev-sda.device"]
# Keys that are not keys (api.md: misc names [a-z][a-z0-9_]{0,31}).
BAD_KEYS = ["misc/1sev", "misc/_sev", "misc/sev!", "misc/SEV", "misc/" + "a" * 33, "misc/sev/x", "misc//sev",
            "misc/sev ", " misc/sev", "misc/sev\n", "MISC/sev", "cpu/x", "memory/max", "misc/sev\x01",
            "dmem/", "dmem/a b", "dmem/a\tb", "dmem/a\nb", "rdma/mlx5_0/", "rdma//hca_handle", "rdma/mlx5 0",
            "rdma/mlx5_0/hca_handle/x", "dmem/" + BIG, "rdma/" + BIG]
# Well-formed keys of resources that are not registered.
UNKNOWN_KEYS = ["misc/nosuch", "nosuch", "sev_ess", "misc/tdx", "dmem/drm/0000:c1:00.0/vram1",
                "dmem/drm/0000:c1:00.0", "rdma/mlx5_1/hca_handle", "rdma/mlx5/hca_object"]


def t(v):
    return dbus.UInt64(v)


def s(v):
    return dbus.String(v)


def st_array(*pairs):
    return dbus.Array([dbus.Struct((s(k), t(v)), signature="st") for k, v in pairs], signature="(st)")


def props(*pv):
    """a(sv): pairs of (name, already typed value)."""
    return dbus.Array([dbus.Struct((s(n), v), signature="sv") for n, v in pv], signature="(sv)")


def setprops(unit, runtime, *pv):
    return ("SetUnitProperties", "sba(sv)", [s(unit), dbus.Boolean(runtime), props(*pv)])


def calls(ids):
    """(want, method, signature, args) of every malformed call."""
    id1, id2, id3 = ids["ID1"], ids["ID2"], ids["ID3"]
    c = []

    def add(want, method, sig, args):
        c.append((want, method, sig, args))

    # -- wrong signatures, every method (sd-bus checks them: InvalidArgs)
    for method, sig, args in [
            ("ListResources", "s", [s("x")]),
            ("RegisterResource", "s", [s("misc/bbnew")]),
            ("RegisterResource", "sx", [s("misc/bbnew"), dbus.Int64(-1)]),
            ("RegisterResource", "ts", [t(1), s("misc/bbnew")]),
            ("UnregisterResource", "", []),
            ("UnregisterResource", "t", [t(1)]),
            ("SetCapacity", "s", [s("misc/sev")]),
            ("SetCapacity", "sx", [s("misc/sev"), dbus.Int64(-1)]),
            ("SetCapacity", "si", [s("misc/sev"), dbus.Int32(-1)]),
            ("ListGroups", "u", [dbus.UInt32(1)]),
            ("GetGroup", "", []),
            ("GetGroup", "o", [dbus.ObjectPath("/org/resctl/group/bb_2eslice")]),
            ("Charge", "sstx", [s("bb-a.slice"), s("misc/sev"), t(1), dbus.Int64(-1)]),
            ("Charge", "ssxt", [s("bb-a.slice"), s("misc/sev"), dbus.Int64(-1), t(1)]),
            ("Charge", "sst", [s("bb-a.slice"), s("misc/sev"), t(1)]),
            ("Charge", "ssttt", [s("bb-a.slice"), s("misc/sev"), t(1), t(1), t(1)]),
            ("Uncharge", "xx", [dbus.Int64(-1), dbus.Int64(-1)]),
            ("Uncharge", "ttt", [t(id1), t(0), t(0)]),
            ("Uncharge", "s", [s(str(id1))]),
            ("ListCharges", "", []),
            ("ListCharges", "as", [dbus.Array([s("")], signature="s")]),
            ("MigrateCharges", "s", [s("bb-b.slice")]),
            ("MigrateCharges", "axs", [dbus.Array([dbus.Int64(-1)], signature="x"), s("bb-b.slice")]),
            ("MigrateCharges", "tss", [t(id1), s("bb-b.slice"), s("x")]),
            ("MigrateGroup", "s", [s("bb-a.slice")]),
            ("MigrateGroup", "sss", [s("bb-a.slice"), s("bb-b.slice"), s("x")]),
            ("Evict", "sst", [s(V), s("bb-a.slice"), t(1)]),
            ("Evict", "ssxt", [s(V), s("bb-a.slice"), dbus.Int64(-4096), t(0)]),
            ("EvictValuable", "sss", [s(V), s("bb.slice"), s("bb-a.slice")]),
            ("EvictValuable", "sssy", [s(V), s("bb.slice"), s("bb-a.slice"), dbus.Byte(1)]),
            ("EvictValuable", "ssss", [s(V), s("bb.slice"), s("bb-a.slice"), s("false")]),
            ("SetUnitProperties", "sb", [s("bb-u.slice"), dbus.Boolean(False)]),
            ("SetUnitProperties", "sa(sv)", [s("bb-u.slice"), props(("MiscMax", st_array(("sev", 1))))]),
            ("SetUnitProperties", "sua(sv)", [s("bb-u.slice"), dbus.UInt32(0), props(("MiscMax", st_array(("sev", 1))))]),
            ("SetUnitProperties", "sba{sv}", [s("bb-u.slice"), dbus.Boolean(False),
                                               dbus.Dictionary({"MiscMax": st_array(("sev", 1))}, signature="sv")]),
            ("ReadFile", "s", [s("bb.slice")]),
            ("ReadFile", "sss", [s("bb.slice"), s("misc.max"), s("x")]),
            ("WriteFile", "ss", [s("bb.slice"), s("misc.max")]),
            ("WriteFile", "ssss", [s("bb.slice"), s("misc.max"), s("sev 1"), s("x")]),
            ("WriteFile", "sst", [s("bb.slice"), s("misc.max"), t(1)]),
    ]:
        add(ARGS, method, sig, args)
    for m in ["Frob", "charge", "ListResource", "Charge2", "SetUnitProperty"]:
        add(UNKNOWN, m, "", [])

    # -- invalid unit names, in every argument that takes one
    for u in BAD_UNITS:
        add(INVAL, "Charge", "sstt", [s(u), s("misc/sev"), t(1), t(1)])
        add(INVAL, "ReadFile", "ss", [s(u), s("misc.current")])
        add(INVAL, "WriteFile", "sss", [s(u), s("misc.max"), s("sev 1")])
        add(INVAL, *setprops(u, False, ("MiscMax", st_array(("sev", 1)))))
        add(INVAL, "GetGroup", "s", [s(u)])
        add(INVAL, "ListCharges", "s", [s(u)])
        add(INVAL, "MigrateCharges", "ats", [dbus.Array([t(id1)], signature="t"), s(u)])
        add(INVAL, "MigrateGroup", "ss", [s(u), s("bb-b.slice")])
        add(INVAL, "MigrateGroup", "ss", [s("bb-a.slice"), s(u)])
        add(INVAL, "Evict", "sstt", [s(V), s(u), t(4096), t(0)])
        add(INVAL, "EvictValuable", "sssb", [s(V), s(u), s("bb-a.slice"), dbus.Boolean(False)])
        add(INVAL, "EvictValuable", "sssb", [s(V), s("bb.slice"), s(u), dbus.Boolean(True)])
    # "" is the caller's unit only for Charge, and "no limit pool" only
    # for EvictValuable's limit_group; elsewhere it names nothing.
    add(INVAL, "MigrateCharges", "ats", [dbus.Array([t(id1)], signature="t"), s("")])
    add(INVAL, "MigrateGroup", "ss", [s(""), s("bb-b.slice")])
    add(INVAL, "Evict", "sstt", [s(V), s(""), t(4096), t(0)])
    add(INVAL, "EvictValuable", "sssb", [s(V), s("bb.slice"), s(""), dbus.Boolean(False)])
    add(INVAL, *setprops("", True, ("Slice", s("bb.slice"))))

    # -- valid names of groups that do not exist
    for g in UNKNOWN_GROUPS:
        add(NSG, "GetGroup", "s", [s(g)])
        add(NSG, "MigrateGroup", "ss", [s(g), s("bb-b.slice")])

    # -- keys that are not keys, and keys of nothing registered
    for k in BAD_KEYS:
        add(INVAL, "RegisterResource", "st", [s(k), t(1)])
        add(INVAL, "UnregisterResource", "s", [s(k)])
        add(INVAL, "SetCapacity", "st", [s(k), t(1)])
        add(INVAL, "Charge", "sstt", [s("bb-a.slice"), s(k), t(1), t(1)])
        add(INVAL, "Evict", "sstt", [s(k), s("bb-a.slice"), t(1), t(0)])
        add(INVAL, "EvictValuable", "sssb", [s(k), s("bb.slice"), s("bb-a.slice"), dbus.Boolean(False)])
    for k in UNKNOWN_KEYS:
        add(NSR, "Charge", "sstt", [s("bb-a.slice"), s(k), t(1), t(1)])
    for k in ["misc/nosuch", "nosuch", "misc/se", "dmem/drm/0000:c1:00.0", "dmem/drm/0000:c1:00.0/vram00",
              "rdma/mlx5", "rdma/mlx5_1"]:
        add(NSR, "UnregisterResource", "s", [s(k)])
        add(NSR, "SetCapacity", "st", [s(k), t(5)])
    for k in ["dmem/drm/0000:c1:00.0/vram1", "dmem/drm/0000:c1:00.0", "dmem/nosuch/region"]:
        add(NSR, "Evict", "sstt", [s(k), s("bb-a.slice"), t(4096), t(0)])
        add(NSR, "EvictValuable", "sssb", [s(k), s(""), s("bb-a.slice"), dbus.Boolean(False)])
    # a device is registered whole, charged and limited by kind
    add(INVAL, "RegisterResource", "st", [s("rdma/mlx5_0/hca_object"), t(U64MAX)])
    add(INVAL, "Charge", "sstt", [s("bb-a.slice"), s("rdma/mlx5_0"), t(1), t(1)])
    # eviction is for dmem only
    for k in ["misc/sev_es", "sev", "rdma/mlx5_0/hca_object", "rdma/mlx5_0"]:
        add(INVAL, "Evict", "sstt", [s(k), s("bb-a.slice"), t(1), t(1)])
        add(INVAL, "EvictValuable", "sssb", [s(k), s(""), s("bb-a.slice"), dbus.Boolean(True)])
    # capacity 0: registered but unavailable; the kernel's try-charge says EINVAL
    add(INVAL, "Charge", "sstt", [s("bb-a.slice"), s("misc/bbzero"), t(1), t(1)])

    # -- numbers: amounts, flags, ids
    for k in ["misc/sev", V, "rdma/mlx5_0/hca_object", "misc/bbres"]:
        add(INVAL, "Charge", "sstt", [s("bb-a.slice"), s(k), t(0), t(0)])           # R7
    for f in [0x8, 0x10, 0x80, 0x100000000, 0x4000000000000000, 0x7fffffffffffffff, U64MAX - 1]:
        add(INVAL, "Charge", "sstt", [s("bb-a.slice"), s("misc/sev"), t(1), t(f)])
    for f in [0x4, 0x10, 0x100000000, U64MAX - 1, 0x8000000000000001]:
        add(INVAL, "Evict", "sstt", [s(V), s("bb-a.slice"), t(4096), t(f)])
    for i in [1 << 63, (1 << 63) - 1, 1 << 32, U64MAX - 1, id1 + 100000]:
        add(NSC, "Uncharge", "tt", [t(i), t(0)])
        add(NSC, "MigrateCharges", "ats", [dbus.Array([t(i)], signature="t"), s("bb-b.slice")])
    # all or nothing: one unknown id spoils the whole list
    add(NSC, "MigrateCharges", "ats", [dbus.Array([t(id1), t(id2), t(U64MAX - 7)], signature="t"), s("bb-b.slice")])
    add(NSC, "MigrateCharges", "ats", [dbus.Array([t(0), t(id3)], signature="t"), s("bb-b.slice")])
    add(INVAL, "Uncharge", "tt", [t(id1), t(1 << 63)])           # holds 2
    add(INVAL, "Uncharge", "tt", [t(id2), t(4097)])              # holds 4096
    add(INVAL, "Uncharge", "tt", [t(id3), t(3)])                 # holds 2
    add(INVAL, "Uncharge", "tt", [t(id3), t(U64MAX - 1)])

    # -- ReadFile / WriteFile: files that are not there
    for f in ["MISC.MAX", "misc.max\n", " misc.max", "misc.max ", "misc.max\t", "./misc.max", "bb.slice/misc.max",
              "/sys/fs/cgroup/misc.max", "rdma.events", "rdma.peak", "misc.events.locall",
              "misc.", ".max", "misc.current\x01", "cgroup.controllers", "memory.current", "dmem", BIG]:
        add(NSF, "ReadFile", "ss", [s("bb.slice"), s(f)])
        add(NSF, "WriteFile", "sss", [s("bb.slice"), s(f), s("sev 1")])
    for f in ["rdma.current", "misc.events.local", "dmem.max"]:
        add(NSF, "WriteFile", "sss", [s("-.slice"), s(f), s("x 1")])
    for f in ["misc.capacity", "dmem.capacity"]:
        add(NSF, "ReadFile", "ss", [s("bb-a.slice"), s(f)])
        add(NSF, "ReadFile", "ss", [s("vm1.scope"), s(f)])
        add(NSF, "WriteFile", "sss", [s("bb-a.slice"), s(f), s("sev 1")])

    # -- WriteFile texts the kernel rejects (kernel-semantics.md 1.3, 2.3, 3.4; R1, R6, R12)
    # misc.max, section 1.3 and MISC-10: EINVAL/ERANGE -> InvalidArgument
    for text in ["sev 08", "sev 0x", "sev MAX", "sev  5", "sev 5 6", "nope 5", "sev", "", "sev -1",
                 "sev 0X", "sev 0xg", "sev 1e3", "sev 1_000", "sev ++5", "sev +-5", "sev\v5", "sev5", "sev_es:5",
                 "sev=5", "misc/sev 5", "sev 0777777777777777777777777", "sev 0xFFFFFFFFFFFFFFFFF",
                 "sev 18446744073709551616", "sev \n", "\n", "sev max\nsev_es max", "sev 5\x01",
                 "sev 1.0", "sev 5\tsev_es 6", "Sev 5", "sev max max", "sev infinity",
                 "bbzero 5", "bbzero max", "bbzero 08", "bbzero 18446744073709551616"]:
        add(INVAL, "WriteFile", "sss", [s("bb.slice"), s("misc.max"), s(text)])
    # rdma.max, section 2.3 and RDMA-07: parse errors -> InvalidArgument ...
    for text in ["mlx5_0 hca_handle=-1", "mlx5_0 hca_handle", "mlx5_0 foo=1", "mlx5_0  hca_handle=1",
                 "mlx5_0 hca_handle=1  hca_object=1", "mlx5_0 hca_handle=maxx", "mlx5_0 hca_handle=MAX",
                 "mlx5_0 hca_handle=+5", "mlx5_0 hca_handle=2147483648", "mlx9 hca_handle=-1",
                 "mlx5_0 hca_handle=-5", "mlx5_0 hca_object=-2147483649", "mlx5_0 hca_object=-2147483648",
                 "mlx5_0 hca_object=99999999999", "mlx5_0 hca_handle=1 foo", "mlx5_0 hca_handle=1 =2",
                 "mlx5_0 hca_handle==1", "mlx5_0 hca_handle=mx", "mlx5_0 hca_handle=infinity",
                 "mlx5_0 Hca_handle=1", "mlx5_0 hca_object=maxi", "mlx5_0 hca_handle=a1",
                 "nodev hca_object=x"]:
        add(INVAL, "WriteFile", "sss", [s("bb.slice"), s("rdma.max"), s(text)])
    # ... and an unknown device (after a good parse) -> ENODEV -> NoSuchResource
    for text in ["mlx9 hca_handle=1", "mlx5 hca_handle=1", "mlx5_00 hca_object=1", "mlx5_0x",
                 "rdma/mlx5_0 hca_handle=1", "mlx5_0\thca_handle=1", "mlx4_0 hca_object=max"]:
        add(NSR, "WriteFile", "sss", [s("bb.slice"), s("rdma.max"), s(text)])
    # dmem.max / dmem.min / dmem.low, section 3.4, DMEM-02, R1, R12: InvalidArgument
    # (an unknown region is EINVAL there, not ENODEV)
    for text in [VN, "drm/0000:c1:00.0/vram1 1G", VN + " 1.5G", VN + " 1GB", VN + " -1", VN + " +1",
                 VN + "  1G", VN + " MAX", "", VN + " 16E", VN + " 123456789012345678901",
                 VN + " 1G\n" + VN + " 2G", VN + " 1K5", VN + " 1 G", VN + " 1KK", VN + " maxx",
                 VN + " Max", VN + " infinity", VN + " 17179869184G", VN + " 16384P", VN + " 20000000000000000000",
                 VN + " 0x10000000000000000", "drm/0000:c1:00.0 1G", "dmem/" + VN + " 1G", VN + "\n1G",
                 VN + " 1e9", VN + " 0b101", VN + " 1G garbage", VN + " 1.0", VN + " 1Z", VN + " 5 6",
                 "drm/0000:bb:00.0/gone 1M"]:          # DMEM-08: an unregistered region is EINVAL
        for f in ["dmem.max", "dmem.min", "dmem.low"]:
            add(INVAL, "WriteFile", "sss", [s("bb.slice"), s(f), s(text)])

    # 64 KiB (and 1 MiB) texts
    add(INVAL, "WriteFile", "sss", [s("bb.slice"), s("rdma.max"), s("mlx5_0 hca_handle=" + BIG)])
    add(NSR, "WriteFile", "sss", [s("bb.slice"), s("rdma.max"), s(BIG + " hca_handle=1")])
    add(INVAL, "WriteFile", "sss", [s("bb.slice"), s("dmem.max"), s(VN + " " + BIG)])
    add(INVAL, "WriteFile", "sss", [s("bb.slice"), s("dmem.low"), s(BIG + " 1G")])
    add(INVAL, "WriteFile", "sss", [s("bb.slice"), s("misc.max"), s("sev " + "9" * 65536)])
    add(INVAL, "WriteFile", "sss", [s("bb.slice"), s("dmem.min"), s(VN + " " + "1" * 65536)])
    add(INVAL, "Charge", "sstt", [s("m" * (1 << 20) + ".slice"), s("misc/sev"), t(1), t(1)])
    add(INVAL, "RegisterResource", "st", [s("misc/" + "m" * (1 << 20)), t(1)])

    # a device and a region that were unregistered (DMEM-08, section 2.7): ENODEV
    add(NSR, "WriteFile", "sss", [s("bb.slice"), s("rdma.max"), s("mlx7 hca_handle=1")])
    add(NSR, "Charge", "sstt", [s("bb-a.slice"), s("rdma/mlx7/hca_handle"), t(1), t(1)])
    add(NSR, "Charge", "sstt", [s("bb-a.slice"), s("dmem/drm/0000:bb:00.0/gone"), t(4096), t(1)])
    add(NSR, "Evict", "sstt", [s("dmem/drm/0000:bb:00.0/gone"), s("bb-a.slice"), t(4096), t(0)])
    # capacity 0 (MISC-09): a charge of 0 and of 1 are EINVAL
    add(INVAL, "Charge", "sstt", [s("bb-a.slice"), s("misc/bbzero"), t(0), t(1)])
    add(INVAL, "Charge", "sstt", [s("bbc.slice"), s("misc/bbzero"), t(1), t(0)])

    # -- SetUnitProperties: names, types and values
    for p in ["Misc Max", "MISCMAX", "MiscMax\n", "DMemMAX", "RDMAMax", "Slices", "X-Resctl", "MemoryMax",
              "CPUWeight", "misc.max"]:
        add(INVAL, *setprops("bb-u.slice", False, (p, st_array(("sev", 1)))))
    sev1 = dbus.Struct((s("sev"), t(1)), signature="st")
    for v in [dbus.Array([s("sev")], signature="s"), dbus.Array([sev1, sev1], signature="v"),
              dbus.Array([dbus.Struct((s("sev"), t(1), t(1)), signature="stt")], signature="(stt)"),
              dbus.Array([dbus.Struct((t(1), s("sev")), signature="ts")], signature="(ts)"),
              t(1), s("sev:1"), sev1, dbus.Dictionary({"sev": t(1)}, signature="st"),
              dbus.Array([dbus.Struct((s("sev"), dbus.Int64(-1)), signature="sx")], signature="(sx)")]:
        add(INVAL, *setprops("bb-u.slice", False, ("MiscMax", v)))
    for p, v in [("DMemMax", s(VN + ":1G")), ("DMemLow", t(1)), ("RdmaMax", s("mlx5_0 hca_handle=1")),
                 ("Slice", st_array(("bb.slice", 0))), ("Slice", t(0)), ("Slice", dbus.Boolean(True))]:
        add(INVAL, *setprops("bb-u.slice", False, (p, v)))
    for key in ["Sev", "sev sev", "sev\n", "1sev", "a" * 33, BIG, "misc/" + "sev" + "\x01"]:
        add(INVAL, *setprops("bb-u.slice", False, ("MiscMax", st_array((key, 1)))))
    for p in ["DMemMax", "DMemLow", "DMemMin"]:
        add(INVAL, *setprops("bb-u.slice", True, (p, st_array(("", 1)))))
        add(INVAL, *setprops("bb-u.slice", True, (p, st_array((VN + " x", 1)))))
    for p in ["DMemLow", "DMemMin"]:
        add(NSR, *setprops("bb-u.slice", True, (p, st_array(("drm/0000:99:00.0/vram0", 1)))))
    for key, v in [("mlx5_0/hca_handle/x", 1), ("mlx5_0/", 1), ("/hca_handle", 1), ("mlx5_0 hca_handle", 1),
                   ("mlx5_0/hca_object", 2147483648), ("mlx5_0/hca_object", U64MAX - 1)]:
        add(INVAL, *setprops("bb-u.slice", True, ("RdmaMax", st_array((key, v)))))
    for u, slc in [("bbvm2.scope", "nosuffix"), ("bbvm2.scope", "x.slice\n"), ("bbvm2.scope", "a-.slice"),
                   ("bbvm2.scope", "foo.scope"), ("-.slice", "bb.slice"), ("bb-a.slice", "-.slice")]:
        add(INVAL, *setprops(u, False, ("Slice", s(slc))))
    # one bad entry or property spoils the whole call
    add(INVAL, *setprops("bb-u.slice", False, ("MiscMax", st_array(("sev", 1), ("Bad", 2)))))
    add(INVAL, *setprops("bb-u.slice", False, ("MiscMax", st_array(("sev", 1))), ("Slice", s("bb.slice"))))
    add(INVAL, *setprops("bbvm.scope", False, ("Slice", s("bb-b.slice")), ("RdmaMax", st_array(("mlx5_0", 1)))))
    # a runtime setting under a persistent drop-in of the same property
    add(INVAL, *setprops("bb-u.slice", True, ("DMemMax", st_array((VN, 1 << 30)))))
    return c


def refusals(ids):
    """Charges the limits or capacities refuse (they count events and LimitHit)."""
    c = []
    for g, k, n, want in [
            ("bbc.slice", "misc/sev", 401, CAP), ("bbc.slice", "misc/sev", U64MAX, CAP),
            ("bbc.slice", "misc/sev", 1 << 63, CAP), ("bbc.slice", "sev_es", 100, CAP),
            ("bbc.slice", "misc/bbres", 11, CAP), ("bbc.slice", V, (16 << 30) + 1, CAP),
            ("bbc.slice", V, 1 << 40, CAP), ("bb-c.slice", "misc/sev", 401, CAP), ("bb-a.slice", "misc/sev", 4, LIMIT),
            ("bb-a.slice", V, 1 << 30, LIMIT), ("bb-a.slice", "rdma/mlx5_0/hca_handle", 4, LIMIT),
            ("bb.slice", "misc/sev", 6, LIMIT), ("bb-u.slice", "misc/sev", 8, LIMIT)]:
        for flags in (0, 1):
            c.append((want, "Charge", "sstt", [s(g), s(k), t(n), t(flags)]))
    return c


def kernel(ids):
    """Resources the kernel charges itself (resctld(8), ENFORCEMENT THROUGH
    THE KERNEL): everything but their limits is KernelManaged."""
    km = E + "KernelManaged"
    c = []
    for k in ["misc/sev", "sev", V]:
        c.append((km, "Charge", "sstt", [s("bbk.slice"), s(k), t(1), t(1)]))
        c.append((km, "Charge", "sstt", [s("bbk.slice"), s(k), t(1), t(0)]))
        c.append((km, "RegisterResource", "st", [s(k), t(5)]))
        c.append((km, "SetCapacity", "st", [s(k), t(5)]))
        c.append((km, "UnregisterResource", "s", [s(k)]))
    c.append((km, "Evict", "sstt", [s(V), s("bbk.slice"), t(4096), t(0)]))
    c.append((km, "Evict", "sstt", [s(V), s("bbk.slice"), t(4096), t(1)]))
    c.append((km, "EvictValuable", "sssb", [s(V), s(""), s("bbk.slice"), dbus.Boolean(False)]))
    c.append((km, "EvictValuable", "sssb", [s(V), s("bbk.slice"), s("bbk-a.slice"), dbus.Boolean(True)]))
    return c


PROPS = "org.freedesktop.DBus.Properties"


def objects(ids):
    """Group objects: unknown properties, writes to read-only ones, objects
    of groups that do not exist (sd-bus's standard errors)."""
    c = []
    g = "/org/resctl/group/bb_2eslice"
    for p in ["Nope", "max", "Usage ", "", "a" * 65536]:
        c.append(("org.freedesktop.DBus.Error.UnknownProperty", (g, PROPS, "Get"), "ss", [s("org.resctl.Group"), s(p)]))
    for p, v in [("Max", dbus.Dictionary({"misc/sev": t(1)}, signature="st")), ("Name", s("x.slice")),
                 ("Usage", dbus.Dictionary({}, signature="st")), ("Parent", s(""))]:
        c.append(("org.freedesktop.DBus.Error.PropertyReadOnly", (g, PROPS, "Set"), "ssv",
                  [s("org.resctl.Group"), s(p), v]))
    for path in ["/org/resctl/group/nothere_2eslice", "/org/resctl/group/bb_2dzz_2eslice"]:
        c.append(("org.freedesktop.DBus.Error.UnknownObject", (path, PROPS, "GetAll"), "s", [s("org.resctl.Group")]))
    return c


def show(v, limit=70):
    r = repr(v) if not isinstance(v, (dbus.String, str)) else repr(str(v))
    r = r.replace("dbus.", "")
    return r if len(r) <= limit else r[:limit - 20] + "...(%d chars)" % len(r)


def main():
    table = sys.argv[1]
    ids = {}
    for a in sys.argv[2:]:
        k, v = a.split("=", 1)
        ids[k] = int(v)
    bus = dbus.SystemBus()
    owner = bus.get_name_owner("org.resctl.Manager")
    cases = {"calls": calls, "refusals": refusals, "kernel": kernel, "objects": objects}[table](ids)
    n = 0
    for want, method, sig, args in cases:
        n += 1
        path, iface = "/org/resctl/Manager", "org.resctl.Manager"
        if isinstance(method, tuple):
            path, iface, method = method
        desc = "%s%s(%s)" % ("" if path == "/org/resctl/Manager" else path + " " + iface + ".", method,
                             ", ".join(show(a) for a in args))
        got = None
        try:
            res = bus.call_blocking("org.resctl.Manager", path, iface, method, sig, args, timeout=60)
            got = "success " + show(res)
        except dbus.exceptions.DBusException as e:
            name, msg = e.get_dbus_name(), e.get_dbus_message() or ""
            if name != want:
                got = "%s (%s)" % (name, show(msg, 200))
            elif not msg.strip() or "\n" in msg or "\r" in msg:
                got = "%s with a message that is not one non-empty line: %s" % (name, show(msg, 200))
        try:
            now = bus.get_name_owner("org.resctl.Manager")
        except dbus.exceptions.DBusException as e:
            now = "(nobody: %s)" % e.get_dbus_name()
        if now != owner:
            print("not ok - %s: org.resctl.Manager was %s, now %s: the daemon went away" % (desc, owner, now))
            print("# %d calls" % n)
            sys.stdout.flush()
            return 1
        if got is None:
            print("ok - %s -> %s (%s)" % (desc, want, show(msg, 90)))
        else:
            print("not ok - %s -> want %s; got %s" % (desc, want, got))
        sys.stdout.flush()
    print("# %d calls" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
