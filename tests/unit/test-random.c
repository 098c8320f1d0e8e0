/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Randomized test of the engine against an independent model.
 *
 * Long random sequences of register / set capacity / charge / partial and
 * full uncharge / limit writes (rc_file_write, malformed text included) /
 * migrations / slice changes / pins / reads / unregister, over a random tree
 * of slices and units, on misc, dmem and rdma resources. The model keeps its
 * own charges, tree, limits, events and peaks; after every step the whole
 * engine state is compared with it:
 *   (a) usage = sum of the live charges in the subtree, for every counter;
 *   (b) peak >= usage, and peak = the highest committed usage (R4);
 *   (c) events/events_local exactly as the model counts refusals (R8):
 *       they never decrease while the group and resource live;
 *   (d) a failed operation changes nothing (full snapshot before/after);
 *   (e) a group exists exactly while it holds a charge, a limit, a child
 *       or a pin (api.md "Names");
 *   (f) dmem children_min_usage/children_low_usage sums (page_counter 4.1);
 *   (g) charge and migration outcomes, errno and refusal->limit_group, from
 *       the model (first failing level from the bottom, R3, R7, R9).
 *
 * The seed is printed; RESCTL_TEST_SEED, RESCTL_TEST_RUNS, RESCTL_TEST_STEPS
 * override the defaults, RESCTL_TEST_VERBOSE=1 prints every operation.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "test.h"

#define DEFAULT_SEED UINT64_C(20250611)
#define DEFAULT_RUNS 20
#define DEFAULT_STEPS 5000

#define MAX_NAMES 64
#define N_RES 7
#define N_CTR 9
#define MAX_CHARGES 512
#define SOFT_CHARGES 300
#define TRACE 40
#define NAME_LEN 64

/* ---- random numbers: splitmix64 ---- */

static uint64_t rng;

static uint64_t rnd(void) {
        uint64_t z = (rng += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static uint64_t below(uint64_t n) {
        return n ? rnd() % n : 0;
}

static bool chance(unsigned pct) {
        return below(100) < pct;
}

static uint64_t range(uint64_t lo, uint64_t hi) {
        return lo + below(hi - lo + 1);
}

/* ---- resources and counters ---- */

typedef struct ResDef {
        rc_controller ctrl;
        const char *name;       /* as files print it */
        const char *key;        /* as passed to register ("sev_es": no prefix on purpose) */
} ResDef;

static const ResDef res_defs[N_RES] = {
        { RC_MISC, "sev", "misc/sev" },
        { RC_MISC, "sev_es", "sev_es" },
        { RC_MISC, "tdx", "misc/tdx" },
        { RC_DMEM, "drm/0000:03:00.0/vram0", "dmem/drm/0000:03:00.0/vram0" },
        { RC_DMEM, "drm/0000:04:00.0/vram1", "dmem/drm/0000:04:00.0/vram1" },
        { RC_RDMA, "mlx5_0", "rdma/mlx5_0" },
        { RC_RDMA, "mlx4_0", "rdma/mlx4_0" },
};

static unsigned res_ctr0[N_RES], res_nctr[N_RES];
static unsigned ctr_res[N_CTR], ctr_kind[N_CTR];
static char ctr_key[N_CTR][96];

static void init_counters(void) {
        unsigned c = 0;
        for (unsigned r = 0; r < N_RES; r++) {
                res_ctr0[r] = c;
                res_nctr[r] = res_defs[r].ctrl == RC_RDMA ? 2 : 1;
                for (unsigned k = 0; k < res_nctr[r]; k++, c++) {
                        ctr_res[c] = r;
                        ctr_kind[c] = k;
                        if (res_defs[r].ctrl == RC_RDMA)
                                snprintf(ctr_key[c], sizeof(ctr_key[c]), "rdma/%s/%s", res_defs[r].name,
                                         k ? "hca_object" : "hca_handle");
                        else
                                snprintf(ctr_key[c], sizeof(ctr_key[c]), "%s/%s",
                                         res_defs[r].ctrl == RC_MISC ? "misc" : "dmem", res_defs[r].name);
                }
        }
}

static rc_controller ctr_ctrl(unsigned c) {
        return res_defs[ctr_res[c]].ctrl;
}

static uint64_t default_max(unsigned c) {
        static const uint64_t max[] = { [RC_MISC] = RC_MAX, [RC_DMEM] = RC_PCM, [RC_RDMA] = RC_S32_MAX };
        return max[ctr_ctrl(c)];
}

/* ---- the model ---- */

typedef struct MPool {
        uint64_t max, min, low;
        uint64_t events, events_local;
        uint64_t peak;
} MPool;

typedef struct MCharge {
        uint64_t id;
        int g;
        unsigned ctr;
        uint64_t amount, owner;
        uint32_t flags;
} MCharge;

typedef struct Model {
        /* the run's universe of valid names */
        unsigned n_names;
        char names[MAX_NAMES][NAME_LEN];
        bool is_slice[MAX_NAMES];
        int slice_parent[MAX_NAMES];
        int root, system;
        int slices[MAX_NAMES], units[MAX_NAMES];
        unsigned n_slices, n_units;

        /* state */
        int unit_parent[MAX_NAMES];             /* -1: the unit does not exist */
        bool pinned[MAX_NAMES];
        bool registered[N_RES];
        uint64_t capacity[N_RES];
        unsigned order[N_RES], n_order;
        MPool pool[MAX_NAMES][N_CTR];
        MCharge charges[MAX_CHARGES];
        unsigned n_charges;
        uint64_t next_id;

        uint64_t usage[MAX_NAMES][N_CTR];       /* derived: compute_usage() */
} Model;

static Model M;
static rc_engine *E;

/* ---- failure reporting ---- */

static uint64_t base_seed, run_seed;
static unsigned run_no, step_no, fails_in_run;
static bool run_failed, verbose;
static char trace[TRACE][240];
static unsigned trace_n;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *t = trace[trace_n++ % TRACE];
        int n = snprintf(t, sizeof(trace[0]), "step %u: ", step_no);
        vsnprintf(t + n, sizeof(trace[0]) - (size_t) n, fmt, ap);
        va_end(ap);
        if (verbose)
                printf("  %s\n", t);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
        test_failures++;
        if (!run_failed) {
                fprintf(stderr, "\n*** test-random: run %u (seed %" PRIu64 ", run seed %" PRIu64 ") failed at step %u\n"
                        "*** reproduce: RESCTL_TEST_SEED=%" PRIu64 " (runs > %u), last operations:\n",
                        run_no, base_seed, run_seed, step_no, base_seed, run_no);
                unsigned first = trace_n > TRACE ? trace_n - TRACE : 0;
                for (unsigned i = first; i < trace_n; i++)
                        fprintf(stderr, "    %s\n", trace[i % TRACE]);
        }
        run_failed = true;
        if (fails_in_run++ >= 20)
                return;
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "  FAIL: ");
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "\n");
        va_end(ap);
}

static void ctxf(char *buf, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ctxf(char *buf, size_t sz, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sz, fmt, ap);
        va_end(ap);
}

#define EXPECT(cond, ...)                                                               \
        do {                                                                            \
                if (!(cond)) {                                                          \
                        char _ctx[200];                                                 \
                        ctxf(_ctx, sizeof(_ctx), __VA_ARGS__);                      \
                        fail("%s:%d: %s [%s]", __FILE__, __LINE__, #cond, _ctx);        \
                }                                                                       \
        } while (0)

#define EXPECT_EQ(got, exp, ...)                                                        \
        do {                                                                            \
                uint64_t _g = (uint64_t) (got), _e = (uint64_t) (exp);                  \
                if (_g != _e) {                                                         \
                        char _ctx[200];                                                 \
                        ctxf(_ctx, sizeof(_ctx), __VA_ARGS__);                      \
                        fail("%s:%d: %s = %" PRIu64 " (%" PRId64 "), expected %" PRIu64 " (%" PRId64 ") [%s]", \
                             __FILE__, __LINE__, #got, _g, (int64_t) _g, _e, (int64_t) _e, _ctx); \
                }                                                                       \
        } while (0)

/* Error messages: present and one line. */
static void check_err(int r, const rc_err *err, const char *what) {
        if (r >= 0)
                return;
        EXPECT(err->msg[0] != 0, "%s: error %d without a message", what, r);
        EXPECT(!strchr(err->msg, '\n'), "%s: message has a newline: %s", what, err->msg);
}

/* ---- coverage statistics, printed at the end ---- */

typedef struct Stat {
        const char *op;
        int r;
        uint64_t n;
} Stat;

static Stat stats[128];
static unsigned n_stats;

static void stat_add(const char *op, int r) {
        for (unsigned i = 0; i < n_stats; i++)
                if (stats[i].r == r && strcmp(stats[i].op, op) == 0) {
                        stats[i].n++;
                        return;
                }
        if (n_stats < sizeof(stats) / sizeof(stats[0]))
                stats[n_stats++] = (Stat) { op, r, 1 };
}

static int cmp_stat(const void *a, const void *b) {
        const Stat *x = a, *y = b;
        int c = strcmp(x->op, y->op);
        return c ? c : (x->r > y->r) - (x->r < y->r);
}

static void stats_print(void) {
        qsort(stats, n_stats, sizeof(Stat), cmp_stat);
        for (unsigned i = 0; i < n_stats; i++)
                printf("  %-24s %-8s %" PRIu64 "\n", stats[i].op,
                       stats[i].r == 0 ? "ok" : stats[i].r == -EINVAL ? "EINVAL" : stats[i].r == -EBUSY ? "EBUSY" :
                       stats[i].r == -ERANGE ? "ERANGE" : stats[i].r == -ENODEV ? "ENODEV" : stats[i].r == -ENOENT ? "ENOENT" :
                       stats[i].r == -EACCES ? "EACCES" : stats[i].r == 1 ? "capacity" : "other", stats[i].n);
}

/* ---- names ---- */

static int name_find(const char *n) {
        for (unsigned i = 0; i < M.n_names; i++)
                if (strcmp(M.names[i], n) == 0)
                        return (int) i;
        return -1;
}

static int name_add(const char *n, bool slice) {
        int i = name_find(n);
        if (i >= 0)
                return i;
        if (M.n_names >= MAX_NAMES)
                return -1;
        i = (int) M.n_names++;
        snprintf(M.names[i], NAME_LEN, "%s", n);
        M.is_slice[i] = slice;
        M.slice_parent[i] = -1;
        M.unit_parent[i] = -1;
        if (slice)
                M.slices[M.n_slices++] = i;
        else
                M.units[M.n_units++] = i;
        return i;
}

/* "a-b-c.slice" -> "a-b.slice", "a.slice" -> "-.slice", computed here
 * independently of unit-name.c. */
static int add_slice(const char *n) {
        int i = name_find(n);
        if (i >= 0)
                return i;
        if (strcmp(n, RC_ROOT_GROUP) == 0)
                return name_add(n, true);
        char parent[NAME_LEN];
        size_t plen = strlen(n) - strlen(".slice");
        const char *dash = NULL;
        for (size_t k = 0; k < plen; k++)
                if (n[k] == '-')
                        dash = n + k;
        if (dash)
                snprintf(parent, sizeof(parent), "%.*s.slice", (int) (dash - n), n);
        else
                snprintf(parent, sizeof(parent), "%s", RC_ROOT_GROUP);
        int p = add_slice(parent);
        if (p < 0)
                return -1;
        i = name_add(n, true);
        if (i >= 0)
                M.slice_parent[i] = p;
        return i;
}

static void universe_new(void) {
        static const char *const letters[] = { "a", "b", "c", "gpu" };
        M.root = add_slice(RC_ROOT_GROUP);
        M.system = add_slice(RC_DEFAULT_SLICE);
        unsigned n = (unsigned) range(5, 12);
        for (unsigned s = 0; s < n; s++) {
                char buf[NAME_LEN] = "";
                unsigned depth = (unsigned) range(1, 5);
                for (unsigned d = 0; d < depth; d++) {
                        if (d)
                                strcat(buf, "-");
                        strcat(buf, letters[below(4)]);
                }
                strcat(buf, ".slice");
                if (M.n_names + 6 < MAX_NAMES - 14)
                        add_slice(buf);
        }
        for (unsigned u = 0; u < 10; u++) {
                char buf[NAME_LEN];
                snprintf(buf, sizeof(buf), "vm%u.scope", u);
                name_add(buf, false);
        }
        name_add("web.service", false);
        name_add("getty@tty1.service", false);
}

static const char *const invalid_names[] = {
        "a--b.slice", "-a.slice", "a-.slice", "noext", "foo@.service", "", "x y.scope", "vm1.nosuchtype",
};
static const char *const invalid_slices[] = {
        "a--b.slice", "-a.slice", "a-.slice", "vm1.scope", "x@y.slice", "",
};

static int mparent(int i) {
        return M.is_slice[i] ? M.slice_parent[i] : M.unit_parent[i];
}

static unsigned mdepth(int i) {
        unsigned d = 0;
        for (int p = mparent(i); p >= 0; p = mparent(p))
                d++;
        return d;
}

static int mcommon(int a, int b) {
        unsigned da = mdepth(a), db = mdepth(b);
        for (; da > db; da--)
                a = mparent(a);
        for (; db > da; db--)
                b = mparent(b);
        while (a != b) {
                a = mparent(a);
                b = mparent(b);
        }
        return a;
}

static void mpool_reset(int i, unsigned c) {
        M.pool[i][c] = (MPool) { .max = default_max(c) };
}

static void compute_usage(void) {
        memset(M.usage, 0, sizeof(M.usage));
        for (unsigned k = 0; k < M.n_charges; k++) {
                const MCharge *m = &M.charges[k];
                unsigned guard = 0;
                for (int i = m->g; i >= 0 && guard < MAX_NAMES; i = mparent(i), guard++)
                        M.usage[i][m->ctr] += m->amount;
        }
}

static bool limits_nondefault(int i) {
        for (unsigned c = 0; c < N_CTR; c++) {
                const MPool *p = &M.pool[i][c];
                if (p->max != default_max(c) || p->min || p->low)
                        return true;
        }
        return false;
}

static void compute_held(bool held[MAX_NAMES]) {
        unsigned n_ch[MAX_NAMES] = {0};
        for (unsigned k = 0; k < M.n_charges; k++)
                n_ch[M.charges[k].g]++;
        memset(held, 0, sizeof(bool) * MAX_NAMES);
        for (unsigned i = 0; i < M.n_names; i++) {
                if (!((int) i == M.root || M.pinned[i] || n_ch[i] || limits_nondefault((int) i)))
                        continue;
                unsigned guard = 0;
                for (int a = (int) i; a >= 0 && guard < MAX_NAMES; a = mparent(a), guard++)
                        held[a] = true;
                if (!M.is_slice[i] && M.unit_parent[i] < 0)
                        fail("model: unit %s is held but has no parent", M.names[i]);
        }
}

static rc_counter *eng_ctr(unsigned c) {
        rc_resource *r = rc_resource_find(E, res_defs[ctr_res[c]].ctrl, res_defs[ctr_res[c]].name);
        return r ? &r->counters[ctr_kind[c]] : NULL;
}

static rc_group *eng_group(int i) {
        return i >= 0 ? rc_group_find(E, M.names[i]) : NULL;
}

static int group_idx(const rc_group *g) {
        return g ? name_find(g->name) : -1;
}

/* ---- snapshots (d) ---- */

typedef struct SPool {
        uint64_t usage, peak, max, min, low, min_usage, low_usage, cmu, clu;
} SPool;

typedef struct SGroup {
        int exists, parent;
        unsigned pinned, n_children, n_charges, depth;
        SPool pools[N_CTR];
} SGroup;

typedef struct SCharge {
        uint64_t id;
        int g, ctr;
        uint64_t amount, owner;
        uint64_t flags;
} SCharge;

typedef struct Snap {
        unsigned n_res;
        int res_order[N_RES + 4];
        uint64_t res_cap[N_RES + 4];
        uint64_t next_id;
        size_t n_groups, n_charges_total;
        SGroup g[MAX_NAMES];
        unsigned n_charges;
        SCharge ch[MAX_CHARGES];
} Snap;

static int res_idx(const rc_resource *r) {
        for (unsigned i = 0; i < N_RES; i++)
                if (res_defs[i].ctrl == r->controller && strcmp(res_defs[i].name, r->name) == 0)
                        return (int) i;
        return -1;
}

static int cmp_scharge(const void *a, const void *b) {
        uint64_t x = ((const SCharge *) a)->id, y = ((const SCharge *) b)->id;
        return x < y ? -1 : x > y;
}

static void snap_take(Snap *s) {
        memset(s, 0, sizeof(*s));
        list_for_each(l, &E->resources) {
                rc_resource *r = list_entry(l, rc_resource, link);
                if (s->n_res < N_RES + 4) {
                        s->res_order[s->n_res] = res_idx(r);
                        s->res_cap[s->n_res] = r->capacity;
                }
                s->n_res++;
        }
        rc_counter *ec[N_CTR];
        for (unsigned c = 0; c < N_CTR; c++)
                ec[c] = eng_ctr(c);
        s->next_id = E->next_charge_id;
        s->n_groups = E->groups.n_entries;
        for (unsigned i = 0; i < M.n_names; i++) {
                rc_group *g = rc_group_find(E, M.names[i]);
                SGroup *sg = &s->g[i];
                if (!g)
                        continue;
                sg->exists = 1;
                sg->parent = g->parent ? group_idx(g->parent) : -100;
                sg->pinned = g->pinned;
                sg->n_children = g->n_children;
                sg->n_charges = g->n_charges;
                sg->depth = g->depth;
                for (unsigned c = 0; c < N_CTR; c++) {
                        if (!ec[c])
                                continue;
                        const rc_pool *p = rc_group_pool_peek(g, ec[c]);
                        if (p)
                                sg->pools[c] = (SPool) { p->usage, p->peak, p->max, p->min, p->low, p->min_usage,
                                                         p->low_usage, p->children_min_usage, p->children_low_usage };
                        else
                                sg->pools[c] = (SPool) { .max = default_max(c) };
                }
        }
        s->n_charges_total = E->charges.n_entries;
        hashmap_for_each(n, &E->charges) {
                rc_charge *ch = container_of(n, rc_charge, node);
                if (s->n_charges >= MAX_CHARGES)
                        break;
                int ci = -1;
                for (unsigned c = 0; c < N_CTR; c++)
                        if (ec[c] == ch->counter)
                                ci = (int) c;
                s->ch[s->n_charges++] = (SCharge) { ch->id, group_idx(ch->group), ci, ch->amount, ch->owner, ch->flags };
        }
        qsort(s->ch, s->n_charges, sizeof(SCharge), cmp_scharge);
}

static const char *const spool_fields[] = {
        "usage", "peak", "max", "min", "low", "min_usage", "low_usage", "children_min_usage", "children_low_usage",
};

/* Reports the first differences between two snapshots. */
static void snap_expect_same(const Snap *a, const Snap *b, const char *what) {
        if (memcmp(a, b, sizeof(*a)) == 0)
                return;
        unsigned reported = 0;
#define DIFF(cond, ...) do { if ((cond) && reported++ < 6) fail(__VA_ARGS__); } while (0)
        DIFF(a->n_res != b->n_res, "%s changed the state: %u resources -> %u", what, a->n_res, b->n_res);
        for (unsigned i = 0; i < N_RES + 4; i++)
                DIFF(a->res_order[i] != b->res_order[i] || a->res_cap[i] != b->res_cap[i],
                     "%s changed the state: resource #%u (%d cap %" PRIu64 ") -> (%d cap %" PRIu64 ")", what, i,
                     a->res_order[i], a->res_cap[i], b->res_order[i], b->res_cap[i]);
        DIFF(a->next_id != b->next_id, "%s changed the state: next id %" PRIu64 " -> %" PRIu64, what, a->next_id, b->next_id);
        DIFF(a->n_groups != b->n_groups, "%s changed the state: %zu groups -> %zu", what, a->n_groups, b->n_groups);
        for (unsigned i = 0; i < M.n_names; i++) {
                const SGroup *x = &a->g[i], *y = &b->g[i];
                DIFF(x->exists != y->exists || x->parent != y->parent || x->pinned != y->pinned ||
                     x->n_children != y->n_children || x->n_charges != y->n_charges || x->depth != y->depth,
                     "%s changed the state: group %s exists %d->%d parent %d->%d children %u->%u charges %u->%u",
                     what, M.names[i], x->exists, y->exists, x->parent, y->parent, x->n_children, y->n_children,
                     x->n_charges, y->n_charges);
                for (unsigned c = 0; c < N_CTR; c++) {
                        const uint64_t *px = (const uint64_t *) &x->pools[c], *py = (const uint64_t *) &y->pools[c];
                        for (unsigned f = 0; f < sizeof(SPool) / sizeof(uint64_t); f++)
                                DIFF(px[f] != py[f], "%s changed the state: %s %s %s %" PRIu64 " -> %" PRIu64, what,
                                     M.names[i], ctr_key[c], spool_fields[f], px[f], py[f]);
                }
        }
        DIFF(a->n_charges_total != b->n_charges_total, "%s changed the state: %zu charges -> %zu", what,
             a->n_charges_total, b->n_charges_total);
        for (unsigned k = 0; k < MAX_CHARGES; k++)
                DIFF(memcmp(&a->ch[k], &b->ch[k], sizeof(SCharge)) != 0,
                     "%s changed the state: charge #%u id %" PRIu64 " group %d amount %" PRIu64 " -> id %" PRIu64
                     " group %d amount %" PRIu64, what, k, a->ch[k].id, a->ch[k].g, a->ch[k].amount, b->ch[k].id,
                     b->ch[k].g, b->ch[k].amount);
        if (!reported)
                fail("%s changed the state (padding?)", what);
#undef DIFF
}

/* ---- full verification after every step ---- */

static void verify_all(void) {
        compute_usage();

        /* resources, in registration order */
        unsigned k = 0;
        list_for_each(l, &E->resources) {
                rc_resource *r = list_entry(l, rc_resource, link);
                int ri = res_idx(r);
                EXPECT(k < M.n_order && ri == (int) M.order[k], "resource #%u is %s", k, r->key);
                if (ri >= 0)
                        EXPECT_EQ(r->capacity, M.capacity[ri], "capacity of %s", r->key);
                k++;
        }
        EXPECT_EQ(k, M.n_order, "number of resources");
        EXPECT_EQ(E->n_resources, M.n_order, "n_resources");

        rc_counter *ec[N_CTR];
        for (unsigned c = 0; c < N_CTR; c++) {
                ec[c] = eng_ctr(c);
                EXPECT_EQ(!!ec[c], M.registered[ctr_res[c]], "counter %s registered", ctr_key[c]);
                if (ec[c] && !M.registered[ctr_res[c]])
                        ec[c] = NULL;
        }

        /* (e) existence, tree shape */
        bool held[MAX_NAMES];
        compute_held(held);
        rc_group *gp[MAX_NAMES] = {0};
        unsigned n_exist = 0;
        for (unsigned i = 0; i < M.n_names; i++) {
                gp[i] = eng_group((int) i);
                n_exist += !!gp[i];
                EXPECT_EQ(!!gp[i], held[i], "group %s exists (exactly while it holds a charge, limit, child or pin)",
                          M.names[i]);
        }
        EXPECT_EQ(E->groups.n_entries, n_exist, "groups outside the model's names");
        EXPECT(E->root && E->root == gp[M.root], "root");

        unsigned n_ch[MAX_NAMES] = {0};
        for (unsigned j = 0; j < M.n_charges; j++)
                n_ch[M.charges[j].g]++;
        for (unsigned i = 0; i < M.n_names; i++) {
                rc_group *g = gp[i];
                if (!g)
                        continue;
                int mp = mparent((int) i);
                if ((int) i == M.root)
                        EXPECT(!g->parent, "root has a parent");
                else {
                        EXPECT(mp >= 0 && g->parent == gp[mp], "parent of %s is %s, expected %s", M.names[i],
                               g->parent ? g->parent->name : "(none)", mp >= 0 ? M.names[mp] : "(none)");
                        if (g->parent)
                                EXPECT_EQ(g->depth, g->parent->depth + 1, "depth of %s", M.names[i]);
                }
                unsigned children = 0;
                for (unsigned j = 0; j < M.n_names; j++)
                        children += gp[j] && gp[j]->parent == g;
                EXPECT_EQ(g->n_children, children, "n_children of %s", M.names[i]);
                EXPECT_EQ(g->n_charges, n_ch[i], "n_charges of %s", M.names[i]);
                unsigned listed = 0;
                list_for_each(l, &g->charges) {
                        rc_charge *ch = list_entry(l, rc_charge, group_link);
                        EXPECT(ch->group == g, "charge %" PRIu64 " on %s's list belongs to %s", ch->id, M.names[i],
                               ch->group->name);
                        if (++listed > MAX_CHARGES + 1)
                                break;
                }
                EXPECT_EQ(listed, n_ch[i], "charges listed on %s", M.names[i]);
                EXPECT_EQ(!!g->pinned, M.pinned[i], "pin of %s", M.names[i]);
        }
        for (unsigned i = 0; i < M.n_names; i++)
                if (M.pinned[i])
                        EXPECT(gp[i], "pinned %s exists", M.names[i]);

        /* charges: records equal the model's */
        EXPECT_EQ(E->charges.n_entries, M.n_charges, "number of charges");
        EXPECT_EQ(E->next_charge_id, M.next_id, "next charge id");
        unsigned per_ctr[N_CTR] = {0};
        for (unsigned j = 0; j < M.n_charges; j++) {
                const MCharge *m = &M.charges[j];
                per_ctr[m->ctr]++;
                rc_charge *ch = rc_charge_find(E, m->id);
                EXPECT(ch, "charge %" PRIu64 " exists", m->id);
                if (!ch)
                        continue;
                EXPECT(ch->group == gp[m->g], "charge %" PRIu64 " group %s, expected %s", m->id, ch->group->name,
                       M.names[m->g]);
                EXPECT(ch->counter == ec[m->ctr], "charge %" PRIu64 " counter %s, expected %s", m->id,
                       ch->counter->key, ctr_key[m->ctr]);
                EXPECT_EQ(ch->amount, m->amount, "charge %" PRIu64 " amount", m->id);
                EXPECT_EQ(ch->owner, m->owner, "charge %" PRIu64 " owner", m->id);
                EXPECT_EQ(ch->flags, m->flags, "charge %" PRIu64 " flags", m->id);
        }
        for (unsigned c = 0; c < N_CTR; c++) {
                if (!ec[c])
                        continue;
                unsigned listed = 0;
                uint64_t last = 0;
                list_for_each(l, &ec[c]->charges) {
                        rc_charge *ch = list_entry(l, rc_charge, counter_link);
                        EXPECT(ch->counter == ec[c], "charge %" PRIu64 " on %s's list", ch->id, ctr_key[c]);
                        EXPECT(ch->id > last, "LRU of %s not oldest first at %" PRIu64, ctr_key[c], ch->id);
                        last = ch->id;
                        if (++listed > MAX_CHARGES + 1)
                                break;
                }
                EXPECT_EQ(listed, per_ctr[c], "charges listed on %s", ctr_key[c]);
        }

        /* pools: (a) usage, (b) peak, limits, (c) events, (f) protection sums */
        for (unsigned i = 0; i < M.n_names; i++) {
                rc_group *g = gp[i];
                if (!g)
                        continue;
                for (unsigned c = 0; c < N_CTR; c++) {
                        if (!ec[c])
                                continue;
                        const rc_pool *p = rc_group_pool_peek(g, ec[c]);
                        rc_pool d = { .max = default_max(c) };
                        const rc_pool *v = p ? p : &d;
                        const MPool *mp = &M.pool[i][c];
                        uint64_t u = M.usage[i][c];
                        const char *n = M.names[i], *key = ctr_key[c];
                        EXPECT_EQ(v->usage, u, "(a) usage of %s %s", n, key);
                        EXPECT(v->peak >= v->usage, "(b) peak %" PRIu64 " >= usage %" PRIu64 " of %s %s", v->peak,
                               v->usage, n, key);
                        EXPECT_EQ(v->peak, mp->peak > u ? mp->peak : u, "(b) peak of %s %s = highest committed usage", n, key);
                        EXPECT_EQ(v->max, mp->max, "max of %s %s", n, key);
                        EXPECT_EQ(v->min, mp->min, "min of %s %s", n, key);
                        EXPECT_EQ(v->low, mp->low, "low of %s %s", n, key);
                        EXPECT_EQ(v->events, mp->events, "(c) events of %s %s", n, key);
                        EXPECT_EQ(v->events_local, mp->events_local, "(c) events_local of %s %s", n, key);
                        if (p && g->parent)
                                EXPECT(rc_group_pool_peek(g->parent, ec[c]), "pool of %s %s without a parent pool", n, key);
                        if (ctr_ctrl(c) != RC_DMEM)
                                continue;
                        uint64_t cmu = 0, clu = 0;
                        for (unsigned j = 0; j < M.n_names; j++)
                                if (gp[j] && gp[j]->parent == g) {
                                        cmu += M.usage[j][c] < M.pool[j][c].min ? M.usage[j][c] : M.pool[j][c].min;
                                        clu += M.usage[j][c] < M.pool[j][c].low ? M.usage[j][c] : M.pool[j][c].low;
                                }
                        EXPECT_EQ(v->children_min_usage, cmu, "(f) children_min_usage of %s %s", n, key);
                        EXPECT_EQ(v->children_low_usage, clu, "(f) children_low_usage of %s %s", n, key);
                        if (g->parent) {
                                EXPECT_EQ(v->min_usage, u < mp->min ? u : mp->min, "(f) min_usage of %s %s", n, key);
                                EXPECT_EQ(v->low_usage, u < mp->low ? u : mp->low, "(f) low_usage of %s %s", n, key);
                        }
                }
        }

        /* Roll the model forward: peaks; forgotten groups restart from defaults. */
        for (unsigned i = 0; i < M.n_names; i++)
                for (unsigned c = 0; c < N_CTR; c++) {
                        if (!gp[i] || !M.registered[ctr_res[c]]) {
                                mpool_reset((int) i, c);
                                continue;
                        }
                        if (M.usage[i][c] > M.pool[i][c].peak)
                                M.pool[i][c].peak = M.usage[i][c];
                }
        for (unsigned i = 0; i < M.n_names; i++)
                if (!gp[i] && !M.is_slice[i])
                        M.unit_parent[i] = -1;
}

/* ---- picking things ---- */

static int pick_name(void) {
        unsigned r = (unsigned) below(100);
        if (r < 55)
                return M.units[below(M.n_units)];
        if (r < 60)
                return M.root;
        return M.slices[below(M.n_slices)];
}

static int pick_slice(void) {
        return M.slices[below(M.n_slices)];
}

static uint64_t gen_capacity(rc_controller ctrl) {
        unsigned r = (unsigned) below(100);
        switch (ctrl) {
        case RC_MISC:
                if (r < 12)
                        return 0;
                if (r < 75)
                        return range(1, 60);
                if (r < 88)
                        return range(100, 1000000);
                return RC_MAX;
        case RC_DMEM:
                if (r < 5)
                        return 0;
                if (r < 8)
                        return RC_MAX;
                return 4096 * range(1, 64);
        default:
                return r < 85 ? RC_MAX : range(0, 100);
        }
}

static uint64_t gen_amount(unsigned c) {
        unsigned r = (unsigned) below(100);
        uint64_t cap = M.capacity[ctr_res[c]];
        if (r < 3)
                return 0;
        if (r < 5)
                return UINT64_MAX - below(3);
        switch (ctr_ctrl(c)) {
        case RC_MISC:
                if (r < 10)
                        return cap ? range(1, cap < 1000 ? cap + 2 : 1000) : 1;
                return range(1, 8);
        case RC_DMEM:
                if (r < 15)
                        return 1024 * range(1, 16);
                if (r < 20)
                        return range(1, cap < 1000000 ? cap + 2 : 1000000);
                return range(1, 16384);
        default:
                if (r < 7)
                        return RC_S32_MAX + below(2);
                return range(1, 4);
        }
}

/* ---- the model's charge decision (g) ---- */

typedef struct Expect {
        int err;                /* 0 or a negative errno */
        int limit_group;        /* EBUSY: the refusing level */
        uint64_t limit;
        bool capacity;
} Expect;

/* One destination path from g up to (not including) stop, on usages u, as
 * the kernel's try-charge walks it: misc max and capacity at every level,
 * dmem max at every level and the region size at the root (R3), rdma the
 * level with the least headroom (R7). */
static Expect expect_path(uint64_t u[MAX_NAMES][N_CTR], int g, int stop, unsigned c, uint64_t amount) {
        Expect x = { .limit_group = -1 };
        rc_controller ctrl = ctr_ctrl(c);
        uint64_t cap = M.capacity[ctr_res[c]];
        if (ctrl == RC_RDMA) {
                int worst = -1;
                uint64_t worst_room = UINT64_MAX;
                for (int i = g; i != stop; i = mparent(i)) {
                        uint64_t max = M.pool[i][c].max, room = u[i][c] < max ? max - u[i][c] : 0;
                        if (room < worst_room) {
                                worst_room = room;
                                worst = i;
                        }
                }
                if (worst >= 0 && worst_room < amount)
                        x = (Expect) { -EBUSY, worst, M.pool[worst][c].max, false };
                return x;
        }
        for (int i = g; i != stop; i = mparent(i)) {
                if (amount > UINT64_MAX - u[i][c])
                        return (Expect) { -ERANGE, -1, 0, false };
                uint64_t nu = u[i][c] + amount;
                if (nu > M.pool[i][c].max)
                        return (Expect) { -EBUSY, i, M.pool[i][c].max, false };
                if ((ctrl == RC_MISC || i == M.root) && nu > cap)
                        return (Expect) { -EBUSY, i, cap, true };
        }
        return x;
}

static Expect expect_charge(int g, unsigned c, uint64_t amount) {
        if (amount == 0)
                return (Expect) { -EINVAL, -1, 0, false };
        if (ctr_ctrl(c) == RC_MISC && M.capacity[ctr_res[c]] == 0)
                return (Expect) { -EINVAL, -1, 0, false };
        return expect_path(M.usage, g, -1, c, amount);
}

static void model_count_refusal(int limit, unsigned c) {
        M.pool[limit][c].events_local++;
        for (int a = limit; a >= 0 && a != M.root; a = mparent(a))
                M.pool[a][c].events++;
}

static void check_refusal(const Expect *x, const rc_refusal *ref, const char *what) {
        EXPECT(ref->limit_group == eng_group(x->limit_group), "(g) %s refused by %s, expected %s", what,
               ref->limit_group ? ref->limit_group->name : "(null)", x->limit_group >= 0 ? M.names[x->limit_group] : "-");
        EXPECT_EQ(ref->limit, x->limit, "(g) %s refusal limit", what);
        EXPECT_EQ(ref->capacity, x->capacity, "(g) %s refused by capacity", what);
}

/* rc_group_get with the model's idea of the result; returns the group or NULL. */
static rc_group *model_get(int gi, const char *name, const char *slice, int *ret) {
        bool existed = gi >= 0 && eng_group(gi);
        bool name_ok = gi >= 0;
        bool slice_ok = !slice || name_find(slice) >= 0;        /* only valid slices are in the universe */
        int exp = 0;
        if (!name_ok)
                exp = -EINVAL;
        else if (M.is_slice[gi] && slice)
                exp = -EINVAL;
        else if (slice && (!slice_ok || !M.is_slice[name_find(slice)]))
                exp = -EINVAL;
        rc_group *g = NULL;
        rc_err err = {0};
        int r = rc_group_get(E, name, slice, &g, &err);
        note("rc_group_get(%s, %s) = %d", name, slice ? slice : "NULL", r);
        check_err(r, &err, "rc_group_get");
        EXPECT_EQ(r, exp, "rc_group_get(%s, %s): %s", name, slice ? slice : "NULL", err.msg);
        *ret = r;
        if (r < 0)
                return NULL;
        EXPECT(g && g == eng_group(gi), "rc_group_get(%s) returned the group", name);
        if (!M.is_slice[gi]) {
                if (slice)
                        M.unit_parent[gi] = name_find(slice);
                else if (!existed)
                        M.unit_parent[gi] = M.system;
        }
        return g;
}

/* ---- operations ---- */

static void op_register(void) {
        Snap *s0 = malloc(sizeof(Snap));
        snap_take(s0);
        rc_err err = {0};
        rc_resource *res = NULL;
        bool created = false;
        if (chance(5)) {
                static const char *const bad[] = { "misc/Sev", "rdma/mlx5_0/hca_handle", "foo/bar", "", "dmem//x", "rdma/", "misc/" };
                const char *key = bad[below(sizeof(bad) / sizeof(bad[0]))];
                int r = rc_resource_register(E, key, 5, &res, &created, &err);
                note("rc_resource_register(\"%s\", 5) = %d", key, r);
                EXPECT_EQ(r, -EINVAL, "register bad key %s", key);
                check_err(r, &err, "register");
                Snap *s1 = malloc(sizeof(Snap));
                snap_take(s1);
                snap_expect_same(s0, s1, "rc_resource_register(bad key)");
                free(s1);
                free(s0);
                return;
        }
        unsigned ri = (unsigned) below(N_RES);
        const ResDef *d = &res_defs[ri];
        uint64_t cap = gen_capacity(d->ctrl);
        int exp = 0;
        if (d->ctrl == RC_DMEM && cap == 0)
                exp = -EINVAL;
        else if (M.registered[ri] && d->ctrl == RC_RDMA && cap != RC_MAX)
                exp = -EINVAL;
        int r = rc_resource_register(E, d->key, cap, &res, &created, &err);
        note("rc_resource_register(%s, %" PRIu64 ") = %d", d->key, cap, r);
        check_err(r, &err, "register");
        EXPECT_EQ(r, exp, "register %s capacity %" PRIu64 ": %s", d->key, cap, err.msg);
        if (r < 0) {
                Snap *s1 = malloc(sizeof(Snap));
                snap_take(s1);
                snap_expect_same(s0, s1, "failed rc_resource_register");
                free(s1);
        } else {
                EXPECT_EQ(created, !M.registered[ri], "register %s: created", d->key);
                EXPECT(res && res_idx(res) == (int) ri, "register %s returned it", d->key);
                if (!M.registered[ri]) {
                        M.registered[ri] = true;
                        M.order[M.n_order++] = ri;
                        for (unsigned c = res_ctr0[ri]; c < res_ctr0[ri] + res_nctr[ri]; c++)
                                for (unsigned i = 0; i < M.n_names; i++)
                                        mpool_reset((int) i, c);
                }
                M.capacity[ri] = d->ctrl == RC_RDMA ? RC_MAX : cap;
        }
        free(s0);
}

static void op_set_capacity(void) {
        unsigned ri = (unsigned) below(N_RES);
        if (!M.registered[ri]) {
                op_register();
                return;
        }
        rc_resource *res = rc_resource_find(E, res_defs[ri].ctrl, res_defs[ri].name);
        uint64_t cap = gen_capacity(res_defs[ri].ctrl);
        int exp = 0;
        if (res_defs[ri].ctrl == RC_DMEM && cap == 0)
                exp = -EINVAL;
        if (res_defs[ri].ctrl == RC_RDMA && cap != RC_MAX)
                exp = -EINVAL;
        Snap *s0 = malloc(sizeof(Snap));
        snap_take(s0);
        rc_err err = {0};
        int r = rc_resource_set_capacity(E, res, cap, &err);
        note("rc_resource_set_capacity(%s, %" PRIu64 ") = %d", res_defs[ri].key, cap, r);
        check_err(r, &err, "set_capacity");
        EXPECT_EQ(r, exp, "set capacity %s %" PRIu64, res_defs[ri].key, cap);
        if (r < 0) {
                Snap *s1 = malloc(sizeof(Snap));
                snap_take(s1);
                snap_expect_same(s0, s1, "failed rc_resource_set_capacity");
                free(s1);
        } else
                M.capacity[ri] = cap;
        free(s0);
}

static void op_charge(void) {
        int gi = -1;
        const char *name;
        if (chance(4))
                name = invalid_names[below(sizeof(invalid_names) / sizeof(invalid_names[0]))];
        else {
                gi = pick_name();
                name = M.names[gi];
        }
        const char *slice = NULL;
        if (gi >= 0 && !M.is_slice[gi] && chance(30))
                slice = chance(90) ? M.names[pick_slice()]
                                   : invalid_slices[below(sizeof(invalid_slices) / sizeof(invalid_slices[0]))];
        else if (gi >= 0 && M.is_slice[gi] && chance(3))
                slice = M.names[pick_slice()];

        Snap *s0 = malloc(sizeof(Snap)), *s1 = malloc(sizeof(Snap));
        snap_take(s0);
        int r;
        rc_group *g = model_get(gi, name, slice, &r);
        if (!g) {
                snap_take(s1);
                snap_expect_same(s0, s1, "failed rc_group_get");
                goto out;
        }

        unsigned c = (unsigned) below(N_CTR);
        rc_counter *ec = NULL;
        rc_err err = {0};
        const char *key = ctr_key[c];
        char alias[96];
        if (ctr_ctrl(c) == RC_MISC && chance(30)) {
                snprintf(alias, sizeof(alias), "%s", res_defs[ctr_res[c]].name);    /* "sev" == "misc/sev" */
                key = alias;
        }
        if (ctr_ctrl(c) == RC_RDMA && chance(3)) {
                r = rc_counter_find(E, res_defs[ctr_res[c]].key, &ec, &err);
                EXPECT_EQ(r, -EINVAL, "rc_counter_find(%s) without kind", res_defs[ctr_res[c]].key);
                rc_group_gc(E, g);
                goto out;
        }
        r = rc_counter_find(E, key, &ec, &err);
        check_err(r, &err, "rc_counter_find");
        EXPECT_EQ(r, M.registered[ctr_res[c]] ? 0 : -ENODEV, "rc_counter_find(%s)", key);
        if (r < 0) {
                rc_group_gc(E, g);
                goto out;
        }
        EXPECT(ec == eng_ctr(c), "rc_counter_find(%s) found it", key);

        uint64_t amount = gen_amount(c), owner = rnd() % 100000;
        uint32_t flags = chance(90) ? (uint32_t) below(2) : (uint32_t) rnd();
        compute_usage();
        Expect x = expect_charge(gi, c, amount);
        snap_take(s1);
        rc_charge *ch = NULL;
        rc_refusal ref = {0};
        memset(&err, 0, sizeof(err));
        r = rc_charge_new(E, g, ec, amount, owner, flags, &ch, &ref, &err);
        note("rc_charge_new(%s, %s, %" PRIu64 ") = %d%s%s", name, ctr_key[c], amount, r, r ? " " : "", err.msg);
        stat_add(ctr_ctrl(c) == RC_MISC ? "charge misc" : ctr_ctrl(c) == RC_DMEM ? "charge dmem" : "charge rdma", r);
        if (r == -EBUSY && ref.capacity)
                stat_add("charge refused by", 1);
        check_err(r, &err, "rc_charge_new");
        EXPECT_EQ(r, x.err, "(g) charge %s %s %" PRIu64 ": %s", name, ctr_key[c], amount, err.msg);
        if (r == 0) {
                EXPECT(ch, "charge returned a record");
                if (!ch || M.n_charges >= MAX_CHARGES)
                        goto out;
                EXPECT_EQ(ch->id, M.next_id, "charge id");
                M.charges[M.n_charges++] = (MCharge) { ch->id, gi, c, amount, owner, flags };
                M.next_id = ch->id + 1;
                goto out;
        }
        /* (d): a refusal changes nothing but the event counters, which the
         * model checks after the step. */
        Snap *s2 = malloc(sizeof(Snap));
        snap_take(s2);
        snap_expect_same(s1, s2, "refused rc_charge_new");
        free(s2);
        if (r == -EBUSY && x.err == -EBUSY) {
                check_refusal(&x, &ref, "charge");
                model_count_refusal(x.limit_group, c);
        }
        rc_group_gc(E, g);      /* as the daemon does after a failed charge */
out:
        free(s0);
        free(s1);
}

static void model_remove_charge(unsigned k) {
        M.charges[k] = M.charges[--M.n_charges];
}

static void op_uncharge(void) {
        if (M.n_charges == 0)
                return;
        unsigned k = (unsigned) below(M.n_charges);
        MCharge *m = &M.charges[k];
        rc_charge *ch = rc_charge_find(E, m->id);
        EXPECT(ch, "charge %" PRIu64 " exists", m->id);
        if (!ch)
                return;
        uint64_t amount;
        unsigned r = (unsigned) below(100);
        if (r < 25)
                amount = 0;
        else if (r < 45)
                amount = m->amount;
        else if (r < 55)
                amount = m->amount + range(1, 10);
        else
                amount = m->amount > 1 ? range(1, m->amount - 1) : 1;
        note("rc_charge_uncharge(%" PRIu64 " [%s %s %" PRIu64 "], %" PRIu64 ")", m->id, M.names[m->g], ctr_key[m->ctr],
             m->amount, amount);
        uint64_t id = m->id;
        rc_charge_uncharge(E, ch, amount);
        stat_add(amount == 0 || amount >= m->amount ? "uncharge full" : "uncharge partial", 0);
        if (amount == 0 || amount >= m->amount) {
                model_remove_charge(k);
                EXPECT(!rc_charge_find(E, id), "charge %" PRIu64 " is gone", id);
        } else
                m->amount -= amount;
}

/* ---- limit writes ---- */

typedef struct WExpect {
        int err;                /* 0, negative errno, or 1: unknown (adopt the result) */
        int res;                /* model resource index, or -1 */
        bool given[2];
        uint64_t v[2];
} WExpect;

typedef struct Val {
        const char *text;
        int err;
        uint64_t v;
} Val;

/* strstrip() of a copy */
static char *strip_copy(const char *in, char *out, size_t sz) {
        snprintf(out, sz, "%s", in);
        char *s = out;
        while (*s && strchr(" \t\n\v\f\r", *s))
                s++;
        size_t n = strlen(s);
        while (n && strchr(" \t\n\v\f\r", s[n - 1]))
                s[--n] = 0;
        return s;
}

static int misc_registered(const char *name) {
        for (unsigned i = 0; i < N_RES; i++)
                if (res_defs[i].ctrl == RC_MISC && M.registered[i] && strcmp(res_defs[i].name, name) == 0)
                        return (int) i;
        return -1;
}

static int dmem_registered(const char *name) {
        for (unsigned i = 0; i < N_RES; i++)
                if (res_defs[i].ctrl == RC_DMEM && M.registered[i] && strcmp(res_defs[i].name, name) == 0)
                        return (int) i;
        return -1;
}

static const char *misc_name_for_write(int *ri) {
        unsigned r = (unsigned) below(100);
        *ri = -1;
        if (r < 85) {
                unsigned i = (unsigned) below(3);
                *ri = (int) i;
                return res_defs[i].name;
        }
        if (r < 90)
                return res_defs[3].name;
        if (r < 95)
                return "misc/sev";
        return "bogus";
}

/* The kernel's first steps on a written line: strip it, split it at the
 * first of seps into a registered name (w->res) and the value returned.
 * NULL, with w->err = -EINVAL, where either is missing. (After the strip
 * no separator can lead.) */
static const char *split_written(const char *buf, char *tmp, size_t sz, const char *seps,
                                 int (*registered)(const char *name), WExpect *w) {
        char *s = strip_copy(buf, tmp, sz);
        char *sep = strpbrk(s, seps);
        if (!sep || sep == s) {
                w->err = -EINVAL;
                return NULL;
        }
        *sep = 0;
        int ri = registered(s);
        if (ri < 0) {
                w->err = -EINVAL;
                return NULL;
        }
        w->res = ri;
        return sep + 1;
}

/* Out of 100: below `known` one of the two resources from `first` (*ri),
 * below `unknown_below` an unknown name of the controller, else "sev". */
static const char *name_for_write(unsigned known, int first, unsigned unknown_below, const char *unknown,
                                  int *ri) {
        unsigned r = (unsigned) below(100);
        if (r < known) {
                *ri = first + (int) below(2);
                return res_defs[*ri].name;
        }
        return r < unknown_below ? unknown : "sev";
}

static void gen_misc_max(char *buf, size_t sz, WExpect *w) {
        static const Val bad[] = {
                { "08", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { "MAX", -EINVAL, 0 }, { "0x", -EINVAL, 0 },
                { "5 6", -EINVAL, 0 }, { "5abc", -EINVAL, 0 }, { "18446744073709551616", -ERANGE, 0 },
                { "99999999999999999999999", -ERANGE, 0 }, { "max ", 0, RC_MAX }, { "1.5", -EINVAL, 0 },
                { "18446744073709551615", 0, RC_MAX }, { "+", -EINVAL, 0 }, { "0x1g", -EINVAL, 0 },
        };
        int ri;
        const char *name = misc_name_for_write(&ri);
        char val[64];
        int perr = 0;
        uint64_t v = 0;
        unsigned r = (unsigned) below(100);
        uint64_t n;
        if (chance(80))
                n = range(0, 40);
        else {
                unsigned shift = (unsigned) below(64);  /* one call per statement: a fixed order */
                n = rnd() >> shift;
        }
        if (r < 40) {
                snprintf(val, sizeof(val), "%" PRIu64, n);
                v = n;
        } else if (r < 55) {
                snprintf(val, sizeof(val), "max");
                v = RC_MAX;
        } else if (r < 63) {
                snprintf(val, sizeof(val), "0x%" PRIx64, n);
                v = n;
        } else if (r < 70) {
                snprintf(val, sizeof(val), "0%" PRIo64, n);
                v = n;
        } else if (r < 75) {
                snprintf(val, sizeof(val), "+%" PRIu64, n);
                v = n;
        } else {
                const Val *b = &bad[below(sizeof(bad) / sizeof(bad[0]))];
                snprintf(val, sizeof(val), "%s", b->text);
                perr = b->err;
                v = b->v;
        }
        unsigned sep = (unsigned) below(100);
        const char *sp = sep < 85 ? " " : sep < 92 ? "  " : "\t";
        const char *lead = chance(10) ? " \t" : "", *trail = chance(20) ? "\n" : chance(10) ? " " : "";
        if (chance(3))
                snprintf(buf, sz, "%s%s%s", lead, name, trail);        /* no value */
        else
                snprintf(buf, sz, "%s%s%s%s%s", lead, name, sp, val, trail);
        *w = (WExpect) { .res = -1 };
        /* 1.3 on the text as written: strip, split at the first single
         * space, name, value, capacity. */
        char tmp[256];
        const char *value = split_written(buf, tmp, sizeof(tmp), " ", misc_registered, w);
        if (!value)
                return;
        ri = w->res;
        if (strcmp(value, val) == 0) {
                w->err = perr;
        } else if (strcmp(value, "max") == 0) {
                w->err = 0;
                v = RC_MAX;
        } else if (value[0] == ' ' || value[0] == '\t' || strchr(value, '\n')) {
                w->err = -EINVAL;
        } else {
                w->err = 1;
                return;
        }
        if (w->err == 0 && M.capacity[ri] == 0)
                w->err = -EINVAL;
        if (w->err == 0) {
                w->given[0] = true;
                w->v[0] = v;
        }
}

static void gen_rdma_max(char *buf, size_t sz, WExpect *w) {
        static const Val vals[] = {
                { "max", 0, RC_S32_MAX }, { "", 0, RC_S32_MAX }, { "m", 0, RC_S32_MAX }, { "ma", 0, RC_S32_MAX },
                { "-0", 0, 0 }, { "5abc", 0, 5 }, { "0x3", 0, 3 }, { "010", 0, 8 }, { "2147483647", 0, RC_S32_MAX },
                { "2147483646", 0, 2147483646 }, { "2147483648", -EINVAL, 0 }, { "-1", -EINVAL, 0 },
                { "maxx", -EINVAL, 0 }, { "MAX", -EINVAL, 0 }, { "+1", -EINVAL, 0 }, { "x", -EINVAL, 0 },
        };
        int ri = -1;
        const char *dev = name_for_write(85, 5, 92, "mlx9_9", &ri);
        size_t len = (size_t) snprintf(buf, sz, "%s", dev);
        *w = (WExpect) { .res = ri };
        int perr = 0;
        unsigned ntok = (unsigned) below(4);
        for (unsigned t = 0; t < ntok; t++) {
                const char *sp = chance(95) ? " " : "  ";
                if (strcmp(sp, " ") != 0)
                        perr = -EINVAL;         /* empty token */
                unsigned kr = (unsigned) below(100);
                int kind = kr < 47 ? 0 : kr < 94 ? 1 : -1;
                const char *kname = kind == 0 ? "hca_handle" : kind == 1 ? "hca_object" : "hca_foo";
                if (kind < 0)
                        perr = -EINVAL;
                if (chance(3)) {
                        len += (size_t) snprintf(buf + len, sz - len, "%s%s", sp, kname);       /* no '=' */
                        perr = -EINVAL;
                        continue;
                }
                char val[32];
                uint64_t v;
                if (chance(70)) {
                        v = range(0, 8);
                        snprintf(val, sizeof(val), "%" PRIu64, v);
                } else {
                        const Val *x = &vals[below(sizeof(vals) / sizeof(vals[0]))];
                        snprintf(val, sizeof(val), "%s", x->text);
                        v = x->v;
                        if (x->err)
                                perr = x->err;
                }
                len += (size_t) snprintf(buf + len, sz - len, "%s%s=%s", sp, kname, val);
                if (kind >= 0) {
                        w->given[kind] = true;
                        w->v[kind] = v;
                }
        }
        if (chance(15))
                len += (size_t) snprintf(buf + len, sz - len, "\n");
        if (perr)
                w->err = perr;
        else if (ri < 0 || !M.registered[ri])
                w->err = -ENODEV;
        else
                w->err = 0;
}

static void gen_dmem_limit(char *buf, size_t sz, WExpect *w) {
        static const Val bad[] = {
                { "1.5G", -EINVAL, 0 }, { "1GB", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { "16E", -ERANGE, 0 },
                { "99999999999999999999", -ERANGE, 0 }, { "MAX", -EINVAL, 0 }, { "5 6", -EINVAL, 0 },
                { " 5", -EINVAL, 0 }, { "15E", 0, UINT64_C(15) << 60 }, { "18446744073709551615", 0, UINT64_MAX },
                { "0x8000000000000", 0, UINT64_C(0x8000000000000) }, { "2251799813685247", 0, RC_PCM },
                { "1k", 0, 1024 }, { "2m", 0, 2 << 20 }, { "0", 0, 0 }, { "4096\n", -EINVAL, 0 }, { "0x", -EINVAL, 0 },
                { "1K5", -EINVAL, 0 }, { "", -EINVAL, 0 },
        };
        int ri = -1;
        const char *region = name_for_write(88, 3, 94, "drm/nope", &ri);
        char val[64];
        uint64_t v = 0;
        int perr = 0;
        unsigned vr = (unsigned) below(100);
        if (vr < 45) {
                v = range(0, 65536);
                snprintf(val, sizeof(val), "%" PRIu64, v);
        } else if (vr < 65) {
                uint64_t n = range(0, 64);
                snprintf(val, sizeof(val), "%" PRIu64 "K", n);
                v = n << 10;
        } else if (vr < 80) {
                snprintf(val, sizeof(val), "max");
                v = RC_PCM;
        } else if (vr < 85) {
                v = range(0, 1 << 20);
                snprintf(val, sizeof(val), "0x%" PRIx64, v);
        } else {
                const Val *b = &bad[below(sizeof(bad) / sizeof(bad[0]))];
                snprintf(val, sizeof(val), "%s", b->text);
                v = b->v;
                perr = b->err;
        }
        const char *sp = chance(80) ? " " : "\t";
        bool multiline = chance(3);
        if (chance(3))
                snprintf(buf, sz, "%s", region);
        else if (multiline)
                snprintf(buf, sz, "%s%s%s\n%s 1", region, sp, val, region);
        else
                snprintf(buf, sz, "%s%s%s%s", chance(10) ? " " : "", region, sp, val);
        if (chance(15))
                strncat(buf, "\n", sz - strlen(buf) - 1);
        *w = (WExpect) { .res = -1 };
        /* 3.4 on the text as written: strip, split at the first blank,
         * region, value. */
        char tmp[256];
        const char *value = split_written(buf, tmp, sizeof(tmp), " \t", dmem_registered, w);
        if (!value)
                return;
        ri = w->res;
        if (strchr(value, '\n') || value[0] == ' ' || value[0] == '\t')
                w->err = -EINVAL;
        else if (strcmp(value, val) == 0)
                w->err = perr;
        else if (strcmp(value, "max") == 0) {
                w->err = 0;
                v = RC_PCM;
        } else {
                w->err = 1;
                return;
        }
        if (w->err == 0) {
                w->given[0] = true;
                w->v[0] = v;
        }
}

static const char *const write_files[] = {
        "misc.max", "rdma.max", "dmem.max", "dmem.min", "dmem.low",
};
static const char *const other_files[] = {
        "misc.current", "misc.capacity", "dmem.peak", "dmem.capacity", "rdma.current", "nope", "misc.events",
};

static bool file_on_root(const char *f) {
        return strcmp(f, "misc.current") == 0 || strcmp(f, "misc.peak") == 0 || strcmp(f, "dmem.current") == 0 ||
               strcmp(f, "misc.capacity") == 0 || strcmp(f, "dmem.capacity") == 0;
}

static bool file_off_root(const char *f) {
        return strcmp(f, "misc.capacity") != 0 && strcmp(f, "dmem.capacity") != 0;
}

static bool file_known(const char *f) {
        static const char *const all[] = {
                "misc.capacity", "misc.max", "misc.current", "misc.peak", "misc.events", "misc.events.local",
                "rdma.max", "rdma.current", "dmem.capacity", "dmem.current", "dmem.peak", "dmem.min", "dmem.low", "dmem.max",
        };
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
                if (strcmp(all[i], f) == 0)
                        return true;
        return false;
}

static void op_write(void) {
        int gi = pick_name();
        const char *file;
        char text[256];
        WExpect w = { .res = -1 };
        if (chance(5)) {
                file = other_files[below(sizeof(other_files) / sizeof(other_files[0]))];
                snprintf(text, sizeof(text), "sev 1");
                bool root = gi == M.root;
                if (!file_known(file) || (root && !file_on_root(file)) || (!root && !file_off_root(file)))
                        w.err = -ENOENT;
                else
                        w.err = -EACCES;
        } else {
                file = write_files[below(sizeof(write_files) / sizeof(write_files[0]))];
                if (strcmp(file, "misc.max") == 0)
                        gen_misc_max(text, sizeof(text), &w);
                else if (strcmp(file, "rdma.max") == 0)
                        gen_rdma_max(text, sizeof(text), &w);
                else
                        gen_dmem_limit(text, sizeof(text), &w);
                if (gi == M.root)
                        w.err = -ENOENT;
        }

        Snap *s0 = malloc(sizeof(Snap)), *s1 = malloc(sizeof(Snap));
        snap_take(s0);
        int r;
        rc_group *g = model_get(gi, M.names[gi], NULL, &r);
        if (!g)
                goto out;
        rc_err err = {0};
        r = rc_file_write(E, g, file, text, &err);
        note("rc_file_write(%s, %s, \"%s\") = %d %s", M.names[gi], file, text, r, err.msg);
        check_err(r, &err, "rc_file_write");
        stat_add(file, r);
        if (w.err != 1)
                EXPECT_EQ(r, w.err, "write %s %s \"%s\": %s", M.names[gi], file, text, err.msg);
        if (r < 0) {
                snap_take(s1);
                snap_expect_same(s0, s1, "failed rc_file_write");
                goto out;
        }
        if (w.res < 0 || strncmp(file, "misc.current", 12) == 0)
                goto out;
        for (unsigned k = 0; k < res_nctr[w.res]; k++) {
                unsigned c = res_ctr0[w.res] + k;
                MPool *mp = &M.pool[gi][c];
                if (w.err == 1) {
                        /* unknown expectation: adopt what the engine stored */
                        const rc_pool *p = rc_group_pool_peek(g, eng_ctr(c));
                        if (p) {
                                mp->max = p->max;
                                mp->min = p->min;
                                mp->low = p->low;
                        }
                        continue;
                }
                if (!w.given[k])
                        continue;
                if (strcmp(file, "dmem.min") == 0)
                        mp->min = w.v[k];
                else if (strcmp(file, "dmem.low") == 0)
                        mp->low = w.v[k];
                else
                        mp->max = w.v[k];
        }
out:
        free(s0);
        free(s1);
}

/* ---- reads: change nothing, and print what the model holds ---- */

static void expect_text(int gi, const char *file, char *out, size_t sz) {
        size_t len = 0;
        out[0] = 0;
#define OUT(...) (len += (size_t) snprintf(out + len, len < sz ? sz - len : 0, __VA_ARGS__))
        for (unsigned k = 0; k < M.n_order; k++) {
                unsigned ri = M.order[k];
                const ResDef *d = &res_defs[ri];
                unsigned c = res_ctr0[ri];
                const MPool *p = &M.pool[gi][c];
                uint64_t u = M.usage[gi][c], cap = M.capacity[ri];
                if (strncmp(file, "misc.", 5) == 0 && d->ctrl == RC_MISC) {
                        if (strcmp(file, "misc.capacity") == 0 && cap)
                                OUT("%s %" PRIu64 "\n", d->name, cap);
                        else if (strcmp(file, "misc.max") == 0 && cap) {
                                if (p->max == RC_MAX)
                                        OUT("%s max\n", d->name);
                                else
                                        OUT("%s %" PRIu64 "\n", d->name, p->max);
                        } else if (strcmp(file, "misc.current") == 0 && (cap || u))
                                OUT("%s %" PRIu64 "\n", d->name, u);
                        else if (strcmp(file, "misc.peak") == 0 && (cap || p->peak))
                                OUT("%s %" PRIu64 "\n", d->name, p->peak);
                        else if (strcmp(file, "misc.events") == 0 && (cap || p->events))
                                OUT("%s.max %" PRIu64 "\n", d->name, p->events);
                        else if (strcmp(file, "misc.events.local") == 0 && (cap || p->events_local))
                                OUT("%s.max %" PRIu64 "\n", d->name, p->events_local);
                } else if (strncmp(file, "rdma.", 5) == 0 && d->ctrl == RC_RDMA) {
                        OUT("%s ", d->name);
                        for (unsigned kk = 0; kk < 2; kk++) {
                                uint64_t v = strcmp(file, "rdma.max") == 0 ? M.pool[gi][c + kk].max : M.usage[gi][c + kk];
                                if (v >= RC_S32_MAX)
                                        OUT("%s=max ", kk ? "hca_object" : "hca_handle");
                                else
                                        OUT("%s=%" PRIu64 " ", kk ? "hca_object" : "hca_handle", v);
                        }
                        OUT("\n");
                } else if (strncmp(file, "dmem.", 5) == 0 && d->ctrl == RC_DMEM) {
                        uint64_t v;
                        if (strcmp(file, "dmem.capacity") == 0) {
                                OUT("%s %" PRIu64 "\n", d->name, cap);
                                continue;
                        }
                        if (strcmp(file, "dmem.current") == 0)
                                v = u;
                        else if (strcmp(file, "dmem.peak") == 0)
                                v = p->peak;
                        else if (strcmp(file, "dmem.min") == 0)
                                v = p->min;
                        else if (strcmp(file, "dmem.low") == 0)
                                v = p->low;
                        else
                                v = p->max;
                        if (v < RC_PCM)
                                OUT("%s %" PRIu64 "\n", d->name, v);
                        else
                                OUT("%s max\n", d->name);
                }
        }
#undef OUT
}

static void op_read(void) {
        static const char *const files[] = {
                "misc.capacity", "misc.max", "misc.current", "misc.peak", "misc.events", "misc.events.local",
                "rdma.max", "rdma.current", "dmem.capacity", "dmem.current", "dmem.peak", "dmem.min", "dmem.low",
                "dmem.max", "bogus",
        };
        int gi = pick_name();
        const char *file = files[below(sizeof(files) / sizeof(files[0]))];
        rc_group *g = eng_group(gi);
        bool root = gi == M.root;
        int exp = 0;
        if (!file_known(file) || (root && !file_on_root(file)) || (!root && !file_off_root(file)))
                exp = -ENOENT;
        Snap *s0 = malloc(sizeof(Snap)), *s1 = malloc(sizeof(Snap));
        snap_take(s0);
        char *text = NULL;
        rc_err err = {0};
        int r = rc_file_read(E, g, file, &text, &err);
        note("rc_file_read(%s%s, %s) = %d", M.names[gi], g ? "" : " [NULL]", file, r);
        check_err(r, &err, "rc_file_read");
        stat_add("read", r);
        EXPECT_EQ(r, exp, "read %s %s: %s", M.names[gi], file, err.msg);
        snap_take(s1);
        snap_expect_same(s0, s1, "rc_file_read");
        if (r == 0 && text) {
                char want[4096];
                compute_usage();
                expect_text(gi, file, want, sizeof(want));
                EXPECT(strcmp(text, want) == 0, "read %s %s:\n\"%s\"\nexpected\n\"%s\"", M.names[gi], file, text, want);
        }
        free(text);
        free(s0);
        free(s1);
}

/* ---- migration (R9) ---- */

static void op_migrate(void) {
        unsigned n = M.n_charges ? (unsigned) below(5) : 0;
        rc_charge *list[8];
        unsigned idx[8];
        bool dup = false;
        for (unsigned k = 0; k < n; k++) {
                if (k > 0 && chance(8)) {
                        idx[k] = idx[below(k)];
                        dup = true;
                } else {
                        idx[k] = (unsigned) below(M.n_charges);
                        for (unsigned j = 0; j < k; j++)
                                if (idx[j] == idx[k])
                                        dup = true;
                }
                list[k] = rc_charge_find(E, M.charges[idx[k]].id);
                EXPECT(list[k], "charge %" PRIu64 " exists", M.charges[idx[k]].id);
                if (!list[k])
                        return;
        }
        int di = pick_name();
        const char *slice = !M.is_slice[di] && chance(20) ? M.names[pick_slice()] : NULL;
        Snap *s0 = malloc(sizeof(Snap)), *s1 = malloc(sizeof(Snap)), *s2 = malloc(sizeof(Snap));
        snap_take(s0);
        int r;
        rc_group *dst = model_get(di, M.names[di], slice, &r);
        if (!dst)
                goto out;

        /* the model: charge the destination below each common ancestor,
         * in order, with limit checks; all or nothing */
        compute_usage();
        Expect x = { .limit_group = -1 };
        if (dup)
                x.err = -EINVAL;
        else {
                static uint64_t sim[MAX_NAMES][N_CTR];
                memcpy(sim, M.usage, sizeof(sim));
                for (unsigned k = 0; k < n && x.err == 0; k++) {
                        const MCharge *m = &M.charges[idx[k]];
                        int anc = mcommon(m->g, di);
                        x = expect_path(sim, di, anc, m->ctr, m->amount);
                        if (x.err == 0)
                                for (int i = di; i != anc; i = mparent(i))
                                        sim[i][m->ctr] += m->amount;
                }
        }
        char desc[200];
        size_t dl = (size_t) snprintf(desc, sizeof(desc), "rc_charges_migrate([");
        for (unsigned k = 0; k < n && dl < sizeof(desc); k++)
                dl += (size_t) snprintf(desc + dl, sizeof(desc) - dl, "%s%" PRIu64, k ? "," : "", M.charges[idx[k]].id);
        snap_take(s1);
        rc_refusal ref = {0};
        rc_err err = {0};
        r = rc_charges_migrate(E, list, n, dst, &ref, &err);
        note("%s], %s) = %d %s", desc, M.names[di], r, err.msg);
        check_err(r, &err, "rc_charges_migrate");
        stat_add(n ? "migrate" : "migrate (none)", r);
        EXPECT_EQ(r, x.err, "(g) migrate to %s: %s", M.names[di], err.msg);
        if (r == 0) {
                for (unsigned k = 0; k < n; k++)
                        M.charges[idx[k]].g = di;
        } else {
                snap_take(s2);
                snap_expect_same(s1, s2, "failed rc_charges_migrate");
                if (r == -EBUSY && x.err == -EBUSY)
                        check_refusal(&x, &ref, "migration");
        }
        rc_group_gc(E, dst);
out:
        free(s0);
        free(s1);
        free(s2);
}

static void op_set_slice(void) {
        int cand[MAX_NAMES];
        unsigned nc = 0;
        bool want_slice = chance(10);
        for (unsigned i = 0; i < M.n_names; i++)
                if (M.is_slice[i] == want_slice && eng_group((int) i))
                        cand[nc++] = (int) i;
        if (nc == 0)
                return;
        int gi = cand[below(nc)];
        const char *slice = chance(92) ? M.names[pick_slice()]
                                       : invalid_slices[below(sizeof(invalid_slices) / sizeof(invalid_slices[0]))];
        int si = name_find(slice);
        int exp = M.is_slice[gi] || si < 0 || !M.is_slice[si] ? -EINVAL : 0;
        Snap *s0 = malloc(sizeof(Snap)), *s1 = malloc(sizeof(Snap));
        snap_take(s0);
        rc_err err = {0};
        int r = rc_group_set_slice(E, eng_group(gi), slice, &err);
        note("rc_group_set_slice(%s, %s) = %d %s", M.names[gi], slice, r, err.msg);
        check_err(r, &err, "rc_group_set_slice");
        stat_add("set_slice", r);
        EXPECT_EQ(r, exp, "set_slice %s %s: %s", M.names[gi], slice, err.msg);
        if (r < 0) {
                snap_take(s1);
                snap_expect_same(s0, s1, "failed rc_group_set_slice");
        } else if (exp == 0)
                M.unit_parent[gi] = si;
        free(s0);
        free(s1);
}

typedef struct Released {
        uint64_t ids[MAX_CHARGES];
        unsigned n;
} Released;

static void release_cb(rc_charge *ch, void *userdata) {
        Released *rel = userdata;
        EXPECT(rc_charge_find(E, ch->id) == ch, "released charge %" PRIu64 " is live", ch->id);
        if (rel->n < MAX_CHARGES)
                rel->ids[rel->n++] = ch->id;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static void op_unregister(void) {
        if (M.n_order == 0)
                return;
        unsigned ri = M.order[below(M.n_order)];
        rc_resource *res = rc_resource_find(E, res_defs[ri].ctrl, res_defs[ri].name);
        EXPECT(res, "resource %s registered", res_defs[ri].key);
        if (!res)
                return;
        static Released rel;
        rel.n = 0;
        rc_resource_unregister(E, res, release_cb, &rel);
        note("rc_resource_unregister(%s): %u charges released", res_defs[ri].key, rel.n);
        stat_add(rel.n ? "unregister (charged)" : "unregister", 0);
        static uint64_t want[MAX_CHARGES];
        unsigned nw = 0;
        for (unsigned k = 0; k < M.n_charges;) {
                if (ctr_res[M.charges[k].ctr] == ri) {
                        want[nw++] = M.charges[k].id;
                        model_remove_charge(k);
                } else
                        k++;
        }
        qsort(rel.ids, rel.n, sizeof(uint64_t), cmp_u64);
        qsort(want, nw, sizeof(uint64_t), cmp_u64);
        EXPECT(rel.n == nw && memcmp(rel.ids, want, nw * sizeof(uint64_t)) == 0,
               "unregister %s released %u charges, expected %u", res_defs[ri].key, rel.n, nw);
        M.registered[ri] = false;
        M.capacity[ri] = 0;
        unsigned j = 0;
        for (unsigned k = 0; k < M.n_order; k++)
                if (M.order[k] != ri)
                        M.order[j++] = M.order[k];
        M.n_order = j;
        for (unsigned c = res_ctr0[ri]; c < res_ctr0[ri] + res_nctr[ri]; c++)
                for (unsigned i = 0; i < M.n_names; i++)
                        mpool_reset((int) i, c);
}

static void op_pin(void) {
        int gi = pick_name();
        if (M.pinned[gi] && chance(70)) {
                note("rc_group_pin(%s, false)", M.names[gi]);
                rc_group_pin(E, eng_group(gi), false);
                M.pinned[gi] = false;
                return;
        }
        int r;
        rc_group *g = model_get(gi, M.names[gi], !M.is_slice[gi] && chance(30) ? M.names[pick_slice()] : NULL, &r);
        if (!g)
                return;
        note("rc_group_pin(%s, true)", M.names[gi]);
        rc_group_pin(E, g, true);
        M.pinned[gi] = true;
}

/* Evict without FORCE changes nothing. */
static void op_evict_dry(void) {
        unsigned c = 3 + (unsigned) below(2);
        rc_counter *ec = eng_ctr(c);
        int gi = pick_name();
        rc_group *g = eng_group(gi);
        if (!ec || !g)
                return;
        uint64_t amount = range(0, 32768);
        Snap *s0 = malloc(sizeof(Snap)), *s1 = malloc(sizeof(Snap));
        snap_take(s0);
        rc_victim *v = NULL;
        size_t nv = 0;
        rc_err err = {0};
        int r = rc_evict(E, ec, g, amount, &v, &nv, &err);
        note("rc_evict(%s, %s, %" PRIu64 ", 0) = %d, %zu victims", ctr_key[c], M.names[gi], amount, r, nv);
        EXPECT_EQ(r, 0, "evict: %s", err.msg);
        snap_take(s1);
        snap_expect_same(s0, s1, "rc_evict without FORCE");
        free(v);
        free(s0);
        free(s1);
}

static void do_step(void) {
        unsigned r = (unsigned) below(1000);
        if (M.n_charges > SOFT_CHARGES && r < 500) {
                op_uncharge();
                return;
        }
        /* Each operation takes the r below its bound and above the one before. */
        static const struct {
                unsigned below;
                void (*op)(void);
        } ops[] = {
                { 300, op_charge }, { 450, op_uncharge }, { 630, op_write }, { 710, op_migrate },
                { 760, op_set_slice }, { 810, op_register }, { 840, op_set_capacity }, { 855, op_unregister },
                { 905, op_pin }, { 965, op_read }, { 1000, op_evict_dry },
        };
        size_t i = 0;
        while (r >= ops[i].below)
                i++;
        ops[i].op();
}

static uint64_t env_u64(const char *name, uint64_t def) {
        const char *s = getenv(name);
        if (!s || !*s)
                return def;
        return strtoull(s, NULL, 0);
}

TEST(test_random_sequences) {
        base_seed = env_u64("RESCTL_TEST_SEED", DEFAULT_SEED);
        unsigned runs = (unsigned) env_u64("RESCTL_TEST_RUNS", DEFAULT_RUNS);
        unsigned steps = (unsigned) env_u64("RESCTL_TEST_STEPS", DEFAULT_STEPS);
        verbose = env_u64("RESCTL_TEST_VERBOSE", 0) != 0;
        printf("test-random: seed=%" PRIu64 " runs=%u steps=%u (RESCTL_TEST_SEED=%" PRIu64 " reproduces)\n",
               base_seed, runs, steps, base_seed);
        init_counters();
        unsigned failed_runs = 0;
        uint64_t total_charges = 0, total_refusals = 0;
        for (run_no = 0; run_no < runs; run_no++) {
                rng = base_seed ^ (UINT64_C(0xa0761d6478bd642f) * (run_no + 1));
                run_seed = rng;
                memset(&M, 0, sizeof(M));
                M.next_id = 1;
                universe_new();
                for (unsigned i = 0; i < M.n_names; i++)
                        for (unsigned c = 0; c < N_CTR; c++)
                                mpool_reset((int) i, c);
                run_failed = false;
                fails_in_run = 0;
                trace_n = 0;
                step_no = 0;
                E = rc_engine_new();
                CHECK(E);
                if (!E)
                        return;
                verify_all();
                for (step_no = 1; step_no <= steps && !run_failed; step_no++) {
                        do_step();
                        if (!run_failed)
                                verify_all();
                }
                total_charges += M.next_id - 1;
                for (unsigned i = 0; i < M.n_names; i++)
                        for (unsigned c = 0; c < N_CTR; c++)
                                total_refusals += M.pool[i][c].events_local;
                rc_engine_free(E);
                E = NULL;
                if (run_failed && ++failed_runs >= 3)
                        break;
        }
        if (verbose || getenv("RESCTL_TEST_STATS"))
                stats_print();
        printf("test-random: %" PRIu64 " charges made, %" PRIu64 " refusals still counted at the end\n",
               total_charges, total_refusals);
}

int main(void) {
        RUN(test_random_sequences);
        return TEST_EXIT();
}
