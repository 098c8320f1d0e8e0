/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* MigrateCharges/MigrateGroup in the engine: rc_charges_migrate, all or
 * nothing (kernel-semantics.md R9, section 5; api.md). */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "test-engine.h"

typedef struct Fixture {
        rc_engine *e;
        rc_counter *v, *s, *misc, *handle;
        rc_group *root, *p, *c, *d, *q;
} Fixture;

/* dmem V, S; misc res_a (capacity 10); rdma mlx5_0. root -> P -> {C, D}, root -> Q. */
static Fixture fixture(void) {
        Fixture f = { .e = engine_new() };
        resources(f.e, { VKEY, VSIZE, NULL }, { SKEY, SSIZE, NULL }, { "misc/res_a", 10, NULL },
                  { "rdma/mlx5_0", RC_MAX, NULL });
        counters(f.e, { VKEY, &f.v }, { SKEY, &f.s }, { "misc/res_a", &f.misc },
                 { "rdma/mlx5_0/hca_handle", &f.handle });
        tree(f.e, &f.root, &f.p, &f.c, "q.slice", &f.q);
        f.d = group(f.e, "p-d.slice");
        return f;
}

static rc_charge *charge(Fixture *f, rc_group *g, rc_counter *c, uint64_t amount) {
        rc_charge *ch = NULL;
        CHECK_EQ_INT(charge_new(f->e, g, c, amount, &ch, NULL), 0);
        return ch;
}

/* n charges of amount each in g, into list. */
static void charges(Fixture *f, rc_group *g, rc_counter *c, uint64_t amount, size_t n, rc_charge **list) {
        for (size_t i = 0; i < n; i++)
                list[i] = charge(f, g, c, amount);
}

static void wr(Fixture *f, rc_group *g, const char *file, const char *text) {
        CHECK_EQ_INT(file_write(f->e, g, file, text), 0);
}

static const rc_pool *pool(const rc_group *g, const rc_counter *c) {
        static const rc_pool none;
        return pool_or(g, c, &none);
}

/* ---- whole-state snapshot ------------------------------------------------- */

#define SNAP_MAX 32

typedef struct SnapPool {
        const rc_group *g;
        const rc_counter *c;
        rc_pool p;
} SnapPool;

typedef struct Snap {
        size_t n_pools;
        SnapPool pools[SNAP_MAX * 8];
        size_t n_groups;
        struct {
                const rc_group *g;
                unsigned n_charges;
                size_t n_list;
                uint64_t list[SNAP_MAX];        /* ids of g->charges, in order */
        } groups[SNAP_MAX];
        size_t n_charges;
        SnapCharge charges[SNAP_MAX * 4];       /* per counter, LRU order */
} Snap;

static size_t all_groups(rc_engine *e, rc_group **gs, size_t max) {
        size_t n = 0;
        hashmap_for_each(node, &e->groups)
                if (n < max)
                        gs[n++] = container_of(node, rc_group, node);
        return n;
}

/* Everything a migration may touch; emin/elow are computed on demand and
 * left out. Groups in hash order, which does not change without inserts. */
static void snap(rc_engine *e, Snap *s) {
        rc_group *gs[SNAP_MAX];
        size_t n = all_groups(e, gs, SNAP_MAX);
        memset(s, 0, sizeof(*s));
        for (size_t i = 0; i < n; i++) {
                s->groups[i].g = gs[i];
                s->groups[i].n_charges = gs[i]->n_charges;
                list_for_each(l, &gs[i]->charges)
                        if (s->groups[i].n_list < SNAP_MAX)
                                s->groups[i].list[s->groups[i].n_list++] =
                                        list_entry(l, rc_charge, group_link)->id;
                for (unsigned k = 0; k < e->n_slots; k++) {
                        const rc_counter *c = e->slots[k];
                        if (!c || s->n_pools == SNAP_MAX * 8)
                                continue;
                        SnapPool *sp = &s->pools[s->n_pools++];
                        sp->g = gs[i];
                        sp->c = c;
                        const rc_pool *p = rc_group_pool_peek(gs[i], c);
                        /* No pool reads as a default one. */
                        sp->p = p ? *p : (rc_pool) { .max = rc_pool_default_max(c) };
                        sp->p.emin = sp->p.elow = 0;
                }
        }
        s->n_groups = n;
        for (unsigned k = 0; k < e->n_slots; k++) {
                const rc_counter *c = e->slots[k];
                if (!c)
                        continue;
                list_for_each(l, &c->charges) {
                        const rc_charge *ch = list_entry(l, rc_charge, counter_link);
                        if (s->n_charges < SNAP_MAX * 4)
                                s->charges[s->n_charges++] = snap_charge(ch);
                }
        }
}

static void check_same(const Snap *a, const Snap *b) {
        CHECK_EQ_INT(a->n_groups, b->n_groups);
        for (size_t i = 0; i < a->n_groups && i < b->n_groups; i++) {
                CHECK(a->groups[i].g == b->groups[i].g);
                CHECK_EQ_INT(a->groups[i].n_charges, b->groups[i].n_charges);
                CHECK_EQ_INT(a->groups[i].n_list, b->groups[i].n_list);
                for (size_t j = 0; j < a->groups[i].n_list && j < b->groups[i].n_list; j++)
                        CHECK_EQ_U64(a->groups[i].list[j], b->groups[i].list[j]);
        }
        CHECK_EQ_INT(a->n_pools, b->n_pools);
        for (size_t i = 0; i < a->n_pools && i < b->n_pools; i++) {
                const rc_pool *x = &a->pools[i].p, *y = &b->pools[i].p;
                if (a->pools[i].g != b->pools[i].g || a->pools[i].c != b->pools[i].c) {
                        CHECK(!"pool order changed");
                        continue;
                }
                if (memcmp(x, y, sizeof(*x)) != 0)
                        fprintf(stderr, "  differs: %s %s\n", a->pools[i].g->name, a->pools[i].c->key);
                check_same_pool(x, y);
        }
        check_same_charges(a->charges, a->n_charges, b->charges, b->n_charges);
}

/* 4.1's invariant for dmem: children_*_usage = sum of min(usage, setting). */
static void check_protected_usage(rc_engine *e, const rc_counter *c) {
        rc_group *gs[SNAP_MAX];
        size_t n = all_groups(e, gs, SNAP_MAX);
        for (size_t i = 0; i < n; i++) {
                uint64_t smin = 0, slow = 0;
                for (size_t j = 0; j < n; j++) {
                        if (gs[j]->parent != gs[i])
                                continue;
                        const rc_pool *cp = pool(gs[j], c);
                        smin += cp->usage < cp->min ? cp->usage : cp->min;
                        slow += cp->usage < cp->low ? cp->usage : cp->low;
                }
                CHECK_EQ_U64(pool(gs[i], c)->children_min_usage, smin);
                CHECK_EQ_U64(pool(gs[i], c)->children_low_usage, slow);
        }
}

/* Migrates and expects failure with the state unchanged. */
static int migrate_fails(Fixture *f, rc_charge **chs, size_t n, rc_group *dst, rc_refusal *ref) {
        Snap before, after;
        rc_err err = {{0}};
        snap(f->e, &before);
        int r = rc_charges_migrate(f->e, chs, n, dst, ref, &err);
        CHECK(r < 0);
        CHECK(err.msg[0] != '\0');
        snap(f->e, &after);
        check_same(&before, &after);
        return r;
}

static bool in_list(const rc_group *g, const rc_charge *ch) {
        list_for_each(l, &g->charges)
                if (list_entry(l, rc_charge, group_link) == ch)
                        return true;
        return false;
}

/* ---- success -------------------------------------------------------------- */

FIXTURE_TEST(test_migrate_moves_below_common_ancestor) {
        wr(&f, f.p, "dmem.max", VN " 1G");
        wr(&f, f.c, "dmem.low", VN " 1G");
        wr(&f, f.q, "dmem.min", VN " 100M");
        rc_charge *c1 = charge(&f, f.c, f.v, 512 * MiB);
        rc_charge *q1 = charge(&f, f.q, f.v, 256 * MiB);
        rc_charge *q2 = charge(&f, f.q, f.v, 128 * MiB);
        uint64_t root_peak = pool(f.root, f.v)->peak;
        CHECK_EQ_U64(root_peak, 896 * MiB);

        rc_charge *list[] = { q1 };
        CHECK_EQ_INT(rc_charges_migrate(f.e, list, 1, f.c, &ref, NULL), 0);
        CHECK(q1->group == f.c);
        CHECK_EQ_U64(q1->amount, 256 * MiB);
        CHECK(rc_charge_find(f.e, q1->id) == q1);
        CHECK(in_list(f.c, q1) && !in_list(f.q, q1));
        CHECK(in_list(f.c, c1) && in_list(f.q, q2));
        CHECK_EQ_INT(f.c->n_charges, 2);
        CHECK_EQ_INT(f.q->n_charges, 1);

        CHECK_EQ_U64(pool(f.c, f.v)->usage, 768 * MiB);
        CHECK_EQ_U64(pool(f.p, f.v)->usage, 768 * MiB);
        CHECK_EQ_U64(pool(f.q, f.v)->usage, 128 * MiB);
        CHECK_EQ_U64(pool(f.root, f.v)->usage, 896 * MiB);     /* the common ancestor */
        CHECK_EQ_U64(pool(f.root, f.v)->peak, root_peak);
        CHECK_EQ_U64(pool(f.c, f.v)->peak, 768 * MiB);
        CHECK_EQ_U64(pool(f.p, f.v)->peak, 768 * MiB);
        CHECK_EQ_U64(pool(f.q, f.v)->peak, 384 * MiB);         /* watermark stays */
        CHECK_FILE(f.e, f.c, "dmem.current", VN " 805306368\n" SN " 0\n");
        check_protected_usage(f.e, f.v);
        CHECK_EQ_U64(pool(f.p, f.v)->children_low_usage, 768 * MiB);
        CHECK_EQ_U64(pool(f.root, f.v)->children_min_usage, 100 * MiB);
        CHECK_EQ_U64(pool(f.p, f.v)->events, 0);

        /* Up to the parent: only C changes; P keeps its usage and peak. */
        rc_charge *up[] = { c1 };
        CHECK_EQ_INT(rc_charges_migrate(f.e, up, 1, f.p, &ref, NULL), 0);
        CHECK(c1->group == f.p);
        CHECK_EQ_U64(pool(f.c, f.v)->usage, 256 * MiB);
        CHECK_EQ_U64(pool(f.p, f.v)->usage, 768 * MiB);
        CHECK_EQ_U64(pool(f.p, f.v)->peak, 768 * MiB);
        /* And down again: C is charged, P is not re-checked. */
        CHECK_EQ_INT(rc_charges_migrate(f.e, up, 1, f.c, &ref, NULL), 0);
        CHECK(c1->group == f.c);
        CHECK_EQ_U64(pool(f.c, f.v)->usage, 768 * MiB);
        CHECK_EQ_U64(pool(f.p, f.v)->usage, 768 * MiB);
        check_protected_usage(f.e, f.v);

        /* n == 0 and a charge already in dst: nothing changes. */
        Snap before, after;
        snap(f.e, &before);
        CHECK_EQ_INT(rc_charges_migrate(f.e, NULL, 0, f.q, &ref, NULL), 0);
        rc_charge *same[] = { q2 };
        CHECK_EQ_INT(rc_charges_migrate(f.e, same, 1, f.q, &ref, NULL), 0);
        snap(f.e, &after);
        check_same(&before, &after);
}

/* R9: the common ancestor and above are not re-checked, so moving inside
 * a full subtree (or a full device) works. */
FIXTURE_TEST(test_migrate_inside_full_subtree) {
        wr(&f, f.p, "dmem.max", VN " 1G");
        rc_charge *c1 = charge(&f, f.c, f.v, GiB);
        CHECK_EQ_INT(rc_charge_new(f.e, f.d, f.v, 1, 0, 0, NULL, &ref, NULL), -EBUSY);
        CHECK(ref.limit_group == f.p);

        rc_charge *list[] = { c1 };
        CHECK_EQ_INT(rc_charges_migrate(f.e, list, 1, f.d, &ref, NULL), 0);
        CHECK(c1->group == f.d);
        CHECK_EQ_U64(pool(f.c, f.v)->usage, 0);
        CHECK_EQ_U64(pool(f.d, f.v)->usage, GiB);
        CHECK_EQ_U64(pool(f.p, f.v)->usage, GiB);
        CHECK_EQ_U64(pool(f.p, f.v)->events, 1);                /* only the Charge above */

        /* Full device (region size at the root): moving between root's
         * children still works. */
        rc_charge *s1 = charge(&f, f.c, f.s, 32 * MiB);
        rc_charge *s2 = charge(&f, f.q, f.s, 32 * MiB);
        CHECK_EQ_INT(rc_charge_new(f.e, f.q, f.s, 1, 0, 0, NULL, &ref, NULL), -EBUSY);
        CHECK(ref.capacity);
        rc_charge *list2[] = { s2 };
        CHECK_EQ_INT(rc_charges_migrate(f.e, list2, 1, f.c, &ref, NULL), 0);
        CHECK_EQ_U64(pool(f.c, f.s)->usage, SSIZE);
        CHECK_EQ_U64(pool(f.q, f.s)->usage, 0);
        CHECK_EQ_U64(pool(f.root, f.s)->usage, SSIZE);
        (void) s1;

        /* misc: full at P (capacity and max), moving C -> D inside P works. */
        wr(&f, f.p, "misc.max", "res_a 4");
        rc_charge *m1 = charge(&f, f.c, f.misc, 4);
        rc_charge *mq = charge(&f, f.q, f.misc, 6);           /* capacity 10 reached */
        rc_charge *list3[] = { m1 };
        CHECK_EQ_INT(rc_charges_migrate(f.e, list3, 1, f.d, &ref, NULL), 0);
        CHECK_EQ_U64(pool(f.d, f.misc)->usage, 4);
        CHECK_EQ_U64(pool(f.p, f.misc)->usage, 4);
        CHECK_EQ_U64(pool(f.root, f.misc)->usage, 10);
        (void) mq;

        /* Into the root itself: nothing is checked anywhere. */
        rc_charge *list4[] = { m1, c1 };
        CHECK_EQ_INT(rc_charges_migrate(f.e, list4, 2, f.root, &ref, NULL), 0);
        CHECK(m1->group == f.root && c1->group == f.root);
        CHECK_EQ_U64(pool(f.p, f.misc)->usage, 0);
        CHECK_EQ_U64(pool(f.p, f.v)->usage, 0);
        CHECK_EQ_U64(pool(f.root, f.misc)->usage, 10);
        CHECK_EQ_U64(pool(f.root, f.v)->usage, GiB);
}

/* ---- failure: all or nothing ---------------------------------------------- */

FIXTURE_TEST(test_migrate_fails_on_kth) {
        wr(&f, f.d, "dmem.max", VN " 100M");
        wr(&f, f.q, "dmem.low", VN " 50M");
        wr(&f, f.d, "dmem.low", VN " 60M");
        rc_charge *list[3];
        charges(&f, f.q, f.v, 40 * MiB, 3, list);
        rc_charge *q1 = list[0], *q2 = list[1], *q3 = list[2];

        /* The third does not fit D's max: the first two are undone. */
        CHECK_EQ_INT(migrate_fails(&f, list, 3, f.d, &ref), -EBUSY);
        check_refusal(&ref, f.d, 100 * MiB, 0);
        CHECK(q1->group == f.q && q2->group == f.q && q3->group == f.q);
        CHECK_EQ_U64(pool(f.d, f.v)->usage, 0);
        CHECK_EQ_U64(pool(f.d, f.v)->peak, 0);          /* no peak from the rolled-back part */
        CHECK_EQ_U64(pool(f.p, f.v)->peak, 0);
        CHECK_EQ_U64(pool(f.d, f.v)->events, 0);
        CHECK_EQ_U64(pool(f.d, f.v)->events_local, 0);
        check_protected_usage(f.e, f.v);

        /* The first limit hit from the bottom: here P refuses before D. */
        wr(&f, f.d, "dmem.max", VN " 200M");
        wr(&f, f.p, "dmem.max", VN " 150M");
        rc_charge *c1 = charge(&f, f.c, f.v, 50 * MiB);
        rc_charge *list2[] = { c1, q1, q2, q3 };        /* c1 moves inside P */
        CHECK_EQ_INT(migrate_fails(&f, list2, 4, f.d, &ref), -EBUSY);
        check_refusal(&ref, f.p, 150 * MiB, -1);
        CHECK(c1->group == f.c);

        /* Two of them fit. */
        rc_charge *list3[] = { q1, q2 };
        CHECK_EQ_INT(rc_charges_migrate(f.e, list3, 2, f.d, &ref, NULL), 0);
        CHECK_EQ_U64(pool(f.d, f.v)->usage, 80 * MiB);
        CHECK_EQ_U64(pool(f.d, f.v)->peak, 80 * MiB);
        CHECK_EQ_U64(pool(f.p, f.v)->usage, 130 * MiB);
        CHECK_EQ_U64(pool(f.p, f.v)->peak, 130 * MiB);
        CHECK_EQ_U64(pool(f.q, f.v)->usage, 40 * MiB);
        check_protected_usage(f.e, f.v);
}

/* Mixed resources: a misc refusal undoes the dmem move before it. */
FIXTURE_TEST(test_migrate_mixed_rollback) {
        wr(&f, f.c, "misc.max", "res_a 2");
        rc_charge *qv = charge(&f, f.q, f.v, 4096);
        rc_charge *qs = charge(&f, f.q, f.s, 8192);
        rc_charge *qm = charge(&f, f.q, f.misc, 3);
        rc_charge *list[] = { qv, qs, qm };
        CHECK_EQ_INT(migrate_fails(&f, list, 3, f.c, &ref), -EBUSY);
        check_refusal(&ref, f.c, 2, -1);
        CHECK_EQ_U64(pool(f.c, f.v)->peak, 0);
        CHECK_EQ_U64(pool(f.p, f.s)->peak, 0);
        CHECK_EQ_U64(pool(f.c, f.misc)->events_local, 0);
        CHECK_FILE(f.e, f.c, "misc.events.local", "res_a.max 0\n");
        CHECK_FILE(f.e, f.c, "misc.peak", "res_a 0\n");
}

FIXTURE_TEST(test_migrate_duplicates) {
        rc_charge *q1 = charge(&f, f.q, f.v, 4096);
        rc_charge *q2 = charge(&f, f.q, f.v, 4096);
        rc_charge *list[] = { q1, q2, q1 };
        CHECK_EQ_INT(migrate_fails(&f, list, 3, f.c, &ref), -EINVAL);
        rc_charge *list2[] = { q2, q2 };
        CHECK_EQ_INT(migrate_fails(&f, list2, 2, f.q, &ref), -EINVAL);
        CHECK(q1->group == f.q && q2->group == f.q);
}

/* misc: capacity at every level below the common ancestor. */
FIXTURE_TEST(test_migrate_misc_capacity) {
        rc_charge *p1 = charge(&f, f.p, f.misc, 6);
        rc_charge *q1 = charge(&f, f.q, f.misc, 4);
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.misc->resource, 8, NULL), 0);

        rc_charge *list[] = { q1 };
        CHECK_EQ_INT(migrate_fails(&f, list, 1, f.c, &ref), -EBUSY);
        check_refusal(&ref, f.p, 8, 1);  /* C (4) fits, P (10) does not */

        /* The max refuses first when it is lower (bottom-up order). */
        wr(&f, f.c, "misc.max", "res_a 3");
        CHECK_EQ_INT(migrate_fails(&f, list, 1, f.c, &ref), -EBUSY);
        check_refusal(&ref, f.c, 3, 0);

        /* Every level below the common ancestor: Q (4 + 6) refuses p1. */
        rc_charge *list2[] = { p1 };
        CHECK_EQ_INT(migrate_fails(&f, list2, 1, f.q, &ref), -EBUSY);
        check_refusal(&ref, f.q, ANY, 1);

        /* The root is not re-checked: it holds 10 > 8, yet moving q1 to
         * another child of the root works. */
        rc_group *o = group(f.e, "o.slice");
        CHECK_EQ_INT(rc_charges_migrate(f.e, list, 1, o, &ref, NULL), 0);
        CHECK(q1->group == o);
        CHECK_EQ_U64(pool(o, f.misc)->usage, 4);
        CHECK_EQ_U64(pool(f.q, f.misc)->usage, 0);
        CHECK_EQ_U64(pool(f.root, f.misc)->usage, 10);
        CHECK_FILE(f.e, o, "misc.current", "res_a 4\n");
        CHECK_FILE(f.e, o, "misc.peak", "res_a 4\n");
        CHECK_FILE(f.e, f.q, "misc.peak", "res_a 4\n");

        /* Capacity back up: p1 (6) and q1 (4) both into C. */
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.misc->resource, 10, NULL), 0);
        wr(&f, f.c, "misc.max", "res_a max");
        rc_charge *list3[] = { p1, q1 };
        CHECK_EQ_INT(rc_charges_migrate(f.e, list3, 2, f.c, &ref, NULL), 0);
        CHECK_FILE(f.e, f.c, "misc.current", "res_a 10\n");
        CHECK_FILE(f.e, f.p, "misc.current", "res_a 10\n");
        CHECK_FILE(f.e, o, "misc.current", "res_a 0\n");
        CHECK_FILE(f.e, f.c, "misc.peak", "res_a 10\n");
}

/* rdma: one object at a time; the k-th fails at the lowest level without room. */
FIXTURE_TEST(test_migrate_rdma) {
        wr(&f, f.c, "rdma.max", "mlx5_0 hca_handle=2");
        rc_charge *list[3];
        charges(&f, f.q, f.handle, 1, 3, list);
        rc_charge *q1 = list[0], *q2 = list[1], *q3 = list[2];
        CHECK_EQ_INT(migrate_fails(&f, list, 3, f.c, &ref), -EBUSY);
        check_refusal(&ref, f.c, 2, 0);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=0 hca_object=0 \n");
        CHECK_FILE(f.e, f.q, "rdma.current", "mlx5_0 hca_handle=3 hca_object=0 \n");

        /* P's limit is lower than C's: P refuses. */
        wr(&f, f.p, "rdma.max", "mlx5_0 hca_handle=1");
        rc_charge *list2[] = { q1, q2 };
        CHECK_EQ_INT(migrate_fails(&f, list2, 2, f.c, &ref), -EBUSY);
        check_refusal(&ref, f.p, 1, -1);

        wr(&f, f.p, "rdma.max", "mlx5_0 hca_handle=max");
        CHECK_EQ_INT(rc_charges_migrate(f.e, list2, 2, f.c, &ref, NULL), 0);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=2 hca_object=0 \n");
        CHECK_FILE(f.e, f.p, "rdma.current", "mlx5_0 hca_handle=2 hca_object=0 \n");
        CHECK_FILE(f.e, f.q, "rdma.current", "mlx5_0 hca_handle=1 hca_object=0 \n");
        CHECK(q1->group == f.c && q2->group == f.c && q3->group == f.q);
}

/* Peaks in the destination come from committed usage only: a failed move
 * leaves them, a successful one raises them to the new usage. */
FIXTURE_TEST(test_migrate_peaks) {
        wr(&f, f.c, "dmem.max", VN " 10M");
        rc_charge *c0 = charge(&f, f.c, f.v, 2 * MiB);
        rc_charge_uncharge(f.e, c0, 0);
        CHECK_EQ_U64(pool(f.c, f.v)->peak, 2 * MiB);

        rc_charge *q1 = charge(&f, f.q, f.v, 6 * MiB);
        rc_charge *q2 = charge(&f, f.q, f.v, 6 * MiB);
        rc_charge *list[] = { q1, q2 };
        CHECK_EQ_INT(migrate_fails(&f, list, 2, f.c, &ref), -EBUSY);
        CHECK_EQ_U64(pool(f.c, f.v)->peak, 2 * MiB);
        CHECK_EQ_U64(pool(f.p, f.v)->peak, 2 * MiB);
        CHECK_FILE(f.e, f.c, "dmem.peak", VN " 2097152\n" SN " 0\n");

        rc_charge *one[] = { q1 };
        CHECK_EQ_INT(rc_charges_migrate(f.e, one, 1, f.c, &ref, NULL), 0);
        CHECK_FILE(f.e, f.c, "dmem.peak", VN " 6291456\n" SN " 0\n");
        CHECK_FILE(f.e, f.p, "dmem.peak", VN " 6291456\n" SN " 0\n");
        CHECK_FILE(f.e, f.q, "dmem.peak", VN " 12582912\n" SN " 0\n");
        CHECK_EQ_U64(pool(f.root, f.v)->peak, 12 * MiB);
}

int main(void) {
        RUN(test_migrate_moves_below_common_ancestor);
        RUN(test_migrate_inside_full_subtree);
        RUN(test_migrate_fails_on_kth);
        RUN(test_migrate_mixed_rollback);
        RUN(test_migrate_duplicates);
        RUN(test_migrate_misc_capacity);
        RUN(test_migrate_rdma);
        RUN(test_migrate_peaks);
        return TEST_EXIT();
}
