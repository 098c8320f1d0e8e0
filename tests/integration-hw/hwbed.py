# SPDX-License-Identifier: LGPL-2.1-or-later
"""Harness of the hardware-discovery tests (run by Debian's /usr/bin/python3,
which has gi with UMockdev and Gio).

  under_umockdev()   re-executes the calling script under umockdev-wrapper
                     (the preload), unless it already runs there
  Bed                a umockdev testbed modelling the sysfs of hardware.md:
                     PCI parents with a `driver` symlink, drm cards with a
                     `device` link, infiniband devices, the kvm_amd module;
                     and uevents sent the way udevd sends them, tags included
  System             a private system bus and resctld under the testbed
  Client             D-Bus calls and the signals received, waited for with
                     a deadline (never a fixed sleep)

Every check prints "ok N - ..." or "not ok N - ..."; finish() exits non-zero
if any failed and prints the daemon's log then."""

import glob
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Gio", "2.0")
gi.require_version("GLib", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("SOURCE_ROOT") or os.path.dirname(os.path.dirname(HERE))
RESCTLD = os.environ.get("RESCTLD") or os.path.join(SOURCE_ROOT, "build/src/daemon/resctld")
TIMEOUT = float(os.environ.get("HW_TIMEOUT", "30"))

GiB = 1 << 30


def need_root():
    """RegisterResource and Charge: root callers need no polkit."""
    if os.geteuid() != 0:
        print("SKIP: needs root (bus calls that root may make without polkit)")
        sys.exit(77)


def under_umockdev():
    if "umockdev-preload" not in os.environ.get("LD_PRELOAD", ""):
        if not shutil.which("umockdev-wrapper"):
            print("SKIP: umockdev-wrapper not installed")
            sys.exit(77)
        os.execvp("umockdev-wrapper", ["umockdev-wrapper", "/usr/bin/python3"] + sys.argv)


# ---------------------------------------------------------------- results

_n = {"pass": 0, "fail": 0}
_system = None


def check(cond, what):
    _n["pass" if cond else "fail"] += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", _n["pass"] + _n["fail"], what), flush=True)
    return cond


def finish():
    if _system:
        _system.stop()
    if _n["fail"] or not _n["pass"] or os.environ.get("HW_VERBOSE"):
        if _system:
            print("# ---- resctld log ----")
            for line in _system.log().splitlines():
                print("# " + line)
    if _n["fail"] or not _n["pass"]:
        print("# %d passed, %d failed (files kept in %s)" % (_n["pass"], _n["fail"], _system.tmp if _system else "-"))
        sys.exit(1)
    if _system:
        _system.cleanup()
    print("# %d passed" % _n["pass"])
    sys.exit(0)


def bail(what):
    check(False, what)
    finish()


# ---------------------------------------------------------------- uevents


def _murmur2(s):
    """systemd's string_hash32() (MurmurHash2, seed = length)."""
    data = s.encode()
    m, M = 0x5BD1E995, 0xFFFFFFFF
    n = len(data)
    h = n & M
    i = 0
    while n >= 4:
        k = struct.unpack_from("<I", data, i)[0]
        k = (k * m) & M
        k ^= k >> 24
        k = (k * m) & M
        h = (h * m) & M
        h ^= k
        i += 4
        n -= 4
    if n == 3:
        h ^= data[i + 2] << 16
    if n >= 2:
        h ^= data[i + 1] << 8
    if n >= 1:
        h ^= data[i]
        h = (h * m) & M
    h ^= h >> 13
    h = (h * m) & M
    h ^= h >> 15
    return h


def _bloom64(tag):
    h = _murmur2(tag)
    bits = 0
    for shift in (0, 6, 12, 18):
        bits |= 1 << ((h >> shift) & 63)
    return bits


class Bed:
    """A umockdev testbed. Paths are sysfs paths ("/sys/devices/...")."""

    def __init__(self):
        gi.require_version("UMockdev", "1.0")
        from gi.repository import UMockdev

        self.tb = UMockdev.Testbed.new()
        self.root = self.tb.get_root_dir()
        self.seqnum = 1000
        self.props = {}

    def real(self, path):
        return self.root + path

    def write(self, path, text):
        p = self.real(path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)

    def unlink(self, path):
        try:
            os.unlink(self.real(path))
        except FileNotFoundError:
            pass

    def pci(self, address, driver, files=None):
        """A PCI function bound to driver (a symlink, as the kernel makes it)."""
        path = self.tb.add_device("pci", address, None, ["vendor", "0x1002\n"],
                                  ["PCI_SLOT_NAME", address] + (["DRIVER", driver] if driver else []))
        if driver:
            d = self.real("/sys/bus/pci/drivers/" + driver)
            os.makedirs(d, exist_ok=True)
            os.symlink(os.path.relpath(d, self.real(path)), self.real(path + "/driver"))
        for name, text in (files or {}).items():
            self.write(path + "/" + name, text)
        return path

    def card(self, name, parent, props=None, devtype="drm_minor"):
        """A drm device under parent, with cardN/device -> parent."""
        props = dict(props or {})
        plist = ["DEVNAME", "/dev/dri/" + name, "DEVTYPE", devtype]
        for k, v in props.items():
            plist += [k, v]
        path = self.tb.add_device("drm", name, parent, [], plist)
        os.symlink(os.path.relpath(self.real(parent), self.real(path)), self.real(path + "/device"))
        self.props[path] = dict(props, DEVTYPE=devtype, DEVNAME="/dev/dri/" + name)
        return path

    def hca(self, name, parent=None, props=None):
        props = dict(props or {})
        plist = []
        for k, v in props.items():
            plist += [k, v]
        path = self.tb.add_device("infiniband", name, parent, ["node_type", "1: CA\n"], plist)
        self.props[path] = props
        return path

    def kvm_amd(self, sev="Y\n", sev_es="Y\n"):
        """/sys/module/kvm_amd: no subsystem link there; udev names it "module"."""
        self.write("/sys/module/kvm_amd/uevent", "")
        self.write("/sys/module/kvm_amd/parameters/sev", sev)
        self.write("/sys/module/kvm_amd/parameters/sev_es", sev_es)
        return "/sys/module/kvm_amd"

    def unload_kvm_amd(self):
        shutil.rmtree(self.real("/sys/module/kvm_amd"), ignore_errors=True)

    def remove(self, path):
        self.tb.remove_device(path)

    def uevent(self, path, action, subsystem, props=None, tags=("resctl",)):
        """Send a uevent as udevd does (libudev's netlink format, with the
        tag bloom filter), to every udev monitor of the testbed's clients.
        umockdev's own Testbed.uevent() sets no tag bloom, so a monitor
        filtering on a tag (as resctld does on the udev source) drops it."""
        self.seqnum += 1
        p = {"ACTION": action, "DEVPATH": path[len("/sys"):], "SUBSYSTEM": subsystem, "SEQNUM": str(self.seqnum)}
        p.update(self.props.get(path, {}))
        p.update(props or {})
        if tags:
            p["TAGS"] = p["CURRENT_TAGS"] = ":" + ":".join(tags) + ":"
        body = b"".join(("%s=%s" % kv).encode() + b"\0" for kv in p.items())
        bloom = 0
        for t in tags:
            bloom |= _bloom64(t)
        devtype = _murmur2(p["DEVTYPE"]) if "DEVTYPE" in p else 0
        header = (b"libudev\0" + struct.pack(">I", 0xFEEDCAFE) + struct.pack("=III", 40, 40, len(body))
                  + struct.pack(">IIII", _murmur2(subsystem), devtype, bloom >> 32, bloom & 0xFFFFFFFF))
        sent = 0
        for sock_path in glob.glob(os.path.join(self.root, "event[0-9]*")):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_RAW)
            try:
                s.connect(sock_path)
                s.send(header + body)
                sent += 1
            except (ConnectionRefusedError, FileNotFoundError):
                pass
            finally:
                s.close()
        return sent


# ---------------------------------------------------------------- bus + daemon


class Client:
    def __init__(self, address):
        flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
        self.conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
        self.signals = []
        self.conn.signal_subscribe(None, "org.resctl.Manager", None, "/org/resctl/Manager", None,
                                   Gio.DBusSignalFlags.NONE, self._on_signal)
        self._tick = GLib.timeout_add(100, lambda: True)   # wakes the loop to look at the deadline

    def _on_signal(self, conn, sender, path, iface, member, params):
        self.signals.append((member,) + tuple(params.unpack()))

    def call(self, method, signature=None, *args):
        params = GLib.Variant("(%s)" % signature, args) if signature else None
        reply = self.conn.call_sync("org.resctl.Manager", "/org/resctl/Manager", "org.resctl.Manager", method,
                                    params, None, Gio.DBusCallFlags.NONE, int(TIMEOUT * 1000), None)
        return reply.unpack()

    def resources(self):
        """{key: capacity} from ListResources."""
        return {row[0]: row[1] for row in self.call("ListResources")[0]}

    def pump(self):
        ctx = GLib.MainContext.default()
        while ctx.pending():
            ctx.iteration(False)

    def wait(self, *wanted, timeout=TIMEOUT):
        """Wait until every wanted signal tuple (member, args...) has arrived,
        in any order; consume and return them. None for what never came."""
        deadline = time.monotonic() + timeout
        ctx = GLib.MainContext.default()
        missing = list(wanted)
        while True:
            for w in list(missing):
                if w in self.signals:
                    self.signals.remove(w)
                    missing.remove(w)
            if not missing:
                return True
            if time.monotonic() > deadline:
                return False
            ctx.iteration(True)

    def take(self, member):
        """The signals of one member received so far (consumed)."""
        self.pump()
        got = [s for s in self.signals if s[0] == member]
        self.signals = [s for s in self.signals if s[0] != member]
        return got


class System:
    def __init__(self, bed=None, args=(), env=None):
        global _system
        _system = self
        self.tmp = tempfile.mkdtemp(prefix="resctl-hw.")
        self.bus = None
        self.daemon = None
        self.logpath = os.path.join(self.tmp, "resctld.log")
        self._start_bus()
        self._start_daemon(bed, args, env or {})
        self.client = Client(self.address)
        self.client.call("ListResources")   # a round trip: the signal match is in place

    def _start_bus(self):
        policy = os.path.join(self.tmp, "system.d")
        os.mkdir(policy)
        with open(os.path.join(SOURCE_ROOT, "scripts/private-bus.conf.in")) as f:
            conf = f.read().replace("@SOCKET@", os.path.join(self.tmp, "bus")).replace("@POLICYDIR@", policy)
        with open(os.path.join(self.tmp, "bus.conf"), "w") as f:
            f.write(conf)
        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "UMOCKDEV_DIR")}
        self.bus = subprocess.Popen(["dbus-daemon", "--nofork", "--config-file=" + os.path.join(self.tmp, "bus.conf"),
                                     "--print-address=1"], stdout=subprocess.PIPE, env=env, text=True,
                                    stderr=open(os.path.join(self.tmp, "bus.log"), "w"))
        self.address = self.bus.stdout.readline().strip()      # printed once it listens
        if not self.address:
            bail("the private bus started")

    def _start_daemon(self, bed, args, extra_env):
        notify = os.path.join(self.tmp, "notify")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(notify)
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address, NOTIFY_SOCKET=notify)
        if bed:
            # The C environment has UMOCKDEV_DIR (set by the testbed); os.environ does not.
            env["UMOCKDEV_DIR"] = bed.root
            # An ASan build runs under the umockdev preload too.
            env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "verify_asan_link_order=0"]))
        else:
            env.pop("LD_PRELOAD", None)
            env.pop("UMOCKDEV_DIR", None)
        env.update(extra_env)
        cmd = [RESCTLD, "--log-level=debug", "--state-dir=" + os.path.join(self.tmp, "state"),
               "--runtime-dir=" + os.path.join(self.tmp, "run"), "--control-dir=" + os.path.join(self.tmp, "etc"),
               "--runtime-control-dir=" + os.path.join(self.tmp, "runctl"),
               "--unit-path=" + os.path.join(self.tmp, "units")] + list(args)
        with open(self.logpath, "ab") as out:
            self.daemon = subprocess.Popen(cmd, env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + TIMEOUT * 2
        ready = False
        while not ready and time.monotonic() < deadline and self.daemon.poll() is None:
            s.settimeout(0.5)
            try:
                ready = "READY=1" in s.recv(4096).decode(errors="replace").split("\n")
            except socket.timeout:
                pass
        s.close()
        if not ready:
            bail("resctld became ready (exit status %s)" % self.daemon.poll())

    def log(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def alive(self):
        return self.daemon.poll() is None

    def stop(self):
        """SIGTERM; returns the daemon's exit status."""
        status = None
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                status = self.daemon.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                status = self.daemon.wait()
        elif self.daemon:
            status = self.daemon.returncode
        if self.bus and self.bus.poll() is None:
            self.bus.terminate()
            self.bus.wait()
        return status

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
