/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* page_counter protection (kernel-semantics.md 4.1-4.4, R5), dmem's
 * evict_valuable (3.7, 6.4, 6.5) and TTM's two-pass victim choice as
 * rc_evict makes it (3.9, 6.6, api.md Evict). */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "test-engine.h"

typedef struct Env {
        rc_engine *e;
        rc_counter *v, *s;
} Env;

static Env env_new(void) {
        Env x = { .e = engine_new() };
        resources(x.e, { VKEY, VSIZE, NULL }, { SKEY, SSIZE, NULL });
        counters(x.e, { VKEY, &x.v }, { SKEY, &x.s });
        return x;
}

static rc_charge *charge(Env *x, rc_group *g, rc_counter *c, uint64_t amount) {
        rc_charge *ch = NULL;
        if (amount == 0)
                return NULL;
        CHECK_EQ_INT(charge_new(x->e, g, c, amount, &ch, NULL), 0);
        return ch;
}

/* "dmem.min"/"dmem.low"/"dmem.max" of V, as a WriteFile would set them. */
static void set(Env *x, rc_group *g, const char *file, uint64_t v) {
        char buf[128];
        snprintf(buf, sizeof(buf), VN " %" PRIu64, v);
        CHECK_EQ_INT(rc_file_write(x->e, g, file, buf, NULL), 0);
}

static const rc_pool *pool(const rc_group *g, const rc_counter *c) {
        static const rc_pool none;
        return pool_or(g, c, &none);
}

/* g's effective min and low for c, as last computed. */
static void check_effective(const rc_group *g, const rc_counter *c, uint64_t emin, uint64_t elow) {
        CHECK_EQ_U64(pool(g, c)->emin, emin);
        CHECK_EQ_U64(pool(g, c)->elow, elow);
}

/* The protected usage of g's children for c, min and low (4.1). */
static void check_children(const rc_group *g, const rc_counter *c, uint64_t min, uint64_t low) {
        CHECK_EQ_U64(pool(g, c)->children_min_usage, min);
        CHECK_EQ_U64(pool(g, c)->children_low_usage, low);
}

/* ---- 4.4 effective_protection, directly ---------------------------------- */

TEST(test_effective_protection_rules) {
        /* Not overcommitted at equality: the test is a strict '>'. */
        CHECK_EQ_U64(rc_effective_protection(10, 30, 10, 20, 20, true), 10);
        CHECK_EQ_U64(rc_effective_protection(10, 30, 10, 20, 20, false), 10);
        /* Nothing protected anywhere: 0, not a division by zero. */
        CHECK_EQ_U64(rc_effective_protection(10, 30, 0, 0, 0, true), 0);
        /* One more and it is: protected * parent_effective / siblings. */
        CHECK_EQ_U64(rc_effective_protection(10, 30, 10, 20, 21, true), 9);
        CHECK_EQ_U64(rc_effective_protection(10, 30, 10, 20, 21, false), 9);
        /* protected = min(usage, setting) */
        CHECK_EQ_U64(rc_effective_protection(5, 30, 10, 100, 5, false), 5);
        /* Recursive term: (pe - siblings) * (usage - protected) / (pu - siblings). */
        CHECK_EQ_U64(rc_effective_protection(30, 60, 10, 50, 20, true), 10 + 30 * 20 / 40);
        CHECK_EQ_U64(rc_effective_protection(30, 60, 10, 50, 20, false), 10);
        /* ... only when usage > protected, pe > siblings and pu > siblings. */
        CHECK_EQ_U64(rc_effective_protection(10, 60, 10, 50, 20, true), 10);
        CHECK_EQ_U64(rc_effective_protection(30, 20, 10, 50, 20, true), 10);
        CHECK_EQ_U64(rc_effective_protection(30, 60, 10, 20, 20, true), 10);
        /* Truncating division. */
        CHECK_EQ_U64(rc_effective_protection(52428800, 0, 78643200, 52428800, 78643200, true), 34952533);
}

/* R5: exact results where the kernel's u64 products wrap. */
TEST(test_effective_protection_no_wrap) {
        /* 4G * 4G = 2^64: the kernel gets 0. */
        CHECK_EQ_U64(rc_effective_protection(4 * GiB, 7 * GiB, 4 * GiB, 4 * GiB, 7 * GiB, true), 2454267026);
        /* Recursive term with a parent protection of "max" (PCM):
         * (PCM - 1G) * 5G / 6G; the kernel gets 3042268500. */
        CHECK_EQ_U64(rc_effective_protection(6 * GiB, 7 * GiB, GiB, RC_PCM, GiB, true), UINT64_C(1876500023694676));
        CHECK_EQ_U64(rc_effective_protection(GiB, 7 * GiB, 0, RC_PCM, GiB, true), UINT64_C(375299789990570));
        /* The largest inputs still give parent_effective at most. */
        CHECK_EQ_U64(rc_effective_protection(UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX - 1, true),
                     UINT64_MAX);
        CHECK_EQ_U64(rc_effective_protection(UINT64_MAX - 1, UINT64_MAX, 0, UINT64_MAX, 1, true), UINT64_MAX - 1);
}

/* R5 through the tree: A (a direct child of the root, the calc root when
 * there is no limit pool) with min 4G resp. low "max". */
TEST(test_r5_tree) {
        Env x = env_new();
        rc_group *a = group(x.e, "a.slice"), *b = group(x.e, "a-b.slice"), *d = group(x.e, "a-d.slice");
        bool hit = false;

        set(&x, a, "dmem.min", 4 * GiB);
        set(&x, b, "dmem.min", 4 * GiB);
        set(&x, d, "dmem.min", 3 * GiB);
        charge(&x, b, x.v, 4 * GiB);
        charge(&x, d, x.v, 3 * GiB);
        CHECK(rc_evict_valuable(x.e, x.v, NULL, b, false, &hit));
        CHECK(!hit);
        CHECK_EQ_U64(pool(a, x.v)->emin, 4 * GiB);              /* raw */
        CHECK_EQ_U64(pool(b, x.v)->emin, 2454267026);           /* kernel: 0 */
        CHECK(rc_evict_valuable(x.e, x.v, NULL, d, false, &hit));
        CHECK_EQ_U64(pool(d, x.v)->emin, 1840700269);
        rc_engine_free(x.e);

        x = env_new();
        a = group(x.e, "a.slice");
        b = group(x.e, "a-b.slice");
        d = group(x.e, "a-d.slice");
        CHECK_EQ_INT(rc_file_write(x.e, a, "dmem.low", VN " max", NULL), 0);
        set(&x, b, "dmem.low", GiB);
        charge(&x, b, x.v, 6 * GiB);
        charge(&x, d, x.v, GiB);
        hit = false;
        /* Exact elow 1876500023694676 >= usage: protected by low. With the
         * kernel's wrapped 3042268500 it would be evictable. */
        CHECK(!rc_evict_valuable(x.e, x.v, NULL, b, false, &hit));
        CHECK(hit);
        CHECK_EQ_U64(pool(a, x.v)->elow, RC_PCM);
        CHECK_EQ_U64(pool(b, x.v)->elow, UINT64_C(1876500023694676));
        hit = false;
        CHECK(!rc_evict_valuable(x.e, x.v, NULL, d, false, &hit));
        CHECK(hit);
        CHECK_EQ_U64(pool(d, x.v)->elow, UINT64_C(375299789990570));
        hit = false;
        CHECK(rc_evict_valuable(x.e, x.v, NULL, b, true, &hit));
        CHECK(!hit);
        rc_engine_free(x.e);
}

/* ---- 6.4 the selftest's hierarchy ------------------------------------------ */

typedef struct Prot {
        Env x;
        rc_group *a, *b, *c, *d, *e, *f, *g;
} Prot;

static Prot prot_new(const char *file, uint64_t uc, uint64_t ud, uint64_t ue, uint64_t uf) {
        Prot p = { .x = env_new() };
        groups(p.x.e, { &p.a, "a.slice" }, { &p.b, "a-b.slice" }, { &p.c, "a-b-c.slice" }, { &p.d, "a-b-d.slice" },
               { &p.e, "a-b-e.slice" }, { &p.f, "a-b-f.slice" }, { &p.g, "a-g.slice" });
        set(&p.x, p.a, "dmem.max", 200 * MiB);
        set(&p.x, p.b, file, 50 * MiB);
        set(&p.x, p.c, file, 75 * MiB);
        set(&p.x, p.d, file, 25 * MiB);
        set(&p.x, p.e, file, 0);
        set(&p.x, p.f, file, 500 * MiB);
        charge(&p.x, p.c, p.x.v, uc);
        charge(&p.x, p.d, p.x.v, ud);
        charge(&p.x, p.e, p.x.v, ue);
        charge(&p.x, p.f, p.x.v, uf);
        return p;
}

static bool ev(Prot *p, rc_group *t, bool ignore_low, bool *hit) {
        *hit = false;
        return rc_evict_valuable(p->x.e, p->x.v, p->a, t, ignore_low, hit);
}

/* evict_valuable of t, with ignore_low: whether it is valuable, whether
 * low protection was hit. */
static void check_ev(Prot *p, rc_group *t, bool ignore_low, bool valuable, bool hit_low) {
        bool hit;
        CHECK_EQ_INT(ev(p, t, ignore_low, &hit), valuable);
        CHECK_EQ_INT(hit, hit_low);
}

/* t, within its elow, is not valuable unless low is ignored: low was hit. */
static void check_low_hit(Prot *p, rc_group *t, uint64_t elow) {
        check_ev(p, t, false, false, true);
        CHECK_EQ_U64(pool(t, p->x.v)->elow, elow);
}

TEST(test_prot_01) {
        Prot p = prot_new("dmem.min", 50 * MiB, 50 * MiB, 50 * MiB, 0);

        CHECK_EQ_U64(pool(p.b, p.x.v)->children_min_usage, 78643200);
        for (int il = 0; il < 2; il++) {
                check_ev(&p, p.c, il, true, false);
                check_ev(&p, p.d, il, true, false);
                check_ev(&p, p.e, il, true, false);
                check_ev(&p, p.f, il, false, false);
        }
        CHECK_EQ_U64(pool(p.b, p.x.v)->emin, 52428800);          /* direct child of A: raw */
        check_effective(p.c, p.x.v, 34952533, 0);
        check_effective(p.d, p.x.v, 17476266, 0);
        CHECK_EQ_U64(pool(p.e, p.x.v)->emin, 0);
        CHECK_EQ_U64(pool(p.f, p.x.v)->emin, 0);                 /* usage 0: not computed */
        rc_engine_free(p.x.e);
}

TEST(test_prot_04) {
        /* low variant */
        Prot p = prot_new("dmem.low", 30408704, 22020096, 0, 0);
        CHECK_EQ_U64(pool(p.b, p.x.v)->children_low_usage, 52428800);
        check_low_hit(&p, p.c, 30408704);
        check_ev(&p, p.c, true, true, false);
        check_low_hit(&p, p.d, 22020096);
        check_ev(&p, p.d, true, true, false);
        for (int il = 0; il < 2; il++) {
                check_ev(&p, p.e, il, false, false);
                check_ev(&p, p.f, il, false, false);
        }
        rc_engine_free(p.x.e);

        /* min variant */
        p = prot_new("dmem.min", 30408704, 22020096, 0, 0);
        for (int il = 0; il < 2; il++) {
                check_ev(&p, p.c, il, false, false);
                check_ev(&p, p.d, il, false, false);
                check_ev(&p, p.e, il, false, false);
        }
        CHECK_EQ_U64(pool(p.c, p.x.v)->emin, 30408704);
        CHECK_EQ_U64(pool(p.d, p.x.v)->emin, 22020096);
        rc_engine_free(p.x.e);
}

TEST(test_prot_05) {
        Prot p = prot_new("dmem.low", 20971520, 10485760, 31457280, 0);

        CHECK_EQ_U64(pool(p.b, p.x.v)->usage, 62914560);
        CHECK_EQ_U64(pool(p.b, p.x.v)->children_low_usage, 31457280);
        check_low_hit(&p, p.c, 20971520);
        check_low_hit(&p, p.d, 10485760);
        check_ev(&p, p.e, false, true, false);
        CHECK_EQ_U64(pool(p.e, p.x.v)->elow, 20971520);
        rc_engine_free(p.x.e);

        /* Variant: E = 15M. */
        p = prot_new("dmem.low", 20971520, 10485760, 15728640, 0);
        CHECK_EQ_U64(pool(p.b, p.x.v)->usage, 47185920);
        check_low_hit(&p, p.e, 20971520);
        check_ev(&p, p.e, true, true, false);
        rc_engine_free(p.x.e);
}

/* 4.3: overcommit only when the children's protected usage is strictly
 * greater than the parent's effective protection. */
TEST(test_overcommit_strict) {
        Env x = env_new();
        rc_group *a = group(x.e, "a.slice"), *b = group(x.e, "a-b.slice");
        rc_group *c = group(x.e, "a-b-c.slice"), *d = group(x.e, "a-b-d.slice");
        bool hit = false;

        rc_pool_set_min(x.e, b, x.v, 50 * MiB);
        rc_pool_set_min(x.e, c, x.v, 25 * MiB + 4096);
        rc_pool_set_min(x.e, d, x.v, 25 * MiB);
        rc_charge *c1 = charge(&x, c, x.v, 25 * MiB);
        charge(&x, d, x.v, 25 * MiB);
        /* Sum 50M == B.emin: everyone keeps exactly its protected usage. */
        CHECK(!rc_evict_valuable(x.e, x.v, a, c, false, &hit));
        CHECK_EQ_U64(pool(c, x.v)->emin, 25 * MiB);
        CHECK(!rc_evict_valuable(x.e, x.v, a, d, false, &hit));
        CHECK_EQ_U64(pool(d, x.v)->emin, 25 * MiB);
        CHECK(!hit);

        /* 4096 more: overcommitted, each gets its share. */
        charge(&x, c, x.v, 4096);
        CHECK_EQ_U64(pool(b, x.v)->children_min_usage, 50 * MiB + 4096);
        CHECK(rc_evict_valuable(x.e, x.v, a, c, false, &hit));
        CHECK_EQ_U64(pool(c, x.v)->emin, 26216447);
        CHECK(rc_evict_valuable(x.e, x.v, a, d, false, &hit));
        CHECK_EQ_U64(pool(d, x.v)->emin, 26212352);
        CHECK(!hit);
        (void) c1;
        rc_engine_free(x.e);
}

/* 4.3: a direct child of the calc root gets its raw settings, neither capped
 * by usage nor by an ancestor; usage 0 leaves emin/elow as they were. */
TEST(test_direct_child_and_usage_zero) {
        Env x = env_new();
        rc_group *a = group(x.e, "a.slice"), *b = group(x.e, "a-b.slice"), *c = group(x.e, "a-b-c.slice");
        bool hit = false;

        rc_pool_set_min(x.e, b, x.v, 100 * MiB);        /* A has min 0 */
        rc_pool_set_low(x.e, b, x.v, 200 * MiB);
        charge(&x, b, x.v, MiB);
        CHECK(!rc_evict_valuable(x.e, x.v, a, b, false, &hit));
        CHECK(!hit);                                    /* min: hit_low not set */
        check_effective(b, x.v, 100 * MiB, 200 * MiB);

        /* Against the root (no limit pool), B is capped by A's zero. */
        CHECK(rc_evict_valuable(x.e, x.v, NULL, b, false, &hit));
        CHECK_EQ_U64(pool(a, x.v)->emin, 0);
        check_effective(b, x.v, 0, 0);

        /* C: computed once, then its usage drops to 0. */
        rc_pool_set_min(x.e, c, x.v, 4 * MiB);
        rc_charge *c1 = charge(&x, c, x.v, 2 * MiB);
        CHECK(!rc_evict_valuable(x.e, x.v, a, c, false, &hit));
        uint64_t emin = pool(c, x.v)->emin;
        CHECK_EQ_U64(emin, 2 * MiB);
        rc_charge_uncharge(x.e, c1, 0);
        rc_pool_set_min(x.e, c, x.v, 0);
        rc_protection_calculate(x.e, a, c, x.v);
        CHECK_EQ_U64(pool(c, x.v)->emin, emin);         /* left as it was */
        hit = false;
        CHECK(!rc_evict_valuable(x.e, x.v, a, c, false, &hit));   /* used 0: never */
        CHECK(!rc_evict_valuable(x.e, x.v, a, c, true, &hit));
        CHECK(!hit);

        /* The root as T with no limit pool: never computed, valuable when used. */
        charge(&x, x.e->root, x.v, 4096);
        CHECK(rc_evict_valuable(x.e, x.v, NULL, x.e->root, false, &hit));
        CHECK_EQ_U64(pool(x.e->root, x.v)->emin, 0);
        rc_engine_free(x.e);
}

/* ---- 6.5 evict_valuable truth table --------------------------------------- */

typedef struct EvFix {
        Env x;
        rc_group *a, *b, *c, *d, *e, *g, *z;
} EvFix;

static EvFix ev_fixture(void) {
        EvFix f = { .x = env_new() };
        groups(f.x.e, { &f.a, "a.slice" }, { &f.b, "a-b.slice" }, { &f.c, "a-b-c.slice" }, { &f.d, "a-b-d.slice" },
               { &f.e, "a-b-e.slice" }, { &f.g, "a-g.slice" }, { &f.z, "z.slice" });
        rc_pool_set_min(f.x.e, f.b, f.x.v, 20971520);
        rc_pool_set_low(f.x.e, f.b, f.x.v, 62914560);
        rc_pool_set_min(f.x.e, f.c, f.x.v, 10485760);
        rc_pool_set_low(f.x.e, f.c, f.x.v, 41943040);
        rc_pool_set_min(f.x.e, f.e, f.x.v, 5 * MiB);
        charge(&f.x, f.c, f.x.v, 31457280);
        charge(&f.x, f.d, f.x.v, 52428800);
        charge(&f.x, f.g, f.x.v, 10 * MiB);
        charge(&f.x, f.z, f.x.v, 5 * MiB);
        return f;
}

TEST(test_ev_table) {
        EvFix f = ev_fixture();
        rc_engine *e = f.x.e;
        const rc_counter *v = f.x.v;
        bool hit;

        CHECK_EQ_U64(pool(f.b, v)->usage, 83886080);
        CHECK_EQ_U64(pool(f.a, v)->usage, 94371840);
        CHECK_EQ_U64(pool(e->root, v)->usage, 99614720);
        check_children(f.b, v, 10485760, 31457280);
        check_children(f.a, v, 20971520, 62914560);

        /* EV-01: L == T */
        hit = false;
        CHECK(rc_evict_valuable(e, v, f.c, f.c, false, &hit));
        CHECK(!hit);
        /* EV-02: L in the root cgroup */
        CHECK(rc_evict_valuable(e, v, e->root, f.c, false, &hit));
        CHECK(!hit);
        /* EV-03: T not under L */
        CHECK(!rc_evict_valuable(e, v, f.b, f.z, false, &hit));
        CHECK(!hit);
        CHECK(!rc_evict_valuable(e, v, f.b, f.g, true, &hit));
        CHECK(!hit);
        /* None of these computed anything. */
        check_effective(f.c, v, 0, 0);
        CHECK_EQ_U64(pool(f.z, v)->emin, 0);
        CHECK_EQ_U64(pool(f.b, v)->emin, 0);

        /* EV-04: direct child of L, raw settings; emin < used <= elow */
        hit = false;
        CHECK(!rc_evict_valuable(e, v, f.b, f.c, false, &hit));
        CHECK(hit);
        check_effective(f.c, v, 10485760, 41943040);
        /* EV-05: ignore_low */
        hit = false;
        CHECK(rc_evict_valuable(e, v, f.b, f.c, true, &hit));
        CHECK(!hit);
        /* EV-06 */
        hit = false;
        CHECK(rc_evict_valuable(e, v, f.b, f.d, false, &hit));
        CHECK(!hit);
        check_effective(f.d, v, 0, 0);

        /* hit_low is only ever set, never cleared. */
        hit = true;
        CHECK(rc_evict_valuable(e, v, f.b, f.d, false, &hit));
        CHECK(hit);
        /* used 0 (E has min 5M): false whatever ignore_low, hit_low untouched. */
        hit = false;
        CHECK(!rc_evict_valuable(e, v, f.b, f.e, false, &hit));
        CHECK(!rc_evict_valuable(e, v, f.b, f.e, true, &hit));
        CHECK(!hit);

        /* L = A: C and D two levels down, with B's effective values and the
         * recursive term: C.emin 10M + 10M*20M/70M, C.elow 30M (= used). */
        hit = false;
        CHECK(!rc_evict_valuable(e, v, f.a, f.c, false, &hit));
        CHECK(hit);
        check_effective(f.b, v, 20971520, 62914560);
        check_effective(f.c, v, 13481691, 31457280);
        hit = false;
        CHECK(rc_evict_valuable(e, v, f.a, f.c, true, &hit));
        CHECK(rc_evict_valuable(e, v, f.a, f.d, false, &hit));
        CHECK(!hit);
        check_effective(f.d, v, 7489828, 31457280);
        CHECK(rc_evict_valuable(e, v, f.a, f.g, false, &hit));
        CHECK(!rc_evict_valuable(e, v, f.a, f.z, false, &hit));
        CHECK(!hit);

        /* No limit pool: A is the root's direct child (settings 0), so all
         * of A's subtree is unprotected. */
        CHECK(rc_evict_valuable(e, v, NULL, f.c, false, &hit));
        check_effective(f.c, v, 0, 0);
        CHECK(rc_evict_valuable(e, v, NULL, f.z, false, &hit));
        CHECK(!hit);

        /* A limit in the root cgroup makes everything evictable, while no
         * limit pool (the root as calc root) honours A's raw min. */
        rc_pool_set_min(e, f.a, v, 200 * MiB);
        CHECK(!rc_evict_valuable(e, v, NULL, f.a, false, &hit));
        CHECK_EQ_U64(pool(f.a, v)->emin, 200 * MiB);
        CHECK(rc_evict_valuable(e, v, e->root, f.a, false, &hit));
        CHECK(rc_evict_valuable(e, v, e->root, f.c, false, &hit));
        CHECK(!hit);
        rc_engine_free(e);
}

/* ---- 6.6 two-pass eviction through rc_evict ------------------------------- */

typedef struct Snap {
        size_t n;
        struct {
                const rc_group *g;
                rc_pool p;
        } pools[32];
        size_t n_charges;
        SnapCharge charges[32];
} Snap;

/* Everything but emin/elow, which are computed on demand. */
static void snap(rc_engine *e, const rc_counter *c, rc_group *const *gs, size_t n, Snap *s) {
        memset(s, 0, sizeof(*s));
        for (size_t i = 0; i < n && i < 32; i++) {
                const rc_pool *p = rc_group_pool_peek(gs[i], c);
                s->pools[s->n].g = gs[i];
                if (p) {
                        s->pools[s->n].p = *p;
                        s->pools[s->n].p.emin = s->pools[s->n].p.elow = 0;
                }
                s->n++;
        }
        list_for_each(l, &c->charges) {
                const rc_charge *ch = list_entry(l, rc_charge, counter_link);
                if (s->n_charges == 32)
                        break;
                s->charges[s->n_charges++] = snap_charge(ch);
        }
}

static void check_same(const Snap *a, const Snap *b) {
        CHECK_EQ_INT(a->n, b->n);
        for (size_t i = 0; i < a->n && i < b->n; i++) {
                const rc_pool *x = &a->pools[i].p, *y = &b->pools[i].p;
                check_same_pool(x, y);
        }
        check_same_charges(a->charges, a->n_charges, b->charges, b->n_charges);
}

typedef struct Ttm {
        Env x;
        rc_group *a, *xg, *y, *z;
        rc_charge *x1, *x2;
} Ttm;

static Ttm ttm_fixture(void) {
        Ttm t = { .x = env_new() };
        t.a = group(t.x.e, "a.slice");
        t.xg = group(t.x.e, "a-x.slice");
        t.y = group(t.x.e, "a-y.slice");
        t.z = group(t.x.e, "a-z.slice");
        set(&t.x, t.a, "dmem.max", 83886080);
        t.x1 = charge(&t.x, t.xg, t.x.v, 32 * MiB);
        t.x2 = charge(&t.x, t.xg, t.x.v, 32 * MiB);
        return t;
}

/* Runs rc_evict and checks the victims (ids) and that nothing changed. */
static void evict_expect(Ttm *t, rc_group *g, uint64_t amount, const rc_charge *const *want, size_t n_want) {
        rc_group *gs[] = { t->x.e->root, t->a, t->xg, t->y, t->z };
        Snap before, after;
        rc_victim *v = NULL;
        size_t n = 99;

        snap(t->x.e, t->x.v, gs, 5, &before);
        CHECK_EQ_INT(rc_evict(t->x.e, t->x.v, g, amount, &v, &n, NULL), 0);
        snap(t->x.e, t->x.v, gs, 5, &after);
        check_same(&before, &after);

        CHECK_EQ_INT(n, n_want);
        for (size_t i = 0; i < n && i < n_want; i++) {
                CHECK_EQ_U64(v[i].id, want[i]->id);
                CHECK(v[i].group == want[i]->group);
                CHECK_EQ_U64(v[i].amount, want[i]->amount);
        }
        if (n_want == 0)
                CHECK(v == NULL);
        free(v);
}

TEST(test_ttm_01) {
        Ttm t = ttm_fixture();
        rc_refusal ref = {0};

        set(&t.x, t.xg, "dmem.low", 32 * MiB);
        /* Y's 64M fails at A. */
        CHECK_EQ_INT(rc_charge_new(t.x.e, t.y, t.x.v, 64 * MiB, 0, 0, NULL, &ref, NULL), -EBUSY);
        CHECK(ref.limit_group == t.a);
        /* x1 in pass 1, x2 only in pass 2 (its usage fell to its low). */
        const rc_charge *want[] = { t.x1, t.x2 };
        evict_expect(&t, t.y, 64 * MiB, want, 2);
        /* Pass 1 is enough for 48M: no pass 2. */
        evict_expect(&t, t.y, 48 * MiB, want, 1);
        /* Already fits: nothing. */
        evict_expect(&t, t.y, 16 * MiB, want, 0);
        evict_expect(&t, t.y, 0, want, 0);
        rc_engine_free(t.x.e);
}

/* Protection is re-evaluated with current usage after each victim: x2 is
 * skipped once x1 is gone, and a later charge of another group is taken
 * in pass 1 instead. */
TEST(test_ttm_reevaluated) {
        Ttm t = ttm_fixture();
        set(&t.x, t.xg, "dmem.low", 32 * MiB);
        rc_charge *z1 = charge(&t.x, t.z, t.x.v, 16 * MiB);
        const rc_charge *want[] = { t.x1, z1 };
        evict_expect(&t, t.y, 48 * MiB, want, 2);

        /* Needing more than that: pass 2 adds x2 after pass 1's victims. */
        const rc_charge *want2[] = { t.x1, z1, t.x2 };
        evict_expect(&t, t.y, 64 * MiB, want2, 3);
        rc_engine_free(t.x.e);
}

/* min holds in both passes, and a skip for min does not start pass 2. */
TEST(test_ttm_min) {
        Ttm t = ttm_fixture();
        set(&t.x, t.xg, "dmem.min", 32 * MiB);
        const rc_charge *want[] = { t.x1 };
        evict_expect(&t, t.y, 64 * MiB, want, 1);       /* fewer than needed */
        rc_engine_free(t.x.e);

        t = ttm_fixture();
        set(&t.x, t.xg, "dmem.min", 32 * MiB);
        set(&t.x, t.xg, "dmem.low", 64 * MiB);
        /* Pass 1 takes nothing (low), pass 2 takes x1, min keeps x2. */
        const rc_charge *want1[] = { t.x1 };
        evict_expect(&t, t.y, 64 * MiB, want1, 1);
        rc_engine_free(t.x.e);

        /* Low everywhere but nothing fell short: no pass 2, nothing taken. */
        t = ttm_fixture();
        set(&t.x, t.xg, "dmem.low", 64 * MiB);
        rc_charge *z1 = charge(&t.x, t.z, t.x.v, 16 * MiB);
        const rc_charge *want2[] = { z1 };
        evict_expect(&t, t.y, 16 * MiB, want2, 1);
        rc_engine_free(t.x.e);
}

TEST(test_ttm_03) {
        Ttm t = ttm_fixture();
        rc_refusal ref = {0};
        set(&t.x, t.y, "dmem.max", 16 * MiB);
        set(&t.x, t.y, "dmem.min", 16 * MiB);
        rc_charge *y1 = charge(&t.x, t.y, t.x.v, 16 * MiB);
        CHECK_EQ_INT(rc_charge_new(t.x.e, t.y, t.x.v, 16 * MiB, 0, 0, NULL, &ref, NULL), -EBUSY);
        CHECK(ref.limit_group == t.y);
        bool hit = false;
        /* Against A, Y's min protects it (and emin is now 16M)... */
        CHECK(!rc_evict_valuable(t.x.e, t.x.v, t.a, t.y, true, &hit));
        CHECK_EQ_U64(pool(t.y, t.x.v)->emin, 16 * MiB);
        /* ...but L == T ignores protection altogether. */
        CHECK(rc_evict_valuable(t.x.e, t.x.v, t.y, t.y, false, &hit));
        CHECK(!hit);
        /* L = Y: X's charges are outside it; y1 goes despite its min. */
        const rc_charge *want[] = { y1 };
        evict_expect(&t, t.y, 16 * MiB, want, 1);
        rc_engine_free(t.x.e);
}

/* Only the region size refuses: no limit pool, protection against the root. */
TEST(test_evict_device_full) {
        Env x = env_new();
        rc_group *p = group(x.e, "p.slice"), *c = group(x.e, "p-c.slice"), *q = group(x.e, "q.slice");
        rc_refusal ref = {0};

        rc_pool_set_min(x.e, q, x.s, 32 * MiB);
        rc_charge *q1 = charge(&x, q, x.s, 32 * MiB);   /* oldest */
        rc_charge *p1 = charge(&x, p, x.s, 16 * MiB);
        rc_charge *c1 = charge(&x, c, x.s, 16 * MiB);
        CHECK_EQ_INT(rc_charge_new(x.e, c, x.s, 16 * MiB, 0, 0, NULL, &ref, NULL), -EBUSY);
        CHECK(ref.capacity && ref.limit_group == x.e->root);

        rc_victim *v = NULL;
        size_t n = 0;
        /* Q (a direct child of the root) keeps its raw min: p1 is the victim. */
        CHECK_EQ_INT(rc_evict(x.e, x.s, c, 16 * MiB, &v, &n, NULL), 0);
        CHECK_EQ_INT(n, 1);
        if (n == 1)
                CHECK_EQ_U64(v[0].id, p1->id);
        free(v);
        v = NULL;
        CHECK_EQ_INT(rc_evict(x.e, x.s, c, 32 * MiB, &v, &n, NULL), 0);
        CHECK_EQ_INT(n, 2);
        if (n == 2) {
                CHECK_EQ_U64(v[0].id, p1->id);
                CHECK_EQ_U64(v[1].id, c1->id);
                CHECK(v[1].group == c);
        }
        free(v);
        v = NULL;
        /* More than that is not possible: q1 stays protected. */
        CHECK_EQ_INT(rc_evict(x.e, x.s, c, 48 * MiB, &v, &n, NULL), 0);
        CHECK_EQ_INT(n, 2);
        free(v);
        v = NULL;
        CHECK_EQ_U64(pool(x.e->root, x.s)->usage, SSIZE);
        CHECK(rc_charge_find(x.e, q1->id) == q1);

        /* With a max at P the limit pool is P, and only its subtree counts. */
        CHECK_EQ_INT(rc_file_write(x.e, p, "dmem.max", SN " 40M", NULL), 0);
        CHECK_EQ_INT(rc_evict(x.e, x.s, c, 16 * MiB, &v, &n, NULL), 0);
        CHECK_EQ_INT(n, 1);
        if (n == 1)
                CHECK_EQ_U64(v[0].id, p1->id);
        free(v);
        rc_engine_free(x.e);
}

/* Only dmem regions have eviction. */
TEST(test_evict_not_dmem) {
        Env x = env_new();
        rc_counter *m = NULL;
        rc_victim *v = NULL;
        size_t n = 7;
        CHECK_EQ_INT(rc_resource_register(x.e, "misc/res_a", 10, NULL, NULL, NULL), 0);
        CHECK_EQ_INT(rc_counter_find(x.e, "misc/res_a", &m, NULL), 0);
        CHECK_EQ_INT(rc_evict(x.e, m, x.e->root, 1, &v, &n, NULL), -EINVAL);
        CHECK(v == NULL);
        CHECK_EQ_INT(n, 0);
        rc_engine_free(x.e);
}

/* ---- Protect: one unit's effective protection, raising its ancestry ------- */

/* Applies a plan as Protect does and returns the unit's effective value. */
static uint64_t protect(Prot *p, rc_group *g, uint64_t amount, bool min, size_t *n_changed) {
        rc_protect_step *v = NULL;
        size_t n = 0;
        CHECK_EQ_INT(rc_protect_plan(p->x.e, g, p->x.v, amount, min, &v, &n), 0);
        CHECK_EQ_U64(n, g->depth);
        *n_changed = 0;
        for (size_t i = 0; i < n; i++) {
                CHECK(v[i].new >= v[i].old);
                if (v[i].new != v[i].old) {
                        set(&p->x, v[i].group, min ? "dmem.min" : "dmem.low", v[i].new);
                        (*n_changed)++;
                }
        }
        free(v);
        return rc_group_effective_protection(p->x.e, g, p->x.v, min);
}

/* PROT-01's overcommitted B (children's protected usage 75M > 50M):
 * protecting C's 50M raises B to 75M and A to 75M, and then neither the
 * root nor A as the reclaim target can take C's 50M. */
TEST(test_protect_overcommitted_parent) {
        Prot p = prot_new("dmem.min", 50 * MiB, 50 * MiB, 50 * MiB, 0);
        bool hit;
        CHECK_EQ_U64(rc_group_effective_protection(p.x.e, p.c, p.x.v, true), 0);  /* A has no min */
        CHECK(ev(&p, p.c, false, &hit));                        /* before: evictable */
        size_t changed;
        CHECK_EQ_U64(protect(&p, p.c, 50 * MiB, true, &changed), 52428800);
        CHECK_EQ_U64(changed, 2);                               /* C's 75M already covers 50M */
        CHECK_EQ_U64(pool(p.c, p.x.v)->min, 75 * MiB);
        CHECK_EQ_U64(pool(p.b, p.x.v)->min, 75 * MiB);
        CHECK_EQ_U64(pool(p.a, p.x.v)->min, 75 * MiB);
        CHECK_EQ_U64(pool(p.b, p.x.v)->emin, 75 * MiB);
        /* D's share is whole too now: nothing is overcommitted. */
        CHECK_EQ_U64(rc_group_effective_protection(p.x.e, p.d, p.x.v, true), 25 * MiB);
        for (int il = 0; il < 2; il++) {
                CHECK(!ev(&p, p.c, il, &hit));                  /* A's limit: used 50M <= emin 50M */
                CHECK(!hit);
                CHECK(!rc_evict_valuable(p.x.e, p.x.v, NULL, p.c, il, &hit));   /* device full */
                CHECK(!hit);
                CHECK(ev(&p, p.e, il, &hit));                   /* E has no protection */
        }
        /* Asking again changes nothing. */
        CHECK_EQ_U64(protect(&p, p.c, 50 * MiB, true, &changed), 52428800);
        CHECK_EQ_U64(changed, 0);
        rc_engine_free(p.x.e);

        /* Asking for nothing, or for what C has already, raises nothing,
         * overcommitted as B is. */
        p = prot_new("dmem.min", 50 * MiB, 50 * MiB, 50 * MiB, 0);
        set(&p.x, p.a, "dmem.min", 50 * MiB);
        CHECK_EQ_U64(rc_group_effective_protection(p.x.e, p.c, p.x.v, true), 34952533);
        CHECK_EQ_U64(protect(&p, p.c, 0, true, &changed), 34952533);
        CHECK_EQ_U64(changed, 0);
        CHECK_EQ_U64(protect(&p, p.c, 30 * MiB, true, &changed), 34952533);
        CHECK_EQ_U64(changed, 0);
        CHECK_EQ_U64(pool(p.b, p.x.v)->min, 50 * MiB);
        /* One byte more than C gets makes B and A cover all of it. */
        CHECK_EQ_U64(protect(&p, p.c, 34952534, true, &changed), 50 * MiB);
        CHECK_EQ_U64(changed, 2);
        rc_engine_free(p.x.e);
}

/* PROT-05's siblings (C=20M, D=10M, E=30M; B.low 50M, of which C and D
 * claim 30M): protecting E's 30M needs B at 60M and A at 60M; C and D
 * keep their shares, E gets exactly 30M where the recursive term gave it
 * only the unclaimed 20M before. */
TEST(test_protect_siblings) {
        Prot p = prot_new("dmem.low", 20971520, 10485760, 31457280, 0);
        bool hit;
        set(&p.x, p.a, "dmem.low", 50 * MiB);
        CHECK_EQ_U64(rc_group_effective_protection(p.x.e, p.e, p.x.v, false), 20971520);
        size_t changed;
        CHECK_EQ_U64(protect(&p, p.e, 30 * MiB, false, &changed), 31457280);
        CHECK_EQ_U64(changed, 3);
        CHECK_EQ_U64(pool(p.e, p.x.v)->low, 30 * MiB);
        CHECK_EQ_U64(pool(p.b, p.x.v)->low, 60 * MiB);
        CHECK_EQ_U64(pool(p.a, p.x.v)->low, 60 * MiB);
        CHECK_EQ_U64(rc_group_effective_protection(p.x.e, p.c, p.x.v, false), 20971520);
        CHECK_EQ_U64(rc_group_effective_protection(p.x.e, p.d, p.x.v, false), 10485760);
        /* PROT-05 had E evictable in pass 1; now it is low-protected. */
        check_ev(&p, p.e, false, false, true);
        CHECK(ev(&p, p.e, true, &hit));
        check_ev(&p, p.c, false, false, true);
        rc_engine_free(p.x.e);
}

/* More than the unit uses: its setting takes the amount, its ancestors
 * only what its usage can claim, and the effective value is the usage. */
TEST(test_protect_above_usage_and_never_lower) {
        Prot p = prot_new("dmem.low", 20971520, 10485760, 0, 0);
        set(&p.x, p.b, "dmem.low", 500 * MiB);                  /* someone else's, higher than needed */
        size_t changed;
        CHECK_EQ_U64(protect(&p, p.c, 100 * MiB, false, &changed), 20971520);
        CHECK_EQ_U64(pool(p.c, p.x.v)->low, 100 * MiB);
        CHECK_EQ_U64(pool(p.b, p.x.v)->low, 500 * MiB);         /* never lowered */
        /* A: B's protected usage is its usage, 30M. */
        CHECK_EQ_U64(pool(p.a, p.x.v)->low, 30 * MiB);
        CHECK_EQ_U64(changed, 2);

        /* A direct child of the root: the raw setting is what counts, but
         * a unit that uses nothing has nothing protected. */
        rc_group *solo = group(p.x.e, "solo.slice");
        CHECK_EQ_U64(protect(&p, solo, GiB, false, &changed), 0);
        CHECK_EQ_U64(changed, 1);
        CHECK_EQ_U64(pool(solo, p.x.v)->low, GiB);
        charge(&p.x, solo, p.x.v, 10 * MiB);
        CHECK_EQ_U64(rc_group_effective_protection(p.x.e, solo, p.x.v, false), GiB);

        rc_protect_step *v = NULL;
        size_t n = 0;
        CHECK_EQ_INT(rc_protect_plan(p.x.e, p.x.e->root, p.x.v, 1, false, &v, &n), -EINVAL);
        rc_engine_free(p.x.e);
}

int main(void) {
        RUN(test_effective_protection_rules);
        RUN(test_effective_protection_no_wrap);
        RUN(test_r5_tree);
        RUN(test_prot_01);
        RUN(test_prot_04);
        RUN(test_prot_05);
        RUN(test_overcommit_strict);
        RUN(test_direct_child_and_usage_zero);
        RUN(test_ev_table);
        RUN(test_ttm_01);
        RUN(test_ttm_reevaluated);
        RUN(test_ttm_min);
        RUN(test_ttm_03);
        RUN(test_evict_device_full);
        RUN(test_evict_not_dmem);
        RUN(test_protect_overcommitted_parent);
        RUN(test_protect_siblings);
        RUN(test_protect_above_usage_and_never_lower);
        return TEST_EXIT();
}
