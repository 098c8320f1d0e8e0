/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.freedesktop.MemoryAllocation1, the interface systemd's own daemons
 * offer and `systemd-analyze malloc org.resctl.Manager` (systemd 254+) reads:
 * GetMallocInfo() hands over a memfd holding malloc_info(3)'s XML. It is
 * how one tells what resctld keeps in use from what the allocator merely
 * holds on to, which RSS cannot (tests/stress/test-load.sh compares it).
 * Privileged (no SD_BUS_VTABLE_UNPRIVILEGED), as in systemd: sd-bus lets
 * only a caller with CAP_SYS_ADMIN, or running as resctld's own user, in. */

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "bus.h"
#include "macro.h"
#include "manager.h"

#define MEMORY_PATH "/org/freedesktop/MemoryAllocation1"
#define MEMORY_IFACE "org.freedesktop.MemoryAllocation1"

static int fail(sd_bus_error *error, const char *what) {
        int e = errno > 0 ? errno : EIO;
        return sd_bus_error_set_errnof(error, e, "Cannot %s: %s", what, strerror(e));
}

static int method_get_malloc_info(sd_bus_message *msg, void *userdata _unused_, sd_bus_error *error) {
        _cleanup_close_ int fd = memfd_create("malloc-info", MFD_CLOEXEC);
        if (fd < 0)
                return fail(error, "create a memfd for malloc_info");
        _cleanup_close_ int copy = dup(fd);
        if (copy < 0)
                return fail(error, "duplicate the memfd");
        _cleanup_(fclosep) FILE *f = fdopen(copy, "w");
        if (!f)
                return fail(error, "open the memfd");
        copy = -EBADF;
        if (malloc_info(0, f) < 0 || fflush(f) != 0 || ferror(f))
                return fail(error, "write malloc_info");
        if (lseek(fd, 0, SEEK_SET) < 0)
                return fail(error, "rewind the memfd");
        return sd_bus_reply_method_return(msg, "h", fd);
}

static const sd_bus_vtable memory_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("GetMallocInfo", "", , "h", SD_BUS_PARAM(fd), method_get_malloc_info, 0),
        SD_BUS_VTABLE_END,
};

int bus_memory_register(Manager *m) {
        return sd_bus_add_object_vtable(m->bus, NULL, MEMORY_PATH, MEMORY_IFACE, memory_vtable, m);
}
