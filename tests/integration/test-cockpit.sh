#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# resctl's Cockpit page (cockpit/resctl) in a real browser: cockpit-ws
# --local-session runs cockpit-bridge on the private bus, with
# XDG_DATA_DIRS pointing at the source tree so that it serves the page;
# headless Chromium, driven over the DevTools protocol by
# cockpit-browser.py, loads it, checks the tree and numbers against
# ListGroups and ReadFile, sees a refusal made with busctl arrive as
# LimitHit within 2 s, uses the details and the limit form, and saves a
# screenshot in the build directory.
. "$(dirname "$0")/lib.sh"

WS=/usr/lib/cockpit/cockpit-ws
BRIDGE=$(command -v cockpit-bridge || true)
if [[ ! -x $WS || -z $BRIDGE ]] || ! command -v chromium >/dev/null || ! "$PY" -c 'import websocket' 2>/dev/null; then
        echo "SKIP: cockpit-ws, cockpit-bridge, chromium or python3-websocket is not installed (scripts/deps)"
        exit 77
fi
SHOT_DIR=${BUILD_ROOT:-$SOURCE_ROOT/build}
it_setup --hardware=demo

V=drm/0000:c1:00.0/vram0
expect_ok SetUnitProperties 'sba(sv)' tenant-a.slice false 3 \
        MiscMax 'a(st)' 1 sev 2 DMemMax 'a(st)' 1 "$V" 8589934592 DMemLow 'a(st)' 1 "$V" 1073741824
expect_ok SetUnitProperties 'sba(sv)' tenant.slice false 1 DMemLow 'a(st)' 1 "$V" 1073741824
expect_ok Charge sstt tenant-a.slice misc/sev 2 1
expect_ok Charge sstt tenant-a.slice "dmem/$V" 3221225472 1

# cockpit-ws on a free loopback port; ready when it serves the page.
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
XDG_DATA_DIRS="$SOURCE_ROOT:/usr/share" "$WS" --port="$port" --address=127.0.0.1 --local-session="$BRIDGE" \
        >"$T/cockpit-ws.log" 2>&1 &
IT_PIDS+=($!)
url="http://127.0.0.1:$port/cockpit/@localhost/resctl/index.html"
served() { curl -sf --max-time 2 "$url" -o "$T/index.html"; }
for ((i = 0; i < 200; i++)); do served && break; sleep 0.05; done
check "cockpit-ws serves cockpit/resctl from XDG_DATA_DIRS" cmp -s "$T/index.html" "$SOURCE_ROOT/cockpit/resctl/index.html"

rm -f "$SHOT_DIR/cockpit-resctl.png"
while IFS= read -r line; do
        case $line in
        PASS\ *) pass "browser: ${line#PASS }" ;;
        FAIL\ *) fail "browser: ${line#FAIL }" ;;
        *) say "$line" ;;
        esac
done < <("$PY" "$T/bin/cockpit-browser.py" "$url" "$SHOT_DIR/cockpit-resctl.png" "$T/chromium" 2>&1)
check "the screenshot is written to $SHOT_DIR/cockpit-resctl.png" test -s "$SHOT_DIR/cockpit-resctl.png"
check "it is a PNG" "$PY" -c 'import sys; sys.exit(open(sys.argv[1], "rb").read(8) != b"\x89PNG\r\n\x1a\n")' \
        "$SHOT_DIR/cockpit-resctl.png"
expect_daemon_alive
if ((N_FAIL > 0)); then
        sed 's/^/# cockpit-ws: /' "$T/cockpit-ws.log" | tail -n 20
fi
