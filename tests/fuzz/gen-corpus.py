#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the seed corpora under tests/fuzz/corpus/ (except the real logs
that make-state-seeds.sh captures from resctld). Rerun after changing a
list here; the files are committed. Names are seed-<n>, stable by order."""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
V = "drm/0000:03:00.0/vram0"
S = "drm/0000:03:00.0/stolen"


def write(target, items):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if name.startswith("seed-"):
            os.unlink(os.path.join(d, name))
    for i, data in enumerate(items):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(d, "seed-%03d" % i), "wb") as f:
            f.write(data)


# ---- kernel-format files: kernel-semantics.md §1.3, §2.3, §3.4, §6 ----
misc = ["res_a 5", "res_a max", "res_a 18446744073709551615", "res_a 18446744073709551614", "res_a 0",
        "res_a 0x10", "res_a 010", "res_a 08", "res_a 0x", "res_a MAX", "res_a  5", "res_a 5 6", "res_a +5",
        "res_a -1", "res_a 18446744073709551616", "res_b 3", "res_c 1", "res_a", "", "res_a\t5", "res_a 7\n",
        " res_a 4 \n", "res_a 5\n\n"]
rdma = ["mlx5_0 hca_handle=2 hca_object=2000", "mlx5_0 hca_handle=-1", "mlx5_0 hca_handle", "mlx5_0 foo=1",
        "mlx5_0  hca_handle=1", "mlx5_0 hca_handle=1  hca_object=1", "mlx5_0 hca_handle=maxx",
        "mlx5_0 hca_handle=MAX", "mlx5_0 hca_handle=+5", "mlx5_0 hca_handle=2147483648", "mlx9 hca_handle=1",
        "mlx9 hca_handle=-1", "mlx5_0 hca_handle=5abc", "mlx5_0 hca_handle=0x10", "mlx5_0 hca_handle=010",
        "mlx5_0 hca_handle=-0", "mlx5_0 hca_handle=1 hca_handle=4", "mlx5_0 hca_handle=", "mlx5_0 hca_handle=ma",
        "mlx5_0 hca_handle=2147483647", "mlx5_0", "mlx4_0 hca_object=1\nmlx5_0 hca_object=2",
        "mlx5_0 hca_handle=1\nmlx4_0", "mlx5_0 hca_handle=3 hca_object=max "]
dmem = [V + " 1G", V + " 512m", V + "\t4096", V + " 0x1000", V + " 010", V + " 2251799813685246",
        V + " 2251799813685247", V + " max", V, "drm/0000:03:00.0/vram1 1G", V + " 1.5G", V + " 1GB", V + " -1",
        V + " +1", V + "  1G", V + " MAX", "", V + " 1G\n" + S + " 1M", V + " 16E", V + " 16383P",
        V + " 99999999999999999999", V + " K", S + " 4k", " " + S + " 7\n", V + " 0x", V + " 08"]
kfile = []
for t in misc:
    kfile.append("M" + t)
kfile.append("M^res_a 4")
for t in rdma:
    kfile.append("R" + t)
kfile.append("R^mlx5_0 hca_object=1")
for i, t in enumerate(dmem):
    kfile.append("nlx"[i % 3] + t)
kfile.append("x^" + V + " 1G")
# several writes in one input, NUL-separated
kfile.append("Mres_a 4\0Mres_a 9\0Rmlx5_0 hca_handle=3\0x" + V + " 1G\0n" + V + " 2M")
kfile.append("Rmlx5_0 hca_handle=3 hca_object=max\0Rmlx5_0 hca_object=7\0Rmlx4_0 hca_handle=max")
numbers = {
    "K": ["a18446744073709551615", "a18446744073709551616", "a+5", "a-5", "a5\n", "a5\n\n", "00x10", "00x",
          "0010", "008", "h0x1f", "hff", "8777", "8778", "a", "0", "a 5"],
    "I": ["5abc", "-", "-x", "18446744073709551617", "2147483647", "2147483648", "-2147483648", "-2147483649",
          "0x7fffffff", "-0", "010", "+5", ""],
    "P": ["1G", "512m", "16E", "15E", "0x1000K", "010", "K", "", "1.5G", "1GB", "18446744073709551615",
          "18446744073709551616", "17179869184P"],
    "U": ["max", "infinity", "8", "4G", "1T", "16777216T", "16777215T", "1P", "08", "", "-1", "1.5G", " 1", "1 ",
          "18446744073709551615", "18446744073709551616", "Max"],
}
for k, vals in numbers.items():
    for t in vals:
        kfile.append(k + t)
write("fuzz-kfile", kfile)

# ---- [X-Resctl] settings ----
uc = [
    "[X-Resctl]\nMiscMax=sev:8\nDMemMax=%s:4G\nDMemLow=%s:1G\nDMemMin=%s:512M\n"
    "RdmaMax=mlx5_0 hca_handle=2 hca_object=2000\nSlice=tenant-a.slice\n" % (V, V, V),
    "[Unit]\nDescription=VM\n\n[Service]\nExecStart=/bin/true\n\n[X-Resctl]\nMiscMax=sev:8\n",
    "[X-Resctl]\nDMemMax=%s:4096\nDMemMax=%s 8K\nDMemMax=%s \t 9K\nDMemMax=%s: 10K\n" % (V, V, V, V),
    "[X-Resctl]\nMiscMax=sev 8\nMiscMax=sev_es: 9\n  MiscMax \t=  tdx:3  \n",
    "[X-Resctl]\nMiscMax=misc/sev:8\nMiscMax=sev\nMiscMax=sev:\nMiscMax=:8\nMiscMax=sev 8 9\n"
    "MiscMax=sev:8 # no inline comments\nDMemMax=%s\n" % V,
    "[X-Resctl]\nMiscMax=a:1\nMiscMax=abcdefghijklmnopqrstuvwxyz012345:1\nMiscMax=abcdefghijklmnopqrstuvwxyz0123456:1\n"
    "MiscMax=Sev:1\nMiscMax=1sev:1\nMiscMax=_sev:1\nMiscMax=se-v:1\n",
    "[X-Resctl]\nDMemMax=/drm/x:1\nDMemMax=drm/x/:1\nDMemMax=drm/x:1\n",
    "[X-Resctl]\nRdmaMax=mlx5_0 hca_handle=2\nRdmaMax=mlx5_0   hca_object=max\n"
    "RdmaMax=mlx5_1 hca_object=7 hca_handle=1 hca_handle=3\nRdmaMax=mlx5_2 hca_handle=2147483647 hca_object=infinity\n",
    "[X-Resctl]\nRdmaMax=mlx5_0 hca_handle=5 hca_object=x\nRdmaMax=mlx5_0 hca_handle=2147483648\nRdmaMax=mlx5_0\n"
    "RdmaMax=mlx5_0 hca_handle\nRdmaMax=mlx5_0 hca_handle=\nRdmaMax=mlx5_0 hca_foo=1\nRdmaMax=mlx5_0 hca_handle=-1\n"
    "RdmaMax=mlx5_0/hca_handle 1\nRdmaMax=mlx5_0:hca_handle=1\n",
    "[X-Resctl]\nSlice=tenant-a.slice\nSlice=-.slice\nSlice=a--b.slice\nSlice=-a.slice\nSlice=a-.slice\n"
    "Slice=foo.service\nSlice=foo@bar.slice\nSlice=foo\nSlice=a b.slice\nSlice=\n",
    "[X-Resctl]\nMiscMax=sev:8\nMiscMax=tdx:4\nMiscMax=\nMiscMax=sev_es:2\nFoo=1\nnoequals\n=5\n",
    "\xef\xbb\xbf[X-Resctl]\nMiscMax=sev:\\\n8\n# comment\n; comment\nDMemMax=%s:\\\n# inside\n1G\n" % V,
    "[X-Resctl\nMiscMax=sev:1\n[X-Resctl]\nMiscMax=sev:2\n[Service]\nMiscMax=sev:3\n",
    "[X-Resctl]\nMiscMax=sev:1\\",
    "[X-Resctl]\nMiscMax=sev:max\nMiscMax=sev_es:infinity\nDMemMax=%s:16777215T\nDMemMax=%s:16777216T\n" % (V, S),
    # a fragment, then drop-ins (NUL separates files)
    "[X-Resctl]\nMiscMax=sev:8\nSlice=a.slice\n\0[X-Resctl]\nMiscMax=\nMiscMax=sev:4\n\0[X-Resctl]\nSlice=\n",
]
with open(os.path.join(HERE, "..", "cli", "expected", "dropins"), encoding="utf-8") as f:
    uc.append(f.read())
write("fuzz-unit-conf", uc)

# ---- RDMA netlink (as tests/unit/test-rdma-netlink.c builds them) ----
NLA_F_NESTED = 1 << 15
GET, RES_GET = 1, 9
(ATTR_DEV_INDEX, ATTR_DEV_NAME, ATTR_PORT_INDEX, ATTR_FW_VERSION, ATTR_NODE_GUID, ATTR_CAP_FLAGS) = (1, 2, 3, 5, 6, 4)
# values from <rdma/rdma_netlink.h>
ATTR_RES_SUMMARY, ATTR_RES_SUMMARY_ENTRY, ATTR_RES_SUMMARY_ENTRY_NAME, ATTR_RES_SUMMARY_ENTRY_CURR = 15, 16, 17, 18
ATTR_PAD = 0


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def attr(t, payload):
    return pad(struct.pack("<HH", 4 + len(payload), t) + payload)


def nest(t, body):
    return struct.pack("<HH", 4 + len(body), t) + body


def msg(cmd, body, mtype=None, flags=2):
    t = mtype if mtype is not None else (5 << 10) | cmd
    return struct.pack("<IHHII", 16 + len(body), t, flags, 1, 0) + body


def s(x):
    return x.encode() + b"\0"


def dev(index, name, extra=True):
    b = attr(ATTR_DEV_INDEX, struct.pack("<I", index)) + attr(ATTR_DEV_NAME, s(name))
    if extra:
        b += attr(ATTR_PORT_INDEX, struct.pack("<I", 1)) + attr(ATTR_CAP_FLAGS, struct.pack("<Q", 0x1234))
        b += attr(ATTR_FW_VERSION, s("16.35.2000")) + attr(ATTR_NODE_GUID, struct.pack("<Q", 0x0c42a10300a1b2c3))
    return b


def entry(name, curr, with_pad=False):
    b = attr(ATTR_RES_SUMMARY_ENTRY_NAME, s(name))
    if with_pad:
        b += attr(ATTR_PAD, b"")
    b += attr(ATTR_RES_SUMMARY_ENTRY_CURR, struct.pack("<Q", curr))
    return nest(ATTR_RES_SUMMARY_ENTRY, b)


def res(index, name, entries, flags=NLA_F_NESTED):
    table = b"".join(entry(n, c, i == 1) for i, (n, c) in enumerate(entries))
    return msg(RES_GET, attr(ATTR_DEV_INDEX, struct.pack("<I", index)) + attr(ATTR_DEV_NAME, s(name))
               + nest(ATTR_RES_SUMMARY | flags, table))


summary = [("pd", 3), ("cq", 5), ("qp", 8), ("cm_id", 0), ("mr", 1 << 40), ("ctx", 2), ("srq", 1)]
full = msg(GET, dev(1, "mlx5_0"))
nl = [
    full,
    msg(GET, dev(1, "mlx5_0", False)),
    msg(GET, dev(7, "rxe0")),
    res(1, "mlx5_0", summary),
    res(2, "mlx4_0", summary, 0),
    res(3, "siw0", []),
    res(4, "many", [("e%d" % i, i) for i in range(33)]),
    msg(GET, dev(1, "mlx5 0")),                              # bad name
    msg(GET, dev(1, "a/b")),
    msg(GET, attr(ATTR_DEV_INDEX, struct.pack("<I", 1))),  # no name
    msg(GET, attr(ATTR_DEV_INDEX, struct.pack("<H", 1)) + attr(ATTR_DEV_NAME, s("x"))),
    msg(GET, attr(ATTR_DEV_INDEX, struct.pack("<Q", 1)) + attr(ATTR_DEV_NAME, s("x"))),
    msg(GET, attr(ATTR_DEV_INDEX, struct.pack("<I", 1)) + attr(ATTR_DEV_NAME, b"nonul")),
    msg(GET, attr(ATTR_DEV_INDEX, struct.pack("<I", 1)) + attr(ATTR_DEV_NAME, b"x" * 64 + b"\0")),
    full[:-3],                                             # truncated
    full[:20],
    msg(0, struct.pack("<i", -95) + full[:16], mtype=2),   # NLMSG_ERROR EOPNOTSUPP
    msg(0, struct.pack("<i", 0), mtype=2),                 # ACK
    msg(0, b"", mtype=3),                                  # NLMSG_DONE
    msg(GET, b"\x03\x00\x01\x00"),                         # attribute shorter than its header
    msg(GET, b"\x40\x00\x01\x00\x01\x00\x00\x00"),         # longer than the message
    res(1, "mlx5_0", summary)[:-2],
    msg(RES_GET, dev(1, "dup") + nest(ATTR_RES_SUMMARY, entry("qp", 1)) + nest(ATTR_RES_SUMMARY, entry("cq", 2))),
]
write("fuzz-rdma-netlink", nl)

# ---- udev / sysfs / cgroupfs attributes ----
sysfs = [
    "Ravram=17179869184 vram1=8G", "Rxvram0 vram1", "Rivram0", "Ravram", "R-vram=0", "R-vram=max", "R-a=1 a=2",
    "R-v/x=1", "R-v=1.5G", "R-" + " ".join("r%d=1" % i for i in range(17)), "R-  \t\n", "R-vram=18446744073709551616",
    "R-" + "x" * 63 + "=1", "R-" + "x" * 64 + "=1", "Rxvram63", "Rxvram64", "Rxvram0x",
    "Ddrm/0000:03:00.0/vram0 8514437120\ndrm/0000:03:00.0/stolen 67108864\n",
    "Ddrm/0000:04:00.0/vram0 1\ndrm/0000:03:00.0/vram0 0\ndrm/0000:03:00.0/ 5\ndrm/0000:03:00.0/a b 5\n",
    "D" + "".join("drm/0000:03:00.0/r%d %d\n" % (i, i + 1) for i in range(20)),
    "Ddrm/0000:03:00.0/vram0  5\ndrm/0000:03:00.0/vram0\t5\ndrm/0000:03:00.0/vram0 0x10\n",
    "Ddrm/0000:03:00.0/vram0 18446744073709551615\ndrm/0000:03:00.0/vram0 18446744073709551616",
    "S17163091968\n", "S0\n", "S18446744073709551615", "S18446744073709551616", "S+5", "S5 ", "S", "S\0\n", "S0x10",
    "Csev 509\nsev_es 0\n", "Csev 509\nsev_es 10\ntdx 1\n", "Csev\n", "Csev x\n", "Ctdx 5\n", "C", "C\n\n  \n",
    "Csev  5\n", "Csev 18446744073709551616\n", "C sev 3 \n", "Csev 1\0sev_es 2\n",
    "BY", "BN\n", "B1", "B0", "BY\n\n", "Byes", "B", "Bn",
]
write("fuzz-sysfs", sysfs)


# ---- state and runtime logs, records whose CRC the target adds ----
def records(state, runtime=None):
    text = "a" + "".join(r + "\n" for r in state)
    if runtime is not None:
        text += "==\n" + "".join(r + "\n" for r in runtime)
    return text


state = [
    records(["I 1", "R misc/sev 16", "C 1 vm1.service misc/sev 3 1 0 0"]),
    records(["R misc/sev 16", "R dmem/%s 8514437120" % V, "R rdma/mlx5_0 18446744073709551615",
             "C 1 a.service dmem/%s 4096 1 0 0" % V, "C 2 b.service rdma/mlx5_0/hca_object 1 1 0 0",
             "X 1 1024", "M 2 tenant-a.slice", "C 3 tenant-a-b.slice misc/sev 2 1 0 0", "D rdma/mlx5_0"],
            ["W tenant-a.slice misc.max 73657620352", "P vm1.service misc/sev 9 1 0", "F misc/sev 4",
             "C 9 c.service misc/sev 1 0 1 1", "w tenant-a.slice misc.max sev", "D misc/tdx"]),
    records(["R misc/sev 16", "C 1 vm1.service misc/sev 3 1 0 0", "C 1 vm1.service misc/sev 3 1 0 0",
             "X 7 0", "M 8 a.slice", "C 0 a.service misc/sev 1 1 0 0", "C 2 a.service misc/sev 0 1 0 0",
             "C 3 a.service misc/sev 1", "R misc/sev", "R misc/sev x", "Q 1", "II 1", "D misc/none"]),
    records(["R misc/sev 4", "C 1 a.service misc/sev 3 1 0 0", "C 2 b.service misc/sev 3 1 0 0"],
            ["W a.service misc.max 736576203", "W -.slice misc.max 736576203", "W a.service misc.max zz",
             "W a.service nofile.max 41", "W a.service misc.max -", "P a.service misc/sev 1 2 3",
             "P a.service misc/none 1 2 3", "F misc/sev x", "R misc/sev 1"]),
    records(["R dmem/%s 1073741824" % V, "C 5 job.service dmem/%s 1048576 1 0 0" % V],
            ["W job.service dmem.max " + (V + " 4096").encode().hex(),
             "W job.service dmem.low " + (V + " max").encode().hex(),
             "W job.service dmem.min " + (V + " 1K").encode().hex(),
             "P job.service dmem/%s 2097152 3 1" % V, "C 6 job.service dmem/%s 1 0 1 1" % V]),
    records(["R rdma/mlx5_0 18446744073709551615"],
            ["W x.service rdma.max " + "mlx5_0 hca_handle=2 hca_object=max".encode().hex(),
             "W x.service rdma.max " + "mlx5_0 hca_object=7".encode().hex(),
             "F rdma/mlx5_0/hca_handle 3", "F rdma/mlx5_0 3"]),
    # with a unit file: unit settings meet the runtime records
    records(["R misc/sev 16", "R dmem/%s 1073741824" % V, "C 1 vm.service misc/sev 2 1 0 0"],
            ["W tenant-a.slice misc.max " + "sev 5".encode().hex()])
    + "==\ntenant-a.slice\n[X-Resctl]\nMiscMax=sev:7\nDMemMax=%s:1G\nDMemLow=%s:1M\n" % (V, V),
    records(["R rdma/mlx5_0 18446744073709551615", "C 1 vm.service rdma/mlx5_0/hca_handle 1 1 0 0"],
            ["W vm.service rdma.max " + "mlx5_0 hca_handle=9".encode().hex()])
    + "==\nvm.service\n[Service]\nExecStart=/bin/true\n[X-Resctl]\nSlice=tenant-a.slice\n"
    "RdmaMax=mlx5_0 hca_handle=2 hca_object=3\n",
    "r12345678 I 1\n00000000 R misc/sev 1\nnot a record\n==\ntorn",
    "r",
    "a==\nI 5",
]
write("fuzz-state", state)
print("corpora written under", os.path.join(HERE, "corpus"), file=sys.stderr)
