/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Hierarchical try-charge (misc.c, rdma.c, dmem.c + page_counter.c) and
 * the charge records resctld keeps on top of it. A charge is checked level
 * by level before anything changes, which gives the kernel's results
 * (failing level, rolled-back usage) without its transient peaks (R4). */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "engine.h"
#include "group-internal.h"
#include "macro.h"

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
static int pool_try_charge_slow(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount, rc_refusal *refusal) {
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

/* The hot path, for misc and rdma: one walk up adding and checking each
 * level's max, the capacity and overflow at the root only. A level's usage
 * never exceeds its parent's (charges count at every level above them), so
 * the root's usage + amount <= capacity covers every level: misc's capacity
 * at each level (R3), and overflow (a sum that wrapped below the root wraps
 * at the root too, and the rollback's subtraction unwraps it). rdma's
 * capacity is RC_MAX. Any refusal rolls back and leaves it to the exact
 * walk, which finds the refusing level and error as the kernel would. Peaks
 * are raised on the way; the few that rose are logged for the rollback. */
#define FAST_DEPTH 64

typedef struct PeakUndo {
        rc_pool *pool;
        uint64_t peak;
} PeakUndo;

/* Rolls back what the fast walk did below `stop` (NULL: every level). */
static __attribute__((noinline, cold)) void pool_charge_undo(rc_pool *leaf, rc_pool *stop, uint64_t amount,
                                                             const PeakUndo *undo, unsigned n_undo) {
        for (rc_pool *q = leaf; q != stop; q = q->parent)
                q->usage -= amount;
        while (n_undo > 0) {
                n_undo--;
                undo[n_undo].pool->peak = undo[n_undo].peak;
        }
}

/* true: charged. false: nothing changed; take the exact walk. Few values
 * live across the loop, so that the callers need no saved registers. */
static inline __attribute__((always_inline)) bool pool_charge_fast(rc_group *g, const rc_counter *c,
                                                                   uint64_t amount) {
        rc_pool *p = group_pool_get(g, c);
        if (!p || c->resource->controller == RC_DMEM)
                return false;
        PeakUndo undo[FAST_DEPTH];
        unsigned n_undo = 0;
        uint64_t new;
        for (;;) {
                new = p->usage + amount;
                if (__builtin_expect(new > p->max, 0))
                        goto undo;
                p->usage = new;
                if (__builtin_expect(new > p->peak, 0)) {
                        if (n_undo == FAST_DEPTH) {
                                /* Deeper than the log: the exact walk. */
                                p->usage -= amount;
                                goto undo;
                        }
                        undo[n_undo++] = (PeakUndo) { p, p->peak };
                        p->peak = new;
                }
                if (!p->parent)
                        break;
                p = p->parent;
        }
        /* p is the root. misc with capacity 0 refuses everything (EINVAL),
         * amount 0 included. (The empty asm keeps the compiler from turning
         * new >= amount into the carry of every level's addition.) */
        __asm__("" : "+r"(new));
        uint64_t cap = c->resource->capacity;
        if (__builtin_expect(new <= cap && new >= amount && cap != 0, 1))
                return true;
        p = NULL;       /* undo every level */
undo:
        pool_charge_undo(group_pool_get(g, c), p, amount, undo, n_undo);
        return false;
}

static __attribute__((noinline)) void pool_uncharge_dmem(rc_pool *p, uint64_t amount) {
        for (; p; p = p->parent) {
                p->usage = p->usage > amount ? p->usage - amount : 0;
                pool_propagate(p);
        }
}

static inline __attribute__((always_inline)) void pool_uncharge(rc_pool *p, uint64_t amount, bool dmem) {
        if (__builtin_expect(dmem, 0)) {
                pool_uncharge_dmem(p, amount);
                return;
        }
        for (; p; p = p->parent)
                p->usage = p->usage > amount ? p->usage - amount : 0;
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

/* Charge records come and go at the rate of calls: keep a few for reuse. */
#define FREE_CHARGES_MAX 1024

static rc_charge *charge_alloc(rc_engine *e) {
        rc_charge *ch = e->free_charges;
        if (!ch)
                return malloc(sizeof(*ch));
        e->free_charges = *(rc_charge **) ch;
        e->n_free_charges--;
        return ch;
}

static void charge_release(rc_engine *e, rc_charge *ch) {
        if (e->n_free_charges >= FREE_CHARGES_MAX) {
                free(ch);
                return;
        }
        *(rc_charge **) ch = e->free_charges;
        e->free_charges = ch;
        e->n_free_charges++;
}

void charge_cache_free(rc_engine *e) {
        while (e->free_charges) {
                rc_charge *ch = e->free_charges;
                e->free_charges = *(rc_charge **) ch;
                free(ch);
        }
        e->n_free_charges = 0;
}

/* Ids are the engine's own, handed out in sequence: the id itself spreads
 * them evenly over the buckets, and charges taken (or restored) one after
 * the other land in neighbouring buckets instead of random cache lines. */
static uint64_t charge_hash(uint64_t id) {
        return id;
}

static bool charge_id_eq(const HashNode *n, const void *key) {
        return container_of(n, rc_charge, node)->id == *(const uint64_t *) key;
}

rc_charge *rc_charge_find(rc_engine *e, uint64_t id) {
        HashNode *n = hashmap_get(&e->charges, charge_hash(id), &id, charge_id_eq);
        return n ? container_of(n, rc_charge, node) : NULL;
}

static int charge_link(rc_engine *e, rc_charge *ch, uint64_t id, rc_group *g, rc_counter *c,
                       uint64_t amount, uint64_t owner, uint32_t flags) {
        ch->id = id;
        ch->group = g;
        ch->counter = c;
        ch->amount = amount;
        ch->owner = owner;
        ch->flags = flags;
        ch->tag = 0;
        int r = hashmap_put(&e->charges, &ch->node, charge_hash(id));
        if (r < 0)
                return r;
        list_add_tail(&ch->group_link, &g->charges);
        list_add_tail(&ch->counter_link, &c->charges);
        g->n_charges++;
        return 0;
}

/* Everything but the common case: checks with messages, the exact walk,
 * refusals. */
static __attribute__((noinline)) int charge_new_slow(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount,
                                                     uint64_t owner, uint32_t flags, rc_charge **ret,
                                                     rc_refusal *refusal, rc_err *err) {
        rc_refusal dummy;
        if (!refusal)
                refusal = &dummy;
        if (amount == 0)
                return rc_errf(err, EINVAL, "%s: amount must be at least 1", c->key);
        if (c->resource->controller == RC_MISC && c->resource->capacity == 0)
                return rc_errf(err, EINVAL, "%s is unavailable (capacity 0)", c->key);

        rc_charge *ch = charge_alloc(e);
        if (!ch)
                return rc_errf(err, ENOMEM, "out of memory");
        int r = pool_try_charge_slow(e, g, c, amount, refusal);
        if (r < 0) {
                charge_release(e, ch);
                if (r == -ERANGE)
                        return rc_errf(err, ERANGE, "%s: amount %" PRIu64 " overflows the usage counter", c->key, amount);
                if (r != -EBUSY)
                        return rc_errf(err, -r, "out of memory");
                refusal_count(e, refusal, c);
                const rc_pool *p = group_pool_get(refusal->limit_group, c);
                return rc_errf(err, EBUSY, "%s: %s %s %" PRIu64 " reached (usage %" PRIu64 ", asked %" PRIu64 ")",
                               refusal->limit_group->name, c->key, refusal->capacity ? "capacity" : "max",
                               refusal->limit, p ? p->usage : 0, amount);
        }
        r = charge_link(e, ch, e->next_charge_id, g, c, amount, owner, flags);
        if (r < 0) {
                pool_uncharge(group_pool_get(g, c), amount, c->resource->controller == RC_DMEM);
                charge_release(e, ch);
                return rc_errf(err, -r, "out of memory");
        }
        e->next_charge_id++;
        if (ret)
                *ret = ch;
        return 0;
}

int rc_charge_new(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount, uint64_t owner,
                  uint32_t flags, rc_charge **ret, rc_refusal *refusal, rc_err *err) {
        if (amount != 0) {
                rc_charge *ch = charge_alloc(e);
                if (ch && pool_charge_fast(g, c, amount)) {
                        if (charge_link(e, ch, e->next_charge_id, g, c, amount, owner, flags) >= 0) {
                                e->next_charge_id++;
                                if (ret)
                                        *ret = ch;
                                return 0;
                        }
                        pool_uncharge(group_pool_get(g, c), amount, false);
                }
                if (ch)
                        charge_release(e, ch);
        }
        return charge_new_slow(e, g, c, amount, owner, flags, ret, refusal, err);
}

int rc_charge_restore(rc_engine *e, uint64_t id, rc_group *g, rc_counter *c, uint64_t amount,
                      uint64_t owner, uint32_t flags, rc_charge **ret) {
        if (id == 0 || amount == 0)
                return -EINVAL;
        if (rc_charge_find(e, id))
                return -EEXIST;
        for (rc_group *i = g; i; i = i->parent)
                if (!rc_group_pool(e, i, c))
                        return -ENOMEM;
        _cleanup_free_ rc_charge *ch = malloc(sizeof(*ch));
        if (!ch)
                return -ENOMEM;
        int r = charge_link(e, ch, id, g, c, amount, owner, flags);
        if (r < 0)
                return r;
        if (id >= e->next_charge_id)
                e->next_charge_id = id + 1;
        path_add(e, g, NULL, c, amount);
        if (ret)
                *ret = ch;
        TAKE_PTR(ch);
        return 0;
}

void rc_charge_uncharge(rc_engine *e, rc_charge *ch, uint64_t amount) {
        rc_group *g = ch->group;
        bool dmem = ch->counter->resource->controller == RC_DMEM;
        if (amount != 0 && amount < ch->amount) {
                pool_uncharge(group_pool_get(g, ch->counter), amount, dmem);
                ch->amount -= amount;
                return;
        }
        pool_uncharge(group_pool_get(g, ch->counter), ch->amount, dmem);
        hashmap_remove(&e->charges, &ch->node);
        list_del(&ch->group_link);
        list_del(&ch->counter_link);
        g->n_charges--;
        charge_release(e, ch);
        /* The cheap reasons to stay first: a live unit, children. */
        if (g->n_charges == 0 && !g->pinned && g->n_children == 0)
                rc_group_gc(e, g);
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
