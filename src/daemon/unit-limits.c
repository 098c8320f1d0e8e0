/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Unit settings becoming limits: the keys whose values changed between a
 * unit's old and new settings are written to the engine through the
 * interface files (manager_write_file), as WriteFile would write them.
 * Percentages become the share of the capacity a resource has now. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "manager.h"
#include "unit-limits.h"

static const char *value_to_string(UnitConfProperty p, uint64_t v, char buf[static 21]) {
        if (v == UINT64_MAX || (p == UNIT_CONF_RDMA_MAX && v >= RC_S32_MAX))
                return "max";
        snprintf(buf, 21, "%" PRIu64, v);
        return buf;
}

/* The resource a setting is about, when it can take a limit now; settings
 * of others wait for unit_settings_apply_resource(). */
static const rc_resource *resource_ready(Manager *m, UnitConfProperty p, const char *name) {
        const rc_resource *r = rc_resource_find(m->engine, unit_conf_property_controller(p), name);
        return r && !(r->controller == RC_MISC && r->capacity == 0) ? r : NULL;
}

bool unit_limits_has_percent(const UnitConfEntry *e) {
        for (int k = 0; e && k < _RC_RDMA_KIND_MAX; k++)
                if (e->set[k] && e->percent[k])
                        return true;
        return false;
}

/* Writes one key's value (for rdma: the kinds in `kinds`) as e says it,
 * or the default where e has none. A percentage becomes the share of the
 * capacity the resource has now. */
void unit_limits_apply_key(Manager *m, const char *unit, UnitConfProperty p, const char *name, const UnitConfEntry *e,
                           const bool kinds[_RC_RDMA_KIND_MAX], bool forget) {
        const char *file = unit_conf_property_file(p);
        /* The unit setting is newer than any WriteFile of this key (rdma:
         * of these kinds): do not let the runtime record override it. */
        for (int k = 0; forget && k < (p == UNIT_CONF_RDMA_MAX ? _RC_RDMA_KIND_MAX : 1); k++) {
                _cleanup_free_ char *key = NULL;
                if (p != UNIT_CONF_RDMA_MAX)
                        manager_forget_runtime_limit(m, unit, file, name);
                else if (kinds[k] && asprintf(&key, "%s/%s", name, rc_rdma_kind_to_string((rc_rdma_kind) k)) >= 0)
                        manager_forget_runtime_limit(m, unit, file, key);
        }
        const rc_resource *res = resource_ready(m, p, name);
        if (!res) {
                log_debug("%s: %s of %s waits for the resource to be registered (misc: with a capacity).", unit,
                          unit_conf_property_to_string(p), name);
                return;
        }
        if (unit_limits_has_percent(e) && (res->controller == RC_RDMA || res->capacity == RC_MAX)) {
                log_warning("%s: %s of %s is a percentage, but %s has no capacity; ignoring.", unit,
                            unit_conf_property_to_string(p), name, res->key);
                return;
        }
        char text[512], buf[21];
        uint64_t def = unit_conf_property_default(p);
        if (p == UNIT_CONF_RDMA_MAX) {
                int n = snprintf(text, sizeof(text), "%s", name);
                for (int k = 0; k < _RC_RDMA_KIND_MAX; k++)
                        if (kinds[k] && n > 0 && (size_t) n < sizeof(text))
                                n += snprintf(text + n, sizeof(text) - (size_t) n, " %s=%s",
                                              rc_rdma_kind_to_string((rc_rdma_kind) k),
                                              value_to_string(p, e && e->set[k] ? e->value[k] : def, buf));
        } else
                snprintf(text, sizeof(text), "%s %s", name,
                         value_to_string(p, e ? unit_conf_entry_absolute(e, 0, res->capacity) : def, buf));
        rc_err err = { { 0 } };
        int r = manager_write_file(m, unit, file, text, false, &err);
        if (r < 0) {
                log_warning_errno(r, "%s: cannot apply %s %s, ignoring: %s", unit, file, text,
                                  err.msg[0] ? err.msg : strerror(-r));
                return;
        }
        /* Max, Min and Low changed: announce them as WriteFile does. */
        rc_group *g = rc_group_find(m->engine, unit);
        if (g)
                manager_mark_dirty_path(m, g);
}

static uint64_t entry_value(const UnitConfEntry *e, UnitConfProperty p, int k) {
        return e && e->set[k] ? e->value[k] : unit_conf_property_default(p);
}

static bool entry_percent(const UnitConfEntry *e, int k) {
        return e && e->set[k] && e->percent[k];
}

/* One key of a list property: write it when its value changed between old
 * and new, or when force names it. */
static void apply_list_key(Manager *m, const char *unit, UnitConfProperty p, const char *name, const UnitConf *old,
                           const UnitConf *new, const UnitConf *force, bool forget) {
        const UnitConfEntry *o = unit_conf_find(old, p, name), *n = unit_conf_find(new, p, name),
                            *f = force ? unit_conf_find(force, p, name) : NULL;
        bool kinds[_RC_RDMA_KIND_MAX] = { false }, any = false;
        int n_kinds = p == UNIT_CONF_RDMA_MAX ? _RC_RDMA_KIND_MAX : 1;
        for (int k = 0; k < n_kinds; k++) {
                kinds[k] = (f && f->set[k]) || entry_value(o, p, k) != entry_value(n, p, k) ||
                           entry_percent(o, k) != entry_percent(n, k);
                any = any || kinds[k];
        }
        if (any)
                unit_limits_apply_key(m, unit, p, name, n, kinds, forget);
}

static bool listed_in(const UnitConf *c, UnitConfProperty p, const char *name) {
        return c && unit_conf_find(c, p, name);
}

/* Brings the engine from old to new for the properties in mask: every key
 * whose value changed, and every key force names (with forget: their
 * runtime WriteFile records are dropped). */
void unit_limits_apply(Manager *m, const char *unit, const UnitConf *old, const UnitConf *new, const UnitConf *force,
                       const bool mask[_UNIT_CONF_PROPERTY_MAX], bool forget) {
        if (mask[UNIT_CONF_SLICE] && !rc_unit_name_is_slice(unit)) {
                rc_group *g = rc_group_find(m->engine, unit);
                /* systemd's Slice, when it runs the unit, wins over Slice=. */
                const char *slice = systemd_unit_slice(m->systemd, unit);
                if (!slice)
                        slice = new->slice ? new->slice : RC_DEFAULT_SLICE;
                if (g && !streq(g->parent->name, slice)) {
                        rc_err err = { { 0 } };
                        int r = rc_group_set_slice(m->engine, g, slice, &err);
                        if (r < 0)
                                log_warning_errno(r, "%s: cannot move under %s: %s", unit, slice, err.msg);
                        else
                                manager_mark_dirty_path(m, g);
                }
        }
        for (int i = 0; i < _UNIT_CONF_LIST_MAX; i++) {
                UnitConfProperty p = (UnitConfProperty) i;
                if (!mask[p])
                        continue;
                const UnitConfList *lo = &old->lists[p], *ln = &new->lists[p];
                for (size_t k = 0; k < lo->n; k++)
                        apply_list_key(m, unit, p, lo->entries[k].name, old, new, force, forget);
                for (size_t k = 0; k < ln->n; k++)
                        if (!listed_in(old, p, ln->entries[k].name))
                                apply_list_key(m, unit, p, ln->entries[k].name, old, new, force, forget);
                if (!force)
                        continue;
                const UnitConfList *lf = &force->lists[p];
                for (size_t k = 0; k < lf->n; k++)
                        if (!listed_in(old, p, lf->entries[k].name) && !listed_in(new, p, lf->entries[k].name))
                                apply_list_key(m, unit, p, lf->entries[k].name, old, new, force, forget);
        }
}

/* Whether a change touches a resource the kernel charges: a reset touches
 * every resource of its controller. */
static bool change_is_kernel_backed(Manager *m, const UnitChange *c) {
        rc_controller controller = unit_conf_property_controller(c->prop);
        const UnitConfList *l = &c->add.lists[c->prop];
        if (l->n > 0) {
                for (size_t i = 0; i < l->n; i++)
                        if (cgroupfs_backs(rc_resource_find(m->engine, controller, l->entries[i].name)))
                                return true;
                return false;
        }
        list_for_each_entry(res, &m->engine->resources, rc_resource, link)
                if (res->controller == controller && cgroupfs_backs(res))
                        return true;
        return false;
}

/* A limit for the kernel that cannot be written (cgroup gone, read-only)
 * is refused before any drop-in changes. */
int unit_limits_check_writable(Manager *m, const char *unit, const UnitChanges *changes, sd_bus_error *error) {
        for (size_t i = 0; i < changes->n; i++) {
                const UnitChange *c = &changes->v[i];
                rc_err err = { { 0 } };
                if (c->prop == UNIT_CONF_SLICE || !change_is_kernel_backed(m, c))
                        continue;
                int r = cgroupfs_check_writable(m->cgroupfs, unit, unit_conf_property_file(c->prop), &err);
                if (r < 0)
                        return error_from_rc(error, r, &err);
        }
        return 0;
}
