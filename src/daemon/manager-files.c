/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* ReadFile and WriteFile: a group's cgroup interface files, from the
 * engine or, for a resource the kernel charges, from the kernel's own
 * files (cgroupfs.c). */

#include <errno.h>
#include <stdlib.h>

#include "macro.h"
#include "manager.h"

int manager_read_file(Manager *m, const char *group, const char *file, char **ret, sd_bus_error *error) {
        if (!rc_unit_name_is_valid(group))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "'%.255s' is not a valid unit name (e.g. tenant-a.slice, vm42.scope)", group);
        rc_err err = { { 0 } };
        _cleanup_free_ char *text = NULL;
        int r = rc_file_read(m->engine, rc_group_find(m->engine, group), file, &text, &err);
        if (r < 0)
                return error_from_rc(error, r, &err);
        r = cgroupfs_read_file(m->cgroupfs, group, file, &text);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(text);
        return 0;
}

int manager_write_group_file(Manager *m, const char *group, const char *file, const char *text, sd_bus_error *error) {
        rc_err err = { { 0 } };
        int r = manager_write_file(m, group, file, text, true, &err);
        if (r < 0)
                return error_from_rc(error, r, &err);
        rc_group *g = rc_group_find(m->engine, group);
        if (g)
                manager_mark_dirty_path(m, g);
        return 0;
}
