/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The accounting engine: groups (systemd units), resources (misc scalars,
 * dmem regions, rdma devices), pools (per group and counter) and charges,
 * with the kernel's cgroup semantics (../shared/spec/kernel-semantics.md)
 * and resctld's decisions (section R of that file).
 *
 * No I/O, no globals. Functions return 0 or a negative errno; errors that a
 * person must act on also fill an rc_err with one line of text.
 *
 * Structures are visible so that the daemon can read them; only the
 * functions below change them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "list.h"

#define RC_MAX UINT64_MAX                      /* "max" as it travels on the bus */
#define RC_PCM UINT64_C(2251799813685247)      /* PAGE_COUNTER_MAX: dmem "max" */
#define RC_S32_MAX UINT64_C(2147483647)        /* rdma "max" */
#define RC_ROOT_GROUP "-.slice"
#define RC_DEFAULT_SLICE "system.slice"

#define RC_CHARGE_PERSIST UINT32_C(0x1)
#define RC_CHARGE_UNIT UINT32_C(0x4)           /* belongs to the group's unit (daemon) */
#define RC_EVICT_FORCE UINT32_C(0x1)

typedef enum rc_controller {
        RC_MISC,
        RC_DMEM,
        RC_RDMA,
        _RC_CONTROLLER_MAX,
} rc_controller;

typedef enum rc_rdma_kind {
        RC_RDMA_HCA_HANDLE,
        RC_RDMA_HCA_OBJECT,
        _RC_RDMA_KIND_MAX,
} rc_rdma_kind;

typedef struct rc_err {
        char msg[256];
} rc_err;

typedef struct rc_engine rc_engine;
typedef struct rc_resource rc_resource;
typedef struct rc_group rc_group;

/* One countable thing: a misc resource, a dmem region, one kind of an rdma
 * device. Pools are indexed by its slot. */
typedef struct rc_counter {
        HashNode key_node;              /* engine->counter_keys */
        rc_resource *resource;
        unsigned slot;
        rc_rdma_kind kind;              /* rdma only */
        char *key;                      /* "misc/sev", "dmem/drm/../vram0", "rdma/mlx5_0/hca_handle" */
        ListHead charges;               /* live charges, oldest first (the LRU that Evict walks) */
        uint64_t refused;               /* charges refused so far, in all groups */
} rc_counter;

struct rc_resource {
        rc_controller controller;
        char *name;                     /* as files print it: "sev", "drm/0000:03:00.0/vram0", "mlx5_0" */
        char *key;                      /* "misc/sev", "dmem/drm/...", "rdma/mlx5_0" */
        uint64_t capacity;              /* misc: 0 = unavailable; dmem: region size; rdma: RC_MAX */
        unsigned n_counters;            /* 2 for rdma, else 1 */
        rc_counter counters[_RC_RDMA_KIND_MAX];
        uint32_t tag;                   /* opaque to the engine */
        ListHead link;                  /* engine->resources, registration order */
};

/* Per group and counter; the kernel's misc_res, rdmacg rpool and dmem pool
 * (page_counter) in one shape. Limits use each controller's own "max":
 * misc RC_MAX, dmem RC_PCM (values >= RC_PCM read as max), rdma RC_S32_MAX. */
typedef struct rc_pool {
        struct rc_pool *parent;         /* the parent group's pool, as page_counter's */
        uint64_t usage, peak;
        uint64_t max, min, low;
        uint64_t events, events_local;
        /* page_counter protection state (dmem only) */
        uint64_t emin, elow;
        uint64_t min_usage, low_usage;
        uint64_t children_min_usage, children_low_usage;
} rc_pool;

struct rc_group {
        HashNode node;                  /* engine->groups, keyed by name */
        char *name;
        rc_group *parent;
        unsigned n_children;
        unsigned n_charges;
        unsigned n_pools;
        unsigned pinned;                /* a live systemd unit holds it */
        unsigned depth;
        uint32_t tag;                   /* opaque to the engine; 0 when created */
        rc_pool **pools;                /* indexed by counter slot; NULL = defaults */
        ListHead charges;               /* charges held directly, oldest first */
};

typedef struct rc_charge {
        HashNode node;                  /* engine->charges, keyed by id */
        uint64_t id;
        rc_group *group;
        rc_counter *counter;
        uint64_t amount;
        uint64_t owner;                 /* opaque to the engine */
        uint32_t flags;
        uint32_t tag;                   /* opaque to the engine; 0 when created */
        ListHead group_link;
        ListHead counter_link;
} rc_charge;

/* Why a charge was refused: the level that refused it and the limit there. */
typedef struct rc_refusal {
        rc_group *limit_group;
        uint64_t limit;
        bool capacity;                  /* a capacity/region size refused it, not a max */
} rc_refusal;

struct rc_engine {
        Hashmap groups;                 /* name -> rc_group */
        Hashmap charges;                /* id -> rc_charge */
        ListHead resources;             /* registration order */
        unsigned n_resources;
        rc_counter **slots;             /* slot -> counter; NULL = free */
        unsigned n_slots;
        rc_group *root;
        uint64_t next_charge_id;
        Hashmap counter_keys;           /* full key -> rc_counter, the by-name fast path */
        struct rc_charge *free_charges; /* a few records kept for reuse */
        unsigned n_free_charges;
        /* Told of each group forgotten (rc_group_gc), just before it is
         * freed, so that what others keep about it can go with it. */
        void (*group_forgotten)(rc_group *g, void *userdata);
        void *userdata;
};

/* engine.c */
rc_engine *rc_engine_new(void);
void rc_engine_free(rc_engine *e);

/* unit-name.c */
bool rc_unit_name_is_valid(const char *name);
bool rc_slice_name_is_valid(const char *name);
bool rc_unit_name_is_slice(const char *name);
/* Parent slice of a slice name ("a-b.slice" -> "a.slice"); NULL for the root. */
int rc_slice_parent(const char *slice, char **ret);

/* key.c: "sev" == "misc/sev"; rdma keys take an optional kind. */
typedef struct rc_key {
        rc_controller controller;
        char name[256];
        int kind;                       /* rdma: rc_rdma_kind, or -1 when not given */
} rc_key;
int rc_key_parse(const char *key, rc_key *ret, rc_err *err);
const char *rc_controller_to_string(rc_controller c);
const char *rc_rdma_kind_to_string(rc_rdma_kind k);

/* resource.c */
rc_resource *rc_resource_find(rc_engine *e, rc_controller c, const char *name);
/* A charge target: misc or dmem key, or an rdma key with its kind. */
int rc_counter_find(rc_engine *e, const char *key, rc_counter **ret, rc_err *err);
/* Register, or set the capacity of an existing resource; *created tells which. */
int rc_resource_register(rc_engine *e, const char *key, uint64_t capacity,
                         rc_resource **ret, bool *created, rc_err *err);
int rc_resource_set_capacity(rc_engine *e, rc_resource *r, uint64_t capacity, rc_err *err);
/* Releases every live charge (release(charge, userdata) first), then forgets the resource. */
typedef void (*rc_release_fn)(rc_charge *c, void *userdata);
void rc_resource_unregister(rc_engine *e, rc_resource *r, rc_release_fn release, void *userdata);
int rc_resource_lookup(rc_engine *e, const char *key, rc_resource **ret, rc_err *err);

/* group.c */
rc_group *rc_group_find(rc_engine *e, const char *name);
/* Finds or creates a group and its parents. Non-slice units hang under
 * `slice` (NULL: keep the current parent, or RC_DEFAULT_SLICE). */
int rc_group_get(rc_engine *e, const char *name, const char *slice, rc_group **ret, rc_err *err);
/* Forgets g and then its parents while they hold nothing (api.md "Names"). */
void rc_group_gc(rc_engine *e, rc_group *g);
bool rc_group_has_limits(const rc_engine *e, const rc_group *g);
rc_pool *rc_group_pool(rc_engine *e, rc_group *g, const rc_counter *c);     /* creates */
const rc_pool *rc_group_pool_peek(const rc_group *g, const rc_counter *c);  /* NULL = defaults */
uint64_t rc_pool_default_max(const rc_counter *c);
/* Re-hangs a non-slice unit under another slice, moving its usage (no limit checks). */
int rc_group_set_slice(rc_engine *e, rc_group *g, const char *slice, rc_err *err);
bool rc_group_is_ancestor(const rc_group *a, const rc_group *g);  /* a == g counts */
rc_group *rc_group_common_ancestor(rc_group *a, rc_group *b);
void rc_group_pin(rc_engine *e, rc_group *g, bool pin);

/* charge.c */
/* Try-charge with rollback. -EINVAL (amount 0, misc capacity 0),
 * -EBUSY with *refusal filled (limit or capacity). */
int rc_charge_new(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount,
                  uint64_t owner, uint32_t flags, rc_charge **ret, rc_refusal *refusal, rc_err *err);
/* Adds a charge as it was acknowledged before (state restore): no limit checks,
 * peaks raised, the id kept. */
int rc_charge_restore(rc_engine *e, uint64_t id, rc_group *g, rc_counter *c, uint64_t amount,
                      uint64_t owner, uint32_t flags, rc_charge **ret);
rc_charge *rc_charge_find(rc_engine *e, uint64_t id);
/* Puts back a pool's peak and event counters (state restore). */
int rc_pool_restore_stats(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t peak, uint64_t events,
                          uint64_t events_local);
/* amount 0 or >= the charge's amount releases it whole and frees the record. */
void rc_charge_uncharge(rc_engine *e, rc_charge *ch, uint64_t amount);
/* The hierarchical counting alone, for callers that keep their own records. */
int rc_counter_try_charge(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount, rc_refusal *refusal);
void rc_counter_uncharge(rc_engine *e, rc_group *g, rc_counter *c, uint64_t amount);

/* migrate.c: all or nothing (R9). n == 0 is a no-op. */
int rc_charges_migrate(rc_engine *e, rc_charge **charges, size_t n, rc_group *dst,
                       rc_refusal *refusal, rc_err *err);

/* protection.c */
uint64_t rc_effective_protection(uint64_t usage, uint64_t parent_usage, uint64_t setting,
                                 uint64_t parent_effective, uint64_t siblings_protected, bool recursive);
/* Computes emin/elow of g's pools from root_for_calc down to g (root_for_calc == NULL: the root). */
void rc_protection_calculate(rc_engine *e, rc_group *root_for_calc, rc_group *g, const rc_counter *c);
void rc_pool_set_min(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t v);
void rc_pool_set_low(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t v);
/* g's effective min (or low) against the root as the reclaim target, as
 * the EffectiveMin/EffectiveLow properties show it: 0 while g uses nothing. */
uint64_t rc_group_effective_protection(rc_engine *e, rc_group *g, const rc_counter *c, bool min);

/* Protect: the min (or low) values that give g an effective protection
 * of `amount` against the root, from g up to the root's child: g's own
 * setting raised to amount, each ancestor's raised to the protected usage
 * of its children (their min(usage, setting) summed, with the raised
 * values), so that no level is overcommitted and every ancestor passes
 * g's share down whole. Values are only ever raised, and not at all when
 * g's setting covers amount and its effective protection already covers
 * what it uses of amount. Nothing changes
 * here: the caller applies the steps (new != old). */
typedef struct rc_protect_step {
        rc_group *group;
        uint64_t old, new;
} rc_protect_step;
int rc_protect_plan(rc_engine *e, rc_group *g, const rc_counter *c, uint64_t amount, bool min,
                    rc_protect_step **ret, size_t *n_ret);

/* dmem_cgroup_state_evict_valuable(). limit == NULL: no limit pool (device full). */
bool rc_evict_valuable(rc_engine *e, const rc_counter *c, rc_group *limit, rc_group *test,
                       bool ignore_low, bool *hit_low);

/* evict.c: the victims that would make room for `amount` in g (api.md
 * Evict), oldest first, TTM's two passes. Never changes the state: the
 * caller releases them (FORCE) or only announces them. */
typedef struct rc_victim {
        uint64_t id;
        rc_group *group;
        uint64_t amount;
} rc_victim;
int rc_evict(rc_engine *e, rc_counter *c, rc_group *g, uint64_t amount,
             rc_victim **ret, size_t *n_ret, rc_err *err);

/* kfile.c: the cgroup interface files, byte for byte (R6 errno mapping is
 * the caller's). */
bool rc_file_is_known(const char *file);
int rc_file_read(rc_engine *e, rc_group *g, const char *file, char **ret, rc_err *err);
/* g may be NULL for a group that does not exist yet only when the write is
 * rejected; callers create the group first. */
int rc_file_write(rc_engine *e, rc_group *g, const char *file, const char *text, rc_err *err);

/* Fill an rc_err; err may be NULL. Returns -error for "return rc_errf(...)". */
int rc_errf(rc_err *err, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
