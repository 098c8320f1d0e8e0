/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cgroupfs.h"
#include "errors.h"

int error_from_rc(sd_bus_error *error, int r, const rc_err *err) {
        const char *msg = err && err->msg[0] ? err->msg : strerror(-r);
        switch (-r) {
        case EINVAL:
        case ERANGE:
        case EACCES:
        case EEXIST:
                return sd_bus_error_set(error, RESCTL_ERROR_INVALID_ARGUMENT, msg);
        case ENODEV:
                return sd_bus_error_set(error, RESCTL_ERROR_NO_SUCH_RESOURCE, msg);
        case ENOENT:
                return sd_bus_error_set(error, RESCTL_ERROR_NO_SUCH_FILE, msg);
        case EBUSY:
                return sd_bus_error_set(error, RESCTL_ERROR_LIMIT_EXCEEDED, msg);
        case RC_E_KERNEL_MANAGED:
                return sd_bus_error_set(error, RESCTL_ERROR_KERNEL_MANAGED, msg);
        case RC_E_KERNEL_REFUSED:
                return sd_bus_error_set(error, RESCTL_ERROR_KERNEL_REFUSED, msg);
        case RC_E_CGROUP_GONE:
                return sd_bus_error_set(error, RESCTL_ERROR_NO_SUCH_GROUP, msg);
        default:
                return sd_bus_error_set_errnof(error, -r, "%s", msg);
        }
}
