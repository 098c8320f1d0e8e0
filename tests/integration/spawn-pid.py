#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""spawn-pid.py PID COMMAND...: run COMMAND as process PID (in a pid
namespace of our own, as root: /proc/sys/kernel/ns_last_pid), and wait for
it; exits with its status. A pid reuse on purpose, for the tests of what an
old pid must not be mistaken for. Another process may take the pid first
(a thread of some daemon): then that child is dropped and we try again."""

import os
import sys
import time


def main():
    want = int(sys.argv[1])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        # A zombie still holds the pid: bounded wait for its reaping.
        if os.path.exists("/proc/%d" % want):
            time.sleep(0.01)
            continue
        r, w = os.pipe()
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(want - 1))
        pid = os.fork()
        if pid == 0:
            os.close(w)
            go = os.read(r, 1)
            if go != b"1":
                os._exit(0)
            os.execvp(sys.argv[2], sys.argv[2:])
        os.close(r)
        if pid != want:
            os.write(w, b"0")
            os.close(w)
            os.waitpid(pid, 0)
            continue
        os.write(w, b"1")
        os.close(w)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
    sys.stderr.write("spawn-pid.py: could not get pid %d\n" % want)
    sys.exit(1)


if __name__ == "__main__":
    main()
