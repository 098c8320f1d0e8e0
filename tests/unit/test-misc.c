/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The misc controller: files, misc.max writes, try-charge, uncharge,
 * events, peak and capacity (kernel-semantics.md section 1, R4, R7, R8,
 * and the worked cases of 6.1). */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "test-engine.h"

typedef struct Fixture {
        rc_engine *e;
        rc_resource *a, *b;             /* res_a (capacity 10), res_b (capacity 0) */
        rc_counter *ca, *cb;
        rc_group *root, *p, *c, *o;
} Fixture;

/* Section 6 misc fixture: [res_a, res_b], capacities 10 and 0;
 * root -> P -> C, root -> O. */
static Fixture fixture(void) {
        Fixture f = { .e = engine_new() };
        resources(f.e, { "misc/res_a", 10, &f.a }, { "res_b", 0, &f.b });
        counters(f.e, { "res_a", &f.ca }, { "misc/res_b", &f.cb });
        tree(f.e, &f.root, &f.p, &f.c, "o.slice", &f.o);
        return f;
}

static const rc_pool *pool(const rc_group *g, const rc_counter *c) {
        static const rc_pool none = { .max = RC_MAX };
        return pool_or(g, c, &none);
}
#define USAGE(g, c) (pool((g), (c))->usage)
#define PEAK(g, c) (pool((g), (c))->peak)
#define EVENTS(g, c) (pool((g), (c))->events)
#define EVENTS_LOCAL(g, c) (pool((g), (c))->events_local)

static int charge(Fixture *f, rc_group *g, rc_counter *c, uint64_t amount, rc_charge **ret, rc_refusal *refusal) {
        return charge_new(f->e, g, c, amount, ret, refusal);
}

static int wr(Fixture *f, rc_group *g, const char *file, const char *text) {
        return file_write(f->e, g, file, text);
}

static void check_usage(Fixture *f, uint64_t c, uint64_t p, uint64_t root, uint64_t o) {
        CHECK_EQ_U64(USAGE(f->c, f->ca), c);
        CHECK_EQ_U64(USAGE(f->p, f->ca), p);
        CHECK_EQ_U64(USAGE(f->root, f->ca), root);
        CHECK_EQ_U64(USAGE(f->o, f->ca), o);
}

/* misc.peak of C, P and the root: res_a's line. */
static void check_peaks(Fixture *f, uint64_t c, uint64_t p, uint64_t root) {
        rc_group *g[] = { f->c, f->p, f->root };
        const uint64_t v[] = { c, p, root };
        for (size_t i = 0; i < 3; i++) {
                char text[64];
                snprintf(text, sizeof(text), "res_a %" PRIu64 "\n", v[i]);
                CHECK_FILE(f->e, g[i], "misc.peak", text);
        }
}

/* ---- 6.1 worked cases ---- */

FIXTURE_TEST(test_misc_01_charge_success) {
        rc_charge *ch = NULL;

        CHECK_EQ_INT(charge(&f, f.c, f.ca, 3, &ch, NULL), 0);
        CHECK(ch && ch->amount == 3 && ch->group == f.c && ch->counter == f.ca);
        check_usage(&f, 3, 3, 3, 0);
        CHECK_EQ_U64(PEAK(f.c, f.ca), 3);
        CHECK_EQ_U64(PEAK(f.p, f.ca), 3);
        CHECK_EQ_U64(PEAK(f.root, f.ca), 3);
        CHECK_EQ_U64(EVENTS(f.c, f.ca) + EVENTS(f.p, f.ca) + EVENTS(f.root, f.ca), 0);
        CHECK_EQ_U64(EVENTS_LOCAL(f.c, f.ca) + EVENTS_LOCAL(f.p, f.ca) + EVENTS_LOCAL(f.root, f.ca), 0);

        CHECK_FILES(f.e, f.c, "res_a 3\n", "misc.current", "misc.peak");
        CHECK_FILE(f.e, f.c, "misc.max", "res_a max\n");
        CHECK_FILES(f.e, f.c, "res_a.max 0\n", "misc.events", "misc.events.local");
        CHECK_FILE(f.e, f.p, "misc.current", "res_a 3\n");
        CHECK_FILES(f.e, f.root, "res_a 3\n", "misc.current", "misc.peak");
        CHECK_FILE(f.e, f.root, "misc.capacity", "res_a 10\n");
        CHECK_FILE(f.e, f.o, "misc.current", "res_a 0\n");

        char *s = NULL;
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "misc.max", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "misc.events", &s, NULL), -ENOENT);
        CHECK(s == NULL);
}

FIXTURE_TEST(test_misc_02_middle_ancestor) {
        CHECK_EQ_INT(wr(&f, f.p, "misc.max", "res_a 4"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 3, NULL, NULL), 0);

        rc_err err = {{0}};
        CHECK_EQ_INT(rc_charge_new(f.e, f.c, f.ca, 2, 0, 0, NULL, &ref, &err), -EBUSY);
        check_refusal(&ref, f.p, 4, 0);
        CHECK(strstr(err.msg, "p.slice") && strstr(err.msg, "misc/res_a"));
        CHECK_EQ_INT(f.c->n_charges, 1);

        check_usage(&f, 3, 3, 3, 0);
        /* R4: the kernel would show a transient 5 in C. */
        check_peaks(&f, 3, 3, 3);
        CHECK_FILES(f.e, f.c, "res_a.max 0\n", "misc.events", "misc.events.local");
        CHECK_FILES(f.e, f.p, "res_a.max 1\n", "misc.events", "misc.events.local");
        CHECK_FILE(f.e, f.c, "misc.current", "res_a 3\n");
        CHECK_FILE(f.e, f.p, "misc.current", "res_a 3\n");
        check_events(f.root, f.ca, 0, 0);

        /* What fits still fits: 3 + 1 = 4 is not above 4. */
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 1, NULL, NULL), 0);
        CHECK_FILE(f.e, f.c, "misc.peak", "res_a 4\n");
        CHECK_FILE(f.e, f.p, "misc.events", "res_a.max 1\n");
}

FIXTURE_TEST(test_misc_03_own_max) {
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_a 2"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 3, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.c, 2, 0);
        check_usage(&f, 0, 0, 0, 0);
        check_peaks(&f, 0, 0, 0);
        CHECK_FILES(f.e, f.c, "res_a.max 1\n", "misc.events", "misc.events.local");
        CHECK_FILE(f.e, f.p, "misc.events", "res_a.max 1\n");
        CHECK_FILE(f.e, f.p, "misc.events.local", "res_a.max 0\n");
        CHECK_FILE(f.e, f.o, "misc.events", "res_a.max 0\n");
        check_events(f.root, f.ca, 0, 0);
        CHECK_EQ_INT(f.c->n_charges, 0);
}

/* Section 1.6 names a MISC-06 that the public sample leaves out: a failure
 * at the root level (capacity exceeded only there). */
FIXTURE_TEST(test_misc_06_root_level_capacity) {
        CHECK_EQ_INT(charge(&f, f.o, f.ca, 5, NULL, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 6, NULL, &ref), -EBUSY);
        /* C 6 <= 10, P 6 <= 10, root 11 > 10. */
        check_refusal(&ref, f.root, 10, 1);
        check_usage(&f, 0, 0, 5, 5);
        /* R4: no transient peak 6 in C or P. */
        check_peaks(&f, 0, 0, 5);
        /* Only root.events_local counts it; no file shows that. */
        check_events(f.root, f.ca, 1, 0);
        CHECK_FILES(f.e, f.c, "res_a.max 0\n", "misc.events", "misc.events.local");
        CHECK_FILES(f.e, f.p, "res_a.max 0\n", "misc.events", "misc.events.local");
        CHECK_FILES(f.e, f.o, "res_a.max 0\n", "misc.events", "misc.events.local");

        /* Exactly the capacity fits. */
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 5, NULL, NULL), 0);
        check_usage(&f, 5, 5, 10, 5);
        CHECK_EQ_INT(charge(&f, f.o, f.ca, 1, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.root && ref.capacity);
        CHECK_EQ_U64(EVENTS_LOCAL(f.root, f.ca), 2);
        CHECK_FILE(f.e, f.o, "misc.events", "res_a.max 0\n");
}

FIXTURE_TEST(test_misc_05_capacity_below_max) {
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.a, 5, NULL), 0);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_a 8"), 0);     /* max > capacity is allowed */
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 6, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.c, 5, 1);
        check_usage(&f, 0, 0, 0, 0);
        CHECK_EQ_U64(PEAK(f.c, f.ca), 0);
        CHECK_FILE(f.e, f.c, "misc.peak", "res_a 0\n");
        CHECK_FILES(f.e, f.c, "res_a.max 1\n", "misc.events", "misc.events.local");
        CHECK_FILE(f.e, f.p, "misc.events", "res_a.max 1\n");
        CHECK_FILE(f.e, f.p, "misc.events.local", "res_a.max 0\n");
        CHECK_FILE(f.e, f.c, "misc.max", "res_a 8\n");
        CHECK_FILE(f.e, f.root, "misc.capacity", "res_a 5\n");
}

FIXTURE_TEST(test_misc_07_peak_survives_uncharge) {
        rc_charge *c1 = NULL, *c2 = NULL;

        CHECK_EQ_INT(charge(&f, f.c, f.ca, 4, &c1, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 3, &c2, NULL), 0);
        /* uncharge 5 = all of the 4 and 1 of the 3 */
        rc_charge_uncharge(f.e, c1, 0);
        rc_charge_uncharge(f.e, c2, 1);
        CHECK_EQ_U64(c2->amount, 2);
        CHECK_FILE(f.e, f.c, "misc.current", "res_a 2\n");
        CHECK_FILE(f.e, f.c, "misc.peak", "res_a 7\n");
        CHECK_FILE(f.e, f.p, "misc.peak", "res_a 7\n");
        CHECK_FILE(f.e, f.root, "misc.current", "res_a 2\n");
        CHECK_FILE(f.e, f.root, "misc.peak", "res_a 7\n");
}

/* Section 1.8 names a MISC-08 that the public sample leaves out: capacity
 * set below current usage. */
FIXTURE_TEST(test_misc_08_capacity_below_usage) {
        rc_charge *ch = NULL;

        CHECK_EQ_INT(charge(&f, f.c, f.ca, 5, &ch, NULL), 0);
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.a, 3, NULL), 0);
        check_usage(&f, 5, 5, 5, 0);
        CHECK_FILE(f.e, f.root, "misc.capacity", "res_a 3\n");
        CHECK_FILE(f.e, f.c, "misc.current", "res_a 5\n");

        /* C itself is the first level above the capacity. */
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 1, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.c, 3, 1);
        /* O: 1 <= 3 at O, root 6 > 3. */
        CHECK_EQ_INT(charge(&f, f.o, f.ca, 1, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.root && ref.capacity);
        check_usage(&f, 5, 5, 5, 0);
        CHECK_EQ_U64(EVENTS_LOCAL(f.c, f.ca), 1);
        CHECK_EQ_U64(EVENTS(f.p, f.ca), 1);
        CHECK_EQ_U64(EVENTS_LOCAL(f.root, f.ca), 1);
        CHECK_FILE(f.e, f.o, "misc.events", "res_a.max 0\n");

        /* Uncharge works and checks nothing. */
        rc_charge_uncharge(f.e, ch, 4);
        check_usage(&f, 1, 1, 1, 0);
        CHECK_EQ_INT(charge(&f, f.o, f.ca, 2, NULL, &ref), 0);     /* root 3 <= 3 */
        check_usage(&f, 1, 1, 3, 2);
        CHECK_FILE(f.e, f.c, "misc.peak", "res_a 5\n");
}

FIXTURE_TEST(test_misc_09_capacity_zero) {
        rc_charge *ch = NULL;

        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_a 7"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 2, &ch, NULL), 0);
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.a, 0, NULL), 0);

        /* The root: no capacity line, but the usage it still holds. */
        CHECK_FILE(f.e, f.root, "misc.capacity", "");
        CHECK_FILE(f.e, f.root, "misc.current", "res_a 2\n");
        CHECK_FILE(f.e, f.c, "misc.max", "");
        CHECK_FILES(f.e, f.c, "res_a 2\n", "misc.current", "misc.peak");
        CHECK_FILES(f.e, f.c, "", "misc.events", "misc.events.local");

        CHECK_EQ_INT(charge(&f, f.c, f.ca, 1, NULL, NULL), -EINVAL);
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 0, NULL, NULL), -EINVAL);
        CHECK_EQ_INT(rc_counter_try_charge(f.e, f.c, f.ca, 1, NULL), -EINVAL);
        CHECK_EQ_U64(EVENTS(f.c, f.ca) + EVENTS_LOCAL(f.c, f.ca) + EVENTS(f.p, f.ca) + EVENTS_LOCAL(f.root, f.ca), 0);
        CHECK_FILE(f.e, f.c, "misc.events", "");
        check_usage(&f, 2, 2, 2, 0);

        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_a 3"), -EINVAL);
        CHECK_EQ_U64(pool(f.c, f.ca)->max, 7);

        rc_charge_uncharge(f.e, ch, 0);
        CHECK_FILE(f.e, f.c, "misc.current", "");
        CHECK_FILE(f.e, f.c, "misc.peak", "res_a 2\n");
        CHECK_FILE(f.e, f.root, "misc.current", "");
        CHECK_FILE(f.e, f.root, "misc.peak", "res_a 2\n");

        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.a, 10, NULL), 0);
        CHECK_FILE(f.e, f.c, "misc.max", "res_a 7\n");
        CHECK_FILE(f.e, f.root, "misc.capacity", "res_a 10\n");
        CHECK_FILE(f.e, f.c, "misc.current", "res_a 0\n");
}

TEST(test_misc_10_max_round_trip) {
        static const struct {
                const char *write, *read;
        } rows[] = {
                { "res_a 5", "res_a 5\n" },
                { "res_a max", "res_a max\n" },
                { "res_a 18446744073709551615", "res_a max\n" },
                { "res_a 18446744073709551614", "res_a 18446744073709551614\n" },
                { "res_a 0", "res_a 0\n" },
        };
        Fixture f = fixture();
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                CHECK_EQ_INT(wr(&f, f.c, "misc.max", rows[i].write), 0);
                CHECK_FILE(f.e, f.c, "misc.max", rows[i].read);
        }
        rc_refusal ref = {0};
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 1, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.c, 0, 0);
        /* R7: the kernel's no-op is InvalidArgument here; nothing counted. */
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 0, NULL, &ref), -EINVAL);
        CHECK_EQ_U64(EVENTS_LOCAL(f.c, f.ca), 1);
        CHECK_FILE(f.e, f.c, "misc.events.local", "res_a.max 1\n");
        rc_engine_free(f.e);
}

/* ---- 1.2 listing rules ---- */

FIXTURE_TEST(test_fresh_reads) {
        CHECK_FILE(f.e, f.root, "misc.capacity", "res_a 10\n");
        CHECK_FILES(f.e, f.root, "res_a 0\n", "misc.current", "misc.peak");
        CHECK_FILE(f.e, f.c, "misc.max", "res_a max\n");
        CHECK_FILES(f.e, f.c, "res_a 0\n", "misc.current", "misc.peak");
        CHECK_FILES(f.e, f.c, "res_a.max 0\n", "misc.events", "misc.events.local");
        CHECK_FILE(f.e, f.p, "misc.max", "res_a max\n");
        CHECK_FILE(f.e, f.o, "misc.max", "res_a max\n");
        /* Reads create no pools. */
        CHECK(rc_group_pool_peek(f.c, f.ca) == NULL);
        CHECK(rc_group_pool_peek(f.root, f.ca) == NULL);

        /* A group that does not exist yet reads like an empty one. */
        rc_group *g = NULL;
        CHECK_EQ_INT(rc_group_get(f.e, "vm42.scope", NULL, &g, NULL), 0);
        CHECK_FILE(f.e, g, "misc.max", "res_a max\n");
        CHECK_FILE(f.e, g, "misc.current", "res_a 0\n");
}

TEST(test_no_resources) {
        rc_engine *e = engine_new();
        rc_group *c = group(e, "p-c.slice");
        CHECK_FILES(e, e->root, "", "misc.capacity", "misc.current", "misc.peak");
        CHECK_FILES(e, c, "", "misc.max", "misc.current", "misc.peak", "misc.events", "misc.events.local");
        /* No resource: every name is unknown. */
        CHECK_EQ_INT(rc_file_write(e, c, "misc.max", "sev 1", NULL), -EINVAL);
        rc_engine_free(e);
}

FIXTURE_TEST(test_table_order) {
        /* Registration order, not alphabetical; res_b joins when it gets a capacity. */
        CHECK_EQ_INT(rc_resource_register(f.e, "zz", 2, NULL, NULL, NULL), 0);
        CHECK_EQ_INT(rc_resource_register(f.e, "misc/aa", 3, NULL, NULL, NULL), 0);
        CHECK_FILE(f.e, f.root, "misc.capacity", "res_a 10\nzz 2\naa 3\n");
        CHECK_EQ_INT(rc_resource_register(f.e, "res_b", 4, NULL, NULL, NULL), 0);
        CHECK_FILE(f.e, f.root, "misc.capacity", "res_a 10\nres_b 4\nzz 2\naa 3\n");
        CHECK_FILE(f.e, f.c, "misc.max", "res_a max\nres_b max\nzz max\naa max\n");
        CHECK_FILE(f.e, f.c, "misc.current", "res_a 0\nres_b 0\nzz 0\naa 0\n");
        CHECK_FILE(f.e, f.c, "misc.events", "res_a.max 0\nres_b.max 0\nzz.max 0\naa.max 0\n");
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "aa 1"), 0);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_b 0x7"), 0);
        CHECK_FILE(f.e, f.c, "misc.max", "res_a max\nres_b 7\nzz max\naa 1\n");
        /* dmem and rdma resources never show up in misc files */
        CHECK_EQ_INT(rc_resource_register(f.e, "rdma/mlx5_0", RC_MAX, NULL, NULL, NULL), 0);
        CHECK_EQ_INT(rc_resource_register(f.e, "dmem/vram0", 100, NULL, NULL, NULL), 0);
        CHECK_FILE(f.e, f.root, "misc.capacity", "res_a 10\nres_b 4\nzz 2\naa 3\n");
        CHECK_FILE(f.e, f.c, "misc.current", "res_a 0\nres_b 0\nzz 0\naa 0\n");
}

/* A capacity-0 resource is listed in current/peak/events* only while that
 * file's own value is non-zero, and never in capacity/max. */
FIXTURE_TEST(test_listing_capacity_zero) {
        rc_charge *ch = NULL;

        /* res_b gets a history while available, then goes away. */
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.b, 3, NULL), 0);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_b 2"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cb, 2, &ch, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cb, 1, NULL, NULL), -EBUSY);    /* at C */
        CHECK_EQ_INT(charge(&f, f.o, f.cb, 2, NULL, NULL), -EBUSY);    /* at root: 4 > 3 */
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.b, 0, NULL), 0);

        CHECK_FILE(f.e, f.root, "misc.capacity", "res_a 10\n");
        CHECK_FILE(f.e, f.c, "misc.max", "res_a max\n");
        CHECK_FILES(f.e, f.c, "res_a 0\nres_b 2\n", "misc.current", "misc.peak");
        CHECK_FILES(f.e, f.c, "res_a.max 0\nres_b.max 1\n", "misc.events", "misc.events.local");
        /* P: events 1 (from C), events.local 0 -> only events lists it. */
        CHECK_FILE(f.e, f.p, "misc.events", "res_a.max 0\nres_b.max 1\n");
        CHECK_FILE(f.e, f.p, "misc.events.local", "res_a.max 0\n");
        CHECK_FILE(f.e, f.p, "misc.current", "res_a 0\nres_b 2\n");
        /* O: its charge failed at the root: nothing for O. */
        CHECK_FILES(f.e, f.o, "res_a 0\n", "misc.current", "misc.peak");
        CHECK_FILES(f.e, f.o, "res_a.max 0\n", "misc.events", "misc.events.local");
        CHECK_FILES(f.e, f.root, "res_a 0\nres_b 2\n", "misc.current", "misc.peak");

        /* With res_a gone too, only the non-zero values remain. */
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.a, 0, NULL), 0);
        rc_charge_uncharge(f.e, ch, 0);
        CHECK_FILE(f.e, f.root, "misc.capacity", "");
        CHECK_FILES(f.e, f.c, "", "misc.max", "misc.current");
        CHECK_FILE(f.e, f.c, "misc.peak", "res_b 2\n");
        CHECK_FILE(f.e, f.c, "misc.events", "res_b.max 1\n");
        CHECK_FILES(f.e, f.o, "", "misc.events", "misc.peak");
}

/* ---- 1.3 misc.max writes ---- */

typedef struct MaxRow {
        const char *text;
        int rc;
        const char *after;      /* C/misc.max afterwards; NULL = unchanged ("res_a 3\n") */
} MaxRow;

static const MaxRow max_rows[] = {
        { "res_a 5", 0, "res_a 5\n" },
        { "res_a 5\n", 0, "res_a 5\n" },
        { "  \t res_a 5 \n\t", 0, "res_a 5\n" },        /* strstrip() both ends */
        { "res_a 5\r\n", 0, "res_a 5\n" },
        { "res_a 5\v\f", 0, "res_a 5\n" },
        { "res_a +5", 0, "res_a 5\n" },
        { "res_a 0x10", 0, "res_a 16\n" },
        { "res_a 0X1f", 0, "res_a 31\n" },
        { "res_a 010", 0, "res_a 8\n" },
        { "res_a 00", 0, "res_a 0\n" },
        { "res_a 0", 0, "res_a 0\n" },
        { "res_a +0x10", 0, "res_a 16\n" },
        { "res_a 100", 0, "res_a 100\n" },              /* above capacity is fine */
        { "res_a max", 0, "res_a max\n" },
        { "res_a 18446744073709551615", 0, "res_a max\n" },
        { "res_a 0xffffffffffffffff", 0, "res_a max\n" },
        { "res_a 01777777777777777777777", 0, "res_a max\n" },
        { "res_a 18446744073709551614", 0, "res_a 18446744073709551614\n" },
        /* rejected: */
        { "", -EINVAL, NULL },
        { " \n", -EINVAL, NULL },
        { "res_a", -EINVAL, NULL },
        { "res_a\t5", -EINVAL, NULL },                  /* tab is no separator */
        { "res_a\n5", -EINVAL, NULL },
        { "res_a  5", -EINVAL, NULL },                  /* " 5" */
        { "res_a 5 6", -EINVAL, NULL },
        { "res_a 5\t6", -EINVAL, NULL },
        { "res_a 5\n6", -EINVAL, NULL },
        { "res_a -5", -EINVAL, NULL },
        { "res_a -0", -EINVAL, NULL },
        { "res_a ++5", -EINVAL, NULL },
        { "res_a +", -EINVAL, NULL },
        { "res_a + 5", -EINVAL, NULL },
        { "res_a 08", -EINVAL, NULL },
        { "res_a 09", -EINVAL, NULL },
        { "res_a 0x", -EINVAL, NULL },
        { "res_a 0xg", -EINVAL, NULL },
        { "res_a x10", -EINVAL, NULL },
        { "res_a 5x", -EINVAL, NULL },
        { "res_a 1.5", -EINVAL, NULL },
        { "res_a 1K", -EINVAL, NULL },
        { "res_a 1k", -EINVAL, NULL },
        { "res_a MAX", -EINVAL, NULL },
        { "res_a Max", -EINVAL, NULL },
        { "res_a maxx", -EINVAL, NULL },
        { "res_a ma", -EINVAL, NULL },                  /* no prefix test (that is rdma) */
        { "res_a max ", 0, "res_a max\n" },             /* trailing blank stripped */
        { "res_a  max", -EINVAL, NULL },
        { "res_a infinity", -EINVAL, NULL },
        { "res_a max\nres_b 1", -EINVAL, NULL },
        { "res_a 5 res_b 6", -EINVAL, NULL },           /* one write sets one resource */
        { "res_a 5\nres_a 6", -EINVAL, NULL },
        { "res_c 5", -EINVAL, NULL },                   /* unknown name */
        { "RES_A 5", -EINVAL, NULL },
        { "res_a5", -EINVAL, NULL },
        { "misc/res_a 5", -EINVAL, NULL },              /* files use the bare name */
        { "res_ 5", -EINVAL, NULL },
        { "res_a: 5", -EINVAL, NULL },
        { "res_a=5", -EINVAL, NULL },
        { " res_a", -EINVAL, NULL },
        { "res_a 18446744073709551616", -ERANGE, NULL },
        { "res_a 99999999999999999999999", -ERANGE, NULL },
        { "res_a 0x10000000000000000", -ERANGE, NULL },
        { "res_a 02000000000000000000000", -ERANGE, NULL },
        { "res_a +18446744073709551616", -ERANGE, NULL },
        { "res_c 99999999999999999999999", -EINVAL, NULL },     /* name before number */
        { "res_c -1", -EINVAL, NULL },
};

TEST(test_max_write_table) {
        for (size_t i = 0; i < sizeof(max_rows) / sizeof(max_rows[0]); i++) {
                const MaxRow *row = &max_rows[i];
                Fixture f = fixture();
                CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_a 3"), 0);
                int r = wr(&f, f.c, "misc.max", row->text);
                if (r != row->rc)
                        fprintf(stderr, "  row %zu: '%s' gave %d\n", i, row->text, r);
                CHECK_EQ_INT(r, row->rc);
                CHECK_FILE(f.e, f.c, "misc.max", row->after ? row->after : "res_a 3\n");
                /* Nothing else moved. */
                CHECK_FILE(f.e, f.p, "misc.max", "res_a max\n");
                CHECK_EQ_U64(pool(f.c, f.cb)->max, RC_MAX);
                rc_engine_free(f.e);
        }
}

/* 1.3 step 6: the capacity check comes after a successful parse. */
FIXTURE_TEST(test_max_write_parse_before_capacity) {
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_b 99999999999999999999999"), -ERANGE);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_b 18446744073709551616"), -ERANGE);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_b 5"), -EINVAL);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_b max"), -EINVAL);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_b 0"), -EINVAL);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_b abc"), -EINVAL);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_b"), -EINVAL);
        CHECK_EQ_U64(pool(f.c, f.cb)->max, RC_MAX);
        CHECK(!rc_group_has_limits(f.e, f.c));
        CHECK_FILE(f.e, f.c, "misc.max", "res_a max\n");

        /* Once available, the same writes go through. */
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.b, 1, NULL), 0);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_b 5"), 0);
        CHECK_FILE(f.e, f.c, "misc.max", "res_a max\nres_b 5\n");
}

/* 1.3/1.8: no check against usage when max is lowered. */
FIXTURE_TEST(test_max_below_usage) {
        rc_charge *ch = NULL;
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 5, &ch, NULL), 0);
        CHECK_EQ_INT(wr(&f, f.p, "misc.max", "res_a 2"), 0);
        CHECK_FILE(f.e, f.p, "misc.max", "res_a 2\n");
        CHECK_FILE(f.e, f.p, "misc.current", "res_a 5\n");
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 1, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.p && !ref.capacity);
        rc_charge_uncharge(f.e, ch, 3);
        check_usage(&f, 2, 2, 2, 0);
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 1, NULL, &ref), -EBUSY);    /* 3 > 2 */
        rc_charge_uncharge(f.e, ch, 1);
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 1, NULL, &ref), 0);         /* 2 <= 2 */
        check_usage(&f, 2, 2, 2, 0);
}

/* ---- files that do not exist, or cannot be written ---- */

FIXTURE_TEST(test_file_presence) {
        char *s = NULL;
        rc_err err = {{0}};

        /* root only / not on root (read and write) */
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "misc.max", &s, &err), -ENOENT);
        CHECK(err.msg[0] != 0);
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "misc.events", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "misc.events.local", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.c, "misc.capacity", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.p, "misc.capacity", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.o, "misc.capacity", &s, NULL), -ENOENT);
        CHECK_EQ_INT(wr(&f, f.root, "misc.max", "res_a 5"), -ENOENT);
        CHECK_EQ_INT(wr(&f, f.root, "misc.events", "res_a.max 0"), -ENOENT);
        CHECK_EQ_INT(wr(&f, f.c, "misc.capacity", "res_a 5"), -ENOENT);
        /* unknown files */
        CHECK_EQ_INT(rc_file_read(f.e, f.c, "misc.stat", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.c, "misc.maxx", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.c, "misc", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.c, "", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.c, NULL, &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.c, "MISC.MAX", &s, NULL), -ENOENT);
        CHECK_EQ_INT(wr(&f, f.c, "misc.limit", "res_a 5"), -ENOENT);
        CHECK(s == NULL);
        CHECK(rc_file_is_known("misc.events.local"));
        CHECK(!rc_file_is_known("misc.stat"));
        CHECK(!rc_file_is_known(NULL));

        /* read-only files */
        CHECK_EQ_INT(wr(&f, f.root, "misc.capacity", "res_a 5"), -EACCES);
        CHECK_EQ_INT(wr(&f, f.root, "misc.current", "res_a 5"), -EACCES);
        CHECK_EQ_INT(wr(&f, f.root, "misc.peak", ""), -EACCES);
        CHECK_EQ_INT(wr(&f, f.c, "misc.current", "res_a 5"), -EACCES);
        CHECK_EQ_INT(wr(&f, f.c, "misc.peak", "res_a 0"), -EACCES);    /* no reset */
        CHECK_EQ_INT(wr(&f, f.c, "misc.events", "res_a.max 0"), -EACCES);
        CHECK_EQ_INT(wr(&f, f.c, "misc.events.local", "res_a.max 0"), -EACCES);
        CHECK_FILE(f.e, f.root, "misc.capacity", "res_a 10\n");
        CHECK_FILE(f.e, f.c, "misc.max", "res_a max\n");

        /* misc.current and misc.peak exist on the root too */
        CHECK_FILES(f.e, f.root, "res_a 0\n", "misc.current", "misc.peak");
}

/* ---- 1.4 try-charge ---- */

/* The first level from the bottom fails, not the tightest. */
FIXTURE_TEST(test_first_failing_level) {
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_a 2"), 0);
        CHECK_EQ_INT(wr(&f, f.p, "misc.max", "res_a 1"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 3, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.c, 2, -1);
        CHECK_EQ_U64(EVENTS_LOCAL(f.c, f.ca), 1);
        check_events(f.p, f.ca, 0, 1);

        /* 2 passes C and fails at P. */
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 2, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.p, 1, -1);
        check_events(f.c, f.ca, 1, 1);
        check_events(f.p, f.ca, 1, 2);
        CHECK_FILE(f.e, f.c, "misc.events", "res_a.max 1\n");
        CHECK_FILE(f.e, f.p, "misc.events", "res_a.max 2\n");
        CHECK_FILE(f.e, f.p, "misc.events.local", "res_a.max 1\n");
        check_usage(&f, 0, 0, 0, 0);

        /* 1 fits both (the test is a strict '>'). */
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 1, NULL, &ref), 0);
        check_usage(&f, 1, 1, 1, 0);
}

/* Capacity is checked at every level: a middle level can be the first to
 * exceed it when it holds charges of its own. */
FIXTURE_TEST(test_capacity_middle_level) {
        CHECK_EQ_INT(charge(&f, f.p, f.ca, 4, NULL, NULL), 0);        /* held by P itself */
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 7, NULL, &ref), -EBUSY);   /* C 7, P 11 > 10 */
        check_refusal(&ref, f.p, 10, 1);
        check_usage(&f, 0, 4, 4, 0);
        check_events(f.p, f.ca, 1, 1);
        CHECK_EQ_U64(EVENTS(f.c, f.ca), 0);
        CHECK_EQ_U64(EVENTS_LOCAL(f.root, f.ca), 0);
        CHECK_FILE(f.e, f.c, "misc.peak", "res_a 0\n");
        CHECK_FILE(f.e, f.p, "misc.peak", "res_a 4\n");
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 6, NULL, &ref), 0);
        check_usage(&f, 6, 10, 10, 0);
}

/* Rollback and R4: after any failure every level's usage and peak are as
 * before the call, whichever level failed. */
FIXTURE_TEST(test_rollback_no_transient_peaks) {
        rc_group *cc = group(f.e, "p-c-d.slice");        /* a level below C */
        CHECK(cc && cc->parent == f.c);

        CHECK_EQ_INT(charge(&f, cc, f.ca, 1, NULL, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.o, f.ca, 2, NULL, NULL), 0);
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_a 3"), 0);
        CHECK_EQ_INT(wr(&f, f.p, "misc.max", "res_a 8"), 0);

        /* fails at C (two levels below it would have been raised) */
        CHECK_EQ_INT(charge(&f, cc, f.ca, 3, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.c);
        /* fails at P: cc and C would have been raised in the kernel */
        CHECK_EQ_INT(charge(&f, cc, f.ca, 2, NULL, &ref), 0);         /* cc 3, C 3, P 3 */
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_a max"), 0);
        CHECK_EQ_INT(charge(&f, cc, f.ca, 6, NULL, &ref), -EBUSY);    /* P 9 > 8 */
        CHECK(ref.limit_group == f.p);
        /* fails at the root: every level below would have been raised */
        CHECK_EQ_INT(charge(&f, cc, f.ca, 5, NULL, &ref), 0);         /* cc 8, P 8, root 10 */
        CHECK_EQ_INT(wr(&f, f.p, "misc.max", "res_a max"), 0);
        CHECK_EQ_INT(charge(&f, cc, f.ca, 1, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.root && ref.capacity);

        CHECK_EQ_U64(USAGE(cc, f.ca), 8);
        check_usage(&f, 8, 8, 10, 2);
        CHECK_EQ_U64(PEAK(cc, f.ca), 8);
        CHECK_EQ_U64(PEAK(f.c, f.ca), 8);
        CHECK_EQ_U64(PEAK(f.p, f.ca), 8);
        CHECK_EQ_U64(PEAK(f.root, f.ca), 10);
        CHECK_EQ_U64(PEAK(f.o, f.ca), 2);
        CHECK_FILE(f.e, cc, "misc.peak", "res_a 8\n");
        /* Events: C local 1, P local 1, root local 1; hierarchical sums. */
        check_events(cc, f.ca, 0, 0);
        check_events(f.c, f.ca, 1, 1);
        check_events(f.p, f.ca, 1, 2);
        check_events(f.root, f.ca, 1, 0);
        CHECK_EQ_U64(EVENTS(f.o, f.ca), 0);
}

/* R7: amount 0 is InvalidArgument, whatever the state; nothing changes. */
FIXTURE_TEST(test_amount_zero) {
        rc_charge *ch = (rc_charge *) 1;
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 0, &ch, NULL), -EINVAL);
        CHECK(ch == (rc_charge *) 1);
        CHECK_EQ_INT(charge(&f, f.c, f.cb, 0, NULL, NULL), -EINVAL);
        CHECK_EQ_INT(f.c->n_charges, 0);
        CHECK_EQ_INT(f.e->charges.n_entries, 0);
        /* even when a limit is at 0 or below usage: no events */
        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_a 0"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 0, NULL, NULL), -EINVAL);
        CHECK_EQ_U64(EVENTS_LOCAL(f.c, f.ca), 0);
        CHECK_FILE(f.e, f.c, "misc.events", "res_a.max 0\n");
        CHECK(rc_group_pool_peek(f.root, f.ca) == NULL || rc_group_pool_peek(f.root, f.ca)->usage == 0);
}

/* Capacity 0 (never available): -EINVAL before anything else, no events. */
FIXTURE_TEST(test_capacity_zero_charge) {
        CHECK_EQ_INT(charge(&f, f.c, f.cb, 1, NULL, &ref), -EINVAL);
        CHECK(ref.limit_group == NULL);
        CHECK_EQ_INT(charge(&f, f.root, f.cb, 1, NULL, NULL), -EINVAL);
        CHECK_EQ_U64(EVENTS(f.c, f.cb) + EVENTS_LOCAL(f.c, f.cb) + EVENTS(f.p, f.cb) + EVENTS_LOCAL(f.root, f.cb), 0);
        CHECK_EQ_U64(USAGE(f.root, f.cb), 0);
        CHECK_FILE(f.e, f.c, "misc.events", "res_a.max 0\n");
        CHECK_FILE(f.e, f.c, "misc.current", "res_a 0\n");
        CHECK_EQ_INT(f.e->charges.n_entries, 0);
}

/* Charges into the root: the root has no max, only the capacity. */
FIXTURE_TEST(test_root_charge) {
        CHECK_EQ_INT(charge(&f, f.root, f.ca, 10, NULL, NULL), 0);
        CHECK_FILE(f.e, f.root, "misc.current", "res_a 10\n");
        CHECK_FILE(f.e, f.c, "misc.current", "res_a 0\n");
        CHECK_EQ_INT(charge(&f, f.root, f.ca, 1, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.root && ref.capacity);
        check_events(f.root, f.ca, 1, 0);
}

/* ---- 1.5 uncharge, 1.7 peak ---- */

FIXTURE_TEST(test_uncharge_and_peak) {
        rc_charge *a = NULL, *b = NULL;

        CHECK_EQ_INT(charge(&f, f.c, f.ca, 6, &a, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.o, f.ca, 2, &b, NULL), 0);
        CHECK_EQ_U64(PEAK(f.root, f.ca), 8);
        rc_charge_uncharge(f.e, a, 2);
        CHECK_EQ_U64(a->amount, 4);
        check_usage(&f, 4, 4, 6, 2);
        rc_charge_uncharge(f.e, a, 100);        /* more than it holds: all of it */
        check_usage(&f, 0, 0, 2, 2);
        CHECK(rc_charge_find(f.e, 1) == NULL);
        CHECK(rc_charge_find(f.e, 2) == b);
        check_peaks(&f, 6, 6, 8);
        CHECK_FILE(f.e, f.o, "misc.peak", "res_a 2\n");
        /* A smaller charge does not lower the peak; a bigger one raises it. */
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 3, NULL, NULL), 0);
        CHECK_FILE(f.e, f.c, "misc.peak", "res_a 6\n");
        CHECK_EQ_INT(charge(&f, f.c, f.ca, 4, NULL, NULL), 0);
        CHECK_FILE(f.e, f.c, "misc.peak", "res_a 7\n");
        CHECK_FILES(f.e, f.root, "res_a 9\n", "misc.peak", "misc.current");
}

/* ---- 1.6 events ---- */

FIXTURE_TEST(test_events_hierarchy) {
        rc_group *d = group(f.e, "p-c-d.slice");
        CHECK(d);

        CHECK_EQ_INT(wr(&f, f.c, "misc.max", "res_a 1"), 0);
        CHECK_EQ_INT(wr(&f, f.o, "misc.max", "res_a 0"), 0);
        /* Asked in D, refused by C: D sees nothing. */
        CHECK_EQ_INT(charge(&f, d, f.ca, 2, NULL, NULL), -EBUSY);
        CHECK_EQ_INT(charge(&f, d, f.ca, 2, NULL, NULL), -EBUSY);
        CHECK_FILES(f.e, d, "res_a.max 0\n", "misc.events", "misc.events.local");
        CHECK_FILES(f.e, f.c, "res_a.max 2\n", "misc.events", "misc.events.local");
        CHECK_FILE(f.e, f.p, "misc.events", "res_a.max 2\n");
        CHECK_FILE(f.e, f.p, "misc.events.local", "res_a.max 0\n");
        /* O's refusals stay in O. */
        CHECK_EQ_INT(charge(&f, f.o, f.ca, 1, NULL, NULL), -EBUSY);
        CHECK_FILES(f.e, f.o, "res_a.max 1\n", "misc.events", "misc.events.local");
        CHECK_FILE(f.e, f.p, "misc.events", "res_a.max 2\n");
        check_events(f.root, f.ca, 0, 0);
        /* Events are per resource. */
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.b, 5, NULL), 0);
        CHECK_FILE(f.e, f.c, "misc.events", "res_a.max 2\nres_b.max 0\n");
        CHECK_EQ_INT(charge(&f, d, f.cb, 6, NULL, NULL), -EBUSY);      /* capacity at D */
        CHECK_FILES(f.e, d, "res_a.max 0\nres_b.max 1\n", "misc.events", "misc.events.local");
        CHECK_FILE(f.e, f.c, "misc.events", "res_a.max 2\nres_b.max 1\n");
        CHECK_FILE(f.e, f.c, "misc.events.local", "res_a.max 2\nres_b.max 0\n");
        CHECK_FILE(f.e, f.p, "misc.events", "res_a.max 2\nres_b.max 1\n");
        /* Successful charges count nothing. */
        CHECK_EQ_INT(charge(&f, d, f.ca, 1, NULL, NULL), 0);
        CHECK_FILE(f.e, f.c, "misc.events", "res_a.max 2\nres_b.max 1\n");
}

/* The hierarchical counting alone (rc_counter_try_charge) refuses and
 * counts as rc_charge_new does. */
FIXTURE_TEST(test_counter_try_charge) {
        CHECK_EQ_INT(wr(&f, f.p, "misc.max", "res_a 4"), 0);
        CHECK_EQ_INT(rc_counter_try_charge(f.e, f.c, f.ca, 3, &ref), 0);
        check_usage(&f, 3, 3, 3, 0);
        CHECK_EQ_INT(rc_counter_try_charge(f.e, f.c, f.ca, 2, &ref), -EBUSY);
        CHECK(ref.limit_group == f.p);
        check_usage(&f, 3, 3, 3, 0);
        CHECK_EQ_U64(PEAK(f.c, f.ca), 3);
        CHECK_EQ_U64(EVENTS_LOCAL(f.p, f.ca), 1);
        rc_counter_uncharge(f.e, f.c, f.ca, 3);
        check_usage(&f, 0, 0, 0, 0);
        CHECK_EQ_U64(PEAK(f.root, f.ca), 3);
}

int main(void) {
        RUN(test_misc_01_charge_success);
        RUN(test_misc_02_middle_ancestor);
        RUN(test_misc_03_own_max);
        RUN(test_misc_05_capacity_below_max);
        RUN(test_misc_06_root_level_capacity);
        RUN(test_misc_07_peak_survives_uncharge);
        RUN(test_misc_08_capacity_below_usage);
        RUN(test_misc_09_capacity_zero);
        RUN(test_misc_10_max_round_trip);
        RUN(test_fresh_reads);
        RUN(test_no_resources);
        RUN(test_table_order);
        RUN(test_listing_capacity_zero);
        RUN(test_max_write_table);
        RUN(test_max_write_parse_before_capacity);
        RUN(test_max_below_usage);
        RUN(test_file_presence);
        RUN(test_first_failing_level);
        RUN(test_capacity_middle_level);
        RUN(test_rollback_no_transient_peaks);
        RUN(test_amount_zero);
        RUN(test_capacity_zero_charge);
        RUN(test_root_charge);
        RUN(test_uncharge_and_peak);
        RUN(test_events_hierarchy);
        RUN(test_counter_try_charge);
        return TEST_EXIT();
}
