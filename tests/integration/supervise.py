#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Start a daemon with NOTIFY_SOCKET pointing at a socket of ours and report
what happens to it, one line each, in STATUSFILE:

  PID <pid>            the daemon was started
  READY                it sent READY=1
  NOTIFY <text>        any other notification (STATUS=..., STOPPING=1)
  EXITED <code>        it exited
  SIGNALED <signo>     it was killed by a signal

usage: supervise.py SOCKET STATUSFILE LOGFILE -- COMMAND...

The daemon is our child; we reap it (through a pidfd), so its end is seen
at once, without polling. If we get SIGTERM we SIGKILL the daemon."""

import os
import select
import signal
import socket
import sys


def main():
    argv = sys.argv[1:]
    if len(argv) < 5 or argv[3] != "--":
        sys.exit(__doc__)
    sock_path, status_path, log_path, cmd = argv[0], argv[1], argv[2], argv[4:]

    status = open(status_path, "a", buffering=1)

    def say(line):
        status.write(line + "\n")
        status.flush()

    try:
        os.unlink(sock_path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    s.bind(sock_path)
    os.chmod(sock_path, 0o777)

    env = dict(os.environ)
    env["NOTIFY_SOCKET"] = sock_path
    log = open(log_path, "ab", buffering=0)
    pid = os.fork()
    if pid == 0:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        os.closerange(3, 65536)         # nothing of the test's (fifos of clients) leaks in
        os.setpgid(0, 0)
        try:
            os.execve(cmd[0], cmd, env)
        except OSError as e:
            os.write(2, ("supervise.py: cannot run %s: %s\n" % (cmd[0], e)).encode())
            os._exit(127)
    pidfd = os.pidfd_open(pid)

    def on_term(signo, frame):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os._exit(1)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    say("PID %d" % pid)

    p = select.poll()
    p.register(s.fileno(), select.POLLIN)
    p.register(pidfd, select.POLLIN)
    child_done = False
    while True:
        for fd, ev in p.poll():
            if fd == s.fileno():
                data = s.recv(65536).decode("utf-8", "replace")
                for line in data.split("\n"):
                    if not line:
                        continue
                    say("READY" if line == "READY=1" else "NOTIFY " + line)
            elif fd == pidfd:
                child_done = True
        if child_done:
            # Drain what it sent before it went away, in order.
            while True:
                try:
                    data = s.recv(65536, socket.MSG_DONTWAIT).decode("utf-8", "replace")
                except BlockingIOError:
                    break
                for line in data.split("\n"):
                    if line:
                        say("READY" if line == "READY=1" else "NOTIFY " + line)
            _, st = os.waitpid(pid, 0)
            if os.WIFSIGNALED(st):
                say("SIGNALED %d" % os.WTERMSIG(st))
            else:
                say("EXITED %d" % os.WEXITSTATUS(st))
            return


if __name__ == "__main__":
    main()
