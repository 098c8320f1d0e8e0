#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""start-notify.py LOG CMD [ARGS...]: start CMD with a private NOTIFY_SOCKET,
wait for its READY=1 (as systemd would), print its pid and leave it running.
Output of CMD goes to LOG. Exits 1 if CMD dies or is not ready in 30 s."""
import os, socket, subprocess, sys, tempfile, time

log, cmd = sys.argv[1], sys.argv[2:]
d = tempfile.mkdtemp(prefix="resctl-notify.")
path = os.path.join(d, "notify")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
env = dict(os.environ, NOTIFY_SOCKET=path)
with open(log, "ab") as out:
    p = subprocess.Popen(cmd, env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True)
deadline = time.monotonic() + 30
ready = False
while not ready:
    left = deadline - time.monotonic()
    if left <= 0 or p.poll() is not None:
        break
    s.settimeout(min(left, 0.5))
    try:
        msg = s.recv(4096).decode(errors="replace")
    except socket.timeout:
        continue
    ready = "READY=1" in msg.split("\n")
s.close()
os.unlink(path)
os.rmdir(d)
if not ready:
    sys.stderr.write(f"start-notify: {cmd[0]} did not become ready (see {log})\n")
    if p.poll() is None:
        p.kill()
    sys.exit(1)
print(p.pid)
