/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's state: the engine and everything around it that has side
 * effects (bus, stores, owners, unit settings). bus calls -> manager ->
 * engine; every change leaves the manager as an event (manager-events.h)
 * to the sinks resctld.c registers: the journal sink writes the records
 * (journal.c), the bus sink queues the signals (bus-signals.c). Replies
 * and signals are sent only once the records are durable
 * (manager_commit()). */

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "cgroupfs.h"
#include "discover.h"
#include "config.h"
#include "engine.h"
#include "hash.h"
#include "owner.h"
#include "manager-events.h"
#include "store.h"
#include "errors.h"
#include "systemd.h"

#define RESCTL_BUS_NAME "org.resctl.Manager"
#define RESCTL_MANAGER_PATH "/org/resctl/Manager"
#define RESCTL_MANAGER_IFACE "org.resctl.Manager"
#define RESCTL_GROUP_PREFIX "/org/resctl/group"
#define RESCTL_GROUP_IFACE "org.resctl.Group"

/* The contract's error names (org.resctl.Error.*): errors.h. */


typedef enum HardwareMode {
        HARDWARE_AUTO,
        HARDWARE_DEMO,
        HARDWARE_NONE,
} HardwareMode;

/* What the bus told us about a sender (unique names are never reused),
 * read once when its first call arrives and never derived from the pid
 * again: the pidfd taken then is the process that opened the connection. */
typedef struct Caller {
        HashNode node;
        struct Manager *manager;
        char *sender;
        uid_t uid;
        pid_t pid;
        uint64_t starttime;
        int pidfd;                      /* -EBADF without pidfds (valgrind) */
        bool resolved;
        bool gone;                      /* that process had exited (or its pid was reused) */
        sd_bus_slot *slot;              /* pending GetConnectionCredentials */
        sd_bus_message **waiting;       /* calls parked until resolved */
        size_t n_waiting;
} Caller;

typedef struct Manager Manager;
typedef void (*manager_ready_fn)(Manager *m);

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        rc_engine *engine;

        char *state_dir;
        char *runtime_dir;
        char *cgroup_root;
        char *unit_path;
        char *control_dir;              /* persistent drop-ins (/etc/systemd/system.control) */
        char *runtime_control_dir;      /* runtime drop-ins (/run/systemd/system.control) */
        HardwareMode hardware;
        Config config;
        struct Discovery *discovery;    /* --hardware=auto: discover.c */
        bool polkit_disabled;           /* tests of the bus layer alone */

        Store *state_store;             /* resources, PERSIST charges */
        Store *runtime_store;           /* process charges, runtime limits, peaks/events */
        uint64_t ids_reserved;          /* charge ids below it are marked used in state.log */

        Hashmap callers;                /* sender -> Caller */
        Hashmap auth_queries;           /* sd_bus_message* -> AuthQuery */
        Hashmap auth_checks;            /* "sender action flags" -> AuthQuery asking polkit */
        Owners owners;                  /* (pid, starttime, uid) -> Owner: owner.c */
        Hashmap runtime_limits;         /* "group file resource", from WriteFile */
        Hashmap runtime_limit_groups;   /* group name -> its runtime_limits entries */
        Hashmap orphan_limits;          /* "group file resource" of forgotten groups with W records */
        size_t orphans_kept;            /* orphans the last compaction kept (unit settings need them) */
        Hashmap units;                  /* unit name -> UnitSettings */
        Hashmap users;                  /* uid -> what it holds (quota.c) */
        Hashmap protections;            /* "unit key kind" -> Protection (protect.c) */

        sd_bus_message **outgoing;      /* replies and signals held until commit */
        size_t n_outgoing, allocated_outgoing;
        sd_event_source *commit_source;
        int storage_error;              /* <0: the last commit failed; retried by storage_retry */
        sd_event_source *storage_retry;
        bool storage_full;              /* no room could be reserved in a log: changes refused */

        Hashmap dirty_groups;           /* names whose Usage/Peak changed */
        sd_event_source *dirty_timer;

        sd_bus_slot *name_owner_slot;
        /* Replaying the logs (no sinks yet): the kernel's files are not
         * written, and the kernel's capacities win over old records. */
        bool loading;
        ManagerSink sinks[MANAGER_SINKS_MAX];   /* manager-events.h */
        size_t n_sinks;
        struct Systemd *systemd;        /* systemd.c: the unit tree when systemd is on the bus */
        void (*systemd_ready)(struct Manager *m);       /* manager_systemd_start()'s ready */
        struct Cgroupfs *cgroupfs;      /* cgroupfs.c: the kernel's controllers, when it has them */

        /* Set while applying unit settings for a caller: the first limit
         * the kernel refused, reported to that caller. */
        bool collect_kernel_errors;
        int kernel_error;
        rc_err kernel_err;
} Manager;

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m) {
        manager_free(*m);
}

/* Queue a reply or signal to be sent after the next commit. Takes a ref. */
int manager_queue(Manager *m, sd_bus_message *msg);
/* Write pending store records durably, then send what was queued. When a
 * log cannot be written, the batch stays pending and is retried. */
int manager_commit(Manager *m);
/* Before a call changes anything: refuses it (StorageFailed) while a batch
 * waits for the disk, or when room for its records cannot be reserved. */
int manager_check_storage(Manager *m, sd_bus_error *error);

/* Groups: resolve a unit name the way api.md "Names" says (Slice property). */
int manager_group_get(Manager *m, const char *name, rc_group **ret, rc_err *err);
const char *manager_unit_slice(Manager *m, const char *unit);
void manager_mark_dirty_path(Manager *m, rc_group *g);

/* Charges */
/* uid: the caller's, counted against its quota (0 for root: not counted). */
int manager_charge(Manager *m, rc_group *g, rc_counter *c, uint64_t amount, uint32_t flags, Owner *owner, uid_t uid,
                   rc_charge **ret, rc_refusal *refusal, rc_err *err);
void manager_release(Manager *m, rc_charge *ch, uint64_t amount, const char *reason);

/* manager-charge.c: Charge, Uncharge, MigrateCharges, MigrateGroup, Evict and
 * EvictValuable for a caller the bus layer authorized; errors in api.md's words. */
/* *ret_refused: the engine refused the charge and counted it; the error
 * goes out only after the commit of those counts. */
typedef struct ChargeRequest {
        const char *group;              /* "": the caller's own unit */
        const char *key;
        uint64_t amount, flags;
} ChargeRequest;
int manager_charge_for(Manager *m, const Caller *caller, const ChargeRequest *req, uint64_t *ret_id,
                       bool *ret_refused, sd_bus_error *error);
/* NoSuchCharge if there is no charge id. */
int manager_find_charge(Manager *m, uint64_t id, rc_charge **ret, sd_bus_error *error);
int manager_uncharge(Manager *m, uint64_t id, uint64_t amount, sd_bus_error *error);
/* ids: n charge ids, as the bus array holds them (not aligned). */
int manager_migrate_charges(Manager *m, const void *ids, size_t n, const char *dst, uid_t uid, sd_bus_error *error);
int manager_migrate_group(Manager *m, const char *src, const char *dst, uid_t uid, uint64_t **ret_ids,
                          size_t *ret_n, sd_bus_error *error);
typedef struct EvictVictim {
        uint64_t id;
        uint64_t amount;
        char *group;
} EvictVictim;
void evict_victims_free(EvictVictim *v, size_t n);
/* Announces the victims (EvictionRequested) and releases them with flag 0x1 (FORCE). */
int manager_evict(Manager *m, const char *key, const char *group, uint64_t amount, uint64_t flags,
                  EvictVictim **ret, size_t *ret_n, sd_bus_error *error);
int manager_evict_valuable(Manager *m, const char *key, const char *limit, const char *test, bool ignore_low,
                           bool *ret_valuable, bool *ret_hit_low, sd_bus_error *error);

/* manager-query.c: what ListResources and the Group properties show. */
typedef struct ResourceStats {
        const char *key;                /* the counter's, valid until the next change */
        uint64_t capacity, usage, peak, refused;
} ResourceStats;
int manager_resource_stats(Manager *m, ResourceStats **ret, size_t *ret_n);
typedef enum GroupStat {
        GROUP_STAT_USAGE,
        GROUP_STAT_PEAK,
        GROUP_STAT_MAX,
        GROUP_STAT_MIN,
        GROUP_STAT_LOW,
        GROUP_STAT_EMIN,
        GROUP_STAT_ELOW,
        GROUP_STAT_EVENTS,
        GROUP_STAT_EVENTS_LOCAL,
} GroupStat;
uint64_t manager_group_stat(Manager *m, rc_group *g, rc_counter *c, GroupStat s);

/* manager-files.c: ReadFile, and WriteFile with its runtime record. */
int manager_read_file(Manager *m, const char *group, const char *file, char **ret, sd_bus_error *error);
int manager_write_group_file(Manager *m, const char *group, const char *file, const char *text, sd_bus_error *error);

/* Resources */
int manager_register_resource(Manager *m, const char *key, uint64_t capacity, rc_err *err);
int manager_unregister_resource(Manager *m, const char *key, rc_err *err);
int manager_set_capacity(Manager *m, const char *key, uint64_t capacity, rc_err *err);
/* The capacity of res was old: CapacityChanged, and the unit settings follow. */
void manager_capacity_changed(Manager *m, rc_resource *res, uint64_t old);

/* manager-cgroupfs.c: the kernel's controllers (cgroupfs.c). register:
 * before the stores are replayed, so that their limits find their
 * resources; start: marks what the kernel accounts, releases brokered
 * charges of those, writes every kept limit, watches misc.events. */
int manager_cgroupfs_register(Manager *m);
int manager_cgroupfs_start(Manager *m);
/* Marks r when the kernel accounts it (a resource registered later). */
void manager_cgroupfs_classify(Manager *m, rc_resource *r);

/* Resources found by hardware discovery: never written to the state store
 * (they are found again at start) and never removed when an administrator
 * registered the same key by hand. Both emit the resource signals. */
int manager_discovered_add(Manager *m, const char *key, uint64_t capacity);
int manager_discovered_remove(Manager *m, const char *key);

/* manager-limits.c: the engine's group_forgotten hook (its runtime limit
 * keys become orphans), freeing them all, and forgetting the runtime limits
 * of an unregistered resource. */
void manager_group_forgotten(rc_group *g, void *userdata);
void manager_limits_free(Manager *m);
void manager_forget_resource_limits(Manager *m, const char *key);

/* Limits through files: records the runtime setting and asks for eviction
 * when a dmem max fell below usage (R2). */
int manager_write_file(Manager *m, const char *group, const char *file, const char *text, bool runtime_record,
                       rc_err *err);
void manager_request_excess_eviction(Manager *m, const char *group);
/* The "group file resource" key of a runtime_limits entry. */
const char *manager_runtime_limit_key(const HashNode *n);
void manager_forget_runtime_limit(Manager *m, const char *group, const char *file, const char *resource);
/* Whether a limit line of `file` about `resource` ("sev", "mlx5_0/hca_object")
 * is one of the resource `key` ("misc/sev", "rdma/mlx5_0"). */
bool limit_is_of_resource(const char *file, const char *resource, const char *key);
/* The in-memory side alone (a call that failed puts back what it forgot). */
bool manager_runtime_limit_known(Manager *m, const char *group, const char *file, const char *resource);
void manager_remember_runtime_limit(Manager *m, const char *group, const char *file, const char *resource);
/* The runtime log is rewritten: drops the orphan keys it no longer needs. */
void manager_prune_orphan_limits(Manager *m);
bool manager_orphan_limit_needed(Manager *m, const char *key);
/* The same, void at the next start if the file unless_path still exists
 * (a drop-in whose rename a crash prevented). */
void manager_forget_runtime_limit_unless(Manager *m, const char *group, const char *file, const char *resource,
                                         const char *unless_path);

/* manager-owners.c: the owners (owner.h) report to the manager. */
void manager_owners_init(Manager *m);


/* manager-load.c: a start (hardware, the kernel's controllers, the logs
 * around the unit settings) with no sinks, then the sinks are registered
 * and what changed while resctld was down goes to them. */
int manager_load_state(Manager *m, const ManagerSink *sinks, size_t n_sinks);

/* manager-hardware.c: --hardware=demo and --hardware=auto (discover.h)
 * register what they find through the manager. */
int manager_hardware_demo_register(Manager *m);
extern const DiscoveryCallbacks manager_discovery_callbacks;
int manager_discovery_enumerate(Manager *m);
int manager_discovery_start(Manager *m);
void manager_discovery_free(Manager *m);
static inline void manager_discovery_freep(Manager **m) {
        if (*m)
                manager_discovery_free(*m);
}

/* manager-systemd.c: follows the unit tree from systemd (systemd.h).
 * ready is called once: after the first synchronization with systemd, at
 * once when systemd is not on the bus, or after a timeout. */
int manager_systemd_start(Manager *m, manager_ready_fn ready);

