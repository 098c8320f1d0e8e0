/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Group names (api.md "Names"): systemd unit and slice names, a slice's
 * parent by name, where non-slice units hang, when a group is forgotten;
 * and resource keys ("Resource keys"). */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "test-engine.h"

/* A name of exactly len bytes: 'a'... followed by suffix. */
static char *long_name(size_t len, const char *suffix) {
        size_t sl = strlen(suffix);
        char *s = malloc(len + 1);
        if (!s)
                abort();
        memset(s, 'a', len - sl);
        memcpy(s + len - sl, suffix, sl + 1);
        return s;
}

TEST(test_unit_name_valid) {
        static const char *const ok[] = {
                "foo.service", "foo.socket", "foo.target", "foo.device", "foo.mount",
                "foo.automount", "foo.swap", "foo.timer", "foo.path", "foo.slice", "vm42.scope",
                "-.slice", "-.mount", "a.b.c.service", "A-Z_0:9\\x2d.service",
                "foo@bar.service", "foo@bar@baz.service", "getty@tty1.service",
                "a--b.service",         /* dashes only matter for slices */
                "-a.scope", "a-.scope",
        };
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                if (!rc_unit_name_is_valid(ok[i]))
                        fprintf(stderr, "rejected: '%s'\n", ok[i]);
                CHECK(rc_unit_name_is_valid(ok[i]));
        }
}

TEST(test_unit_name_invalid) {
        static const char *const bad[] = {
                "", "foo", "service", ".service", "foo.", "foo.unknown", "foo.Service",
                "foo.services", "foo.service ", " foo.service", "foo.service\n",
                "@bar.service",         /* no prefix */
                "foo@.service",         /* a template names no running unit */
                "@.service",
                "a b.service", "a\tb.service", "a\nb.service", "a\x01.service", "a\x7f.service",
                "\xc3\xa4.service",     /* non-ASCII */
                "a/b.service", "a*b.service", "a;b.service", "a\"b.service",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (rc_unit_name_is_valid(bad[i]))
                        fprintf(stderr, "accepted: '%s'\n", bad[i]);
                CHECK(!rc_unit_name_is_valid(bad[i]));
        }
        CHECK(!rc_unit_name_is_valid(NULL));
}

TEST(test_unit_name_length) {
        /* systemd: strlen(name) < UNIT_NAME_MAX (256). */
        char *s255 = long_name(255, ".scope"), *s256 = long_name(256, ".scope");
        char *l255 = long_name(255, ".slice"), *l256 = long_name(256, ".slice");
        char *s1000 = long_name(1000, ".service");
        CHECK_EQ_INT(strlen(s255), 255);
        CHECK_EQ_INT(strlen(l256), 256);
        CHECK(rc_unit_name_is_valid(s255));
        CHECK(!rc_unit_name_is_valid(s256));
        CHECK(rc_slice_name_is_valid(l255));
        CHECK(!rc_slice_name_is_valid(l256));
        CHECK(!rc_unit_name_is_valid(s1000));

        rc_engine *e = rc_engine_new();
        CHECK(e);
        rc_group *g = NULL;
        rc_err err = {{0}};
        CHECK_EQ_INT(rc_group_get(e, s256, NULL, &g, &err), -EINVAL);
        CHECK(g == NULL);
        CHECK(err.msg[0] != 0);
        CHECK_EQ_INT(rc_group_get(e, l256, NULL, &g, NULL), -EINVAL);
        CHECK_EQ_INT(rc_group_get(e, s255, NULL, &g, NULL), 0);
        CHECK(g && g->parent && strcmp(g->parent->name, RC_DEFAULT_SLICE) == 0);
        rc_engine_free(e);

        free(s255);
        free(s256);
        free(l255);
        free(l256);
        free(s1000);
}

TEST(test_unit_name_is_slice) {
        CHECK(rc_unit_name_is_slice("a.slice"));
        CHECK(rc_unit_name_is_slice("-.slice"));
        CHECK(!rc_unit_name_is_slice("a.scope"));
        CHECK(!rc_unit_name_is_slice("a.slices"));
        CHECK(!rc_unit_name_is_slice(".slice"));
}

TEST(test_slice_name_valid) {
        static const char *const ok[] = {
                "-.slice", "a.slice", "a-b.slice", "a-b-c.slice", "system.slice", "user-1000.slice",
                "a_b.slice", "a.b.slice", "a:b.slice", "x\\x2dy.slice",
        };
        static const char *const bad[] = {
                "a--b.slice", "-a.slice", "a-.slice", "--.slice", "-a-.slice", "a-b--c.slice",
                "a-b-.slice", "a@b.slice", "a@.slice", "@a.slice", ".slice", "slice", "a.service",
                "a.scope", "-.scope", "", "a b.slice", "a\x01.slice", "a.slice.service",
        };
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                if (!rc_slice_name_is_valid(ok[i]))
                        fprintf(stderr, "rejected: '%s'\n", ok[i]);
                CHECK(rc_slice_name_is_valid(ok[i]));
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (rc_slice_name_is_valid(bad[i]))
                        fprintf(stderr, "accepted: '%s'\n", bad[i]);
                CHECK(!rc_slice_name_is_valid(bad[i]));
        }
}

TEST(test_slice_parent) {
        /* slice, its parent; the root's parent is NULL (set, not left alone) */
        static const char *const good[][2] = {
                { "a-b-c.slice", "a-b.slice" }, { "a-b.slice", "a.slice" }, { "a.slice", "-.slice" },
                { "-.slice", NULL }, { "user-1000.slice", "user.slice" }, { "a.b-c.d.slice", "a.b.slice" },
        };
        char *p = NULL;
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                p = good[i][1] ? NULL : (char *) 1;
                CHECK_EQ_INT(rc_slice_parent(good[i][0], &p), 0);
                if (good[i][1])
                        CHECK_EQ_STR(p, good[i][1]);
                else
                        CHECK(p == NULL);
                if (p != (char *) 1)
                        free(p);
        }

        static const char *const bad[] = {
                "a--b.slice", "-a.slice", "a-.slice", "foo.service", "vm42.scope", "a@b.slice", "", ".slice",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                p = NULL;
                CHECK_EQ_INT(rc_slice_parent(bad[i], &p), -EINVAL);
                CHECK(p == NULL);
        }
}

TEST(test_group_get_slice_chain) {
        rc_engine *e = rc_engine_new();
        CHECK(e);
        CHECK(e->root && strcmp(e->root->name, "-.slice") == 0 && e->root->parent == NULL);
        CHECK(rc_group_find(e, "-.slice") == e->root);

        rc_group *g = NULL;
        CHECK_EQ_INT(rc_group_get(e, "-.slice", NULL, &g, NULL), 0);
        CHECK(g == e->root);

        CHECK_EQ_INT(rc_group_get(e, "a-b-c.slice", NULL, &g, NULL), 0);
        CHECK(g && strcmp(g->name, "a-b-c.slice") == 0);
        CHECK_EQ_INT(g->depth, 3);
        rc_group *ab = rc_group_find(e, "a-b.slice"), *a = rc_group_find(e, "a.slice");
        CHECK(ab && a);
        CHECK(g->parent == ab);
        CHECK(ab->parent == a);
        CHECK(a->parent == e->root);
        CHECK_EQ_INT(ab->depth, 2);
        CHECK_EQ_INT(a->depth, 1);
        CHECK_EQ_INT(a->n_children, 1);
        CHECK_EQ_INT(ab->n_children, 1);
        CHECK_EQ_INT(e->root->n_children, 1);

        /* A sibling reuses the existing parents. */
        rc_group *ad = NULL;
        CHECK_EQ_INT(rc_group_get(e, "a-d.slice", NULL, &ad, NULL), 0);
        CHECK(ad && ad->parent == a);
        CHECK_EQ_INT(a->n_children, 2);
        CHECK_EQ_INT(e->root->n_children, 1);

        /* Finding it again gives the same group. */
        rc_group *again = NULL;
        CHECK_EQ_INT(rc_group_get(e, "a-b-c.slice", NULL, &again, NULL), 0);
        CHECK(again == g);

        /* A slice's parent follows from its name: no slice may be given. */
        rc_err err = {{0}};
        CHECK_EQ_INT(rc_group_get(e, "x.slice", "a.slice", &again, &err), -EINVAL);
        CHECK(err.msg[0] != 0);
        CHECK(rc_group_find(e, "x.slice") == NULL);
        rc_engine_free(e);
}

TEST(test_group_get_invalid) {
        rc_engine *e = rc_engine_new();
        CHECK(e);
        static const char *const bad[] = {
                "a--b.slice", "-a.slice", "a-.slice", "a-b--c.slice", "foo@.service", "foo", "foo.bar",
                "", "a\nb.service", "a b.scope",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                rc_group *g = NULL;
                rc_err err = {{0}};
                CHECK_EQ_INT(rc_group_get(e, bad[i], NULL, &g, &err), -EINVAL);
                CHECK(g == NULL);
                CHECK(err.msg[0] != 0);
        }
        rc_group *g = NULL;
        CHECK_EQ_INT(rc_group_get(e, NULL, NULL, &g, NULL), -EINVAL);
        /* An invalid slice for a unit. */
        CHECK_EQ_INT(rc_group_get(e, "vm42.scope", "a--b.slice", &g, NULL), -EINVAL);
        CHECK_EQ_INT(rc_group_get(e, "vm42.scope", "foo.service", &g, NULL), -EINVAL);
        CHECK(g == NULL);
        /* Nothing was created by any of them: only the root exists. */
        CHECK_EQ_INT(e->groups.n_entries, 1);
        CHECK(rc_group_find(e, "vm42.scope") == NULL);
        CHECK(rc_group_find(e, "a.slice") == NULL);
        CHECK(rc_group_find(e, RC_DEFAULT_SLICE) == NULL);
        CHECK_EQ_INT(e->root->n_children, 0);
        rc_engine_free(e);
}

TEST(test_unit_default_slice) {
        rc_engine *e = rc_engine_new();
        CHECK(e);
        rc_group *g = NULL;
        CHECK_EQ_INT(rc_group_get(e, "vm42.scope", NULL, &g, NULL), 0);
        CHECK(g && strcmp(g->name, "vm42.scope") == 0);
        rc_group *sys = rc_group_find(e, "system.slice");
        CHECK(sys && g->parent == sys && sys->parent == e->root);
        CHECK_EQ_INT(g->depth, 2);

        /* A template instance is a unit too. */
        rc_group *inst = NULL;
        CHECK_EQ_INT(rc_group_get(e, "getty@tty1.service", NULL, &inst, NULL), 0);
        CHECK(inst && inst->parent == sys);
        CHECK_EQ_INT(sys->n_children, 2);
        rc_engine_free(e);
}

/* An engine with misc/res_a (capacity 10); *c its counter, found by key. */
static rc_engine *engine_res_a(const char *key, rc_counter **c) {
        rc_engine *e = engine_new();
        resources(e, { "misc/res_a", 10, NULL });
        counters(e, { key, c });
        return e;
}

TEST(test_unit_given_slice) {
        rc_counter *c = NULL;
        rc_engine *e = engine_res_a("res_a", &c);

        rc_group *g = NULL;
        CHECK_EQ_INT(rc_group_get(e, "vm42.scope", "machine-tenant.slice", &g, NULL), 0);
        rc_group *mt = rc_group_find(e, "machine-tenant.slice"), *m = rc_group_find(e, "machine.slice");
        CHECK(g && mt && m);
        CHECK(g->parent == mt && mt->parent == m && m->parent == e->root);
        CHECK(rc_group_find(e, "system.slice") == NULL);

        /* Under the root itself. */
        rc_group *h = NULL;
        CHECK_EQ_INT(rc_group_get(e, "h.service", "-.slice", &h, NULL), 0);
        CHECK(h && h->parent == e->root);

        /* NULL keeps the current parent. */
        rc_group *again = NULL;
        CHECK_EQ_INT(rc_group_get(e, "vm42.scope", NULL, &again, NULL), 0);
        CHECK(again == g && g->parent == mt);

        /* Another slice re-hangs it and moves its usage; the old branch,
         * holding nothing now, is forgotten. */
        rc_charge *ch = NULL;
        CHECK_EQ_INT(rc_charge_new(e, g, c, 3, 0, 0, &ch, NULL, NULL), 0);
        CHECK_EQ_U64(rc_group_pool_peek(mt, c)->usage, 3);
        CHECK_EQ_INT(rc_group_get(e, "vm42.scope", "other.slice", &again, NULL), 0);
        rc_group *o = rc_group_find(e, "other.slice");
        CHECK(again == g && o && g->parent == o);
        CHECK(rc_group_find(e, "machine-tenant.slice") == NULL);
        CHECK(rc_group_find(e, "machine.slice") == NULL);
        CHECK_EQ_U64(rc_group_pool_peek(o, c)->usage, 3);
        CHECK_EQ_U64(rc_group_pool_peek(e->root, c)->usage, 3);
        CHECK_EQ_U64(rc_group_pool_peek(g, c)->usage, 3);
        rc_engine_free(e);
}

TEST(test_group_gc) {
        rc_counter *c = NULL;
        rc_engine *e = engine_res_a("misc/res_a", &c);

        /* Nothing held: the unit and its parents are forgotten. */
        rc_group *g = NULL;
        CHECK_EQ_INT(rc_group_get(e, "vm42.scope", "a-b.slice", &g, NULL), 0);
        CHECK_EQ_INT(e->groups.n_entries, 4);
        rc_group_gc(e, g);
        CHECK(rc_group_find(e, "vm42.scope") == NULL);
        CHECK(rc_group_find(e, "a-b.slice") == NULL);
        CHECK(rc_group_find(e, "a.slice") == NULL);
        CHECK_EQ_INT(e->groups.n_entries, 1);
        CHECK_EQ_INT(e->root->n_children, 0);

        /* The root is never forgotten. */
        rc_group_gc(e, e->root);
        CHECK(rc_group_find(e, "-.slice") == e->root);

        /* A charge holds it; the last uncharge forgets it. */
        CHECK_EQ_INT(rc_group_get(e, "vm42.scope", NULL, &g, NULL), 0);
        rc_charge *ch = NULL;
        CHECK_EQ_INT(rc_charge_new(e, g, c, 2, 0, 0, &ch, NULL, NULL), 0);
        rc_group_gc(e, g);
        CHECK(rc_group_find(e, "vm42.scope") == g);
        rc_charge_uncharge(e, ch, 1);           /* partial: still held */
        CHECK(rc_group_find(e, "vm42.scope") == g);
        rc_charge_uncharge(e, ch, 0);
        CHECK(rc_group_find(e, "vm42.scope") == NULL);
        CHECK(rc_group_find(e, "system.slice") == NULL);

        /* A limit holds it; writing the default back forgets it. */
        CHECK_EQ_INT(rc_group_get(e, "vm42.scope", NULL, &g, NULL), 0);
        CHECK_EQ_INT(rc_file_write(e, g, "misc.max", "res_a 5", NULL), 0);
        rc_group_gc(e, g);
        CHECK(rc_group_find(e, "vm42.scope") == g);
        CHECK(rc_group_has_limits(e, g));
        CHECK_EQ_INT(rc_file_write(e, g, "misc.max", "res_a max", NULL), 0);
        CHECK(rc_group_find(e, "vm42.scope") == NULL);
        CHECK(rc_group_find(e, "system.slice") == NULL);

        /* A rejected write to a fresh group leaves nothing behind. */
        CHECK_EQ_INT(rc_group_get(e, "vm43.scope", NULL, &g, NULL), 0);
        CHECK_EQ_INT(rc_file_write(e, g, "misc.max", "res_a x", NULL), -EINVAL);
        CHECK(rc_group_find(e, "vm43.scope") == NULL);

        /* A child holds its parent. */
        rc_group *a = NULL, *ab = NULL;
        CHECK_EQ_INT(rc_group_get(e, "a-b.slice", NULL, &ab, NULL), 0);
        a = rc_group_find(e, "a.slice");
        CHECK(a);
        rc_group_gc(e, a);
        CHECK(rc_group_find(e, "a.slice") == a);
        rc_group_gc(e, ab);
        CHECK(rc_group_find(e, "a-b.slice") == NULL);
        CHECK(rc_group_find(e, "a.slice") == NULL);

        /* A pin (a live unit) holds it; unpinning forgets it. */
        CHECK_EQ_INT(rc_group_get(e, "foo.service", NULL, &g, NULL), 0);
        rc_group_pin(e, g, true);
        rc_group_gc(e, g);
        CHECK(rc_group_find(e, "foo.service") == g);
        CHECK(rc_group_find(e, "system.slice"));
        rc_group_pin(e, g, false);
        CHECK(rc_group_find(e, "foo.service") == NULL);
        CHECK(rc_group_find(e, "system.slice") == NULL);

        /* A parent with a limit of its own stays when its child goes. */
        rc_group *p = NULL;
        CHECK_EQ_INT(rc_group_get(e, "p.slice", NULL, &p, NULL), 0);
        CHECK_EQ_INT(rc_file_write(e, p, "misc.max", "res_a 4", NULL), 0);
        CHECK_EQ_INT(rc_group_get(e, "p-c.slice", NULL, &g, NULL), 0);
        rc_group_gc(e, g);
        CHECK(rc_group_find(e, "p-c.slice") == NULL);
        CHECK(rc_group_find(e, "p.slice") == p);
        CHECK_EQ_INT(p->n_children, 0);
        CHECK_EQ_INT(e->groups.n_entries, 2);
        rc_engine_free(e);
}

/* ---- resource keys ---- */

static void key_ok(const char *key, rc_controller ctl, const char *name, int kind) {
        rc_key k;
        memset(&k, 0x55, sizeof(k));
        int r = rc_key_parse(key, &k, NULL);
        if (r != 0)
                fprintf(stderr, "rejected key: '%s'\n", key);
        CHECK_EQ_INT(r, 0);
        CHECK_EQ_INT(k.controller, ctl);
        CHECK_EQ_STR(k.name, name);
        CHECK_EQ_INT(k.kind, kind);
}

static void key_bad(const char *key) {
        rc_key k;
        rc_err err = {{0}};
        int r = rc_key_parse(key, &k, &err);
        if (r != -EINVAL)
                fprintf(stderr, "key: '%s' gives %d\n", key ? key : "(null)", r);
        CHECK_EQ_INT(r, -EINVAL);
        CHECK(err.msg[0] != 0);
}

TEST(test_key_misc) {
        /* key, name; no '/' is misc, whatever the word; 32 characters is the longest */
        static const char *const ok[][2] = {
                { "sev", "sev" }, { "misc/sev", "sev" }, { "sev_es", "sev_es" }, { "misc/sev_es", "sev_es" },
                { "tdx", "tdx" }, { "a", "a" }, { "a0_9", "a0_9" }, { "res_a", "res_a" },
                { "rdma", "rdma" }, { "dmem", "dmem" },
                { "abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345" },
                { "misc/abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345" },
        };
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                key_ok(ok[i][0], RC_MISC, ok[i][1], -1);

        key_bad("abcdefghijklmnopqrstuvwxyz0123456");
        key_bad("misc/abcdefghijklmnopqrstuvwxyz0123456");
        key_bad("");
        key_bad(NULL);
        key_bad("misc/");
        key_bad("Sev");
        key_bad("SEV");
        key_bad("misc/Sev");
        key_bad("1sev");
        key_bad("_sev");
        key_bad("sev-es");
        key_bad("sev.es");
        key_bad("sev ");
        key_bad(" sev");
        key_bad("se v");
        key_bad("sev\n");
        key_bad("misc/sev/x");
        key_bad("misc//sev");
        key_bad("MISC/sev");
        key_bad("/sev");
        key_bad("foo/sev");
}

TEST(test_key_misc_word) {
        /* ... so "misc" alone is the misc resource named "misc". */
        key_ok("misc", RC_MISC, "misc", -1);
}

TEST(test_key_dmem) {
        key_ok("dmem/drm/0000:03:00.0/vram0", RC_DMEM, "drm/0000:03:00.0/vram0", -1);
        key_ok("dmem/drm/0000:03:00.0/stolen", RC_DMEM, "drm/0000:03:00.0/stolen", -1);
        key_ok("dmem/vram0", RC_DMEM, "vram0", -1);
        key_ok("dmem/Drm/X-Y_z.0", RC_DMEM, "Drm/X-Y_z.0", -1);
        key_bad("dmem/");
        key_bad("dmem/drm/0000:03:00.0/vram0 1G");      /* a blank would split the file line */
        key_bad("dmem/a\tb");
        key_bad("dmem/a\nb");
        key_bad("dmem/a\x01");
        key_bad("DMEM/vram0");
        key_bad("dmem//vram0");
        key_bad("dmem/vram0/");
}

TEST(test_key_rdma) {
        key_ok("rdma/mlx5_0", RC_RDMA, "mlx5_0", -1);
        key_ok("rdma/mlx5_0/hca_handle", RC_RDMA, "mlx5_0", RC_RDMA_HCA_HANDLE);
        key_ok("rdma/mlx5_0/hca_object", RC_RDMA, "mlx5_0", RC_RDMA_HCA_OBJECT);
        key_ok("rdma/mlx4_0/hca_object", RC_RDMA, "mlx4_0", RC_RDMA_HCA_OBJECT);
        /* IB device names are up to 63 characters (IB_DEVICE_NAME_MAX 64). */
        char *k63 = long_name(5 + 63, "0"), *k64 = long_name(5 + 64, "0");
        memcpy(k63, "rdma/", 5);
        memcpy(k64, "rdma/", 5);
        key_ok(k63, RC_RDMA, k63 + 5, -1);
        CHECK_EQ_INT(strlen(k63 + 5), 63);
        key_bad(k64);
        free(k63);
        free(k64);
        key_bad("rdma/");
        key_bad("rdma//hca_handle");
        key_bad("rdma/mlx5_0/");
        key_bad("rdma/mlx5_0/foo");
        key_bad("rdma/mlx5_0/HCA_HANDLE");
        key_bad("rdma/mlx5_0/hca_handle/x");
        key_bad("rdma/mlx5_0/hca_handle ");
        key_bad("rdma/mlx 5/hca_handle");
        key_bad("rdma/mlx5_0\n");
        key_bad("RDMA/mlx5_0");

        CHECK_EQ_STR(rc_controller_to_string(RC_MISC), "misc");
        CHECK_EQ_STR(rc_controller_to_string(RC_DMEM), "dmem");
        CHECK_EQ_STR(rc_controller_to_string(RC_RDMA), "rdma");
        CHECK_EQ_STR(rc_rdma_kind_to_string(RC_RDMA_HCA_HANDLE), "hca_handle");
        CHECK_EQ_STR(rc_rdma_kind_to_string(RC_RDMA_HCA_OBJECT), "hca_object");
}

TEST(test_key_too_long) {
        char *k = long_name(400, "/x");
        memcpy(k, "dmem/", 5);
        key_bad(k);
        free(k);
}

/* Keys as the engine uses them: "sev" and "misc/sev" are one resource. */
TEST(test_key_lookup) {
        rc_engine *e = rc_engine_new();
        CHECK(e);
        rc_resource *r1 = NULL, *r2 = NULL;
        bool created = false;
        CHECK_EQ_INT(rc_resource_register(e, "sev", 4, &r1, &created, NULL), 0);
        CHECK(created);
        CHECK_EQ_INT(rc_resource_register(e, "misc/sev", 8, &r2, &created, NULL), 0);
        CHECK(!created);
        CHECK(r1 == r2);
        CHECK_EQ_U64(r1->capacity, 8);
        CHECK_EQ_STR(r1->name, "sev");
        CHECK_EQ_STR(r1->key, "misc/sev");
        CHECK_EQ_INT(e->n_resources, 1);

        rc_counter *c1 = NULL, *c2 = NULL;
        CHECK_EQ_INT(rc_counter_find(e, "sev", &c1, NULL), 0);
        CHECK_EQ_INT(rc_counter_find(e, "misc/sev", &c2, NULL), 0);
        CHECK(c1 && c1 == c2 && c1->resource == r1);
        CHECK_EQ_STR(c1->key, "misc/sev");
        CHECK_EQ_INT(rc_counter_find(e, "sev_es", &c1, NULL), -ENODEV);
        CHECK_EQ_INT(rc_counter_find(e, "Sev", &c1, NULL), -EINVAL);
        CHECK_EQ_INT(rc_resource_register(e, "misc/Sev", 1, NULL, NULL, NULL), -EINVAL);

        /* rdma: a device registers with both kinds; a charge names a kind. */
        rc_resource *d = NULL;
        CHECK_EQ_INT(rc_resource_register(e, "rdma/mlx5_0", RC_MAX, &d, &created, NULL), 0);
        CHECK(created && d->n_counters == 2);
        CHECK_EQ_STR(d->key, "rdma/mlx5_0");
        CHECK_EQ_STR(d->counters[RC_RDMA_HCA_HANDLE].key, "rdma/mlx5_0/hca_handle");
        CHECK_EQ_STR(d->counters[RC_RDMA_HCA_OBJECT].key, "rdma/mlx5_0/hca_object");
        CHECK_EQ_INT(rc_resource_register(e, "rdma/mlx5_0/hca_handle", RC_MAX, NULL, NULL, NULL), -EINVAL);
        CHECK_EQ_INT(rc_counter_find(e, "rdma/mlx5_0/hca_object", &c1, NULL), 0);
        CHECK(c1 == &d->counters[RC_RDMA_HCA_OBJECT]);
        CHECK_EQ_INT(rc_counter_find(e, "rdma/mlx5_0", &c1, NULL), -EINVAL);
        CHECK_EQ_INT(rc_counter_find(e, "rdma/mlx4_0/hca_object", &c1, NULL), -ENODEV);
        rc_resource *lk = NULL;
        CHECK_EQ_INT(rc_resource_lookup(e, "rdma/mlx5_0", &lk, NULL), 0);
        CHECK(lk == d);
        CHECK_EQ_INT(rc_resource_lookup(e, "rdma/mlx5_0/hca_handle", &lk, NULL), -EINVAL);
        CHECK_EQ_INT(rc_resource_lookup(e, "sev", &lk, NULL), 0);
        CHECK(lk == r1);
        CHECK_EQ_INT(rc_resource_lookup(e, "misc/tdx", &lk, NULL), -ENODEV);
        rc_engine_free(e);
}

int main(void) {
        RUN(test_unit_name_valid);
        RUN(test_unit_name_invalid);
        RUN(test_unit_name_length);
        RUN(test_unit_name_is_slice);
        RUN(test_slice_name_valid);
        RUN(test_slice_parent);
        RUN(test_group_get_slice_chain);
        RUN(test_group_get_invalid);
        RUN(test_unit_default_slice);
        RUN(test_unit_given_slice);
        RUN(test_group_gc);
        RUN(test_key_misc);
        RUN(test_key_misc_word);
        RUN(test_key_dmem);
        RUN(test_key_rdma);
        RUN(test_key_too_long);
        RUN(test_key_lookup);
        return TEST_EXIT();
}
