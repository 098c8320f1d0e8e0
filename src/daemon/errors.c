/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cgroupfs.h"
#include "errors.h"
#include "macro.h"

static const struct {
        int errno_value;
        const char *name;
} error_names[] = {
        { EINVAL, RESCTL_ERROR_INVALID_ARGUMENT },
        { ERANGE, RESCTL_ERROR_INVALID_ARGUMENT },
        { EACCES, RESCTL_ERROR_INVALID_ARGUMENT },
        { EEXIST, RESCTL_ERROR_INVALID_ARGUMENT },
        { ENODEV, RESCTL_ERROR_NO_SUCH_RESOURCE },
        { ENOENT, RESCTL_ERROR_NO_SUCH_FILE },
        { EBUSY, RESCTL_ERROR_LIMIT_EXCEEDED },
        { RC_E_KERNEL_MANAGED, RESCTL_ERROR_KERNEL_MANAGED },
        { RC_E_KERNEL_REFUSED, RESCTL_ERROR_KERNEL_REFUSED },
        { RC_E_CGROUP_GONE, RESCTL_ERROR_NO_SUCH_GROUP },
};

int error_from_rc(sd_bus_error *error, int r, const rc_err *err) {
        const char *msg = err && err->msg[0] ? err->msg : strerror(-r);
        for (size_t i = 0; i < ELEMENTSOF(error_names); i++)
                if (error_names[i].errno_value == -r)
                        return sd_bus_error_set(error, error_names[i].name, msg);
        /* Anything else keeps its errno, as sd-bus names it. */
        return sd_bus_error_set_errnof(error, -r, "%s", msg);
}
