#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drives resctl's Cockpit page in headless Chromium over the DevTools
protocol and checks it against the daemon (busctl on the same bus).

usage: cockpit-browser.py URL SCREENSHOT.png PROFILE-DIR

Prints "PASS <what>" or "FAIL <what>" per check (and "# ..." notes) for
the shell harness to count; exits 2 when the browser cannot be driven.
Waits are bounded polls of a condition in the page, never fixed sleeps."""

import base64
import json
import re
import subprocess
import sys
import time
import urllib.request

import websocket

URL, SHOT, PROFILE = sys.argv[1:4]
BUS = ['busctl', '--system', '--json=short', '--', 'call', 'org.resctl.Manager', '/org/resctl/Manager',
       'org.resctl.Manager']
DMEM = 'dmem/drm/0000:c1:00.0/vram0'
failed = 0


def check(ok, what, detail=None):
    global failed
    print(('PASS ' if ok else 'FAIL ') + what, flush=True)
    if not ok:
        failed += 1
        if detail is not None:
            print(f'# {detail}', flush=True)
    return ok


def bus(*args):
    """busctl call on the manager: (ok, data or error text)."""
    p = subprocess.run(BUS + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        return False, p.stderr.strip()
    return True, json.loads(p.stdout)['data'] if p.stdout.strip() else None


def read_file(group, name):
    ok, data = bus('ReadFile', 'ss', group, name)
    if not ok:
        return None
    out = {}
    for line in data[0].splitlines():
        k, _, v = line.rpartition(' ')
        out[k] = v
    return out


class Browser:
    def __init__(self):
        self.proc = subprocess.Popen(
            ['chromium', '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
             '--no-first-run', '--no-default-browser-check', '--remote-debugging-port=0',
             '--remote-debugging-address=127.0.0.1', f'--user-data-dir={PROFILE}', '--window-size=1440,1000',
             'about:blank'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ws_url = None
        for line in self.proc.stderr:
            m = re.search(r'DevTools listening on (ws://\S+)', line)
            if m:
                ws_url = m.group(1)
                break
        if not ws_url:
            print('# chromium did not start its DevTools server')
            sys.exit(2)
        port = re.match(r'ws://[^:]+:(\d+)/', ws_url).group(1)
        targets = json.load(urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list', timeout=10))
        page = next(t for t in targets if t['type'] == 'page')
        self.ws = websocket.create_connection(page['webSocketDebuggerUrl'], timeout=20, suppress_origin=True)
        self.seq = 0
        self.console = []
        self.call('Runtime.enable')
        self.call('Page.enable')

    def _event(self, msg):
        if msg.get('method') == 'Runtime.exceptionThrown':
            self.console.append('exception: ' + json.dumps(msg['params']['exceptionDetails'])[:400])
        elif msg.get('method') == 'Runtime.consoleAPICalled':
            args = [a.get('value', a.get('description', '')) for a in msg['params']['args']]
            self.console.append(msg['params']['type'] + ': ' + ' '.join(map(str, args))[:400])

    def call(self, method, **params):
        self.seq += 1
        self.ws.send(json.dumps({'id': self.seq, 'method': method, 'params': params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get('id') == self.seq:
                if 'error' in msg:
                    raise RuntimeError(f'{method}: {msg["error"]}')
                return msg['result']
            self._event(msg)

    def js(self, expr):
        r = self.call('Runtime.evaluate', expression=expr, returnByValue=True, awaitPromise=True)
        if 'exceptionDetails' in r:
            raise RuntimeError(f'{expr}: {r["exceptionDetails"]}')
        return r['result'].get('value')

    def wait(self, expr, timeout):
        """Polls expr until truthy; returns the seconds it took, or None."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.js(expr):
                return time.monotonic() - start
            time.sleep(0.02)
        return None

    def close(self):
        try:
            self.call('Browser.close')
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def cell(group, key, attr):
    return (f'(() => {{ const c = document.querySelector(\'tr.group[data-group="{group}"] td.res[data-key="{key}"]\');'
            f' return c ? c.getAttribute("data-{attr}") : null; }})()')


def main():
    b = Browser()
    try:
        run(b)
    finally:
        for line in b.console:
            print(f'# console {line}')
        b.close()
    sys.exit(1 if failed else 0)


def run(b):
    b.call('Page.navigate', url=URL)
    took = b.wait('document.body && document.body.dataset.ready === "1"', 20)
    if not check(took is not None, 'the page loads and reads resctld',
                 b.js('document.getElementById("status") && document.getElementById("status").textContent')):
        return

    # The tree: exactly the groups ListGroups lists, each under its parent.
    ok, data = bus('ListGroups')
    listed = {name: parent for name, parent, _ in data[0]}
    shown = b.js('[...document.querySelectorAll("tr.group")].map(r => r.dataset.group)')
    check(sorted(shown) == sorted(listed), 'the tree shows the groups of ListGroups', f'{shown} vs {sorted(listed)}')
    order_ok = all(shown.index(p) < shown.index(g) for g, p in listed.items() if p)
    check(order_ok, 'every group comes after its parent', shown)

    # The numbers: the kernel-format files of the daemon, group by group.
    capacity = read_file('-.slice', 'misc.capacity')
    dmem_capacity = read_file('-.slice', 'dmem.capacity')
    bad = []
    for g in listed:
        # The cells to compare, in order: (column, the misc and the dmem
        # file that has the number); a root has no max.
        files = [('usage', read_file(g, 'misc.current'), read_file(g, 'dmem.current'))]
        if listed[g]:
            files.append(('max', read_file(g, 'misc.max'), read_file(g, 'dmem.max')))
        files.append(('capacity', capacity, dmem_capacity))
        for column, misc, dmem in files:
            for key, name, value in (('misc/sev', 'misc/sev', misc['sev']), (DMEM, 'dmem', dmem[DMEM[5:]])):
                got = b.js(cell(g, key, column))
                if got == value:
                    continue
                # A wrong max is shown with both values.
                bad.append(f'{g} {name} {column}' + (f' {got} vs {value}' if column == 'max' else ''))
    check(not bad, 'usage, max and capacity match ReadFile for every group', bad)
    label = b.js(f'document.querySelector(\'tr.group[data-group="tenant-a.slice"] td.res[data-key="{DMEM}"]\')'
                 '.textContent')
    check(label == '3 GiB / 8 GiB', 'dmem is shown in bytes with units', label)
    label = b.js('document.querySelector(\'tr.group[data-group="tenant-a.slice"] td.res[data-key="misc/sev"]\')'
                 '.textContent')
    check(label == '2 / 2', 'misc is shown as a count against the max', label)

    # A refusal: its LimitHit in the event strip within 2 s.
    start = time.monotonic()
    ok, err = bus('Charge', 'sstt', 'tenant-a.slice', 'misc/sev', '1', '1')
    check(not ok and 'max 2 reached' in err, 'busctl: the charge is refused', err)
    sel = 'document.querySelector(\'#events li[data-signal="LimitHit"][data-group="tenant-a.slice"]\')'
    took = b.wait(f'{sel} !== null', 5)
    total = time.monotonic() - start if took is not None else None
    check(total is not None and total < 2.0, 'LimitHit appears in the event strip within 2 s',
          f'took {total}')
    if total is not None:
        print(f'# LimitHit reached the page in {total * 1000:.0f} ms')
    text = b.js(f'{sel} && {sel}.textContent') or ''
    check(re.match(r'^\d\d:\d\d:\d\d\.\d{3}LimitHittenant-a\.slice asked 1 of misc/sev; tenant-a\.slice allows 2$',
                   text) is not None, 'the event has a timestamp and the signal\'s arguments', text)

    # Filters: by group, by resource.
    def filtered(group, key):
        b.js(f'document.getElementById("filter-group").value = "{group}";'
             'document.getElementById("filter-group").dispatchEvent(new Event("input"));'
             f'document.getElementById("filter-resource").value = "{key}";'
             'document.getElementById("filter-resource").dispatchEvent(new Event("change"));')
        return b.js(f'{sel}.hidden')
    check(filtered('tenant-b', '') is True, 'a group filter hides the others\' events')
    check(filtered('tenant-a', '') is False, 'a group filter shows the group\'s events')
    check(filtered('', 'misc/sev_es') is True, 'a resource filter hides the others\' events')
    check(filtered('', 'misc/sev') is False, 'a resource filter shows the resource\'s events')
    filtered('', '')

    # The unit's details: its charges and limits.
    b.js('[...document.querySelectorAll("tr.group")].find(r => r.dataset.group === "tenant-a.slice")'
         '.querySelector(".group-name").click()')
    ok, data = bus('ListCharges', 's', 'tenant-a.slice')
    want = sorted(str(c[0]) for c in data[0])
    took = b.wait('document.querySelectorAll("#detail-charges tr[data-charge]").length > 0', 5)
    shown = sorted(b.js('[...document.querySelectorAll("#detail-charges tr[data-charge]")].map(r => r.dataset.charge)'))
    check(took is not None and shown == want, 'the details list the charges of ListCharges', f'{shown} vs {want}')
    mx = b.js('document.querySelector(\'#detail-stats tr[data-key="misc/sev"] td[data-stat="Max"]\').textContent')
    low = b.js(f'document.querySelector(\'#detail-stats tr[data-key="{DMEM}"] td[data-stat="EffectiveLow"]\')'
               '.textContent')
    check(mx == '2' and low == '1 GiB', 'the details show max and effective protection', f'max {mx}, eff. low {low}')

    # Setting a limit through SetUnitProperties.
    def set_limit(prop, key, value):
        b.js(f'document.getElementById("limit-property").value = "{prop}";'
             'document.getElementById("limit-property").dispatchEvent(new Event("change"));'
             f'document.getElementById("limit-key").value = "{key}";'
             f'document.getElementById("limit-value").value = "{value}";'
             'document.getElementById("limit-status").className = "";'
             'document.getElementById("limit-apply").click();')
        return b.wait('document.getElementById("limit-status").className !== ""', 10)

    set_limit('MiscMax', 'sev', '5')
    status = b.js('document.getElementById("limit-status").className + ": " +'
                  ' document.getElementById("limit-status").textContent')
    check(status.startswith('ok:'), 'the page sets MiscMax=sev:5 on tenant-a.slice', status)
    check(read_file('tenant-a.slice', 'misc.max')['sev'] == '5', 'resctld has misc.max sev 5')
    check(b.wait(f'{cell("tenant-a.slice", "misc/sev", "max")} === "5"', 2) is not None,
          'the tree shows the new max within 2 s (PropertiesChanged)', b.js(cell("tenant-a.slice", "misc/sev", "max")))
    pc = ('[...document.querySelectorAll(\'#events li[data-signal="PropertiesChanged"][data-group="tenant-a.slice"]\')]'
          '.some(li => li.textContent.includes("Max: misc/sev 2→5"))')
    check(b.wait(pc, 2) is not None, 'the new max is in the event strip (PropertiesChanged, old and new value)')
    set_limit('DMemMax', DMEM[5:], '4G')
    check(read_file('tenant-a.slice', 'dmem.max')[DMEM[5:]] == str(4 << 30), 'the page sets a dmem max in bytes')
    set_limit('MiscMax', 'sev', 'max')
    status = b.js('document.getElementById("limit-status").textContent')
    check(read_file('tenant-a.slice', 'misc.max')['sev'] == 'max', 'the page lifts a max ("max")', status)
    set_limit('MiscMax', 'sev', 'lots')
    status = b.js('document.getElementById("limit-status").className')
    check(status == 'error', 'a value that is no amount is refused in the page')
    set_limit('MiscMax', 'sev', '2')

    # A charge made meanwhile shows up.
    ok, _ = bus('Charge', 'sstt', 'tenant-b.slice', DMEM, str(2 << 30), '1')
    check(ok and b.wait(f'{cell("tenant-b.slice", DMEM, "usage")} === "{2 << 30}"', 2) is not None,
          'a new group\'s charge appears in the tree within 2 s')

    # The other signals in the strip: ChargeReleased, CapacityChanged.
    ok, data = bus('ListCharges', 's', 'tenant-b.slice')
    cid = str(data[0][0][0]) if ok and data[0] else '0'
    ok, _ = bus('Uncharge', 'tt', cid, '0')
    rel = f'document.querySelector(\'#events li[data-signal="ChargeReleased"][data-group="tenant-b.slice"]\')'
    check(ok and b.wait(f'{rel} !== null && {rel}.textContent.includes("charge {cid} of tenant-b.slice: 2 GiB of '
                        f'{DMEM} (uncharged)")', 2) is not None, 'ChargeReleased appears in the event strip')
    ok, _ = bus('SetCapacity', 'st', 'misc/sev_es', '98')
    cap = 'document.querySelector(\'#events li[data-signal="CapacityChanged"]\')'
    check(ok and b.wait(f'{cap} !== null && {cap}.textContent.endsWith("misc/sev_es capacity 98")', 2) is not None,
          'CapacityChanged appears in the event strip')
    check(b.wait(f'{cell("-.slice", "misc/sev_es", "capacity")} === "98"', 2) is not None,
          'the tree follows the capacity')

    # The screenshot, once the last redraw is done.
    b.wait('document.querySelectorAll("tr.group").length > 0', 2)
    shot = b.call('Page.captureScreenshot', format='png', captureBeyondViewport=True)
    with open(SHOT, 'wb') as f:
        f.write(base64.b64decode(shot['data']))
    print(f'# screenshot: {SHOT}')


main()
