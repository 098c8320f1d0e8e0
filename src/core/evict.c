/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Victim selection for Evict, TTM's policy (kernel-semantics.md 3.9):
 * oldest charge first among those evict_valuable allows, pass 1 respecting
 * low, pass 2 ignoring it only when pass 1 fell short and skipped a charge
 * for low. Victims are taken out of the counters while choosing, so that
 * protection is re-evaluated with current usage, and put back at the end:
 * rc_evict never changes the state. */

#include <errno.h>
#include <stdlib.h>

#include "engine.h"
#include "macro.h"
#include "pool.h"

/* The limit pool a charge of `amount` in g would find: the first level whose
 * max refuses it, NULL with *full when only the region size does. */
static rc_group *find_limit(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t amount, bool *fits) {
        *fits = false;
        for (rc_group *i = g; i; i = i->parent) {
                const rc_pool *p = group_pool_get(i, c);
                uint64_t usage = p ? p->usage : 0, max = p ? p->max : RC_PCM;
                if (amount > UINT64_MAX - usage || usage + amount > max)
                        return i;
        }
        uint64_t usage = pool_usage(e->root, c);
        if (amount > UINT64_MAX - usage || usage + amount > c->resource->capacity)
                return NULL;
        *fits = true;
        return NULL;
}

static bool charge_fits(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t amount) {
        bool fits;
        (void) find_limit(e, g, c, amount, &fits);
        return fits;
}

typedef struct Selection {
        rc_charge **picked;
        size_t n;
} Selection;

/* Marks a charge picked in this call; cleared before rc_evict returns. */
#define CHARGE_PICKED UINT32_C(0x80000000)

/* One pass over the LRU; returns whether the charge fits afterwards. */
static bool evict_pass(rc_engine *e, rc_counter *c, rc_group *limit, rc_group *g, uint64_t amount,
                       bool ignore_low, bool *hit_low, Selection *s) {
        list_for_each(l, &c->charges) {
                rc_charge *ch = list_entry(l, rc_charge, counter_link);
                if (ch->flags & CHARGE_PICKED)
                        continue;
                if (!rc_evict_valuable(e, c, limit, ch->group, ignore_low, hit_low))
                        continue;
                path_sub(e, ch->group, NULL, c, ch->amount);
                ch->flags |= CHARGE_PICKED;
                s->picked[s->n++] = ch;
                if (charge_fits(e, g, c, amount))
                        return true;
        }
        return false;
}

int rc_evict(rc_engine *e, rc_counter *c, rc_group *g, uint64_t amount, rc_victim **ret, size_t *n_ret,
             rc_err *err) {
        *ret = NULL;
        *n_ret = 0;
        if (c->resource->controller != RC_DMEM)
                return rc_errf(err, EINVAL, "%s: eviction applies to dmem regions only", c->key);

        bool fits;
        rc_group *limit = find_limit(e, g, c, amount, &fits);
        if (fits)
                return 0;

        size_t total = 0;
        list_for_each(l, &c->charges)
                total++;
        _cleanup_free_ rc_charge **picked_buf = calloc(total ? total : 1, sizeof(rc_charge *));
        if (!picked_buf)
                return rc_errf(err, ENOMEM, "out of memory");
        Selection s = { .picked = picked_buf };

        bool hit_low = false;
        if (!evict_pass(e, c, limit, g, amount, false, &hit_low, &s) && hit_low)
                (void) evict_pass(e, c, limit, g, amount, true, &hit_low, &s);

        for (size_t i = 0; i < s.n; i++) {
                s.picked[i]->flags &= ~CHARGE_PICKED;
                path_add(e, s.picked[i]->group, NULL, c, s.picked[i]->amount);
        }

        if (s.n == 0)
                return 0;
        rc_victim *v = calloc(s.n, sizeof(*v));
        if (!v)
                return rc_errf(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < s.n; i++)
                v[i] = (rc_victim) { .id = s.picked[i]->id, .group = s.picked[i]->group, .amount = s.picked[i]->amount };
        *ret = v;
        *n_ret = s.n;
        return 0;
}
