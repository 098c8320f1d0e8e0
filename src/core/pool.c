/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The pools under the groups, as mm/page_counter.c: a group's pool comes
 * with its ancestors', usage counts at every level, and a try-charge walks
 * up checking each level's max (misc.c, rdma.c, dmem.c on top). A charge is
 * checked level by level before anything changes, which gives the kernel's
 * results (failing level, rolled-back usage) without its transient peaks
 * (R4). The charge records (charge.c), the tree (group.c) and min/low
 * (protection.c) build on this file. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "macro.h"
#include "pool.h"

uint64_t rc_pool_default_max(const rc_counter *c) {
        switch (c->resource->controller) {
        case RC_DMEM:
                return RC_PCM;
        case RC_RDMA:
                return RC_S32_MAX;
        default:
                return RC_MAX;
        }
}

const rc_pool *rc_group_pool_peek(const rc_group *g, const rc_counter *c) {
        return group_pool_get(g, c);
}

/* Like get_cg_pool_unlocked(): a group's pool comes with its ancestors'. */
rc_pool *rc_group_pool(rc_engine *e, rc_group *g, const rc_counter *c) {
        rc_pool *p = group_pool_get(g, c);
        if (p)
                return p;
        if (g->parent && !rc_group_pool(e, g->parent, c))
                return NULL;
        if (c->slot >= g->n_pools) {
                rc_pool **pools = realloc(g->pools, e->n_slots * sizeof(*pools));
                if (!pools)
                        return NULL;
                memset(pools + g->n_pools, 0, (e->n_slots - g->n_pools) * sizeof(*pools));
                g->pools = pools;
                g->n_pools = e->n_slots;
        }
        p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        p->parent = g->parent ? group_pool_get(g->parent, c) : NULL;
        p->max = rc_pool_default_max(c);
        g->pools[c->slot] = p;
        return p;
}

void pool_propagate(rc_pool *p) {
        rc_pool *pp = p->parent;
        if (!pp)
                return;
        uint64_t prot = MIN(p->usage, p->min);
        if (prot != p->min_usage) {
                pp->children_min_usage += prot - p->min_usage;
                p->min_usage = prot;
        }
        prot = MIN(p->usage, p->low);
        if (prot != p->low_usage) {
                pp->children_low_usage += prot - p->low_usage;
                p->low_usage = prot;
        }
}

static void set_protection(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t v, bool low) {
        rc_pool *p = rc_group_pool(e, g, c);
        if (!p)
                return;
        if (low)
                p->low = v;
        else
                p->min = v;
        for (; p; p = p->parent)
                pool_propagate(p);
}

void rc_pool_set_min(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t v) {
        set_protection(e, g, c, v, false);
}

void rc_pool_set_low(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t v) {
        set_protection(e, g, c, v, true);
}

static void refuse(rc_refusal *refusal, rc_group *g, uint64_t limit, bool capacity) {
        *refusal = (rc_refusal) { .limit_group = g, .limit = limit, .capacity = capacity };
}

/* rdma charges one object at a time (R7: N objects are N single charges,
 * all or nothing). The single charge that fails first is number
 * min(headroom) + 1, and it fails at the lowest level with that headroom. */
static int rdma_check(rc_engine *e, rc_group *g, rc_group *stop, const rc_counter *c, uint64_t amount,
                      rc_refusal *refusal) {
        rc_group *worst = NULL;
        uint64_t worst_room = UINT64_MAX, worst_max = 0;
        for (rc_group *i = g; i != stop; i = i->parent) {
                rc_pool *p = rc_group_pool(e, i, c);
                if (!p)
                        return -ENOMEM;
                uint64_t room = p->usage < p->max ? p->max - p->usage : 0;
                if (room < worst_room) {
                        worst_room = room;
                        worst = i;
                        worst_max = p->max;
                }
        }
        if (worst && worst_room < amount) {
                refuse(refusal, worst, worst_max, false);
                return -EBUSY;
        }
        return 0;
}

int path_check(rc_engine *e, rc_group *g, rc_group *stop, const rc_counter *c, uint64_t amount,
               rc_refusal *refusal) {
        const rc_resource *res = c->resource;
        if (res->controller == RC_RDMA)
                return rdma_check(e, g, stop, c, amount, refusal);
        for (rc_group *i = g; i != stop; i = i->parent) {
                rc_pool *p = rc_group_pool(e, i, c);
                if (!p)
                        return -ENOMEM;
                if (amount > UINT64_MAX - p->usage)
                        return -ERANGE;
                uint64_t new = p->usage + amount;
                if (new > p->max) {
                        refuse(refusal, i, p->max, false);
                        return -EBUSY;
                }
                /* misc: capacity at every level; dmem: the region size once,
                 * at the root (R3). */
                if ((res->controller == RC_MISC || !i->parent) && new > res->capacity) {
                        refuse(refusal, i, res->capacity, true);
                        return -EBUSY;
                }
        }
        return 0;
}

void path_add(rc_engine *e, rc_group *g, rc_group *stop, const rc_counter *c, uint64_t amount) {
        bool dmem = c->resource->controller == RC_DMEM;
        for (rc_group *i = g; i != stop; i = i->parent) {
                rc_pool *p = group_pool_get(i, c);    /* path_check made it */
                p->usage += amount;
                if (p->usage > p->peak)
                        p->peak = p->usage;
                if (dmem)
                        pool_propagate(p);
        }
}

void path_sub(rc_engine *e, rc_group *g, rc_group *stop, const rc_counter *c, uint64_t amount) {
        bool dmem = c->resource->controller == RC_DMEM;
        for (rc_group *i = g; i != stop; i = i->parent) {
                rc_pool *p = group_pool_get(i, c);
                p->usage = p->usage > amount ? p->usage - amount : 0;
                if (dmem)
                        pool_propagate(p);
        }
}

/* misc_cg_event(), for every controller (R8): the failing level counts a
 * local event, it and its ancestors but the root a hierarchical one. */
void refusal_count(rc_engine *e, const rc_refusal *refusal, rc_counter *c) {
        rc_group *f = refusal->limit_group;
        rc_pool *p = rc_group_pool(e, f, c);
        c->refused++;
        if (p)
                p->events_local++;
        for (rc_group *a = f; a->parent; a = a->parent) {
                p = rc_group_pool(e, a, c);
                if (p)
                        p->events++;
        }
}

/* The exact walk, for dmem (protection state at every level) and for
 * every charge the fast path below could not take. Pools chain to their
 * parents' pools as page_counters do, so a charge is one walk up: add,
 * check, raise the peak; a refusal walks back over the levels below the
 * refusing one and restores them (R4: the saved peaks go back too). rdma
 * checks its single-charge headroom first. */
int pool_try_charge_slow(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount, rc_refusal *refusal) {
        const rc_resource *res = c->resource;
        if (res->controller == RC_RDMA) {
                int r = rdma_check(e, g, NULL, c, amount, refusal);
                if (r < 0)
                        return r;
        }
        rc_pool *leaf = rc_group_pool(e, g, c);
        if (!leaf)
                return -ENOMEM;
        bool misc = res->controller == RC_MISC, dmem = res->controller == RC_DMEM;
        uint64_t saved_peak[g->depth + 1];
        unsigned level = 0;
        rc_pool *p;
        int r = 0;
        uint64_t limit = 0;
        bool capacity = false;
        for (p = leaf; p; p = p->parent, level++) {
                uint64_t new = p->usage + amount;
                if (new < amount) {
                        r = -ERANGE;
                        break;
                }
                if (new > p->max) {
                        r = -EBUSY;
                        limit = p->max;
                        break;
                }
                /* misc: capacity at every level; dmem: the region size once, at the root (R3). */
                if ((misc || (dmem && !p->parent)) && new > res->capacity) {
                        r = -EBUSY;
                        limit = res->capacity;
                        capacity = true;
                        break;
                }
                p->usage = new;
                saved_peak[level] = p->peak;
                if (new > p->peak)
                        p->peak = new;
                if (dmem)
                        pool_propagate(p);
        }
        if (r == 0)
                return 0;
        rc_group *failed = g;
        level = 0;
        for (rc_pool *q = leaf; q != p; q = q->parent, level++) {
                q->usage -= amount;
                q->peak = saved_peak[level];
                if (dmem)
                        pool_propagate(q);
                failed = failed->parent;
        }
        if (r == -EBUSY)
                refuse(refusal, failed, limit, capacity);
        return r;
}

/* Rolls back what the fast walk did below `stop` (NULL: every level). */
void pool_charge_undo(rc_pool *leaf, rc_pool *stop, uint64_t amount, const PeakUndo *undo, unsigned n_undo) {
        for (rc_pool *q = leaf; q != stop; q = q->parent)
                q->usage -= amount;
        while (n_undo > 0) {
                n_undo--;
                undo[n_undo].pool->peak = undo[n_undo].peak;
        }
}

void pool_uncharge_dmem(rc_pool *p, uint64_t amount) {
        for (; p; p = p->parent) {
                p->usage = p->usage > amount ? p->usage - amount : 0;
                pool_propagate(p);
        }
}

static __attribute__((noinline)) int counter_try_charge_slow(rc_engine *e, rc_group *g, rc_counter *c,
                                                             uint64_t amount, rc_refusal *refusal) {
        rc_refusal dummy;
        if (!refusal)
                refusal = &dummy;
        if (c->resource->controller == RC_MISC && c->resource->capacity == 0)
                return -EINVAL;
        int r = pool_try_charge_slow(e, g, c, amount, refusal);
        if (r == -EBUSY)
                refusal_count(e, refusal, c);
        return r;
}

int rc_counter_try_charge(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount, rc_refusal *refusal) {
        if (pool_charge_fast(g, c, amount))
                return 0;
        return counter_try_charge_slow(e, g, c, amount, refusal);
}

void rc_counter_uncharge(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount) {
        rc_pool *p = group_pool_get(g, c);
        if (p)
                pool_uncharge(p, amount, c->resource->controller == RC_DMEM);
}

int rc_pool_restore_stats(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t peak, uint64_t events,
                          uint64_t events_local) {
        rc_pool *p = rc_group_pool(e, g, c);
        if (!p)
                return -ENOMEM;
        p->peak = MAX(p->peak, peak);
        p->events = events;
        p->events_local = events_local;
        return 0;
}
