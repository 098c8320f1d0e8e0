/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The page_counter-like pools under every group, shared between the
 * engine's own files, not for callers. Pools chain to their parents' pools
 * as page_counters do. Nothing here knows of charge records: charge.c,
 * group.c, protection.c, migrate.c and evict.c build on this file, and it
 * on none of them. */

#include "engine.h"

/* Pool of g for c, or NULL when g has none (defaults). */
static inline rc_pool *group_pool_get(const rc_group *g, const rc_counter *c) {
        return c->slot < g->n_pools ? g->pools[c->slot] : NULL;
}
static inline uint64_t pool_usage(const rc_group *g, const rc_counter *c) {
        const rc_pool *p = group_pool_get(g, c);
        return p ? p->usage : 0;
}
/* page_counter's propagate_protected_usage() (dmem only). */
void pool_propagate(rc_pool *p);
/* Walks below `stop` (exclusive; NULL = through the root). */
int path_check(rc_engine *e, rc_group *g, rc_group *stop, const rc_counter *c, uint64_t amount,
               rc_refusal *refusal);
void path_add(rc_engine *e, rc_group *g, rc_group *stop, const rc_counter *c, uint64_t amount);
void path_sub(rc_engine *e, rc_group *g, rc_group *stop, const rc_counter *c, uint64_t amount);
void refusal_count(rc_engine *e, const rc_refusal *refusal, rc_counter *c);
/* The exact walk: on -EBUSY *refusal names the refusing level (not yet
 * counted: see refusal_count()). */
int pool_try_charge_slow(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount,
                         rc_refusal *refusal);

/* The hot path, for misc and rdma: one walk up adding and checking each
 * level's max, the capacity and overflow at the root only. A level's usage
 * never exceeds its parent's (charges count at every level above them), so
 * the root's usage + amount <= capacity covers every level: misc's capacity
 * at each level (R3), and overflow (a sum that wrapped below the root wraps
 * at the root too, and the rollback's subtraction unwraps it). rdma's
 * capacity is RC_MAX. Any refusal rolls back and leaves it to the exact
 * walk, which finds the refusing level and error as the kernel would. Peaks
 * are raised on the way; the few that rose are logged for the rollback.
 * (Inline here so that charge.c's hot path stays one function.) */
#define FAST_DEPTH 64

typedef struct PeakUndo {
        rc_pool *pool;
        uint64_t peak;
} PeakUndo;

/* Rolls back what the fast walk did below `stop` (NULL: every level). */
__attribute__((noinline, cold)) void pool_charge_undo(rc_pool *leaf, rc_pool *stop, uint64_t amount,
                                                      const PeakUndo *undo, unsigned n_undo);

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

__attribute__((noinline)) void pool_uncharge_dmem(rc_pool *p, uint64_t amount);

static inline __attribute__((always_inline)) void pool_uncharge(rc_pool *p, uint64_t amount, bool dmem) {
        if (__builtin_expect(dmem, 0)) {
                pool_uncharge_dmem(p, amount);
                return;
        }
        for (; p; p = p->parent)
                p->usage = p->usage > amount ? p->usage - amount : 0;
}
