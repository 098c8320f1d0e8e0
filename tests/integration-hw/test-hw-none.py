#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""resctld --hardware=auto on the machine itself (no testbed): on a machine
without SEV, GPUs or RDMA it starts cleanly, registers nothing, and logs one
line per source it probed."""

import glob
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hwbed  # noqa: E402
from hwbed import check  # noqa: E402


def has_hardware():
    if os.path.exists("/sys/module/kvm_amd") or os.path.exists("/sys/class/infiniband"):
        return True
    for drv in glob.glob("/sys/class/drm/card[0-9]*/device/driver"):
        if os.path.basename(os.path.realpath(drv)) in ("amdgpu", "xe", "i915"):
            return True
    return False


# Not under umockdev: the real /sys, and no RESCTL_UDEV_MONITOR override.
env = {"RESCTL_UDEV_MONITOR": ""}
system = hwbed.System(None, ["--hardware=auto", "--log-level=info"], env)
rows = system.client.call("ListResources")[0]
if has_hardware():
    print("# this machine has SEV, GPU or RDMA hardware: not checking that nothing is registered")
else:
    check(rows == [], "nothing registered (got %s)" % rows)

log = system.log().splitlines()
for source in ("SEV: ", "GPU (udev drm): ", "RDMA (udev infiniband): ", "RDMA netlink: ", "udev monitor: "):
    lines = [line for line in log if line.startswith(source)]
    check(len(lines) == 1, "one line for %s (%s)" % (source.rstrip(": "), lines[0] if len(lines) == 1 else lines))
udev_source = "udev" if os.path.exists("/run/udev/control") else "kernel"
check(any(line.startswith("udev monitor: %s source" % udev_source) for line in log),
      "the %s monitor source is chosen by /run/udev/control" % udev_source)
check(not any("warning" in line.lower() or "cannot" in line.lower() for line in log), "no warnings")
check(system.alive(), "resctld is running")
check(system.stop() == 0, "resctld exits 0 on SIGTERM")
hwbed.finish()
