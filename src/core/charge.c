/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The charge records resctld keeps on top of the pools' hierarchical
 * try-charge (pool.c). */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "engine.h"
#include "group-internal.h"
#include "macro.h"
#include "pool.h"

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
