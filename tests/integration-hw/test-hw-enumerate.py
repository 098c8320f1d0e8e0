#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""resctld --hardware=auto at start, on a umockdev testbed with the sysfs
layouts of hardware.md: what ListResources shows, and what is skipped."""

import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hwbed  # noqa: E402
from hwbed import GiB, check  # noqa: E402

hwbed.under_umockdev()

bed = hwbed.Bed()

# amdgpu: device/mem_info_vram_total
gpu0 = bed.pci("0000:03:00.0", "amdgpu", {"mem_info_vram_total": "17163091968\n"})
card0 = bed.card("card0", gpu0)
bed.card("renderD128", gpu0)                                    # not a card
bed.tb.add_device("drm", "card0-DP-1", card0, ["status", "connected\n"], ["DEVTYPE", "drm_connector"])

# xe, two tiles, older layout: tile<T>/physical_vram_size_bytes
gpu1 = bed.pci("0000:04:00.0", "xe", {"tile0/physical_vram_size_bytes": "%d\n" % (16 * GiB),
                                      "tile1/physical_vram_size_bytes": "%d\n" % (8 * GiB)})
bed.card("card1", gpu1)
# xe, newer layout: tile<T>/memory/physical_vram_size_bytes
gpu2 = bed.pci("0000:05:00.0", "xe", {"tile0/memory/physical_vram_size_bytes": "%d\n" % (12 * GiB)})
bed.card("card2", gpu2)
# xe integrated: a tile without VRAM
gpu2i = bed.pci("0000:00:02.0", "xe", {"tile0/id": "0\n"})
bed.card("card12", gpu2i)

# Garbage and missing attributes: skipped with a warning.
bed.card("card3", bed.pci("0000:06:00.0", "amdgpu", {"mem_info_vram_total": "lots of memory\n"}))
bed.card("card4", bed.pci("0000:08:00.0", "amdgpu"))
bed.card("card13", bed.pci("0000:0d:00.0", "xe", {"tile0/physical_vram_size_bytes": "-5\n"}))
# A size the dmem controller would read as "max" is no size: not an unlimited region.
bed.card("card14", bed.pci("0000:10:00.0", "amdgpu", {"mem_info_vram_total": "18446744073709551615\n"}))
bed.card("card15", bed.pci("0000:11:00.0", "xe", {"tile0/physical_vram_size_bytes": "%d\n" % (1 << 51)}))
# Hidden by the administrator.
bed.card("card5", bed.pci("0000:09:00.0", "amdgpu", {"mem_info_vram_total": "%d\n" % (8 * GiB)}),
         {"RESCTL_IGNORE": "1"})
# i915: no dmem regions unless opted in; lmem_total_bytes then.
bed.card("card6", bed.pci("0000:0a:00.0", "i915", {"lmem_total_bytes": "%d\n" % (4 * GiB)}))
bed.card("card7", bed.pci("0000:0b:00.0", "i915", {"lmem_total_bytes": "%d\n" % (4 * GiB)}),
         {"RESCTL_DMEM_REGIONS": "vram0"})
# Another driver, sizes given by the administrator.
bed.card("card8", bed.pci("0000:0c:00.0", "nouveau"), {"RESCTL_DMEM_REGIONS": "vram=17179869184 vram1=8G"})
bed.card("card9", bed.pci("0000:0e:00.0", "nouveau"))
# A bad override: skipped with a warning.
bed.card("card10", bed.pci("0000:0f:00.0", "amdgpu", {"mem_info_vram_total": "%d\n" % GiB}),
         {"RESCTL_DMEM_REGIONS": "vram=12Q"})
# dmem.capacity at the cgroup root wins over sysfs.
bed.card("card11", bed.pci("0000:07:00.0", "amdgpu", {"mem_info_vram_total": "%d\n" % (16 * GiB)}))

# RDMA: an mlx5 HCA under its PCI function, and a soft-RoCE device.
bed.hca("mlx5_0", bed.pci("0000:41:00.0", "mlx5_core"))
bed.hca("rxe0")

# SEV: kvm_amd loaded; a kernel with the misc controller.
bed.kvm_amd("Y\n", "Y\n")
cgroot = os.path.join(bed.root, "cgroup-root")     # not under /sys: not redirected
os.makedirs(cgroot)
with open(os.path.join(cgroot, "misc.capacity"), "w") as f:
    f.write("sev 410\nsev_es 99\n")
with open(os.path.join(cgroot, "dmem.capacity"), "w") as f:
    f.write("drm/0000:07:00.0/vram %d\n" % (15 * GiB))

system = hwbed.System(bed, ["--hardware=auto", "--cgroup-root=" + cgroot], {"RESCTL_UDEV_MONITOR": "udev"})
res = system.client.resources()
rows = system.client.call("ListResources")[0]

expected = {
    "misc/sev": 410,
    "misc/sev_es": 99,
    "dmem/drm/0000:03:00.0/vram": 17163091968,
    "dmem/drm/0000:04:00.0/vram0": 16 * GiB,
    "dmem/drm/0000:04:00.0/vram1": 8 * GiB,
    "dmem/drm/0000:05:00.0/vram0": 12 * GiB,
    "dmem/drm/0000:0b:00.0/vram0": 4 * GiB,
    "dmem/drm/0000:0c:00.0/vram": 17179869184,
    "dmem/drm/0000:0c:00.0/vram1": 8 * GiB,
    "dmem/drm/0000:07:00.0/vram": 15 * GiB,
}
for key, cap in expected.items():
    check(res.get(key) == cap, "ListResources: %s = %d (got %s)" % (key, cap, res.get(key)))
for dev in ("mlx5_0", "rxe0"):
    check(any(r[0].startswith("rdma/%s/" % dev) for r in rows) or "rdma/" + dev in res,
          "ListResources lists rdma/%s" % dev)
rdma_keys = {k for k in res if k.startswith("rdma/")}
dmem_keys = {k for k in res if k.startswith("dmem/")}
check(dmem_keys == {k for k in expected if k.startswith("dmem/")},
      "nothing else for GPUs (renderD128, card0-DP-1, card3-6, card9, card10, card12-15 skipped): %s"
      % sorted(dmem_keys))
check(all(k.split("/")[1] in ("mlx5_0", "rxe0") for k in rdma_keys), "RDMA rows: %s" % sorted(rdma_keys))
check(all(r[2] == 0 for r in rows), "nothing is in use")

log = system.log()
check("card3" in log and "lots of memory" in log and "skipping the device" in log,
      "garbage mem_info_vram_total: a warning names the card and the text")
check("GPU card4 (0000:08:00.0, amdgpu): no mem_info_vram_total; skipping the device." in log,
      "missing mem_info_vram_total: a warning")
check("card13" in log and "not a size in bytes" in log, "negative xe VRAM size: a warning")
check("GPU card14 (0000:10:00.0, amdgpu): mem_info_vram_total holds \"18446744073709551615\", not a size in bytes; "
      "skipping the device." in log, "a VRAM size of 2^64-1: rejected with a warning")
check("card15" in log and str(1 << 51) in log, "a VRAM size of PAGE_COUNTER_MAX: rejected with a warning")
check("card10" in log and "12Q" in log, "a bad RESCTL_DMEM_REGIONS: a warning")
check("RESCTL_IGNORE is set" in log, "RESCTL_IGNORE is logged")
check("SEV: 410 SEV and 99 SEV-ES ASIDs from %s/misc.capacity." % cgroot in log, "SEV: the source is logged")
check("udev monitor: udev source, tag resctl (RESCTL_UDEV_MONITOR)" in log, "udev monitor source is logged")
check(system.alive(), "resctld is still running")

check(system.stop() == 0, "resctld exits 0 on SIGTERM")
hwbed.finish()
