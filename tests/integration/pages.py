#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pages.py groups MAX_COUNT | charges GROUP MAX_COUNT: walk every page of
ListGroupsPaged / ListChargesPaged and print "pages=N items=N sorted=0|1
unique=0|1" and then the items, one per line (group names, charge ids)."""

import sys

import dbus


def main():
    mgr = dbus.Interface(dbus.SystemBus().get_object("org.resctl.Manager", "/org/resctl/Manager"),
                         "org.resctl.Manager")
    items, pages = [], 0
    if sys.argv[1] == "groups":
        after = ""
        while True:
            groups, after = mgr.ListGroupsPaged(after, dbus.UInt32(int(sys.argv[2])))
            pages += 1
            items += [str(g[0]) for g in groups]
            if after == "":
                break
        keyed = [i.encode() for i in items]
    else:
        after = 0
        while True:
            charges, after = mgr.ListChargesPaged(sys.argv[2], dbus.UInt64(after), dbus.UInt32(int(sys.argv[3])))
            pages += 1
            items += [int(c[0]) for c in charges]
            if after == 0:
                break
        keyed = items
    print("pages=%d items=%d sorted=%d unique=%d" % (pages, len(items), keyed == sorted(keyed),
                                                     len(set(items)) == len(items)))
    for i in items:
        print(i)


if __name__ == "__main__":
    main()
