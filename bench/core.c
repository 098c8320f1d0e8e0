/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * bench-core: the engine's cost, run by hand. Prints one name=value per line:
 *
 *   ns_pair_depth{1,4,16}        charge + uncharge through a handle (group, counter)
 *                                resolved once (rc_counter_try_charge +
 *                                rc_counter_uncharge), misc resource, group at
 *                                depth 1, 4, 16 below -.slice
 *   ns_record_pair_depth{...}    the same with a charge record, as Charge/Uncharge
 *                                do (rc_charge_new + rc_charge_uncharge(e, ch, 0))
 *   baseline_ns_depth{1,4,16}    the same pair on a minimal in-binary tree (parent
 *                                pointer, usage, max): walk up adding and comparing,
 *                                walk up again subtracting
 *   ratio_by_handle_depth{...}   counter pair / baseline; ratio_by_handle = the worst (goal <= 1.5)
 *   ratio_record_depth{...}      record pair / baseline; ratio_record = the worst
 *   ns_pair_by_name              rc_group_find (rc_group_get if missing) + rc_counter_find
 *                                + charge + uncharge, from strings, at depth 4
 *   ratio_by_name                against baseline_ns_depth4 (goal <= 4)
 *   bytes_per_group              100,000 units under 1,000 slices, each with its pool for
 *                                the counter (mallinfo2 delta / groups created)
 *   bytes_per_charge             1,000,000 live charges on them (goal <= 128)
 *
 * Each timing is the best of 101 rounds of 200,000 pairs (about a
 * millisecond each, shorter than a scheduler time slice), engine and baseline
 * rounds interleaved, so that on a busy machine each of them gets some
 * undisturbed rounds. RESCTL_BENCH_SCALE=<n> multiplies the number of
 * iterations, RESCTL_BENCH_ROUNDS=<n> sets the number of rounds.
 */

#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"

static volatile uint64_t sink;

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

static void die(const char *what) {
        fprintf(stderr, "bench-core: %s failed\n", what);
        exit(EXIT_FAILURE);
}

/* ---- the baseline: the least a hierarchical try-charge can do ---- */

typedef struct Node {
        struct Node *parent;
        uint64_t usage, max;
} Node;

/* noinline: the engine's calls cross translation units too */
static __attribute__((noinline)) int base_charge(Node *leaf, uint64_t amount) {
        for (Node *n = leaf; n; n = n->parent) {
                if (n->usage + amount > n->max) {
                        for (Node *m = leaf; m != n; m = m->parent)
                                m->usage -= amount;
                        return -1;
                }
                n->usage += amount;
        }
        return 0;
}

static __attribute__((noinline)) void base_uncharge(Node *leaf, uint64_t amount) {
        for (Node *n = leaf; n; n = n->parent)
                n->usage -= amount;
}

typedef struct Baseline {
        Node *nodes;
        Node *leaf;
} Baseline;

/* A chain of depth + 1 nodes (the root included, as the engine walks it). */
static void baseline_init(Baseline *b, unsigned depth) {
        b->nodes = calloc(depth + 1, sizeof(Node));
        if (!b->nodes)
                die("calloc");
        for (unsigned i = 0; i <= depth; i++) {
                b->nodes[i].parent = i ? &b->nodes[i - 1] : NULL;
                b->nodes[i].max = UINT64_MAX - 1;
        }
        b->leaf = &b->nodes[depth];
}

static double baseline_round(Baseline *b, uint64_t iters) {
        Node *leaf = b->leaf;
        uint64_t fails = 0, t0 = now_ns();
        for (uint64_t i = 0; i < iters; i++) {
                fails += (uint64_t) base_charge(leaf, 1);
                base_uncharge(leaf, 1);
        }
        uint64_t t1 = now_ns();
        sink += fails + leaf->usage;
        return (double) (t1 - t0) / (double) iters;
}

/* ---- the engine ---- */

static rc_engine *engine_new(rc_counter **ret) {
        rc_engine *e = rc_engine_new();
        if (!e)
                die("rc_engine_new");
        if (rc_resource_register(e, "misc/sev", UINT64_MAX, NULL, NULL, NULL) < 0)
                die("rc_resource_register");
        if (rc_counter_find(e, "misc/sev", ret, NULL) < 0)
                die("rc_counter_find");
        return e;
}

/* "a.slice", "a-a.slice", ...: a slice at the given depth below -.slice. */
static void slice_name(unsigned depth, char *buf, size_t sz) {
        size_t n = 0;
        for (unsigned i = 0; i < depth && n + 8 < sz; i++)
                n += (size_t) snprintf(buf + n, sz - n, i ? "-a" : "a");
        snprintf(buf + n, sz - n, ".slice");
}

/* A group at `depth`, pinned (a live unit) so that a full uncharge does not
 * forget it, with a max on every level so that every check is a real one. */
static rc_group *chain_group(rc_engine *e, unsigned depth) {
        char name[256];
        slice_name(depth, name, sizeof(name));
        rc_group *g;
        if (rc_group_get(e, name, NULL, &g, NULL) < 0)
                die("rc_group_get");
        rc_group_pin(e, g, true);
        for (rc_group *i = g; i->parent; i = i->parent)
                if (rc_file_write(e, i, "misc.max", "sev 1000000000", NULL) < 0)
                        die("rc_file_write");
        return g;
}

/* The hierarchical counting by handle: what the baseline does, with the
 * engine's rules (capacity, peaks, events, protection). */
static double counter_round(rc_engine *e, rc_group *g, rc_counter *c, uint64_t iters) {
        uint64_t fails = 0, t0 = now_ns();
        for (uint64_t i = 0; i < iters; i++) {
                if (rc_counter_try_charge(e, g, c, 1, NULL) < 0) {
                        fails++;
                        continue;
                }
                rc_counter_uncharge(e, g, c, 1);
        }
        uint64_t t1 = now_ns();
        sink += fails;
        if (fails || rc_group_pool_peek(g, c)->usage != 0)
                die("counter charge/uncharge");
        return (double) (t1 - t0) / (double) iters;
}

/* The same with a charge record (id, owner, lists), as Charge/Uncharge do. */
static double handle_round(rc_engine *e, rc_group *g, rc_counter *c, uint64_t iters) {
        uint64_t fails = 0, t0 = now_ns();
        for (uint64_t i = 0; i < iters; i++) {
                rc_charge *ch;
                if (rc_charge_new(e, g, c, 1, 0, 0, &ch, NULL, NULL) < 0) {
                        fails++;
                        continue;
                }
                rc_charge_uncharge(e, ch, 0);
        }
        uint64_t t1 = now_ns();
        sink += fails;
        if (fails || rc_group_pool_peek(g, c)->usage != 0)
                die("charge/uncharge");
        return (double) (t1 - t0) / (double) iters;
}

static double by_name_round(rc_engine *e, const char *volatile *vname, const char *volatile *vkey, uint64_t iters) {
        uint64_t fails = 0, t0 = now_ns();
        for (uint64_t i = 0; i < iters; i++) {
                const char *gname = *vname, *key = *vkey;
                rc_group *g = rc_group_find(e, gname);
                if (!g && rc_group_get(e, gname, NULL, &g, NULL) < 0) {
                        fails++;
                        continue;
                }
                rc_counter *c;
                rc_charge *ch;
                if (rc_counter_find(e, key, &c, NULL) < 0 || rc_charge_new(e, g, c, 1, 0, 0, &ch, NULL, NULL) < 0) {
                        fails++;
                        continue;
                }
                rc_charge_uncharge(e, ch, 0);
        }
        uint64_t t1 = now_ns();
        sink += fails;
        if (fails)
                die("charge by name");
        return (double) (t1 - t0) / (double) iters;
}

#define MIN_OF(a, b) ((b) < (a) ? (b) : (a))

/* Engine and baseline rounds interleaved; the best round of each counts
 * (the least disturbed by whatever else runs on the machine). */
static void bench_depth(unsigned depth, uint64_t iters, unsigned rounds, double *cnt, double *eng, double *base,
                        double *by_name) {
        rc_counter *c;
        rc_engine *e = engine_new(&c);
        rc_group *g = chain_group(e, depth);
        char name[256];
        slice_name(depth, name, sizeof(name));
        const char *volatile vname = name, *volatile vkey = "misc/sev";
        Baseline b;
        baseline_init(&b, depth);
        *cnt = *eng = *base = 1e18;
        if (by_name)
                *by_name = 1e18;
        for (unsigned r = 0; r < rounds; r++) {
                *base = MIN_OF(*base, baseline_round(&b, iters));
                *eng = MIN_OF(*eng, handle_round(e, g, c, iters));
                *cnt = MIN_OF(*cnt, counter_round(e, g, c, iters));
                if (by_name)
                        *by_name = MIN_OF(*by_name, by_name_round(e, &vname, &vkey, iters));
        }
        free(b.nodes);
        rc_engine_free(e);
}

/* ---- memory ---- */

static size_t heap_used(void) {
        struct mallinfo2 mi = mallinfo2();
        return mi.uordblks + mi.hblkhd;         /* large tables are mmapped */
}

static void bench_memory(double *per_group, double *per_charge) {
        enum { N_SLICES = 1000, N_UNITS = 100000, N_CHARGES = 1000000 };
        rc_counter *c;
        rc_engine *e = engine_new(&c);
        rc_group **units = malloc(N_UNITS * sizeof(*units));
        rc_charge **charges = malloc(N_CHARGES * sizeof(*charges));
        if (!units || !charges)
                die("malloc");

        size_t before = heap_used();
        for (unsigned u = 0; u < N_UNITS; u++) {
                char name[64], slice[64];
                snprintf(name, sizeof(name), "vm%u.scope", u);
                snprintf(slice, sizeof(slice), "tenant%u.slice", u % N_SLICES);
                if (rc_group_get(e, name, slice, &units[u], NULL) < 0)
                        die("rc_group_get");
                rc_group_pin(e, units[u], true);
                if (!rc_group_pool(e, units[u], c))        /* and the slice's */
                        die("rc_group_pool");
        }
        size_t n_groups = e->groups.n_entries - 1;      /* units and slices, not the root */
        size_t after_groups = heap_used();
        for (unsigned k = 0; k < N_CHARGES; k++)
                if (rc_charge_new(e, units[k % N_UNITS], c, 1, k, 0, &charges[k], NULL, NULL) < 0)
                        die("rc_charge_new");
        size_t after_charges = heap_used();

        *per_group = (double) (after_groups - before) / (double) n_groups;
        *per_charge = (double) (after_charges - after_groups) / (double) N_CHARGES;
        sink += e->charges.n_entries;
        free(units);
        free(charges);
        rc_engine_free(e);
}

int main(void) {
        const char *scale_s = getenv("RESCTL_BENCH_SCALE");
        double scale = scale_s ? atof(scale_s) : 1.0;
        if (scale <= 0)
                scale = 1.0;
        const char *rounds_s = getenv("RESCTL_BENCH_ROUNDS");
        unsigned rounds = rounds_s ? (unsigned) atoi(rounds_s) : 101;
        if (rounds == 0)
                rounds = 101;
        static const unsigned depths[] = { 1, 4, 16 };
        double cnt[3], rec[3], base[3], by_name = 0, worst = 0, worst_rec = 0;
        for (unsigned i = 0; i < 3; i++)
                bench_depth(depths[i], (uint64_t) (scale * 200000), rounds, &cnt[i], &rec[i], &base[i],
                            depths[i] == 4 ? &by_name : NULL);
        for (unsigned i = 0; i < 3; i++)
                printf("ns_pair_depth%u=%.1f\n", depths[i], cnt[i]);
        for (unsigned i = 0; i < 3; i++)
                printf("ns_record_pair_depth%u=%.1f\n", depths[i], rec[i]);
        for (unsigned i = 0; i < 3; i++)
                printf("baseline_ns_depth%u=%.1f\n", depths[i], base[i]);
        for (unsigned i = 0; i < 3; i++) {
                double r = cnt[i] / base[i], rr = rec[i] / base[i];
                worst = r > worst ? r : worst;
                worst_rec = rr > worst_rec ? rr : worst_rec;
                printf("ratio_by_handle_depth%u=%.2f\n", depths[i], r);
                printf("ratio_record_depth%u=%.2f\n", depths[i], rr);
        }
        printf("ratio_by_handle=%.2f\n", worst);
        printf("ratio_record=%.2f\n", worst_rec);
        printf("ns_pair_by_name=%.1f\n", by_name);
        printf("ratio_by_name=%.2f\n", by_name / base[1]);

        double per_group, per_charge;
        bench_memory(&per_group, &per_charge);
        printf("bytes_per_group=%.0f\n", per_group);
        printf("bytes_per_charge=%.1f\n", per_charge);
        return sink == UINT64_C(0xdeadbeefdeadbeef) ? EXIT_FAILURE : EXIT_SUCCESS;
}
