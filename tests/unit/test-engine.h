/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers shared by the engine tests. */

#include <stdlib.h>

#include "engine.h"
#include "test.h"

/* A file of g reads exactly `expected`. */
#define CHECK_FILE(e, g, file, expected)                                \
        do {                                                            \
                char *_s = NULL;                                        \
                CHECK_EQ_INT(rc_file_read((e), (g), (file), &_s, NULL), 0); \
                CHECK_EQ_STR(_s, (expected));                           \
                free(_s);                                               \
        } while (0)

/* Each of the files named after `expected` reads exactly that. */
#define CHECK_FILES(e, g, expected, ...)                                \
        do {                                                            \
                const char *const _files[] = { __VA_ARGS__ };           \
                for (size_t _i = 0; _i < sizeof(_files) / sizeof(_files[0]); _i++) \
                        CHECK_FILE((e), (g), _files[_i], (expected));   \
        } while (0)

/* A test on a fresh Fixture from the file's fixture(), freed after it: the
 * body gets it as f, and a zeroed rc_refusal as ref. */
#define FIXTURE_TEST(name)                                                      \
        static void name##_body(Fixture f, rc_refusal ref);                    \
        TEST(name) {                                                            \
                Fixture _f = fixture();                                         \
                name##_body(_f, (rc_refusal) { 0 });                            \
                rc_engine_free(_f.e);                                           \
        }                                                                       \
        static void name##_body(Fixture f, rc_refusal ref)

/* A group pinned like a live unit, so that it is never collected under a test. */
static inline rc_group *group(rc_engine *e, const char *name) {
        rc_group *g = NULL;
        CHECK_EQ_INT(rc_group_get(e, name, NULL, &g, NULL), 0);
        if (g)
                rc_group_pin(e, g, true);
        return g;
}

/* The dmem regions of kernel-semantics.md section 6: V then S. */
#define VN "drm/0000:03:00.0/vram0"
#define SN "drm/0000:03:00.0/stolen"
#define VKEY "dmem/" VN
#define SKEY "dmem/" SN
#define VSIZE UINT64_C(8514437120)
#define SSIZE UINT64_C(67108864)
#define MiB UINT64_C(1048576)
#define GiB UINT64_C(1073741824)

static inline rc_engine *engine_new(void) {
        rc_engine *e = rc_engine_new();
        CHECK(e);
        return e;
}

typedef struct ResourceSpec {
        const char *key;
        uint64_t capacity;
        rc_resource **ret;              /* may be NULL */
} ResourceSpec;

/* Registers each { key, capacity, &ret }; each must be new. */
#define resources(e, ...) resources_register((e), (const ResourceSpec[]) { __VA_ARGS__, { NULL, 0, NULL } })
static inline void resources_register(rc_engine *e, const ResourceSpec *v) {
        for (; v->key; v++) {
                bool created = false;
                CHECK_EQ_INT(rc_resource_register(e, v->key, v->capacity, v->ret, &created, NULL), 0);
                CHECK(created);
        }
}

typedef struct CounterSpec {
        const char *key;
        rc_counter **ret;
} CounterSpec;

/* Finds each { key, &ret }. */
#define counters(e, ...) counters_find((e), (const CounterSpec[]) { __VA_ARGS__, { NULL, NULL } })
static inline void counters_find(rc_engine *e, const CounterSpec *v) {
        for (; v->key; v++)
                CHECK_EQ_INT(rc_counter_find(e, v->key, v->ret, NULL), 0);
}

typedef struct GroupSpec {
        rc_group **ret;
        const char *name;
} GroupSpec;

/* group() for each { &ret, name }, in order. */
#define groups(e, ...) groups_get((e), (const GroupSpec[]) { __VA_ARGS__, { NULL, NULL } })
static inline void groups_get(rc_engine *e, const GroupSpec *v) {
        for (; v->name; v++)
                *v->ret = group(e, v->name);
}

/* Section 6's tree: root -> p.slice -> p-c.slice, root -> `other`. */
static inline void tree(rc_engine *e, rc_group **root, rc_group **p, rc_group **c, const char *other,
                        rc_group **o) {
        *root = e->root;
        *p = group(e, "p.slice");
        *c = group(e, "p-c.slice");
        *o = group(e, other);
        CHECK(*c && (*c)->parent == *p && (*p)->parent == *root && (*o)->parent == *root);
}

/* g's pool for c, or `none` where g has none (the defaults). */
static inline const rc_pool *pool_or(const rc_group *g, const rc_counter *c, const rc_pool *none) {
        const rc_pool *p = rc_group_pool_peek(g, c);
        return p ? p : none;
}

/* A persistent charge; every error says why. */
static inline int charge_new(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount, rc_charge **ret,
                             rc_refusal *refusal) {
        rc_err err = {{0}};
        int r = rc_charge_new(e, g, c, amount, 0, RC_CHARGE_PERSIST, ret, refusal, &err);
        if (r < 0)
                CHECK(err.msg[0] != 0);
        return r;
}

/* A WriteFile; every error says why. */
static inline int file_write(rc_engine *e, rc_group *g, const char *file, const char *text) {
        rc_err err = {{0}};
        int r = rc_file_write(e, g, file, text, &err);
        if (r < 0)
                CHECK(err.msg[0] != 0);
        return r;
}

/* ---- snapshots: what an operation that failed must have left alone ---- */

/* Every field of two pools; emin/elow are computed on demand and the
 * snapshots zero them. */
static inline void check_same_pool(const rc_pool *x, const rc_pool *y) {
        CHECK_EQ_U64(x->usage, y->usage);
        CHECK_EQ_U64(x->peak, y->peak);
        CHECK_EQ_U64(x->max, y->max);
        CHECK_EQ_U64(x->min, y->min);
        CHECK_EQ_U64(x->low, y->low);
        CHECK_EQ_U64(x->events, y->events);
        CHECK_EQ_U64(x->events_local, y->events_local);
        CHECK_EQ_U64(x->min_usage, y->min_usage);
        CHECK_EQ_U64(x->low_usage, y->low_usage);
        CHECK_EQ_U64(x->children_min_usage, y->children_min_usage);
        CHECK_EQ_U64(x->children_low_usage, y->children_low_usage);
}

typedef struct SnapCharge {
        uint64_t id, amount;
        const rc_group *g;
        uint32_t flags;
} SnapCharge;

static inline SnapCharge snap_charge(const rc_charge *ch) {
        return (SnapCharge) { .id = ch->id, .amount = ch->amount, .g = ch->group, .flags = ch->flags };
}

static inline void check_same_charges(const SnapCharge *a, size_t n_a, const SnapCharge *b, size_t n_b) {
        CHECK_EQ_INT(n_a, n_b);
        for (size_t i = 0; i < n_a && i < n_b; i++) {
                CHECK_EQ_U64(a[i].id, b[i].id);
                CHECK_EQ_U64(a[i].amount, b[i].amount);
                CHECK(a[i].g == b[i].g);
                CHECK_EQ_U64(a[i].flags, b[i].flags);
        }
}

/* A refusal by g's max or capacity: limit ANY and capacity -1 are not
 * checked. */
#define ANY UINT64_MAX
static inline void check_refusal(const rc_refusal *ref, const rc_group *g, uint64_t limit, int capacity) {
        CHECK(ref->limit_group == g);
        if (limit != ANY)
                CHECK_EQ_U64(ref->limit, limit);
        if (capacity >= 0)
                CHECK_EQ_INT(ref->capacity, capacity);
}

/* g's events_local and events for c (R8). */
static inline void check_events(const rc_group *g, const rc_counter *c, uint64_t local, uint64_t events) {
        static const rc_pool none;
        CHECK_EQ_U64(pool_or(g, c, &none)->events_local, local);
        CHECK_EQ_U64(pool_or(g, c, &none)->events, events);
}
