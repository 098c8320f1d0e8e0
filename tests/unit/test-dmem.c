/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The dmem controller: regions, pools, files, limit writes, try-charge and
 * uncharge (kernel-semantics.md section 3, R1-R4, R7, R12, R13, 6.3). */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "test-engine.h"

typedef struct Fixture {
        rc_engine *e;
        rc_resource *v, *s;
        rc_counter *cv, *cs;
        rc_group *root, *p, *c, *q;
} Fixture;

/* Section 6 dmem fixture: V then S; root -> P -> C, root -> Q. */
static Fixture fixture(void) {
        Fixture f = { .e = engine_new() };
        resources(f.e, { VKEY, VSIZE, &f.v }, { SKEY, SSIZE, &f.s });
        counters(f.e, { VKEY, &f.cv }, { SKEY, &f.cs });
        tree(f.e, &f.root, &f.p, &f.c, "q.slice", &f.q);
        return f;
}

static const rc_pool none;

static uint64_t usage(const rc_group *g, const rc_counter *c) {
        return pool_or(g, c, &none)->usage;
}

static uint64_t peak(const rc_group *g, const rc_counter *c) {
        return pool_or(g, c, &none)->peak;
}

static int charge(Fixture *f, rc_group *g, rc_counter *c, uint64_t amount, rc_charge **ret, rc_refusal *refusal) {
        return charge_new(f->e, g, c, amount, ret, refusal);
}

static int wr(Fixture *f, rc_group *g, const char *file, const char *text) {
        return file_write(f->e, g, file, text);
}

/* Every file of a group that holds and limits nothing reads the defaults. */
static void check_defaults(Fixture *f, rc_group *g) {
        CHECK_FILE(f->e, g, "dmem.max", VN " max\n" SN " max\n");
        CHECK_FILES(f->e, g, VN " 0\n" SN " 0\n", "dmem.min", "dmem.low", "dmem.current", "dmem.peak");
}

FIXTURE_TEST(test_dmem_01_fresh_reads) {
        CHECK_FILE(f.e, f.root, "dmem.capacity", VN " 8514437120\n" SN " 67108864\n");
        check_defaults(&f, f.c);
        CHECK_FILE(f.e, f.root, "dmem.current", VN " 0\n" SN " 0\n");

        /* root has only capacity and current */
        char *s = NULL;
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "dmem.min", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "dmem.low", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "dmem.max", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.root, "dmem.peak", &s, NULL), -ENOENT);
        CHECK(s == NULL);
        /* and capacity is on the root only */
        CHECK_EQ_INT(rc_file_read(f.e, f.c, "dmem.capacity", &s, NULL), -ENOENT);
        CHECK_EQ_INT(rc_file_read(f.e, f.p, "dmem.capacity", &s, NULL), -ENOENT);
        CHECK(s == NULL);
        CHECK_EQ_INT(wr(&f, f.root, "dmem.max", VN " 1G"), -ENOENT);
        CHECK_EQ_INT(wr(&f, f.root, "dmem.min", VN " 1G"), -ENOENT);
        CHECK_EQ_INT(wr(&f, f.root, "dmem.low", VN " 1G"), -ENOENT);

        /* Reads never create pools (3.2). */
        CHECK(rc_group_pool_peek(f.c, f.cv) == NULL);
        CHECK(rc_group_pool_peek(f.p, f.cv) == NULL);
        CHECK(rc_group_pool_peek(f.root, f.cv) == NULL);

}

typedef struct WriteRow {
        const char *text;
        int rc;
        const char *v_line;     /* NULL: unchanged */
} WriteRow;

static const WriteRow dmem_02_rows[] = {
        { VN " 1G", 0, VN " 1073741824\n" },
        { VN " 512m", 0, VN " 536870912\n" },
        { VN "\t4096", 0, VN " 4096\n" },
        { VN " 0x1000", 0, VN " 4096\n" },
        { VN " 010", 0, VN " 8\n" },
        { VN " 2251799813685246", 0, VN " 2251799813685246\n" },
        { VN " 2251799813685247", 0, VN " max\n" },
        { VN " max", 0, VN " max\n" },
        { VN, -EINVAL, NULL },
        { "drm/0000:03:00.0/vram1 1G", -EINVAL, NULL },
        { VN " 1.5G", -EINVAL, NULL },
        { VN " 1GB", -EINVAL, NULL },
        { VN " -1", -EINVAL, NULL },
        { VN " +1", -EINVAL, NULL },
        { VN "  1G", -EINVAL, NULL },
        { VN " MAX", -EINVAL, NULL },
        { "", -EINVAL, NULL },
        /* 3.4: more of the same parser */
        { VN " 5 6", -EINVAL, NULL },
        { VN " \t1G", -EINVAL, NULL },
        { " \t" VN " 2k \n", 0, VN " 2048\n" },      /* strstrip */
        { "drm/0000:03:00.0/VRAM0 1G", -EINVAL, NULL }, /* exact strcmp */
        { "dmem/" VN " 1G", -EINVAL, NULL },            /* the file's name, not the key */
        { VN " 1t", 0, VN " 1099511627776\n" },
        { VN " 1P", 0, VN " 1125899906842624\n" },
        { VN " 2P", 0, VN " max\n" },                   /* 2251799813685248 >= PCM */
        { VN " 0", 0, VN " 0\n" },
        /* R1: one line per write; nothing applied */
        { VN " 1G\n" SN " 1M", -EINVAL, NULL },
        { VN " 1G\n", 0, VN " 1073741824\n" },          /* a trailing newline is stripped */
        /* R12: no wrapping */
        { VN " 16E", -ERANGE, NULL },
        { VN " 16384P", -ERANGE, NULL },
        { VN " 123456789012345678901", -ERANGE, NULL },
        { VN " 18446744073709551616", -ERANGE, NULL },
        { VN " 15E", 0, VN " max\n" },                  /* fits in 64 bits, >= PCM */
};

TEST(test_dmem_02_write_readback) {
        static const char *const files[] = { "dmem.max", "dmem.min", "dmem.low" };

        for (size_t fi = 0; fi < 3; fi++)
                for (size_t i = 0; i < sizeof(dmem_02_rows) / sizeof(dmem_02_rows[0]); i++) {
                        const WriteRow *row = &dmem_02_rows[i];
                        Fixture f = fixture();
                        /* Known values beforehand, so that "unchanged" means something. */
                        CHECK_EQ_INT(wr(&f, f.c, files[fi], VN " 12345"), 0);
                        CHECK_EQ_INT(wr(&f, f.c, files[fi], SN " 777"), 0);

                        int r = wr(&f, f.c, files[fi], row->text);
                        if (r != row->rc)
                                fprintf(stderr, "  row %zu (%s): '%s'\n", i, files[fi], row->text);
                        CHECK_EQ_INT(r, row->rc);

                        char expected[256];
                        snprintf(expected, sizeof(expected), "%s%s", row->v_line ? row->v_line : VN " 12345\n",
                                 SN " 777\n");
                        CHECK_FILE(f.e, f.c, files[fi], expected);
                        rc_engine_free(f.e);
                }

        /* The multi-line write from a fresh state: neither line applied. */
        Fixture f = fixture();
        CHECK_EQ_INT(wr(&f, f.c, "dmem.max", VN " 1G\n" SN " 1M"), -EINVAL);
        CHECK_FILE(f.e, f.c, "dmem.max", VN " max\n" SN " max\n");
        CHECK_EQ_INT(wr(&f, f.c, "dmem.min", VN " 1G\n\n" SN " 1M\n"), -EINVAL);
        CHECK_FILE(f.e, f.c, "dmem.min", VN " 0\n" SN " 0\n");
        rc_engine_free(f.e);
}

FIXTURE_TEST(test_dmem_03_middle_ancestor) {
        CHECK_EQ_INT(wr(&f, f.p, "dmem.max", VN " 1G"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 805306368, NULL, &ref), 0);

        CHECK_EQ_INT(charge(&f, f.c, f.cv, 536870912, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.p, GiB, 0);

        CHECK_FILE(f.e, f.c, "dmem.current", VN " 805306368\n" SN " 0\n");
        CHECK_FILE(f.e, f.c, "dmem.peak", VN " 805306368\n" SN " 0\n");
        CHECK_FILE(f.e, f.p, "dmem.peak", VN " 805306368\n" SN " 0\n");
        CHECK_FILE(f.e, f.p, "dmem.current", VN " 805306368\n" SN " 0\n");
        CHECK_FILE(f.e, f.root, "dmem.current", VN " 805306368\n" SN " 0\n");
        CHECK_EQ_U64(peak(f.root, f.cv), 805306368);

        /* R8: the failing level and its ancestors but the root count it. */
        CHECK_EQ_U64(rc_group_pool_peek(f.p, f.cv)->events_local, 1);
        CHECK_EQ_U64(rc_group_pool_peek(f.p, f.cv)->events, 1);
        CHECK_EQ_U64(rc_group_pool_peek(f.c, f.cv)->events_local, 0);
        CHECK_EQ_U64(rc_group_pool_peek(f.c, f.cv)->events, 0);
        CHECK_EQ_U64(rc_group_pool_peek(f.root, f.cv)->events, 0);

        /* Exactly up to the limit fits (the test is usage + size > max). */
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 268435456, NULL, &ref), 0);
        CHECK_FILE(f.e, f.p, "dmem.current", VN " 1073741824\n" SN " 0\n");
        CHECK_EQ_INT(charge(&f, f.q, f.cv, 1, NULL, &ref), 0);  /* Q is not under P */
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 1, NULL, &ref), -EBUSY);
        CHECK(ref.limit_group == f.p);
}

static unsigned n_released;
static uint64_t released_id;

static void on_release(rc_charge *ch, void *userdata) {
        n_released++;
        released_id = ch->id;
        CHECK(userdata == &n_released);
}

FIXTURE_TEST(test_dmem_08_unregister) {
        rc_charge *ch = NULL, *vch = NULL;

        CHECK_EQ_INT(wr(&f, f.c, "dmem.max", SN " 1M"), 0);
        CHECK_EQ_INT(wr(&f, f.p, "dmem.low", VN " 2M"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cs, 4096, &ch, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 8192, &vch, NULL), 0);
        uint64_t id = ch->id, vid = vch->id;

        n_released = 0;
        rc_resource_unregister(f.e, f.s, on_release, &n_released);

        /* R13: the live charge is released at once. */
        CHECK_EQ_INT(n_released, 1);
        CHECK_EQ_U64(released_id, id);
        CHECK(rc_charge_find(f.e, id) == NULL);
        CHECK(rc_charge_find(f.e, vid) == vch);
        CHECK_EQ_INT(f.c->n_charges, 1);

        CHECK_FILE(f.e, f.root, "dmem.capacity", VN " 8514437120\n");
        CHECK_FILE(f.e, f.root, "dmem.current", VN " 8192\n");
        CHECK_FILE(f.e, f.c, "dmem.current", VN " 8192\n");
        CHECK_FILE(f.e, f.c, "dmem.peak", VN " 8192\n");
        CHECK_FILE(f.e, f.c, "dmem.max", VN " max\n");
        CHECK_FILE(f.e, f.c, "dmem.min", VN " 0\n");
        CHECK_FILE(f.e, f.p, "dmem.low", VN " 2097152\n");
        CHECK_FILE(f.e, f.q, "dmem.low", VN " 0\n");

        CHECK_EQ_INT(wr(&f, f.c, "dmem.max", SN " 1M"), -EINVAL);
        CHECK_EQ_INT(wr(&f, f.c, "dmem.min", SN " 1M"), -EINVAL);
        rc_counter *cs = NULL;
        CHECK_EQ_INT(rc_counter_find(f.e, SKEY, &cs, NULL), -ENODEV);
        CHECK(cs == NULL);

        /* A re-registered region is appended and starts from defaults. */
        rc_resource *other = NULL, *s2 = NULL;
        bool created = false;
        CHECK_EQ_INT(rc_resource_register(f.e, "dmem/drm/0000:04:00.0/vram0", GiB, &other, &created, NULL), 0);
        CHECK(created);
        CHECK_EQ_INT(rc_resource_register(f.e, SKEY, SSIZE, &s2, &created, NULL), 0);
        CHECK(created);
        CHECK_FILE(f.e, f.root, "dmem.capacity",
                   VN " 8514437120\ndrm/0000:04:00.0/vram0 1073741824\n" SN " 67108864\n");
        CHECK_FILE(f.e, f.c, "dmem.max", VN " max\ndrm/0000:04:00.0/vram0 max\n" SN " max\n");
        CHECK_FILE(f.e, f.c, "dmem.current", VN " 8192\ndrm/0000:04:00.0/vram0 0\n" SN " 0\n");
        CHECK_FILE(f.e, f.c, "dmem.peak", VN " 8192\ndrm/0000:04:00.0/vram0 0\n" SN " 0\n");
        CHECK_EQ_INT(rc_counter_find(f.e, SKEY, &cs, NULL), 0);
        CHECK(cs != NULL);
        if (cs) {
                CHECK(rc_group_pool_peek(f.c, cs) == NULL || rc_group_pool_peek(f.c, cs)->max == RC_PCM);
                /* The old 1M max is gone: 2M fits now. */
                CHECK_EQ_INT(charge(&f, f.c, cs, 2 * MiB, NULL, NULL), 0);
                CHECK_FILE(f.e, f.c, "dmem.current", VN " 8192\ndrm/0000:04:00.0/vram0 0\n" SN " 2097152\n");
        }
}

/* 3.3: with no regions registered every file reads "". */
TEST(test_no_regions) {
        rc_engine *e = engine_new();
        rc_group *c = group(e, "p-c.slice");
        CHECK_FILES(e, e->root, "", "dmem.capacity", "dmem.current");
        CHECK_FILES(e, c, "", "dmem.current", "dmem.peak", "dmem.min", "dmem.low", "dmem.max");
        CHECK_EQ_INT(rc_file_write(e, c, "dmem.max", VN " 1G", NULL), -EINVAL);
        rc_engine_free(e);
}

/* 3.1: a region of size 0 does not exist; size changes show in capacity. */
FIXTURE_TEST(test_region_register) {
        rc_resource *r = NULL;
        bool created = true;

        CHECK_EQ_INT(rc_resource_register(f.e, "dmem/drm/0000:05:00.0/vram0", 0, &r, &created, NULL), -EINVAL);
        CHECK_FILE(f.e, f.root, "dmem.capacity", VN " 8514437120\n" SN " 67108864\n");

        CHECK_EQ_INT(rc_resource_register(f.e, SKEY, 2 * SSIZE, &r, &created, NULL), 0);
        CHECK(!created);
        CHECK(r == f.s);
        CHECK_FILE(f.e, f.root, "dmem.capacity", VN " 8514437120\n" SN " 134217728\n");
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.s, 0, NULL), -EINVAL);
        CHECK_EQ_U64(f.s->capacity, 2 * SSIZE);
}

/* 3.3: every region in every group, in registration order, whether or not
 * the group has a pool for it. */
FIXTURE_TEST(test_every_region_every_group) {
        CHECK_EQ_INT(charge(&f, f.c, f.cs, 4096, NULL, NULL), 0);
        CHECK_EQ_INT(wr(&f, f.q, "dmem.low", VN " 1M"), 0);

        CHECK_FILE(f.e, f.c, "dmem.current", VN " 0\n" SN " 4096\n");
        CHECK_FILE(f.e, f.p, "dmem.current", VN " 0\n" SN " 4096\n");
        CHECK_FILE(f.e, f.root, "dmem.current", VN " 0\n" SN " 4096\n");
        CHECK_FILE(f.e, f.q, "dmem.current", VN " 0\n" SN " 0\n");
        CHECK_FILE(f.e, f.q, "dmem.low", VN " 1048576\n" SN " 0\n");
        CHECK_FILE(f.e, f.q, "dmem.min", VN " 0\n" SN " 0\n");
        CHECK_FILE(f.e, f.q, "dmem.max", VN " max\n" SN " max\n");
        CHECK_FILE(f.e, f.c, "dmem.peak", VN " 0\n" SN " 4096\n");
        CHECK_FILE(f.e, f.q, "dmem.peak", VN " 0\n" SN " 0\n");

        /* A group that holds nothing reads all defaults. */
        rc_group *u = group(f.e, "vm42.scope");
        check_defaults(&f, u);

        /* A write creates the pools of the group and its ancestors (3.2). */
        CHECK(rc_group_pool_peek(f.q, f.cs) == NULL);
        CHECK_EQ_INT(wr(&f, f.c, "dmem.max", VN " 1G"), 0);
        CHECK(rc_group_pool_peek(f.c, f.cv) != NULL);
        CHECK(rc_group_pool_peek(f.p, f.cv) != NULL);
        CHECK(rc_group_pool_peek(f.root, f.cv) != NULL);
}

/* 3.3: any stored value >= PCM reads back as "max". */
FIXTURE_TEST(test_pcm_reads_max) {
        CHECK_EQ_INT(wr(&f, f.c, "dmem.max", VN " 2251799813685246"), 0);
        CHECK_FILE(f.e, f.c, "dmem.max", VN " 2251799813685246\n" SN " max\n");
        CHECK_EQ_INT(wr(&f, f.c, "dmem.max", VN " 2251799813685248"), 0);
        CHECK_FILE(f.e, f.c, "dmem.max", VN " max\n" SN " max\n");
        CHECK_EQ_INT(wr(&f, f.c, "dmem.max", VN " 18446744073709551615"), 0);
        CHECK_FILE(f.e, f.c, "dmem.max", VN " max\n" SN " max\n");
        CHECK_EQ_INT(wr(&f, f.c, "dmem.min", VN " max"), 0);
        CHECK_FILE(f.e, f.c, "dmem.min", VN " max\n" SN " 0\n");
        CHECK_EQ_U64(rc_group_pool_peek(f.c, f.cv)->min, RC_PCM);
        CHECK_EQ_INT(wr(&f, f.c, "dmem.low", SN " 0x8000000000000"), 0);     /* 2^51 > PCM */
        CHECK_FILE(f.e, f.c, "dmem.low", VN " 0\n" SN " max\n");
        CHECK_EQ_INT(wr(&f, f.c, "dmem.low", SN " 0x7ffffffffffff"), 0);     /* PCM */
        CHECK_FILE(f.e, f.c, "dmem.low", VN " 0\n" SN " max\n");
        CHECK_EQ_INT(wr(&f, f.c, "dmem.low", SN " 0x7fffffffffffe"), 0);
        CHECK_FILE(f.e, f.c, "dmem.low", VN " 0\n" SN " 2251799813685246\n");
}

/* R3: the region size is checked once, at the root. */
FIXTURE_TEST(test_region_size_at_root) {
        /* Larger than the region: refused at the root, not at C or P. */
        CHECK_EQ_INT(charge(&f, f.c, f.cs, SSIZE + 1, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.root, SSIZE, 1);
        CHECK(rc_group_pool_peek(f.c, f.cs) == NULL || rc_group_pool_peek(f.c, f.cs)->events_local == 0);

        CHECK_EQ_INT(charge(&f, f.c, f.cs, 48 * MiB, NULL, &ref), 0);
        CHECK_EQ_INT(charge(&f, f.q, f.cs, 16 * MiB, NULL, &ref), 0);     /* exactly full */
        CHECK_FILE(f.e, f.root, "dmem.current", VN " 0\n" SN " 67108864\n");

        CHECK_EQ_INT(charge(&f, f.q, f.cs, 1, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.root, SSIZE, 1);
        CHECK_EQ_INT(charge(&f, f.c, f.cs, 4096, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.root, ANY, 1);

        /* Nothing moved, no peak raised anywhere (R4). */
        CHECK_EQ_U64(usage(f.q, f.cs), 16 * MiB);
        CHECK_EQ_U64(usage(f.c, f.cs), 48 * MiB);
        CHECK_EQ_U64(usage(f.p, f.cs), 48 * MiB);
        CHECK_EQ_U64(usage(f.root, f.cs), SSIZE);
        CHECK_EQ_U64(peak(f.q, f.cs), 16 * MiB);
        CHECK_EQ_U64(peak(f.c, f.cs), 48 * MiB);
        CHECK_EQ_U64(peak(f.p, f.cs), 48 * MiB);
        CHECK_EQ_U64(peak(f.root, f.cs), SSIZE);
        /* Only at the root: a group may have a max above the region size. */
        CHECK_EQ_INT(wr(&f, f.q, "dmem.max", SN " 1G"), 0);
        CHECK_FILE(f.e, f.q, "dmem.max", VN " max\n" SN " 1073741824\n");

        /* A max below refuses first (the first level from the bottom). */
        CHECK_EQ_INT(wr(&f, f.c, "dmem.max", SN " 48M"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cs, 1, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.c, 48 * MiB, 0);

        /* Another region is not affected. */
        CHECK_EQ_INT(charge(&f, f.q, f.cv, VSIZE, NULL, &ref), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 1, NULL, &ref), -EBUSY);
        CHECK(ref.capacity && ref.limit_group == f.root && ref.limit == VSIZE);

        /* A larger region size lets it through. */
        CHECK_EQ_INT(rc_resource_set_capacity(f.e, f.s, SSIZE + 4096, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.q, f.cs, 4096, NULL, &ref), 0);
        CHECK_EQ_U64(usage(f.root, f.cs), SSIZE + 4096);
}

/* R2: a dmem.max below usage is stored; further charges fail. */
FIXTURE_TEST(test_max_below_usage) {
        rc_charge *a = NULL, *b = NULL;

        CHECK_EQ_INT(charge(&f, f.c, f.cv, MiB, &a, &ref), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, MiB, &b, &ref), 0);
        CHECK_EQ_INT(wr(&f, f.c, "dmem.max", VN " 4096"), 0);
        CHECK_FILE(f.e, f.c, "dmem.max", VN " 4096\n" SN " max\n");
        CHECK_FILE(f.e, f.c, "dmem.current", VN " 2097152\n" SN " 0\n");

        CHECK_EQ_INT(charge(&f, f.c, f.cv, 1, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.c, 4096, 0);
        CHECK_EQ_U64(usage(f.c, f.cv), 2 * MiB);
        /* Other regions and other groups still charge. */
        CHECK_EQ_INT(charge(&f, f.c, f.cs, 1, NULL, &ref), 0);
        CHECK_EQ_INT(charge(&f, f.p, f.cv, 1, NULL, &ref), 0);

        /* The victims Evict(key, group, 0) picks: oldest first, until usage <= max. */
        rc_victim *v = NULL;
        size_t n = 0;
        CHECK_EQ_INT(rc_evict(f.e, f.cv, f.c, 0, &v, &n, NULL), 0);
        CHECK_EQ_INT(n, 2);
        if (n == 2) {
                CHECK_EQ_U64(v[0].id, a->id);
                CHECK_EQ_U64(v[1].id, b->id);
                CHECK(v[0].group == f.c);
        }
        free(v);
        CHECK_EQ_U64(usage(f.c, f.cv), 2 * MiB);        /* nothing force-released */

        /* Once usage is down, charges up to the new max work again. */
        rc_charge_uncharge(f.e, a, 0);
        rc_charge_uncharge(f.e, b, 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 4096, NULL, &ref), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 1, NULL, &ref), -EBUSY);

        /* The same at a middle level. */
        CHECK_EQ_INT(wr(&f, f.p, "dmem.max", VN " 0"), 0);
        CHECK_FILE(f.e, f.p, "dmem.max", VN " 0\n" SN " max\n");
        CHECK_EQ_INT(charge(&f, f.p, f.cv, 1, NULL, &ref), -EBUSY);
        check_refusal(&ref, f.p, 0, -1);
}

FIXTURE_TEST(test_uncharge) {
        rc_charge *a = NULL, *b = NULL;

        CHECK_EQ_INT(charge(&f, f.c, f.cv, 3 * MiB, &a, NULL), 0);
        CHECK_EQ_INT(charge(&f, f.q, f.cv, MiB, &b, NULL), 0);
        uint64_t aid = a->id;
        CHECK(b->id != aid);

        rc_charge_uncharge(f.e, a, MiB);                /* partial */
        CHECK(rc_charge_find(f.e, aid) == a);
        CHECK_EQ_U64(a->amount, 2 * MiB);
        CHECK_EQ_U64(usage(f.c, f.cv), 2 * MiB);
        CHECK_EQ_U64(usage(f.p, f.cv), 2 * MiB);
        CHECK_EQ_U64(usage(f.root, f.cv), 3 * MiB);
        CHECK_EQ_U64(peak(f.c, f.cv), 3 * MiB);          /* the watermark stays */
        CHECK_EQ_U64(peak(f.root, f.cv), 4 * MiB);

        rc_charge_uncharge(f.e, a, 5 * MiB);            /* >= amount: whole */
        CHECK(rc_charge_find(f.e, aid) == NULL);
        CHECK_EQ_INT(f.c->n_charges, 0);
        CHECK_FILE(f.e, f.c, "dmem.current", VN " 0\n" SN " 0\n");
        CHECK_FILE(f.e, f.c, "dmem.peak", VN " 3145728\n" SN " 0\n");
        CHECK_FILE(f.e, f.root, "dmem.current", VN " 1048576\n" SN " 0\n");

        rc_charge_uncharge(f.e, b, 0);                  /* 0: whole */
        CHECK_FILE(f.e, f.root, "dmem.current", VN " 0\n" SN " 0\n");
        CHECK_FILE(f.e, f.q, "dmem.peak", VN " 1048576\n" SN " 0\n");
}

/* R7: a charge of 0 is invalid (the kernel would accept it). */
FIXTURE_TEST(test_amount_zero) {
        rc_charge *ch = NULL;
        rc_err err = {{0}};
        CHECK_EQ_INT(rc_charge_new(f.e, f.c, f.cv, 0, 0, 0, &ch, NULL, &err), -EINVAL);
        CHECK(ch == NULL);
        CHECK(err.msg[0] != '\0');
        CHECK_EQ_INT(f.c->n_charges, 0);
}

/* R4: peaks only from committed usage, at every level. */
FIXTURE_TEST(test_peaks_committed) {
        rc_charge *a = NULL;

        CHECK_EQ_INT(wr(&f, f.p, "dmem.max", VN " 10M"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 6 * MiB, &a, &ref), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 5 * MiB, NULL, &ref), -EBUSY);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, VSIZE, NULL, &ref), -EBUSY);
        CHECK_FILE(f.e, f.c, "dmem.peak", VN " 6291456\n" SN " 0\n");
        CHECK_FILE(f.e, f.p, "dmem.peak", VN " 6291456\n" SN " 0\n");
        CHECK_EQ_U64(peak(f.root, f.cv), 6 * MiB);

        rc_charge_uncharge(f.e, a, 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 4 * MiB, NULL, &ref), 0);
        CHECK_FILE(f.e, f.c, "dmem.peak", VN " 6291456\n" SN " 0\n");
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 3 * MiB, NULL, &ref), 0);
        CHECK_FILE(f.e, f.c, "dmem.peak", VN " 7340032\n" SN " 0\n");
        CHECK_FILE(f.e, f.p, "dmem.peak", VN " 7340032\n" SN " 0\n");
        /* A refusal at the root (region size) leaves the lower peaks alone too. */
        CHECK_EQ_INT(charge(&f, f.q, f.cv, VSIZE, NULL, &ref), -EBUSY);
        CHECK(ref.capacity);
        CHECK_FILE(f.e, f.q, "dmem.peak", VN " 0\n" SN " 0\n");
}

static size_t all_groups(rc_engine *e, const rc_group **gs, size_t max) {
        size_t n = 0;
        hashmap_for_each(node, &e->groups)
                if (n < max)
                        gs[n++] = container_of(node, rc_group, node);
        return n;
}

/* 4.1's invariant: a parent's children_*_usage is the sum of its children's
 * min(usage, setting). */
static void check_protected_usage(rc_engine *e, const rc_counter *c) {
        const rc_group *gs[64];
        size_t n = all_groups(e, gs, 64);
        for (size_t i = 0; i < n; i++) {
                const rc_pool *p = rc_group_pool_peek(gs[i], c);
                if (!p)
                        continue;
                uint64_t smin = 0, slow = 0;
                for (size_t j = 0; j < n; j++) {
                        const rc_pool *cp = gs[j]->parent == gs[i] ? rc_group_pool_peek(gs[j], c) : NULL;
                        if (!cp)
                                continue;
                        smin += cp->usage < cp->min ? cp->usage : cp->min;
                        slow += cp->usage < cp->low ? cp->usage : cp->low;
                }
                CHECK_EQ_U64(p->children_min_usage, smin);
                CHECK_EQ_U64(p->children_low_usage, slow);
        }
}

/* 3.4: min/low take any value and re-propagate protected usage (4.1). */
FIXTURE_TEST(test_min_low_any_value) {
        rc_charge *a = NULL;

        CHECK_EQ_INT(wr(&f, f.c, "dmem.max", VN " 1G"), 0);
        CHECK_EQ_INT(charge(&f, f.c, f.cv, 4 * MiB, &a, NULL), 0);
        CHECK_EQ_INT(wr(&f, f.c, "dmem.min", VN " 2G"), 0);     /* above max and usage */
        CHECK_EQ_INT(wr(&f, f.c, "dmem.low", VN " 1T"), 0);     /* above the region size */
        CHECK_FILE(f.e, f.c, "dmem.min", VN " 2147483648\n" SN " 0\n");
        CHECK_FILE(f.e, f.c, "dmem.low", VN " 1099511627776\n" SN " 0\n");
        CHECK_EQ_U64(rc_group_pool_peek(f.p, f.cv)->children_min_usage, 4 * MiB);
        CHECK_EQ_U64(rc_group_pool_peek(f.p, f.cv)->children_low_usage, 4 * MiB);
        check_protected_usage(f.e, f.cv);

        CHECK_EQ_INT(wr(&f, f.c, "dmem.min", VN " 1M"), 0);
        CHECK_EQ_U64(rc_group_pool_peek(f.p, f.cv)->children_min_usage, MiB);
        CHECK_EQ_INT(wr(&f, f.p, "dmem.low", VN " 3M"), 0);
        CHECK_EQ_U64(rc_group_pool_peek(f.root, f.cv)->children_low_usage, 3 * MiB);
        check_protected_usage(f.e, f.cv);

        rc_charge_uncharge(f.e, a, 3 * MiB);
        CHECK_EQ_U64(rc_group_pool_peek(f.p, f.cv)->children_min_usage, MiB);
        CHECK_EQ_U64(rc_group_pool_peek(f.p, f.cv)->children_low_usage, MiB);
        CHECK_EQ_U64(rc_group_pool_peek(f.root, f.cv)->children_low_usage, MiB);
        check_protected_usage(f.e, f.cv);
}

/* Reading or writing a file the controller does not have, or writing a
 * read-only one, fails and changes nothing. */
FIXTURE_TEST(test_file_errors) {
        CHECK(wr(&f, f.c, "dmem.current", VN " 1G") < 0);
        CHECK(wr(&f, f.c, "dmem.peak", VN " 1G") < 0);
        CHECK(wr(&f, f.root, "dmem.capacity", VN " 1G") < 0);
        CHECK_EQ_INT(wr(&f, f.c, "dmem.capacity", VN " 1G"), -ENOENT);
        CHECK_EQ_INT(wr(&f, f.c, "dmem.high", VN " 1G"), -ENOENT);
        CHECK_FILE(f.e, f.c, "dmem.current", VN " 0\n" SN " 0\n");
        CHECK_FILE(f.e, f.root, "dmem.capacity", VN " 8514437120\n" SN " 67108864\n");
        CHECK(rc_group_pool_peek(f.c, f.cv) == NULL);
}

int main(void) {
        RUN(test_dmem_01_fresh_reads);
        RUN(test_dmem_02_write_readback);
        RUN(test_dmem_03_middle_ancestor);
        RUN(test_dmem_08_unregister);
        RUN(test_no_regions);
        RUN(test_region_register);
        RUN(test_every_region_every_group);
        RUN(test_pcm_reads_max);
        RUN(test_region_size_at_root);
        RUN(test_max_below_usage);
        RUN(test_uncharge);
        RUN(test_amount_zero);
        RUN(test_peaks_committed);
        RUN(test_min_low_any_value);
        RUN(test_file_errors);
        return TEST_EXIT();
}
