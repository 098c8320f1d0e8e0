/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The manager's side of cgroupfs.c: what the kernel reports (capacities,
 * refusals, changed event counts, cgroups appearing) changes the engine
 * and is told on the bus here; the backend only reads. */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cgroupfs.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "unit-charges.h"
#include "unit-lookup.h"
#include "unit-settings.h"

/* The kernel's capacity file says so: it is not refused like a caller's
 * SetCapacity, and not skipped for a resource registered by hand. */
static void kernel_capacity_set(Manager *m, rc_resource *r, uint64_t cap) {
        rc_err err = { { 0 } };
        uint64_t old = r->capacity;
        if (old == cap)
                return;
        if (rc_resource_set_capacity(m->engine, r, cap, &err) < 0) {
                log_warning("%s: %s", r->key, err.msg);
                return;
        }
        log_info("%s: the kernel's capacity is %" PRIu64 " now (was %" PRIu64 ").", r->key, cap, old);
        manager_capacity_changed(m, r, old);
}

static void on_capacity(void *userdata, const char *key, uint64_t capacity) {
        Manager *m = userdata;
        rc_resource *r;
        if (rc_resource_lookup(m->engine, key, &r, NULL) >= 0)
                kernel_capacity_set(m, r, capacity);
        else
                (void) manager_discovered_add(m, key, capacity);
}

/* A refusal at this level: the kernel does not say the amount asked for;
 * every in-tree user of misc (KVM's SEV ASIDs, TDX keys) charges 1. */
static void on_refused(void *userdata, const char *group, const char *key, uint64_t limit) {
        Manager *m = userdata;
        manager_emit(m, limit_hit, group, key, (uint64_t) 1, group, limit);
}

static void on_events_changed(void *userdata, const char *group) {
        Manager *m = userdata;
        rc_group *g = rc_group_find(m->engine, group);
        if (g)
                manager_emit(m, events_changed, g);
}

static void on_cgroup_appeared(void *userdata, const char *parent, const char *name) {
        Manager *m = userdata;
        /* Under systemd a unit's settings are those of the files systemd
         * names, asked for once it runs; until that answer comes (after the
         * unit's first process ran), a unit that was not running has none.
         * Its cgroup appearing is the earlier sign: read its files now
         * (units hang under slices; below a unit is its delegatee's). */
        if (systemd_active(m->systemd) && rc_unit_name_is_slice(parent) && !systemd_unit_is_live(m->systemd, name)) {
                int r = unit_settings_load_scanned(m, name);
                if (r < 0)
                        log_warning_errno(r, "%s: cannot read its settings: %s", name, strerror(-r));
        }
}

static const char *on_unit_slice(void *userdata, const char *unit) {
        return manager_unit_slice(userdata, unit);
}

static bool on_units_followed(void *userdata) {
        return systemd_active(((Manager *) userdata)->systemd);
}

static bool on_unit_live(void *userdata, const char *unit) {
        return systemd_unit_is_live(((Manager *) userdata)->systemd, unit);
}

static const CgroupfsCallbacks cgroupfs_callbacks = {
        .capacity = on_capacity,
        .refused = on_refused,
        .events_changed = on_events_changed,
        .cgroup_appeared = on_cgroup_appeared,
        .unit_slice = on_unit_slice,
        .units_followed = on_units_followed,
        .unit_live = on_unit_live,
};

void manager_cgroupfs_classify(Manager *m, rc_resource *r) {
        if (!cgroupfs_accounts(m->cgroupfs, r) || cgroupfs_backs(r))
                return;
        r->tag |= RESOURCE_KERNEL;
        log_info("%s is charged by the kernel: resctld writes its limits to the cgroup tree under %s.", r->key,
                 m->cgroup_root);
}

int manager_cgroupfs_register(Manager *m) {
        if (m->hardware == HARDWARE_DEMO)
                return 0;       /* the demo profile is brokered whatever the kernel has */
        int r = cgroupfs_new(m->cgroup_root, m->engine, &cgroupfs_callbacks, m, &m->cgroupfs);
        if (r < 0)
                return log_oom();
        cgroupfs_enumerate(m->cgroupfs);
        return 0;
}

/* Brokered charges of a resource the kernel now charges mean nothing. */
static void release_brokered(Manager *m, rc_resource *r) {
        for (unsigned i = 0; i < r->n_counters; i++) {
                rc_counter *c = &r->counters[i];
                while (!list_empty(&c->charges)) {
                        rc_charge *ch = list_entry(c->charges.next, rc_charge, counter_link);
                        log_warning("Charge %" PRIu64 " of %s (%s) released: the kernel charges %s now.", ch->id,
                                    ch->group->name, c->key, r->key);
                        manager_release(m, ch, 0, "resource-removed");
                }
        }
}

int manager_cgroupfs_start(Manager *m) {
        if (!m->cgroupfs)
                return 0;
        int r = cgroupfs_start(m->cgroupfs, m->event);
        if (r < 0)
                return r;
        list_for_each_entry(res, &m->engine->resources, rc_resource, link) {
                manager_cgroupfs_classify(m, res);
                if (cgroupfs_backs(res))
                        release_brokered(m, res);
        }
        return cgroupfs_sync_all(m->cgroupfs);
}
