/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Enforcement through the kernel's own misc, dmem and rdma controllers
 * (cgroupfs.c). Everything here is a no-op while the backend is off: no
 * --cgroup-root controller, or --hardware=demo. */

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct Manager;

/* errno values of the backend's failures; bus_error_from_rc() names them. */
#define RC_E_KERNEL_MANAGED EREMOTE     /* org.resctl.Error.KernelManaged */
#define RC_E_KERNEL_REFUSED EREMOTEIO   /* org.resctl.Error.KernelRefused */
#define RC_E_CGROUP_GONE ESRCH          /* org.resctl.Error.NoSuchGroup */

/* rc_resource.tag bit: the kernel charges this resource. */
#define RESOURCE_KERNEL 2u

typedef enum CgroupStat {
        CGROUP_USAGE,
        CGROUP_PEAK,
        CGROUP_MAX,
        CGROUP_MIN,
        CGROUP_LOW,
        CGROUP_EVENTS,
        CGROUP_EVENTS_LOCAL,
} CgroupStat;

/* Reads cgroup.controllers and registers what misc.capacity and
 * dmem.capacity list; before the stores are replayed, so that their
 * limits find their resources. */
int cgroupfs_register(struct Manager *m);
/* Marks what the kernel accounts; releases brokered charges of those;
 * writes every kept limit; starts watching misc.events. */
int cgroupfs_start(struct Manager *m);
void cgroupfs_free(struct Manager *m);

static inline bool cgroupfs_backs(const rc_resource *r) {
        return r && (r->tag & RESOURCE_KERNEL);
}
/* Marks r when the kernel accounts it (a resource registered later). */
void cgroupfs_classify(struct Manager *m, rc_resource *r);
/* -RC_E_KERNEL_MANAGED, with a message naming who charges it, or 0. */
int cgroupfs_refuse_brokering(const rc_resource *r, const char *what, rc_err *err);

/* Whether a limit write of `text` to `file` is about a kernel-backed resource. */
bool cgroupfs_backs_limit(struct Manager *m, const char *file, const char *text);
/* Writes the engine's line of `resource` in `file` of `group` to the
 * kernel. A cgroup that is not there yet gets it when it appears. */
int cgroupfs_write_limit(struct Manager *m, const char *group, const char *file, const char *resource, rc_err *err);
/* Whether a limit of `group` in `file` could be written now (for checks
 * before anything changes): -RC_E_CGROUP_GONE, -RC_E_KERNEL_REFUSED or 0. */
int cgroupfs_check_writable(struct Manager *m, const char *group, const char *file, rc_err *err);
/* The unit's cgroup may have appeared (systemd announced it): writes the
 * limits the kernel does not have yet and watches its events. */
void cgroupfs_sync_group(struct Manager *m, const char *group);

/* ReadFile: the engine's text with the lines of kernel-backed resources
 * replaced by the kernel's. */
int cgroupfs_read_file(struct Manager *m, const char *group, const char *file, char **text);
/* 1 and *ret: the kernel's figure for a kernel-backed counter; 0: not one. */
int cgroupfs_stat(struct Manager *m, const rc_group *g, const rc_counter *c, CgroupStat s, uint64_t *ret);
/* Reads misc.capacity and dmem.capacity again: the capacities of
 * kernel-backed resources follow the kernel's (CapacityChanged). */
void cgroupfs_refresh_capacities(struct Manager *m);
/* Charges refused by the kernel so far (misc: the top-level misc.events). */
uint64_t cgroupfs_refused(struct Manager *m, const rc_counter *c);
