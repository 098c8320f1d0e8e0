#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The running daemon introspects exactly dbus/org.resctl.Manager.xml, and
# the live dump satisfies the contract (check-contract).
. "$(dirname "$0")/lib.sh"

it_setup

XML=$SOURCE_ROOT/dbus/org.resctl.Manager.xml
CHECK_CONTRACT=${CHECK_CONTRACT:-/work/shared/tools/check-contract}

# A group object to introspect: a PERSIST charge creates it.
charge intro-a.slice misc/sev 1 1
expect_ok GetGroup s intro-a.slice
GPATH=${OUT#o }
GPATH=${GPATH//\"/}
expect_eq "GetGroup path is sd_bus_path_encode of the name" "$GPATH" "$(group_path intro-a.slice)"

busctl --system introspect --xml-interface org.resctl.Manager /org/resctl/Manager >"$T/manager.xml"
expect_eq "introspect /org/resctl/Manager" "$?" 0
busctl --system introspect --xml-interface org.resctl.Manager "$GPATH" >"$T/group.xml"
expect_eq "introspect $GPATH" "$?" 0

# normalize FILE IFACE: one line per member, arg and annotation, in order.
# Defaults are made explicit (method args "in", signal args "out"), and
# whitespace, comments and attribute order do not matter.
normalize() {
        "$PY" - "$1" "$2" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
found = [i for i in root.iter("interface") if i.get("name") == sys.argv[2]]
if len(found) != 1:
    print("interface %s found %d times" % (sys.argv[2], len(found)))
    sys.exit(0)
def ann(el, ind):
    for a in el.findall("annotation"):
        print("%sannotation %s=%s" % (ind, a.get("name"), a.get("value")))
iface = found[0]
print("interface", sys.argv[2])
ann(iface, " ")
for m in iface:
    if m.tag == "method":
        print(" method", m.get("name"))
        for a in m.findall("arg"):
            print("  arg %s %s %s" % (a.get("name"), a.get("type"), a.get("direction", "in")))
        ann(m, "  ")
    elif m.tag == "signal":
        print(" signal", m.get("name"))
        for a in m.findall("arg"):
            print("  arg %s %s %s" % (a.get("name"), a.get("type"), a.get("direction", "out")))
        ann(m, "  ")
    elif m.tag == "property":
        print(" property %s %s %s" % (m.get("name"), m.get("type"), m.get("access")))
        ann(m, "  ")
    elif m.tag != "annotation":
        print(" unexpected", m.tag)
EOF
}

for pair in "org.resctl.Manager:$T/manager.xml" "org.resctl.Group:$T/group.xml"; do
        iface=${pair%%:*}
        live=${pair#*:}
        normalize "$XML" "$iface" >"$T/want.$iface"
        normalize "$live" "$iface" >"$T/got.$iface"
        expect_same_file "live $iface equals dbus/org.resctl.Manager.xml" "$T/want.$iface" "$T/got.$iface" lines
        check "$iface has members in the XML file" grep -q "^ \(method\|property\)" "$T/want.$iface"
done

# The standard interfaces are there too (sd-bus adds them).
check "manager object has org.freedesktop.DBus.Properties" \
        grep -q 'interface name="org.freedesktop.DBus.Properties"' "$T/manager.xml"
check "group object is listed as a child node of /org/resctl/group" \
        bash -c "busctl --system introspect --xml-interface org.resctl.Manager /org/resctl/group | grep -q 'node name=\"${GPATH##*/}\"'"

# check-contract against one live dump holding both interfaces.
"$PY" - "$T/manager.xml" "$T/group.xml" >"$T/live.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
out = ET.Element("node")
for f in sys.argv[1:]:
    for i in ET.parse(f).getroot().findall("interface"):
        if i.get("name").startswith("org.resctl."):
            out.append(i)
sys.stdout.write(ET.tostring(out, encoding="unicode"))
EOF
if [[ -x $CHECK_CONTRACT ]]; then
        out=$("$CHECK_CONTRACT" "$T/live.xml" 2>&1)
        rc=$?
        expect_eq "check-contract passes on the live dump ($out)" "$rc" 0
        ((rc == 0)) || say "$out"
        out=$("$CHECK_CONTRACT" "$XML" 2>&1)
        expect_eq "check-contract passes on dbus/org.resctl.Manager.xml ($out)" "$?" 0
else
        fail "check-contract not found at $CHECK_CONTRACT"
fi

expect_daemon_alive
