/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the engine's own files, not for callers. */

#include "engine.h"

void group_free(rc_group *g);
void resource_free(rc_resource *r);
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
void charge_cache_free(rc_engine *e);
void refusal_count(rc_engine *e, const rc_refusal *refusal, rc_counter *c);
