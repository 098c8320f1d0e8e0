/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Protect / Unprotect: one unit's dmem protection in one step (what
 * dmemcg-booster does by hand). The plan comes from the engine
 * (rc_protect_plan); the raised values become unit settings (DMemLow= or
 * DMemMin= drop-ins, as SetUnitProperties writes them) or, with RUNTIME,
 * runtime limits as WriteFile sets them, and what each level got is
 * remembered per unit, key and kind,
 * so that Unprotect takes back exactly that and leaves the rest alone.
 *
 * Records (state.log, or runtime.log for RUNTIME ones; journal.c writes
 * and reads them):
 *   T unit key kind n group delta...   the unit's protection, whole
 *   t unit key kind                    gone (Unprotect)
 * kind is "low" or "min"; deltas add up over repeated Protect calls. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kparse.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "protect.h"
#include "unit-conf.h"
#include "unit-settings.h"

#define PROTECT_RUNTIME UINT64_C(0x1)
#define PROTECT_MIN UINT64_C(0x2)

typedef struct Protection {
        HashNode node;
        char *id;                       /* "unit key kind", the hash key */
        char *unit, *key;
        bool min, runtime;
        ProtectLevel *levels;           /* from the unit up */
        size_t n_levels;
} Protection;

static bool protection_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, Protection, node)->id, key);
}

static char *protection_id(const char *unit, const char *key, bool min) {
        char *id = NULL;
        return asprintf(&id, "%s %s %s", unit, key, min ? "min" : "low") < 0 ? NULL : id;
}

static Protection *protection_find(Manager *m, const char *id) {
        HashNode *n = hashmap_get(&m->protections, hash_string(id), id, protection_eq);
        return n ? container_of(n, Protection, node) : NULL;
}

static void protection_free(Protection *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n_levels; i++)
                free(p->levels[i].group);
        free(p->levels);
        free(p->id);
        free(p->unit);
        free(p->key);
        free(p);
}

static void protection_drop(Manager *m, Protection *p) {
        hashmap_remove(&m->protections, &p->node);
        protection_free(p);
}

void protect_free_all(Manager *m) {
        for (size_t b = 0; b < m->protections.n_buckets; b++)
                for (HashNode *n = m->protections.buckets[b], *next; n; n = next) {
                        next = n->next;
                        protection_free(container_of(n, Protection, node));
                }
        hashmap_done(&m->protections);
}

static int protection_new(Manager *m, const char *unit, const char *key, bool min, bool runtime,
                          Protection **ret) {
        Protection *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->id = protection_id(unit, key, min);
        p->unit = strdup(unit);
        p->key = strdup(key);
        p->min = min;
        p->runtime = runtime;
        if (!p->id || !p->unit || !p->key || hashmap_put(&m->protections, &p->node, hash_string(p->id)) < 0) {
                protection_free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

static int protection_add(Protection *p, const char *group, uint64_t delta) {
        for (size_t i = 0; i < p->n_levels; i++)
                if (streq(p->levels[i].group, group)) {
                        p->levels[i].delta += delta;
                        return 0;
                }
        ProtectLevel *v = realloc(p->levels, (p->n_levels + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        p->levels = v;
        v[p->n_levels] = (ProtectLevel) { strdup(group), delta };
        if (!v[p->n_levels].group)
                return -ENOMEM;
        p->n_levels++;
        return 0;
}

static void protection_record(Manager *m, const Protection *p) {
        manager_emit(m, protection_set, p->runtime, p->id, p->levels, p->n_levels);
}

void protect_foreach(Manager *m, bool runtime,
                     void (*fn)(void *userdata, bool runtime, const char *id, const ProtectLevel *levels,
                                size_t n_levels),
                     void *userdata) {
        hashmap_for_each(node, &m->protections) {
                Protection *p = container_of(node, Protection, node);
                if (p->runtime == runtime)
                        fn(userdata, runtime, p->id, p->levels, p->n_levels);
        }
}

void protect_restore_removed(Manager *m, const char *unit, const char *key, bool min) {
        _cleanup_free_ char *id = protection_id(unit, key, min);
        Protection *old = id ? protection_find(m, id) : NULL;
        if (old)
                protection_drop(m, old);
}

int protect_restore(Manager *m, const char *unit, const char *key, bool min, bool runtime,
                    const ProtectLevel *levels, size_t n_levels) {
        Protection *p = NULL;
        int r = protection_new(m, unit, key, min, runtime, &p);
        for (size_t i = 0; r >= 0 && i < n_levels; i++)
                r = protection_add(p, levels[i].group, levels[i].delta);
        if (r < 0 && p)
                protection_drop(m, p);
        return r;
}

static int emit_changed(Manager *m, const char *unit, rc_counter *c, bool min, uint64_t *ret) {
        rc_group *g = rc_group_find(m->engine, unit);
        uint64_t eff = g ? rc_group_effective_protection(m->engine, g, c, min) : 0;
        if (ret)
                *ret = eff;
        manager_emit(m, protection_changed, unit, c->key, eff);
        return 0;
}

/* Sets the group's low (min) of c to v: as a unit setting (a drop-in, as
 * SetUnitProperties writes it) or, for RUNTIME, as WriteFile does (until
 * reboot, and not masked by a persistent drop-in of the same name). */
static int set_level(Manager *m, const char *group, const rc_counter *c, bool min, bool runtime, uint64_t v,
                     sd_bus_error *error) {
        if (!runtime)
                return unit_settings_set_value(m, group, false, min ? UNIT_CONF_DMEM_MIN : UNIT_CONF_DMEM_LOW,
                                               c->resource->name, v, error);
        _cleanup_free_ char *text = NULL;
        if (asprintf(&text, "%s %" PRIu64, c->resource->name, v) < 0)
                return -ENOMEM;
        return manager_write_group_file(m, group, min ? "dmem.min" : "dmem.low", text, error);
}

static int check_args(Manager *m, const char *unit, const char *key, uint64_t flags, rc_counter **ret,
                      sd_bus_error *error) {
        if (flags & ~(PROTECT_RUNTIME | PROTECT_MIN))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "Unknown flags 0x%llx: only 0x1 (RUNTIME) and 0x2 (MIN) are defined.",
                                         (unsigned long long) (flags & ~(PROTECT_RUNTIME | PROTECT_MIN)));
        if (!rc_unit_name_is_valid(unit))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "'%.255s' is not a valid unit name (e.g. game.scope, tenant-a.slice)", unit);
        if (streq(unit, RC_ROOT_GROUP))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "%s has no protection of its own: name a unit below it.", unit);
        rc_err err = { { 0 } };
        int r = rc_counter_find(m->engine, key, ret, &err);
        if (r >= 0 && (*ret)->resource->controller != RC_DMEM)
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "%s: protection applies to dmem regions only.", key);
        if (r >= 0)
                r = cgroupfs_refuse_brokering((*ret)->resource,
                                              "protecting through resctld (set DMemLow= along the ancestry)", &err);
        return r < 0 ? error_from_rc(error, r, &err) : 0;
}

int protect(Manager *m, const char *unit, const char *key, uint64_t amount, uint64_t flags, uint64_t *ret,
            sd_bus_error *error) {
        rc_counter *c;
        int r = check_args(m, unit, key, flags, &c, error);
        if (r < 0)
                return r;
        bool min = flags & PROTECT_MIN, runtime = flags & PROTECT_RUNTIME;
        _cleanup_free_ char *id = protection_id(unit, c->key, min);
        if (!id)
                return -ENOMEM;
        Protection *p = protection_find(m, id);
        if (p && p->runtime != runtime)
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "%s: its %s protection of %s is %s; unprotect it first to change that.",
                                         unit, min ? "min" : "low", c->key, p->runtime ? "runtime" : "persistent");
        rc_err err = { { 0 } };
        rc_group *g;
        r = manager_group_get(m, unit, &g, &err);
        if (r < 0)
                return error_from_rc(error, r, &err);
        _cleanup_free_ rc_protect_step *v = NULL;
        size_t n = 0;
        r = rc_protect_plan(m->engine, g, c, amount, min, &v, &n);
        if (r < 0) {
                rc_group_gc(m->engine, g);
                return r;
        }
        /* Group names: applying a level may re-hang or collect groups. */
        _cleanup_free_ char **names = calloc(n + 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(names[i] = strdup(v[i].group->name)))
                        r = -ENOMEM;
        if (r >= 0 && !p)
                r = protection_new(m, unit, c->key, min, runtime, &p);
        bool changed = false;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                if (v[i].new == v[i].old)
                        continue;
                r = set_level(m, names[i], c, min, runtime, v[i].new, error);
                if (r >= 0)
                        r = protection_add(p, names[i], v[i].new - v[i].old);
                changed = changed || r >= 0;
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        if (p && changed)
                protection_record(m, p);
        else if (p && p->n_levels == 0)
                protection_drop(m, p);  /* nothing added, nothing to take back */
        if (r < 0)
                return r;
        return emit_changed(m, unit, c, min, ret);
}

int unprotect(Manager *m, const char *unit, const char *key, uint64_t flags, sd_bus_error *error) {
        rc_counter *c;
        int r = check_args(m, unit, key, flags & ~PROTECT_RUNTIME, &c, error);
        if (r < 0)
                return r;
        if (flags & PROTECT_RUNTIME)
                return sd_bus_error_set(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                        "Unprotect takes only flag 0x2 (MIN): it undoes the protection as it was made.");
        bool min = flags & PROTECT_MIN;
        _cleanup_free_ char *id = protection_id(unit, c->key, min);
        if (!id)
                return -ENOMEM;
        Protection *p = protection_find(m, id);
        if (!p)
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "%s: Protect added no %s protection of %s; nothing to take back.", unit,
                                         min ? "min" : "low", c->key);
        /* Level by level; what was taken back is forgotten at once, so that
         * a failure half way leaves a record of exactly what is left. */
        while (p->n_levels > 0) {
                ProtectLevel *l = &p->levels[p->n_levels - 1];
                rc_group *g = rc_group_find(m->engine, l->group);
                const rc_pool *pool = g ? rc_group_pool_peek(g, c) : NULL;
                uint64_t cur = pool ? (min ? pool->min : pool->low) : 0;
                uint64_t v = cur - MIN(cur, l->delta);
                if (v != cur) {
                        r = set_level(m, l->group, c, min, p->runtime, v, error);
                        if (r < 0) {
                                protection_record(m, p);
                                return r;
                        }
                }
                free(l->group);
                p->n_levels--;
        }
        manager_emit(m, protection_removed, p->runtime, p->id);
        protection_drop(m, p);
        return emit_changed(m, unit, c, min, NULL);
}
