/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The manager's side of systemd.c: a unit that runs gets its group under
 * systemd's slice and its settings; a unit that stops loses its limits as
 * a removed cgroup does (kernel-semantics.md R11), and its unit charges. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "manager.h"
#include "unit-charges.h"
#include "unit-lookup.h"
#include "unit-settings.h"
#include "systemd.h"

/* ---- the kernel's side of a unit going away (R11) ---- */

static void reset_one(Manager *m, const char *group, const char *file, const char *text, const char *resource) {
        rc_err err = { { 0 } };
        manager_forget_runtime_limit(m, group, file, resource);
        int r = manager_write_file(m, group, file, text, false, &err);
        if (r < 0)
                log_debug_errno(r, "%s: cannot reset %s (%s): %s", group, file, text,
                                err.msg[0] ? err.msg : strerror(-r));
}

/* Every max, min and low of g back to the default, the runtime records of
 * WriteFile included: an offline cgroup's limits are gone. */
static void reset_group_limits(Manager *m, const char *name) {
        rc_group *g = rc_group_find(m->engine, name);
        if (!g || g == m->engine->root)
                return;
        list_for_each(l, &m->engine->resources) {
                rc_resource *res = list_entry(l, rc_resource, link);
                bool non_default = false;
                for (unsigned k = 0; k < res->n_counters; k++) {
                        const rc_pool *p = rc_group_pool_peek(g, &res->counters[k]);
                        non_default = non_default ||
                                      (p && (p->min || p->low || p->max != rc_pool_default_max(&res->counters[k])));
                }
                if (!non_default)
                        continue;
                char text[512];
                switch (res->controller) {
                case RC_MISC:
                        snprintf(text, sizeof(text), "%s max", res->name);
                        reset_one(m, name, "misc.max", text, res->name);
                        break;
                case RC_DMEM:
                        snprintf(text, sizeof(text), "%s max", res->name);
                        reset_one(m, name, "dmem.max", text, res->name);
                        snprintf(text, sizeof(text), "%s 0", res->name);
                        reset_one(m, name, "dmem.min", text, res->name);
                        reset_one(m, name, "dmem.low", text, res->name);
                        break;
                case RC_RDMA:
                        snprintf(text, sizeof(text), "%s hca_handle=max hca_object=max", res->name);
                        reset_one(m, name, "rdma.max", text, res->name);
                        break;
                default:
                        break;
                }
                /* The writes may have forgotten the group. */
                g = rc_group_find(m->engine, name);
                if (!g)
                        return;
        }
}

static void on_unit_down(void *userdata, const char *unit) {
        Manager *m = userdata;
        log_debug("%s: stopped; its limits are dropped, its group stays while it holds charges.", unit);
        unit_settings_forget(m, unit);
        reset_group_limits(m, unit);
        rc_group *g = rc_group_find(m->engine, unit);
        if (g) {
                manager_mark_dirty_path(m, g->parent);
                rc_group_pin(m->engine, g, false);      /* may forget it */
        }
}

static int on_unit_up(void *userdata, const char *unit, const char *slice, bool was_live, const char *fragment,
                      char *const *dropins, size_t n_dropins) {
        Manager *m = userdata;
        rc_err err = { { 0 } };
        rc_group *g;
        rc_group *old = rc_group_find(m->engine, unit);
        const char *old_parent = old && old->parent ? old->parent->name : NULL;
        bool moved = old && slice && old_parent && !streq(old_parent, slice);
        int r = rc_group_get(m->engine, unit, slice, &g, &err);
        if (r < 0) {
                log_warning_errno(r, "%s: cannot follow systemd's unit tree: %s", unit, err.msg);
                return r;
        }
        if (!was_live) {
                rc_group_pin(m->engine, g, true);
                log_debug("%s: runs under %s.", unit, g->parent ? g->parent->name : "-");
        } else if (moved)
                log_info("%s: moved under %s, as systemd reports.", unit, slice);
        if (moved)
                manager_mark_dirty_path(m, g);
        r = unit_settings_load_unit(m, unit, fragment, dropins, n_dropins);
        if (r < 0)
                log_warning_errno(r, "%s: cannot load its settings: %s", unit, strerror(-r));
        /* Its cgroup exists now: limits set before it started go there. */
        cgroupfs_sync_group(m->cgroupfs, unit);
        return 0;
}

static void on_unit_stopped(void *userdata, const char *unit) {
        unit_charges_stopped(userdata, unit);
}

static int on_load_settings(void *userdata, const char *unit, const char *fragment, char *const *dropins,
                            size_t n_dropins) {
        return unit_settings_load_unit(userdata, unit, fragment, dropins, n_dropins);
}

static bool unit_is_live(Manager *m, const char *unit) {
        return systemd_unit_is_live(m->systemd, unit);
}

static void on_synced(void *userdata, bool first) {
        Manager *m = userdata;
        /* From now on systemd says which units have settings: drop what the
         * directory scan at start found for units that do not run. */
        if (first)
                unit_settings_retain(m, unit_is_live);
        /* Unit charges of units that do not run (stopped while we were away). */
        unit_charges_retain(m);
}

static void on_ready(void *userdata) {
        Manager *m = userdata;
        if (m->systemd_ready)
                m->systemd_ready(m);
}

static const SystemdCallbacks systemd_callbacks = {
        .unit_up = on_unit_up,
        .unit_down = on_unit_down,
        .unit_stopped = on_unit_stopped,
        .load_settings = on_load_settings,
        .synced = on_synced,
        .ready = on_ready,
};

int manager_systemd_start(Manager *m, manager_ready_fn ready) {
        m->systemd_ready = ready;
        int r = systemd_new(&systemd_callbacks, m, &m->systemd);
        if (r < 0)
                return r;
        return systemd_start(m->systemd, m->bus, m->event);
}
