#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hotplug under a umockdev testbed: uevents add, change and remove become
ResourceAdded, CapacityChanged and ResourceRemoved (live charges released
with reason resource-removed); kvm_amd leaving and coming back re-probes
SEV; bad devices are skipped with a warning and the daemon stays up; a
resource registered by hand is never removed by discovery; untagged uevents
are not seen on the udev source."""

import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hwbed  # noqa: E402
from hwbed import GiB, check  # noqa: E402

hwbed.need_root()
hwbed.under_umockdev()

bed = hwbed.Bed()
gpu0 = bed.pci("0000:03:00.0", "amdgpu", {"mem_info_vram_total": "%d\n" % (16 * GiB)})
card0 = bed.card("card0", gpu0)
hca0 = bed.hca("mlx5_0", bed.pci("0000:41:00.0", "mlx5_core"))
kvm = bed.kvm_amd()
cgroot = os.path.join(bed.root, "cgroup-root")
os.makedirs(cgroot)
misc_capacity = os.path.join(cgroot, "misc.capacity")


def set_misc_capacity(text):
    with open(misc_capacity, "w") as f:
        f.write(text)


set_misc_capacity("sev 410\nsev_es 99\n")

system = hwbed.System(bed, ["--hardware=auto", "--cgroup-root=" + cgroot], {"RESCTL_UDEV_MONITOR": "udev"})
c = system.client
VRAM0 = "dmem/drm/0000:03:00.0/vram"
res = c.resources()
check(res.get(VRAM0) == 16 * GiB and res.get("misc/sev") == 410 and "rdma/mlx5_0/hca_handle" in res,
      "start: amdgpu, mlx5_0 and SEV registered")
check(c.take("ResourceAdded") == [], "start: no signals for what was there at start")

# -- add: an xe card with two tiles (newer sysfs layout)
gpu1 = bed.pci("0000:04:00.0", "xe", {"tile0/memory/physical_vram_size_bytes": "%d\n" % (16 * GiB),
                                      "tile1/memory/physical_vram_size_bytes": "%d\n" % (16 * GiB)})
card1 = bed.card("card1", gpu1)
check(bed.uevent(card1, "add", "drm") > 0, "a udev monitor of resctld listens in the testbed")
check(c.wait(("ResourceAdded", "dmem/drm/0000:04:00.0/vram0", 16 * GiB),
             ("ResourceAdded", "dmem/drm/0000:04:00.0/vram1", 16 * GiB)),
      "add xe card1 -> ResourceAdded vram0 and vram1")
check(c.resources().get("dmem/drm/0000:04:00.0/vram1") == 16 * GiB, "ListResources shows card1's vram1")

# -- change: the amdgpu's VRAM size
bed.write(gpu0 + "/mem_info_vram_total", "%d\n" % (12 * GiB))
bed.uevent(card0, "change", "drm")
check(c.wait(("CapacityChanged", VRAM0, 12 * GiB)), "change card0 size -> CapacityChanged 12G")
check(c.resources().get(VRAM0) == 12 * GiB, "ListResources shows the new size")
bed.uevent(card0, "change", "drm")          # same size again: no signal ...
bed.uevent(card1, "change", "drm", {"RESCTL_DMEM_REGIONS": "vram0=8G"})     # ... the next one is the mark
check(c.wait(("CapacityChanged", "dmem/drm/0000:04:00.0/vram0", 8 * GiB),
             ("ResourceRemoved", "dmem/drm/0000:04:00.0/vram1")),
      "change with RESCTL_DMEM_REGIONS=vram0=8G -> vram0 resized, vram1 removed")
check(c.take("CapacityChanged") == [], "an unchanged size sends nothing")

# -- remove with a live charge: released with reason resource-removed
charge = c.call("Charge", "sstt", "-.slice", "rdma/mlx5_0/hca_handle", 1, 1)[0]
check(charge > 0, "charged rdma/mlx5_0/hca_handle")
bed.remove(hca0)
bed.uevent(hca0, "remove", "infiniband")
check(c.wait(("ChargeReleased", charge, "-.slice", "rdma/mlx5_0/hca_handle", 1, "resource-removed"),
             ("ResourceRemoved", "rdma/mlx5_0")),
      "remove mlx5_0 -> ChargeReleased(resource-removed) and ResourceRemoved")
check(not any(k.startswith("rdma/mlx5_0") for k in c.resources()), "ListResources no longer lists mlx5_0")

# -- add an RDMA device
rxe = bed.hca("rxe0")
bed.uevent(rxe, "add", "infiniband")
check(c.wait(("ResourceAdded", "rdma/rxe0", 2**64 - 1)), "add rxe0 -> ResourceAdded rdma/rxe0")

# -- kvm_amd leaves (the kernel zeroes the capacities) and comes back
bed.unload_kvm_amd()
set_misc_capacity("")
bed.uevent(kvm, "remove", "module")
check(c.wait(("ResourceRemoved", "misc/sev"), ("ResourceRemoved", "misc/sev_es")),
      "kvm_amd remove -> ResourceRemoved misc/sev and misc/sev_es")
bed.kvm_amd()
set_misc_capacity("sev 410\nsev_es 99\n")
bed.uevent(kvm, "add", "module")
check(c.wait(("ResourceAdded", "misc/sev", 410), ("ResourceAdded", "misc/sev_es", 99)),
      "kvm_amd add -> SEV probed again: ResourceAdded 410 / 99")

# -- bad devices: skipped with a warning; untagged uevents unseen
untagged = bed.card("card2", bed.pci("0000:05:00.0", "amdgpu", {"mem_info_vram_total": "%d\n" % GiB}))
bed.uevent(untagged, "add", "drm", tags=())
garbage = bed.card("card3", bed.pci("0000:06:00.0", "amdgpu", {"mem_info_vram_total": "0x\n"}))
bed.uevent(garbage, "add", "drm")
missing = bed.card("card4", bed.pci("0000:07:00.0", "xe", {"tile0/physical_vram_size_bytes": ""}))
bed.uevent(missing, "add", "drm")
good = bed.card("card5", bed.pci("0000:08:00.0", "amdgpu", {"mem_info_vram_total": "%d\n" % (2 * GiB)}))
bed.uevent(good, "add", "drm")
check(c.wait(("ResourceAdded", "dmem/drm/0000:08:00.0/vram", 2 * GiB)), "add card5 -> ResourceAdded")
res = c.resources()
check(not any(k.startswith(("dmem/drm/0000:05", "dmem/drm/0000:06", "dmem/drm/0000:07")) for k in res),
      "the untagged card2 and the bad card3/card4 are not registered")
check([s for s in c.take("ResourceAdded") if "0000:0" in s[1] and "0000:08" not in s[1]] == [],
      "no ResourceAdded for them")
log = system.log()
check('GPU card3 (0000:06:00.0, amdgpu): mem_info_vram_total holds "0x", not a size in bytes; skipping the device.'
      in log, "garbage attribute: warning")
check("GPU card4 (0000:07:00.0, xe): tile0/physical_vram_size_bytes holds" in log, "empty attribute: warning")
check("card2" not in log, "the untagged uevent never reached resctld")
check(system.alive(), "resctld is still running")

# -- a resource registered by hand is never removed by discovery
MANUAL = "dmem/drm/0000:09:00.0/vram0"
c.call("RegisterResource", "st", MANUAL, GiB)
check(c.wait(("ResourceAdded", MANUAL, GiB)), "RegisterResource by hand")
gpu9 = bed.pci("0000:09:00.0", "xe", {"tile0/physical_vram_size_bytes": "%d\n" % (24 * GiB)})
card9 = bed.card("card9", gpu9)
bed.uevent(card9, "add", "drm")
bed.remove(card9)
bed.uevent(card9, "remove", "drm")
bed.remove(good)
bed.uevent(good, "remove", "drm")     # the mark: processed after card9's events
check(c.wait(("ResourceRemoved", "dmem/drm/0000:08:00.0/vram")), "remove card5 -> ResourceRemoved")
check(c.resources().get(MANUAL) == GiB, "the hand-registered region kept its capacity through add and remove")
check([s for s in c.take("ResourceRemoved") + c.take("CapacityChanged") if s[1] == MANUAL] == [],
      "no signal about the hand-registered region")

# -- RESCTL_IGNORE set later hides the device
bed.uevent(card0, "change", "drm", {"RESCTL_IGNORE": "1"})
check(c.wait(("ResourceRemoved", VRAM0)), "change with RESCTL_IGNORE=1 -> ResourceRemoved")

# -- whole-card removal
bed.remove(card1)
bed.uevent(card1, "remove", "drm")
check(c.wait(("ResourceRemoved", "dmem/drm/0000:04:00.0/vram0")), "remove card1 -> ResourceRemoved vram0")

final = c.resources()
check(set(final) == {"misc/sev", "misc/sev_es", "rdma/rxe0/hca_handle", "rdma/rxe0/hca_object", MANUAL},
      "final ListResources: %s" % sorted(final))
check(system.alive(), "resctld is still running at the end")
check(system.stop() == 0, "resctld exits 0 on SIGTERM")
hwbed.finish()
