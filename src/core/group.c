/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The group tree: systemd units by name, slices as inner nodes. A group
 * lives while it holds a charge, a limit, a child or a live unit. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "group-internal.h"
#include "macro.h"
#include "pool.h"

static bool group_name_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, rc_group, node)->name, key);
}

rc_group *rc_group_find(rc_engine *e, const char *name) {
        HashNode *n = hashmap_get(&e->groups, hash_string(name), name, group_name_eq);
        return n ? container_of(n, rc_group, node) : NULL;
}

void group_free(rc_group *g) {
        for (unsigned i = 0; i < g->n_pools; i++)
                free(g->pools[i]);
        free(g->pools);
        free(g->name);
        free(g);
}

bool rc_group_has_limits(const rc_engine *e, const rc_group *g) {
        for (unsigned i = 0; i < g->n_pools && i < e->n_slots; i++) {
                const rc_pool *p = g->pools[i];
                if (p && e->slots[i] && (p->min || p->low || p->max != rc_pool_default_max(e->slots[i])))
                        return true;
        }
        return false;
}

static bool group_is_held(const rc_engine *e, const rc_group *g) {
        return g == e->root || g->n_children || g->n_charges || g->pinned || rc_group_has_limits(e, g);
}

void rc_group_gc(rc_engine *e, rc_group *g) {
        while (g && !group_is_held(e, g)) {
                rc_group *parent = g->parent;
                if (e->group_forgotten)
                        e->group_forgotten(g, e->userdata);
                hashmap_remove(&e->groups, &g->node);
                parent->n_children--;
                group_free(g);
                g = parent;
        }
}

static int group_new(rc_engine *e, const char *name, rc_group *parent, rc_group **ret) {
        rc_group *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->name = strdup(name);
        if (!g->name) {
                free(g);
                return -ENOMEM;
        }
        list_init(&g->charges);
        g->parent = parent;
        g->depth = parent ? parent->depth + 1 : 0;
        if (hashmap_put(&e->groups, &g->node, hash_string(name)) < 0) {
                group_free(g);
                return -ENOMEM;
        }
        if (parent)
                parent->n_children++;
        *ret = g;
        return 0;
}

static int slice_get(rc_engine *e, const char *name, rc_group **ret, rc_err *err) {
        rc_group *g = rc_group_find(e, name);
        if (g) {
                *ret = g;
                return 0;
        }
        _cleanup_free_ char *pname = NULL;
        if (rc_slice_parent(name, &pname) < 0)
                return rc_errf(err, EINVAL, "'%.255s' is not a valid slice name", name);
        rc_group *parent = NULL;
        if (pname) {
                int r = slice_get(e, pname, &parent, err);
                if (r < 0)
                        return r;
        }
        int r = group_new(e, name, parent, ret);
        if (r < 0) {
                if (parent)
                        rc_group_gc(e, parent);
                return rc_errf(err, -r, "out of memory");
        }
        return 0;
}

int rc_group_get(rc_engine *e, const char *name, const char *slice, rc_group **ret, rc_err *err) {
        if (!rc_unit_name_is_valid(name))
                return rc_errf(err, EINVAL, "'%.255s' is not a valid unit name", name ? name : "");
        if (rc_unit_name_is_slice(name)) {
                if (slice)
                        return rc_errf(err, EINVAL, "%s: a slice's parent follows from its name", name);
                return slice_get(e, name, ret, err);
        }
        if (slice && !rc_slice_name_is_valid(slice))
                return rc_errf(err, EINVAL, "'%.255s' is not a valid slice name", slice);

        rc_group *g = rc_group_find(e, name);
        if (g) {
                if (slice && !streq(g->parent->name, slice)) {
                        int r = rc_group_set_slice(e, g, slice, err);
                        if (r < 0)
                                return r;
                }
                *ret = g;
                return 0;
        }
        rc_group *parent;
        int r = slice_get(e, slice ? slice : RC_DEFAULT_SLICE, &parent, err);
        if (r < 0)
                return r;
        r = group_new(e, name, parent, ret);
        if (r < 0) {
                rc_group_gc(e, parent);
                return rc_errf(err, -r, "out of memory");
        }
        return 0;
}

bool rc_group_is_ancestor(const rc_group *a, const rc_group *g) {
        for (; g; g = g->parent)
                if (g == a)
                        return true;
        return false;
}

rc_group *rc_group_common_ancestor(rc_group *a, rc_group *b) {
        while (a->depth > b->depth)
                a = a->parent;
        while (b->depth > a->depth)
                b = b->parent;
        while (a != b) {
                a = a->parent;
                b = b->parent;
        }
        return a;
}

void rc_group_pin(rc_engine *e, rc_group *g, bool pin) {
        if (pin)
                g->pinned = 1;
        else {
                g->pinned = 0;
                rc_group_gc(e, g);
        }
}

/* Moves g's usage (and its share of its parent's protected usage) from the
 * old slice's branch to the new one; levels at and above the common
 * ancestor keep theirs. No limits are checked: the unit already runs there. */
int rc_group_set_slice(rc_engine *e, rc_group *g, const char *slice, rc_err *err) {
        if (rc_unit_name_is_slice(g->name))
                return rc_errf(err, EINVAL, "%s: a slice's parent follows from its name", g->name);
        /* slice_get() finds any existing group by name, a unit too */
        if (!slice || !rc_slice_name_is_valid(slice))
                return rc_errf(err, EINVAL, "'%.255s' is not a valid slice name", slice ? slice : "");
        rc_group *np;
        int r = slice_get(e, slice, &np, err);
        if (r < 0)
                return r;
        rc_group *op = g->parent;
        if (np == op)
                return 0;
        rc_group *anc = rc_group_common_ancestor(op, np);
        for (unsigned s = 0; s < g->n_pools && s < e->n_slots; s++) {
                rc_pool *p = g->pools[s];
                rc_counter *c = e->slots[s];
                if (!p || !c)
                        continue;
                if (!rc_group_pool(e, np, c))
                        return rc_errf(err, ENOMEM, "out of memory");
        }
        for (unsigned s = 0; s < g->n_pools && s < e->n_slots; s++) {
                rc_pool *p = g->pools[s];
                rc_counter *c = e->slots[s];
                if (!p || !c)
                        continue;
                rc_pool *opp = group_pool_get(op, c), *npp = group_pool_get(np, c);
                p->parent = npp;
                opp->children_min_usage -= p->min_usage;
                opp->children_low_usage -= p->low_usage;
                npp->children_min_usage += p->min_usage;
                npp->children_low_usage += p->low_usage;
                if (p->usage) {
                        path_sub(e, op, anc, c, p->usage);
                        path_add(e, np, anc, c, p->usage);
                }
        }
        op->n_children--;
        np->n_children++;
        g->parent = np;
        g->depth = np->depth + 1;
        rc_group_gc(e, op);
        return 0;
}
