/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* page_counter's min/low protection (mm/page_counter.c) and dmem's
 * evict_valuable decision (kernel/cgroup/dmem.c), for dmem pools. */

#include <errno.h>
#include <stdlib.h>

#include "engine.h"
#include "macro.h"
#include "pool.h"

__extension__ typedef unsigned __int128 u128;

/* Exact (R5): the kernel's u64 products wrap; 128 bits do not. Each result
 * is bounded by parent_effective, so it fits back into 64 bits. */
uint64_t rc_effective_protection(uint64_t usage, uint64_t parent_usage, uint64_t setting,
                                 uint64_t parent_effective, uint64_t siblings_protected, bool recursive) {
        uint64_t protected = MIN(usage, setting);
        if (siblings_protected > parent_effective)
                return (uint64_t) ((u128) protected * parent_effective / siblings_protected);
        uint64_t ep = protected;
        if (!recursive)
                return ep;
        if (parent_effective > siblings_protected && parent_usage > siblings_protected && usage > protected) {
                u128 unclaimed = (u128) (parent_effective - siblings_protected) * (usage - protected) /
                                 (parent_usage - siblings_protected);
                u128 sum = ep + unclaimed;
                ep = sum > UINT64_MAX ? UINT64_MAX : (uint64_t) sum;
        }
        return ep;
}

/* page_counter_calculate_protection(root, g) for one counter. */
static void calculate_one(rc_group *root, rc_group *g, const rc_counter *c) {
        if (g == root)
                return;
        rc_pool *p = group_pool_get(g, c);
        if (!p || p->usage == 0)
                return;
        rc_group *parent = g->parent;
        if (parent == root) {
                p->emin = p->min;
                p->elow = p->low;
                return;
        }
        const rc_pool *pp = group_pool_get(parent, c);
        p->emin = rc_effective_protection(p->usage, pp->usage, p->min, pp->emin, pp->children_min_usage, true);
        p->elow = rc_effective_protection(p->usage, pp->usage, p->low, pp->elow, pp->children_low_usage, true);
}

/* dmem computes the whole subtree pre-order; each value depends only on the
 * chain of ancestors, so walking that chain top-down gives the same result. */
void rc_protection_calculate(rc_engine *e, rc_group *root, rc_group *g, const rc_counter *c) {
        if (!root)
                root = e->root;
        if (!rc_group_is_ancestor(root, g))
                return;
        rc_group *chain[g->depth - root->depth + 1];
        size_t n = 0;
        for (rc_group *i = g; i != root; i = i->parent)
                chain[n++] = i;
        while (n > 0)
                calculate_one(root, chain[--n], c);
}

bool rc_evict_valuable(rc_engine *e, const rc_counter *c, rc_group *limit, rc_group *test, bool ignore_low,
                       bool *hit_low) {
        if (limit == test)
                return true;
        rc_group *root;
        if (limit) {
                if (!limit->parent)
                        return true;
                if (!rc_group_is_ancestor(limit, test))
                        return false;
                root = limit;
        } else
                root = e->root;
        rc_protection_calculate(e, root, test, c);
        const rc_pool *p = group_pool_get(test, c);
        uint64_t used = p ? p->usage : 0;
        if (!p || used <= p->emin)
                return false;
        if (!ignore_low) {
                if (used > p->elow)
                        return true;
                if (hit_low)
                        *hit_low = true;
                return false;
        }
        return true;
}

uint64_t rc_group_effective_protection(rc_engine *e, rc_group *g, const rc_counter *c, bool min) {
        const rc_pool *p = group_pool_get(g, c);
        if (!p || p->usage == 0)
                return 0;
        rc_protection_calculate(e, NULL, g, c);
        return min ? p->emin : p->elow;
}

static uint64_t pool_setting(const rc_pool *p, bool min) {
        return p ? (min ? p->min : p->low) : 0;
}

static uint64_t pool_children_protected(const rc_pool *p, bool min) {
        return p ? (min ? p->children_min_usage : p->children_low_usage) : 0;
}

int rc_protect_plan(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t amount, bool min,
                    rc_protect_step **ret, size_t *n_ret) {
        if (!g->parent)
                return -EINVAL;         /* the root has no min or low */
        rc_protect_step *v = calloc(g->depth - e->root->depth, sizeof(*v));
        if (!v)
                return -ENOMEM;
        size_t n = 0;
        /* Already there (its setting covers amount, and what it uses up to
         * amount is protected): nothing to raise anywhere. */
        const rc_pool *gp = group_pool_get(g, c);
        bool done = pool_setting(gp, min) >= amount &&
                    rc_group_effective_protection(e, g, c, min) >= MIN(amount, gp ? gp->usage : 0);
        /* How much the protected usage of the level below grew. */
        uint64_t grown = 0;
        for (rc_group *x = g; x != e->root; x = x->parent) {
                const rc_pool *p = group_pool_get(x, c);
                uint64_t old = pool_setting(p, min), usage = p ? p->usage : 0;
                uint64_t need = x == g ? amount : pool_children_protected(p, min) + grown;
                uint64_t new = done ? old : MAX(old, need);
                v[n++] = (rc_protect_step) { x, old, new };
                grown = MIN(usage, new) - MIN(usage, old);
        }
        *ret = v;
        *n_ret = n;
        return 0;
}
