/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The rdma controller: files, rdma.max writes, try-charge of N objects as N
 * single charges, events, device register/unregister (kernel-semantics.md
 * section 2, R7, R8, R13 and the worked cases of 6.2). The kernel's -EAGAIN
 * is the engine's -EBUSY (both are LimitExceeded, R6). */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "test-engine.h"

#define MLX4_MAX "mlx4_0 hca_handle=max hca_object=max \n"
#define MLX4_ZERO "mlx4_0 hca_handle=0 hca_object=0 \n"

typedef struct Fixture {
        rc_engine *e;
        rc_resource *m5, *m4;
        rc_counter *h5, *o5, *h4, *o4;
        rc_group *root, *p, *c, *o;
} Fixture;

/* Section 6 rdma fixture: mlx5_0 then mlx4_0; root -> P -> C, root -> O. */
static Fixture fixture(void) {
        Fixture f = { .e = engine_new() };
        resources(f.e, { "rdma/mlx5_0", RC_MAX, &f.m5 }, { "rdma/mlx4_0", RC_MAX, &f.m4 });
        counters(f.e, { "rdma/mlx5_0/hca_handle", &f.h5 }, { "rdma/mlx5_0/hca_object", &f.o5 },
                 { "rdma/mlx4_0/hca_handle", &f.h4 }, { "rdma/mlx4_0/hca_object", &f.o4 });
        tree(f.e, &f.root, &f.p, &f.c, "o.slice", &f.o);
        return f;
}

static const rc_pool *pool(const rc_group *g, const rc_counter *c) {
        static const rc_pool none = { .max = RC_S32_MAX };
        return pool_or(g, c, &none);
}
#define USAGE(g, c) (pool((g), (c))->usage)
#define MAXV(g, c) (pool((g), (c))->max)
#define EVENTS(g, c) (pool((g), (c))->events)
#define EVENTS_LOCAL(g, c) (pool((g), (c))->events_local)

static int charge(Fixture *f, rc_group *g, rc_counter *c, uint64_t n, rc_charge **ret, rc_refusal *refusal) {
        return charge_new(f->e, g, c, n, ret, refusal);
}

static int wr(Fixture *f, rc_group *g, const char *text) {
        return file_write(f->e, g, "rdma.max", text);
}

/* rdma.max of C, then of P. */
static void wr_cp(Fixture *f, const char *c, const char *p) {
        CHECK_EQ_INT(wr(f, f->c, c), 0);
        CHECK_EQ_INT(wr(f, f->p, p), 0);
}

static void check_h5(Fixture *f, uint64_t c, uint64_t p, uint64_t root) {
        CHECK_EQ_U64(USAGE(f->c, f->h5), c);
        CHECK_EQ_U64(USAGE(f->p, f->h5), p);
        CHECK_EQ_U64(USAGE(f->root, f->h5), root);
}

/* ---- 6.2 worked cases ---- */

FIXTURE_TEST(test_rdma_01_fresh_reads) {
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=max hca_object=max \n" MLX4_MAX);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=0 hca_object=0 \n" MLX4_ZERO);
        CHECK_FILE(f.e, f.p, "rdma.max", "mlx5_0 hca_handle=max hca_object=max \n" MLX4_MAX);
        CHECK_FILE(f.e, f.o, "rdma.current", "mlx5_0 hca_handle=0 hca_object=0 \n" MLX4_ZERO);

        char *s = NULL;
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "rdma.max", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "rdma.current", &s, NULL), -ENOENT);
        CHECK(s == NULL);
        CHECK_EQ_INT(wr(&f, f.root, "mlx5_0 hca_handle=1"), -ENOENT);
        CHECK_EQ_INT(rc_file_write(f.e, f.root, "rdma.current", "mlx5_0 hca_handle=1", NULL), -ENOENT);
        /* rdma.current is read-only */
        CHECK_EQ_INT(rc_file_write(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=1", NULL), -EACCES);
        CHECK_EQ_INT(rc_file_read(f.e, f.c, "rdma.events", &s, NULL), -ENOENT);    /* not mainline (2.8) */
        CHECK_EQ_INT(rc_file_read(f.e, f.c, "rdma.peak", &s, NULL), -ENOENT);
        CHECK(s == NULL);
        /* reads make no pools */
        CHECK(rc_group_pool_peek(f.c, f.h5) == NULL);
}

FIXTURE_TEST(test_rdma_02_multi_resource_line) {
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=2 hca_object=2000"), 0);
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=2 hca_object=2000 \n" MLX4_MAX);
        CHECK_FILE(f.e, f.p, "rdma.max", "mlx5_0 hca_handle=max hca_object=max \n" MLX4_MAX);
        CHECK_EQ_U64(MAXV(f.c, f.h5), 2);
        CHECK_EQ_U64(MAXV(f.c, f.o5), 2000);
        CHECK(rc_group_has_limits(f.e, f.c));
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=0 hca_object=0 \n" MLX4_ZERO);
}

FIXTURE_TEST(test_rdma_04_charge_to_limit) {
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=2"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 1, NULL, &ref), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 1, NULL, &ref), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 1, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.c, 2, 0);

        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=2 hca_object=0 \n" MLX4_ZERO);
        CHECK_FILE(f.e, f.p, "rdma.current", "mlx5_0 hca_handle=2 hca_object=0 \n" MLX4_ZERO);
        CHECK_FILE(f.e, f.o, "rdma.current", "mlx5_0 hca_handle=0 hca_object=0 \n" MLX4_ZERO);
        /* pools up to the root */
        CHECK(rc_group_pool_peek(f.c, f.h5) && rc_group_pool_peek(f.p, f.h5) && rc_group_pool_peek(f.root, f.h5));
        check_h5(&f, 2, 2, 2);
        CHECK_EQ_U64(USAGE(f.root, f.o5), 0);
        /* R8 */
        check_events(f.c, f.h5, 1, 1);
        check_events(f.p, f.h5, 0, 1);
        CHECK_EQ_U64(EVENTS(f.root, f.h5), 0);
        CHECK_EQ_U64(EVENTS(f.c, f.o5), 0);
}

FIXTURE_TEST(test_rdma_05_middle_ancestor) {
        rc_charge *ch = NULL;

        CHECK_EQ_INT(wr(&f, f.p, "mlx5_0 hca_object=1"), 0);
        CHECK(rc_group_pool_peek(f.c, f.o5) == NULL);
        CHECK_EQ_INT(charge(&f, f.c, f.o5, 1, &ch, &ref), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.o5, 1, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.p, 1, -1);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=0 hca_object=1 \n" MLX4_ZERO);
        CHECK_FILE(f.e, f.p, "rdma.current", "mlx5_0 hca_handle=0 hca_object=1 \n" MLX4_ZERO);
        CHECK_EQ_U64(USAGE(f.root, f.o5), 1);
        check_events(f.p, f.o5, 1, 1);
        CHECK_EQ_U64(EVENTS(f.c, f.o5), 0);

        rc_charge_uncharge(f.e, ch, 0);
        CHECK_EQ_U64(USAGE(f.c, f.o5), 0);
        CHECK_EQ_U64(USAGE(f.p, f.o5), 0);
        CHECK_EQ_U64(USAGE(f.root, f.o5), 0);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=0 hca_object=0 \n" MLX4_ZERO);
        CHECK_FILE(f.e, f.p, "rdma.max", "mlx5_0 hca_handle=max hca_object=1 \n" MLX4_MAX);
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=max hca_object=max \n" MLX4_MAX);
        CHECK(!rc_group_has_limits(f.e, f.c));
}

typedef struct MaxRow {
        const char *text;
        int rc;
        const char *handle;     /* hca_handle shown afterwards */
} MaxRow;

static const MaxRow rdma_07_rows[] = {
        { "mlx5_0 hca_handle=-1", -EINVAL, "3" },
        { "mlx5_0 hca_handle", -EINVAL, "3" },
        { "mlx5_0 foo=1", -EINVAL, "3" },
        { "mlx5_0  hca_handle=1", -EINVAL, "3" },
        { "mlx5_0 hca_handle=1  hca_object=1", -EINVAL, "3" },
        { "mlx5_0 hca_handle=maxx", -EINVAL, "3" },
        { "mlx5_0 hca_handle=MAX", -EINVAL, "3" },
        { "mlx5_0 hca_handle=+5", -EINVAL, "3" },
        { "mlx5_0 hca_handle=2147483648", -EINVAL, "3" },
        { "mlx9 hca_handle=1", -ENODEV, "3" },
        { "mlx9 hca_handle=-1", -EINVAL, "3" },
        { "mlx5_0 hca_handle=5abc", 0, "5" },
        { "mlx5_0 hca_handle=0x10", 0, "16" },
        { "mlx5_0 hca_handle=010", 0, "8" },
        { "mlx5_0 hca_handle=-0", 0, "0" },
        { "mlx5_0 hca_handle=1 hca_handle=4", 0, "4" },
        { "mlx5_0 hca_handle=", 0, "max" },
        { "mlx5_0 hca_handle=ma", 0, "max" },
        { "mlx5_0 hca_handle=2147483647", 0, "max" },
        { "mlx5_0", 0, "3" },
};

/* More of 2.3, each with the exact errno. */
static const MaxRow more_rows[] = {
        { "mlx5_0 hca_handle=7", 0, "7" },
        { "  mlx5_0 hca_handle=7 \n", 0, "7" },         /* strstrip() both ends */
        { "mlx5_0 ", 0, "3" },
        { "mlx5_0\n", 0, "3" },
        { "mlx5_0 hca_handle=max", 0, "max" },
        { "mlx5_0 hca_handle=m", 0, "max" },
        { "mlx5_0 hca_handle=0", 0, "0" },
        { "mlx5_0 hca_handle=2147483646", 0, "2147483646" },
        { "mlx5_0 hca_handle=0x7fffffff", 0, "max" },
        { "mlx5_0 hca_handle=0x", 0, "0" },             /* octal 0, then garbage */
        { "mlx5_0 hca_handle=08", 0, "0" },
        { "mlx5_0 hca_handle=1=2", 0, "1" },
        { "mlx5_0 hca_handle=9\tx", 0, "9" },
        { "mlx5_0 hca_object=5", 0, "3" },              /* the other kind only */
        { "mlx5_0 hca_object=5 hca_handle=6", 0, "6" },
        /* extra lines are not split: the second line's token lands on mlx5_0 */
        { "mlx5_0 hca_handle=1\nmlx4_0 hca_handle=2", 0, "2" },
        { "mlx4_0 hca_handle=1", 0, "3" },              /* one write, one device */
        { "mlx5_0 hca_handle=-2147483648", -EINVAL, "3" },
        { "mlx5_0 hca_handle=-0x10", -EINVAL, "3" },
        { "mlx5_0 hca_handle=4294967297", -EINVAL, "3" },
        { "mlx5_0 hca_handle=abc", -EINVAL, "3" },
        { "mlx5_0 hca_handle=max ", 0, "max" },         /* trailing blank stripped */
        { "mlx5_0 hca_handle=max5", -EINVAL, "3" },
        { "mlx5_0 hca_handle=Max", -EINVAL, "3" },
        { "mlx5_0 hca_handle= 5", -EINVAL, "3" },       /* "5" has no '=' */
        { "mlx5_0 hca_handle=1 ", 0, "1" },
        { "mlx5_0 hca_handle=1 foo", -EINVAL, "3" },
        { "mlx5_0 hca_handle=1 hca_object", -EINVAL, "3" },
        { "mlx5_0 hca_handle=1 hca_object=-1", -EINVAL, "3" },
        { "mlx5_0 =1", -EINVAL, "3" },
        { "mlx5_0 HCA_HANDLE=1", -EINVAL, "3" },
        { "mlx5_0 hca_handles=1", -EINVAL, "3" },
        { "mlx5_0 hca=1", -EINVAL, "3" },
        { "mlx5_0 hca_handle:1", -EINVAL, "3" },
        { "mlx5_0\thca_handle=1", -ENODEV, "3" },       /* tab is no separator: one device name */
        { "mlx5_0\nhca_handle=1", -ENODEV, "3" },
        { "", -ENODEV, "3" },                           /* the empty device name */
        { "mlx9", -ENODEV, "3" },
        { "MLX5_0 hca_handle=1", -ENODEV, "3" },
        { "rdma/mlx5_0 hca_handle=1", -ENODEV, "3" },   /* files use the bare device name */
        { "mlx5 hca_handle=1", -ENODEV, "3" },
        { "mlx9 foo=1", -EINVAL, "3" },                 /* parse before device lookup */
        { "mlx9 hca_handle=maxx", -EINVAL, "3" },
        { "mlx9  hca_handle=1", -EINVAL, "3" },
        { "mlx9 hca_handle", -EINVAL, "3" },
};

static void run_rows(const MaxRow *rows, size_t n) {
        for (size_t i = 0; i < n; i++) {
                const MaxRow *row = &rows[i];
                Fixture f = fixture();
                CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=3"), 0);
                CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=3 hca_object=max \n" MLX4_MAX);
                int r = wr(&f, f.c, row->text);
                if (r != row->rc)
                        fprintf(stderr, "  row %zu: '%s' gave %d\n", i, row->text, r);
                CHECK_EQ_INT(r, row->rc);
                char *s = NULL;
                CHECK_EQ_INT(rc_file_read(f.e, f.c, "rdma.max", &s, NULL), 0);
                char prefix[64];
                snprintf(prefix, sizeof(prefix), "mlx5_0 hca_handle=%s hca_object=", row->handle);
                if (!s || strncmp(s, prefix, strlen(prefix)) != 0)
                        fprintf(stderr, "  row %zu: '%s' reads '%s'\n", i, row->text, s ? s : "(null)");
                CHECK(s && strncmp(s, prefix, strlen(prefix)) == 0);
                /* a failed write changes nothing at all */
                if (row->rc != 0)
                        CHECK_EQ_STR(s, "mlx5_0 hca_handle=3 hca_object=max \n" MLX4_MAX);
                free(s);
                rc_engine_free(f.e);
        }
}

TEST(test_rdma_07_parse) {
        run_rows(rdma_07_rows, sizeof(rdma_07_rows) / sizeof(rdma_07_rows[0]));
}

TEST(test_max_write_more) {
        run_rows(more_rows, sizeof(more_rows) / sizeof(more_rows[0]));
}

/* Which lines the quirky rows leave behind, whole. */
FIXTURE_TEST(test_max_write_whole_lines) {
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=3 hca_object=4"), 0);
        /* partial writes keep the other kind */
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_object=max"), 0);
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=3 hca_object=max \n" MLX4_MAX);
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_object=9"), 0);
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=3 hca_object=9 \n" MLX4_MAX);
        CHECK_EQ_INT(wr(&f, f.c, "mlx4_0 hca_object=1"), 0);
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=3 hca_object=9 \nmlx4_0 hca_handle=max hca_object=1 \n");
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=1\nmlx4_0 hca_handle=2"), 0);
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=2 hca_object=9 \nmlx4_0 hca_handle=max hca_object=1 \n");
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0"), 0);
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=2 hca_object=9 \nmlx4_0 hca_handle=max hca_object=1 \n");
        /* P and O are untouched */
        CHECK_FILE(f.e, f.p, "rdma.max", "mlx5_0 hca_handle=max hca_object=max \n" MLX4_MAX);
        CHECK_FILE(f.e, f.o, "rdma.max", "mlx5_0 hca_handle=max hca_object=max \n" MLX4_MAX);
        /* back to max everywhere: no limits left */
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=max hca_object=2147483647"), 0);
        CHECK_EQ_INT(wr(&f, f.c, "mlx4_0 hca_object="), 0);
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=max hca_object=max \n" MLX4_MAX);
        CHECK(!rc_group_has_limits(f.e, f.c));
}

/* "mlx5_0" alone and max-only writes leave a fresh group holding nothing. */
FIXTURE_TEST(test_max_write_fresh_group) {
        rc_group *g = NULL;
        CHECK_EQ_INT(rc_group_get(f.e, "vm42.scope", NULL, &g, NULL), 0);
        CHECK_FILE(f.e, g, "rdma.max", "mlx5_0 hca_handle=max hca_object=max \n" MLX4_MAX);
        CHECK_EQ_INT(wr(&f, g, "mlx5_0"), 0);
        CHECK(rc_group_find(f.e, "vm42.scope") == NULL);
        CHECK_EQ_INT(rc_group_get(f.e, "vm42.scope", NULL, &g, NULL), 0);
        CHECK_EQ_INT(wr(&f, g, "mlx5_0 hca_handle=max"), 0);
        CHECK(rc_group_find(f.e, "vm42.scope") == NULL);
        CHECK_EQ_INT(rc_group_get(f.e, "vm42.scope", NULL, &g, NULL), 0);
        CHECK_EQ_INT(wr(&f, g, "mlx5_0 hca_handle=5"), 0);
        CHECK(rc_group_find(f.e, "vm42.scope") == g);
        CHECK_FILE(f.e, g, "rdma.max", "mlx5_0 hca_handle=5 hca_object=max \n" MLX4_MAX);
}

/* ---- files ---- */

TEST(test_no_devices) {
        rc_engine *e = engine_new();
        rc_group *c = group(e, "p-c.slice");
        CHECK_FILE(e, c, "rdma.max", "");
        CHECK_FILE(e, c, "rdma.current", "");
        CHECK_EQ_INT(rc_file_write(e, c, "rdma.max", "mlx5_0 hca_handle=1", NULL), -ENODEV);
        CHECK_EQ_INT(rc_file_write(e, c, "rdma.max", "mlx5_0 foo", NULL), -EINVAL);
        /* misc and dmem resources are not rdma devices */
        CHECK_EQ_INT(rc_resource_register(e, "sev", 5, NULL, NULL, NULL), 0);
        CHECK_EQ_INT(rc_resource_register(e, "dmem/vram0", 5, NULL, NULL, NULL), 0);
        CHECK_FILE(e, c, "rdma.max", "");
        CHECK_EQ_INT(rc_file_write(e, c, "rdma.max", "sev hca_handle=1", NULL), -ENODEV);
        rc_engine_free(e);
}

/* S32_MAX prints as "max" in both files: a usage of S32_MAX too. */
FIXTURE_TEST(test_s32_max_prints_max) {
        CHECK_EQ_INT(charge(&f, f.c, f.h5, RC_S32_MAX - 1, NULL, &ref), 0);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=2147483646 hca_object=0 \n" MLX4_ZERO);
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 1, NULL, &ref), 0);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=max hca_object=0 \n" MLX4_ZERO);
        /* The default limit is S32_MAX: the next object fails at C. */
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 1, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.c, RC_S32_MAX, -1);
        CHECK_EQ_U64(USAGE(f.c, f.h5), RC_S32_MAX);
}

/* ---- 2.4 try-charge, R7: N objects are N single charges ---- */

/* C headroom 2, P headroom 1: a bulk check of 3 would stop at C, but the
 * second single charge already fails at P. */
FIXTURE_TEST(test_charge_n_singles_fail_above) {
        wr_cp(&f, "mlx5_0 hca_handle=2", "mlx5_0 hca_handle=1");

        CHECK_EQ_INT(charge(&f, f.c, f.h5, 3, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.p, 1, 0);
        check_h5(&f, 0, 0, 0);
        /* one failed single charge: one event, at P */
        check_events(f.p, f.h5, 1, 1);
        check_events(f.c, f.h5, 0, 0);
        check_events(f.root, f.h5, 0, 0);
        CHECK_EQ_INT(f.e->charges.n_entries, 0);
        /* R4: the first single charge was rolled back, it leaves no peak */
        CHECK_EQ_U64(pool(f.c, f.h5)->peak, 0);
        CHECK_EQ_U64(pool(f.p, f.h5)->peak, 0);
        CHECK_EQ_U64(pool(f.root, f.h5)->peak, 0);

        CHECK_EQ_INT(charge(&f, f.c, f.h5, 2, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.p);
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 1, NULL, &ref), 0);
        check_h5(&f, 1, 1, 1);
        /* now both are full; the lowest full level refuses */
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 1, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.p);
        CHECK_EQ_U64(EVENTS_LOCAL(f.p, f.h5), 3);
        CHECK_EQ_U64(EVENTS_LOCAL(f.c, f.h5), 0);
}

/* Equal headroom: the lowest level with the smallest headroom refuses. */
FIXTURE_TEST(test_charge_n_singles_equal_headroom) {
        wr_cp(&f, "mlx5_0 hca_object=1", "mlx5_0 hca_object=1");
        CHECK_EQ_INT(charge(&f, f.c, f.o5, 2, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.c);
        check_events(f.c, f.o5, 1, 1);
        check_events(f.p, f.o5, 0, 1);
}

/* Headroom counts the usage already held at each level, including charges
 * P holds itself: C room 3, P room 2. */
FIXTURE_TEST(test_charge_n_singles_with_usage) {
        wr_cp(&f, "mlx5_0 hca_handle=5", "mlx5_0 hca_handle=6");
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 2, NULL, &ref), 0);        /* C room 3, P room 4 */
        CHECK_EQ_INT(charge(&f, f.p, f.h5, 2, NULL, &ref), 0);        /* C room 3, P room 2 */
        check_h5(&f, 2, 4, 4);
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 3, NULL, &ref), -EBUSY);   /* bulk: fits C, fails P */
        CHECK(ref.limit_group == f.p);
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 2, NULL, &ref), 0);
        check_h5(&f, 4, 6, 6);
        CHECK_EQ_INT(charge(&f, f.o, f.h5, 100, NULL, &ref), 0);      /* O is not under P */
        CHECK_EQ_U64(USAGE(f.root, f.h5), 106);
        /* a limit below usage: room 0, the next object fails there */
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=1"), 0);
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx5_0 hca_handle=1 hca_object=max \n" MLX4_MAX);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=4 hca_object=0 \n" MLX4_ZERO);
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 1, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.c);
}

/* A successful charge of N: one record, N objects at every level. */
FIXTURE_TEST(test_charge_n_success_and_uncharge) {
        rc_charge *ch = NULL;
        CHECK_EQ_INT(wr(&f, f.p, "mlx5_0 hca_object=10"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.o5, 10, &ch, NULL), 0);
        CHECK(ch && ch->amount == 10);
        CHECK_EQ_INT(f.e->charges.n_entries, 1);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=0 hca_object=10 \n" MLX4_ZERO);
        CHECK_FILE(f.e, f.p, "rdma.current", "mlx5_0 hca_handle=0 hca_object=10 \n" MLX4_ZERO);
        CHECK_EQ_U64(USAGE(f.root, f.o5), 10);
        rc_charge_uncharge(f.e, ch, 4);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=0 hca_object=6 \n" MLX4_ZERO);
        CHECK_EQ_U64(USAGE(f.root, f.o5), 6);
        CHECK_EQ_INT(charge(&f, f.c, f.o5, 4, NULL, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.o5, 1, NULL, NULL), -EBUSY);
        rc_charge_uncharge(f.e, ch, 0);
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx5_0 hca_handle=0 hca_object=4 \n" MLX4_ZERO);
        /* kinds and devices are counted apart */
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 3, NULL, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.o4, 2, NULL, NULL), 0);
        CHECK_FILE(f.e, f.c, "rdma.current",
                   "mlx5_0 hca_handle=3 hca_object=4 \nmlx4_0 hca_handle=0 hca_object=2 \n");
        CHECK_FILE(f.e, f.o, "rdma.current", "mlx5_0 hca_handle=0 hca_object=0 \n" MLX4_ZERO);
}

/* R7: 0 objects is InvalidArgument; unknown devices are NoSuchResource. */
FIXTURE_TEST(test_charge_invalid) {
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 0, NULL, NULL), -EINVAL);
        CHECK_EQ_INT(f.e->charges.n_entries, 0);
        CHECK_EQ_U64(USAGE(f.root, f.h5), 0);
        rc_counter *c = NULL;
        CHECK_EQ_INT(rc_counter_find(f.e, "rdma/mlx9/hca_handle", &c, NULL), -ENODEV);
        CHECK_EQ_INT(rc_counter_find(f.e, "rdma/mlx5_0", &c, NULL), -EINVAL);  /* a kind is needed */
        CHECK_EQ_INT(rc_counter_find(f.e, "rdma/mlx5_0/foo", &c, NULL), -EINVAL);
        CHECK(c == NULL);
        /* rdma has no capacity (reported as max) */
        CHECK_EQ_U64(f.m5->capacity, RC_MAX);
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.m5, 5, NULL), -EINVAL);
        CHECK_EQ_INT(rc_resource_register(f.e, "rdma/mlx5_0", 5, NULL, NULL, NULL), -EINVAL);
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.m5, RC_MAX, NULL), 0);
        CHECK_EQ_U64(f.m5->capacity, RC_MAX);
}

/* R8 for rdma: the same rule as misc, per kind. */
FIXTURE_TEST(test_events) {
        rc_group *d = group(f.e, "p-c-d.slice");
        CHECK(d);
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=0"), 0);
        CHECK_EQ_INT(wr(&f, f.o, "mlx5_0 hca_handle=0"), 0);
        CHECK_EQ_INT(charge(&f, d, f.h5, 1, NULL, NULL), -EBUSY);
        CHECK_EQ_INT(charge(&f, d, f.h5, 5, NULL, NULL), -EBUSY);
        CHECK_EQ_INT(charge(&f, f.o, f.h5, 1, NULL, NULL), -EBUSY);
        check_events(d, f.h5, 0, 0);
        check_events(f.c, f.h5, 2, 2);
        check_events(f.p, f.h5, 0, 2);
        check_events(f.o, f.h5, 1, 1);
        check_events(f.root, f.h5, 0, 0);
        CHECK_EQ_U64(EVENTS(f.c, f.o5), 0);
        CHECK_EQ_U64(EVENTS(f.c, f.h4), 0);
        /* the other kind still charges */
        CHECK_EQ_INT(charge(&f, d, f.o5, 1, NULL, NULL), 0);
        CHECK_EQ_U64(EVENTS(f.c, f.o5), 0);
}

/* ---- 2.7, R13: devices come and go ---- */

static unsigned n_released;

static void on_release(rc_charge *ch, void *userdata) {
        n_released++;
        CHECK(userdata == &n_released);
        CHECK(ch->counter->resource->controller == RC_RDMA);
        CHECK_EQ_STR(ch->counter->resource->name, "mlx5_0");
}

FIXTURE_TEST(test_unregister) {
        rc_charge *a = NULL, *b = NULL, *keep = NULL;
        rc_group *vm = NULL;
        CHECK_EQ_INT(rc_group_get(f.e, "vm42.scope", NULL, &vm, NULL), 0);

        /* a group held only by a limit on mlx5_0 */
        rc_group *lim = NULL;
        CHECK_EQ_INT(rc_group_get(f.e, "lim.slice", NULL, &lim, NULL), 0);
        CHECK_EQ_INT(wr(&f, lim, "mlx5_0 hca_object=1"), 0);
        CHECK(rc_group_find(f.e, "lim.slice") == lim);

        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=5 hca_object=6"), 0);
        CHECK_EQ_INT(wr(&f, f.c, "mlx4_0 hca_handle=7"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.h5, 2, &a, NULL), 0);
        CHECK_EQ_INT(charge(&f, vm, f.o5, 3, &b, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.h4, 1, &keep, NULL), 0);
        uint64_t ida = a->id, idb = b->id, idk = keep->id;

        n_released = 0;
        rc_resource_unregister(f.e, f.m5, on_release, &n_released);
        f.m5 = NULL;
        CHECK_EQ_INT(n_released, 2);
        CHECK(rc_charge_find(f.e, ida) == NULL);
        CHECK(rc_charge_find(f.e, idb) == NULL);
        CHECK(rc_charge_find(f.e, idk) == keep);
        CHECK_EQ_INT(f.e->charges.n_entries, 1);
        /* vm42.scope held nothing else: forgotten, with system.slice */
        CHECK(rc_group_find(f.e, "vm42.scope") == NULL);
        CHECK(rc_group_find(f.e, "system.slice") == NULL);
        /* its limit went with the device, and so did lim.slice */
        CHECK(rc_group_find(f.e, "lim.slice") == NULL);
        CHECK(rc_group_find(f.e, "p-c.slice") == f.c);

        CHECK_FILE(f.e, f.c, "rdma.max", "mlx4_0 hca_handle=7 hca_object=max \n");
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx4_0 hca_handle=1 hca_object=0 \n");
        CHECK_FILE(f.e, f.p, "rdma.current", "mlx4_0 hca_handle=1 hca_object=0 \n");
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=1"), -ENODEV);
        CHECK_EQ_INT(wr(&f, f.c, "mlx5_0 hca_handle=x"), -EINVAL);
        rc_counter *c = NULL;
        CHECK_EQ_INT(rc_counter_find(f.e, "rdma/mlx5_0/hca_handle", &c, NULL), -ENODEV);
        rc_resource *r = NULL;
        CHECK_EQ_INT(rc_resource_lookup(f.e, "rdma/mlx5_0", &r, NULL), -ENODEV);

        /* Re-registered: appended, with defaults. */
        bool created = false;
        CHECK_EQ_INT(rc_resource_register(f.e, "rdma/mlx5_0", RC_MAX, &f.m5, &created, NULL), 0);
        CHECK(created);
        CHECK_FILE(f.e, f.c, "rdma.max", "mlx4_0 hca_handle=7 hca_object=max \nmlx5_0 hca_handle=max hca_object=max \n");
        CHECK_FILE(f.e, f.c, "rdma.current", "mlx4_0 hca_handle=1 hca_object=0 \nmlx5_0 hca_handle=0 hca_object=0 \n");
        CHECK_EQ_INT(rc_counter_find(f.e, "rdma/mlx5_0/hca_handle", &c, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.c, c, 6, NULL, NULL), 0);    /* the old 5 is gone */
        CHECK_EQ_U64(USAGE(f.root, c), 6);

        /* Unregistering the last device: files read "". */
        n_released = 0;
        rc_resource_unregister(f.e, f.m4, NULL, NULL);
        rc_resource_unregister(f.e, f.m5, NULL, NULL);
        CHECK_FILE(f.e, f.c, "rdma.max", "");
        CHECK_FILE(f.e, f.c, "rdma.current", "");
        CHECK_EQ_INT(f.e->charges.n_entries, 0);
        CHECK_EQ_INT(n_released, 0);
}

/* A device registered later is appended and shows in every group. */
FIXTURE_TEST(test_register_order) {
        CHECK_EQ_INT(rc_resource_register(f.e, "rdma/bnxt_re0", RC_MAX, NULL, NULL, NULL), 0);
        CHECK_FILE(f.e, f.o, "rdma.max",
                   "mlx5_0 hca_handle=max hca_object=max \n" MLX4_MAX "bnxt_re0 hca_handle=max hca_object=max \n");
        CHECK_FILE(f.e, f.c, "rdma.current",
                   "mlx5_0 hca_handle=0 hca_object=0 \n" MLX4_ZERO "bnxt_re0 hca_handle=0 hca_object=0 \n");
        /* registering again changes nothing */
        bool created = true;
        CHECK_EQ_INT(rc_resource_register(f.e, "rdma/mlx5_0", RC_MAX, NULL, &created, NULL), 0);
        CHECK(!created);
        CHECK_FILE(f.e, f.o, "rdma.max",
                   "mlx5_0 hca_handle=max hca_object=max \n" MLX4_MAX "bnxt_re0 hca_handle=max hca_object=max \n");
}

int main(void) {
        RUN(test_rdma_01_fresh_reads);
        RUN(test_rdma_02_multi_resource_line);
        RUN(test_rdma_04_charge_to_limit);
        RUN(test_rdma_05_middle_ancestor);
        RUN(test_rdma_07_parse);
        RUN(test_max_write_more);
        RUN(test_max_write_whole_lines);
        RUN(test_max_write_fresh_group);
        RUN(test_no_devices);
        RUN(test_s32_max_prints_max);
        RUN(test_charge_n_singles_fail_above);
        RUN(test_charge_n_singles_equal_headroom);
        RUN(test_charge_n_singles_with_usage);
        RUN(test_charge_n_success_and_uncharge);
        RUN(test_charge_invalid);
        RUN(test_events);
        RUN(test_unregister);
        RUN(test_register_order);
        return TEST_EXIT();
}
