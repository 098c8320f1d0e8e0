/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The contract's errors (api.md "Errors"), and the one mapping of an
 * engine error (a negative errno or RC_E_*, with rc_err's message) to
 * them: what the manager and the bus layer answer callers with. */

#include <systemd/sd-bus.h>

#include "engine.h"

#define RESCTL_ERROR_LIMIT_EXCEEDED "org.resctl.Error.LimitExceeded"
#define RESCTL_ERROR_CAPACITY_EXCEEDED "org.resctl.Error.CapacityExceeded"
#define RESCTL_ERROR_NO_SUCH_RESOURCE "org.resctl.Error.NoSuchResource"
#define RESCTL_ERROR_NO_SUCH_GROUP "org.resctl.Error.NoSuchGroup"
#define RESCTL_ERROR_NO_SUCH_CHARGE "org.resctl.Error.NoSuchCharge"
#define RESCTL_ERROR_NO_SUCH_FILE "org.resctl.Error.NoSuchFile"
#define RESCTL_ERROR_INVALID_ARGUMENT "org.resctl.Error.InvalidArgument"
#define RESCTL_ERROR_KERNEL_MANAGED "org.resctl.Error.KernelManaged"
#define RESCTL_ERROR_QUOTA_EXCEEDED "org.resctl.Error.QuotaExceeded"
#define RESCTL_ERROR_KERNEL_REFUSED "org.resctl.Error.KernelRefused"   /* added: the kernel refused a limit */
#define RESCTL_ERROR_STORAGE_FAILED "org.resctl.Error.StorageFailed"   /* added: the logs cannot be written */

/* The org.resctl.Error of an engine error (rc_err's message, else strerror). */
int error_from_rc(sd_bus_error *error, int r, const rc_err *err);
