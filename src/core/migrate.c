/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Moving charges between groups, all or nothing (R9): like a can_attach
 * that charges the destination with limit checks, and a cancel_attach that
 * undoes every step on the first failure. Sources are uncharged only once
 * every destination charge succeeded. */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "macro.h"
#include "pool.h"

static int cmp_ptr(const void *a, const void *b) {
        uintptr_t x = (uintptr_t) *(void *const *) a, y = (uintptr_t) *(void *const *) b;
        return x < y ? -1 : x > y;
}

static int check_distinct(rc_charge **charges, size_t n, rc_err *err) {
        _cleanup_free_ rc_charge **sorted = malloc(n * sizeof(*sorted));
        if (!sorted)
                return rc_errf(err, ENOMEM, "out of memory");
        memcpy(sorted, charges, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), cmp_ptr);
        for (size_t i = 1; i < n; i++)
                if (sorted[i] == sorted[i - 1])
                        return rc_errf(err, EINVAL, "charge %" PRIu64 " is listed twice", sorted[i]->id);
        return 0;
}

/* path_add without the peaks: until the commit point the destination's
 * usage is tentative, and a peak is committed usage only (R4). */
static void add_tentative(rc_engine *e, rc_group *g, rc_group *stop, const rc_counter *c, uint64_t amount) {
        bool dmem = c->resource->controller == RC_DMEM;
        for (rc_group *i = g; i != stop; i = i->parent) {
                rc_pool *p = group_pool_get(i, c);      /* path_check made it */
                p->usage += amount;
                if (dmem)
                        pool_propagate(p);
        }
}

static void raise_peaks(rc_group *g, rc_group *stop, const rc_counter *c) {
        for (rc_group *i = g; i != stop; i = i->parent) {
                rc_pool *p = group_pool_get(i, c);
                p->peak = MAX(p->peak, p->usage);
        }
}

static void undo(rc_engine *e, rc_charge **charges, size_t n, rc_group *dst) {
        for (size_t i = 0; i < n; i++) {
                rc_charge *ch = charges[i];
                rc_group *anc = rc_group_common_ancestor(ch->group, dst);
                path_sub(e, dst, anc, ch->counter, ch->amount);
        }
}

int rc_charges_migrate(rc_engine *e, rc_charge **charges, size_t n, rc_group *dst, rc_refusal *refusal,
                       rc_err *err) {
        rc_refusal dummy;
        if (!refusal)
                refusal = &dummy;
        if (n == 0)
                return 0;
        int r = check_distinct(charges, n, err);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                rc_charge *ch = charges[i];
                rc_group *anc = rc_group_common_ancestor(ch->group, dst);
                r = path_check(e, dst, anc, ch->counter, ch->amount, refusal);
                if (r < 0) {
                        undo(e, charges, i, dst);
                        if (r == -EBUSY) {
                                const rc_pool *p = group_pool_get(refusal->limit_group, ch->counter);
                                return rc_errf(err, EBUSY,
                                               "%s: %s %s %" PRIu64 " reached (usage %" PRIu64 ", asked %" PRIu64 ") moving charge %" PRIu64,
                                               refusal->limit_group->name, ch->counter->key,
                                               refusal->capacity ? "capacity" : "max", refusal->limit,
                                               p ? p->usage : 0, ch->amount, ch->id);
                        }
                        return rc_errf(err, -r, r == -ERANGE ? "usage counter overflow" : "out of memory");
                }
                add_tentative(e, dst, anc, ch->counter, ch->amount);
        }

        /* Commit point: nothing below can fail. */
        for (size_t i = 0; i < n; i++) {
                rc_charge *ch = charges[i];
                rc_group *src = ch->group;
                if (src == dst)
                        continue;
                rc_group *anc = rc_group_common_ancestor(src, dst);
                raise_peaks(dst, anc, ch->counter);
                path_sub(e, src, anc, ch->counter, ch->amount);
                list_del(&ch->group_link);
                list_add_tail(&ch->group_link, &dst->charges);
                src->n_charges--;
                dst->n_charges++;
                ch->group = dst;
                rc_group_gc(e, src);
        }
        return 0;
}
