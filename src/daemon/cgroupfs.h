/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Enforcement through the kernel's own misc, dmem and rdma controllers
 * (cgroupfs.c). Everything here is a no-op while the backend is off: no
 * --cgroup-root controller, or --hardware=demo. It reads the engine and
 * never changes it: what the kernel says goes to the manager through
 * CgroupfsCallbacks (manager-cgroupfs.c), which changes the engine and
 * tells the bus. */

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "engine.h"

/* errno values of the backend's failures; error_from_rc() names them. */
#define RC_E_KERNEL_MANAGED EREMOTE     /* org.resctl.Error.KernelManaged */
#define RC_E_KERNEL_REFUSED EREMOTEIO   /* org.resctl.Error.KernelRefused */
#define RC_E_CGROUP_GONE ESRCH          /* org.resctl.Error.NoSuchGroup */

/* rc_resource.tag bits */
#define RESOURCE_MANUAL 1u      /* registered through the bus */
#define RESOURCE_KERNEL 2u      /* the kernel charges this resource */

typedef enum CgroupStat {
        CGROUP_USAGE,
        CGROUP_PEAK,
        CGROUP_MAX,
        CGROUP_MIN,
        CGROUP_LOW,
        CGROUP_EVENTS,
        CGROUP_EVENTS_LOCAL,
} CgroupStat;

typedef struct Cgroupfs Cgroupfs;

/* How the backend reports to the manager, and what it asks it. */
typedef struct CgroupfsCallbacks {
        /* The kernel lists key (misc.capacity, dmem.capacity) with this
         * capacity: a resource to register, or a new capacity (0: no
         * longer listed) of one it charges. */
        void (*capacity)(void *userdata, const char *key, uint64_t capacity);
        /* The kernel refused one charge of key at group's own level
         * (misc.events.local grew); limit: the level's max then. */
        void (*refused)(void *userdata, const char *group, const char *key, uint64_t limit);
        /* misc.events or misc.events.local of group changed. */
        void (*events_changed)(void *userdata, const char *group);
        /* A directory `name` appeared in the cgroup of `parent` (before
         * cgroupfs writes the limits of that group, if it knows it). */
        void (*cgroup_appeared)(void *userdata, const char *parent, const char *name);
        /* Questions: the Slice of a running unit (NULL: unknown); whether
         * units are followed (systemd) and then whether `unit` runs. */
        const char *(*unit_slice)(void *userdata, const char *unit);
        bool (*units_followed)(void *userdata);
        bool (*unit_live)(void *userdata, const char *unit);
} CgroupfsCallbacks;

/* Reads <root>/cgroup.controllers: 0 and *ret NULL when it lists none of
 * misc, dmem, rdma (resctld brokers every resource then). */
int cgroupfs_new(const char *root, rc_engine *engine, const CgroupfsCallbacks *cb, void *userdata, Cgroupfs **ret);
/* Reports what misc.capacity and dmem.capacity list (cb.capacity); before
 * the stores are replayed, so that their limits find their resources. */
void cgroupfs_enumerate(Cgroupfs *k);
/* Whether the kernel accounts r (the manager marks it RESOURCE_KERNEL). */
bool cgroupfs_accounts(Cgroupfs *k, const rc_resource *r);
/* Starts watching the tree (misc.events, directories appearing). */
int cgroupfs_start(Cgroupfs *k, sd_event *event);
/* Writes every kept limit of every group whose cgroup exists. */
int cgroupfs_sync_all(Cgroupfs *k);
Cgroupfs *cgroupfs_free(Cgroupfs *k);

static inline bool cgroupfs_backs(const rc_resource *r) {
        return r && (r->tag & RESOURCE_KERNEL);
}
/* -RC_E_KERNEL_MANAGED, with a message naming who charges it, or 0. */
int cgroupfs_refuse_brokering(const rc_resource *r, const char *what, rc_err *err);

/* Every function below is a no-op (0, false) when k is NULL. */
/* Whether a limit write of `text` to `file` is about a kernel-backed resource. */
bool cgroupfs_backs_limit(Cgroupfs *k, const char *file, const char *text);
/* Writes the engine's line of `resource` in `file` of `group` to the
 * kernel. A cgroup that is not there yet gets it when it appears. */
int cgroupfs_write_limit(Cgroupfs *k, const char *group, const char *file, const char *resource, rc_err *err);
/* Whether a limit of `group` in `file` could be written now (for checks
 * before anything changes): -RC_E_CGROUP_GONE, -RC_E_KERNEL_REFUSED or 0. */
int cgroupfs_check_writable(Cgroupfs *k, const char *group, const char *file, rc_err *err);
/* The unit's cgroup may have appeared (systemd announced it): writes the
 * limits the kernel does not have yet and watches its events. */
void cgroupfs_sync_group(Cgroupfs *k, const char *group);

/* ReadFile: the engine's text with the lines of kernel-backed resources
 * replaced by the kernel's. */
int cgroupfs_read_file(Cgroupfs *k, const char *group, const char *file, char **text);
/* 1 and *ret: the kernel's figure for a kernel-backed counter; 0: not one. */
int cgroupfs_stat(Cgroupfs *k, const rc_group *g, const rc_counter *c, CgroupStat s, uint64_t *ret);
/* Reads misc.capacity and dmem.capacity again: the capacities of
 * kernel-backed resources follow the kernel's (cb.capacity). */
void cgroupfs_refresh_capacities(Cgroupfs *k);
/* Charges refused by the kernel so far (misc: the top-level misc.events). */
uint64_t cgroupfs_refused(Cgroupfs *k, const rc_counter *c);
