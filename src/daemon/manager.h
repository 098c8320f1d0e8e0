/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's state: the engine and everything around it that has side
 * effects (bus, stores, owners, unit settings). Data flows one way:
 * bus calls -> manager -> engine; the manager turns results into replies,
 * store records and signals, and sends replies only once the records are
 * durable (manager_commit()). */

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "cgroupfs.h"
#include "config.h"
#include "engine.h"
#include "hash.h"
#include "store.h"

#define RESCTL_BUS_NAME "org.resctl.Manager"
#define RESCTL_MANAGER_PATH "/org/resctl/Manager"
#define RESCTL_MANAGER_IFACE "org.resctl.Manager"
#define RESCTL_GROUP_PREFIX "/org/resctl/group"
#define RESCTL_GROUP_IFACE "org.resctl.Group"

#define RESCTL_ERROR_LIMIT_EXCEEDED "org.resctl.Error.LimitExceeded"
#define RESCTL_ERROR_CAPACITY_EXCEEDED "org.resctl.Error.CapacityExceeded"
#define RESCTL_ERROR_NO_SUCH_RESOURCE "org.resctl.Error.NoSuchResource"
#define RESCTL_ERROR_NO_SUCH_GROUP "org.resctl.Error.NoSuchGroup"
#define RESCTL_ERROR_NO_SUCH_CHARGE "org.resctl.Error.NoSuchCharge"
#define RESCTL_ERROR_NO_SUCH_FILE "org.resctl.Error.NoSuchFile"
#define RESCTL_ERROR_INVALID_ARGUMENT "org.resctl.Error.InvalidArgument"
#define RESCTL_ERROR_KERNEL_MANAGED "org.resctl.Error.KernelManaged"
#define RESCTL_ERROR_QUOTA_EXCEEDED "org.resctl.Error.QuotaExceeded"
#define RESCTL_ERROR_KERNEL_REFUSED "org.resctl.Error.KernelRefused"   /* added: the kernel refused a limit */
#define RESCTL_ERROR_STORAGE_FAILED "org.resctl.Error.StorageFailed"   /* added: the logs cannot be written */

/* rc_resource.tag bits */
#define RESOURCE_MANUAL 1u      /* registered through the bus */

typedef enum HardwareMode {
        HARDWARE_AUTO,
        HARDWARE_DEMO,
        HARDWARE_NONE,
} HardwareMode;

/* A process that owns charges; found again after a restart by pid, start
 * time and the uid the bus reported when it charged, watched through a pidfd. */
typedef struct Owner {
        HashNode node;
        struct Manager *manager;
        pid_t pid;
        uint64_t starttime;
        uid_t uid;
        int pidfd;
        sd_event_source *exit_source;
        uint64_t *ids;                  /* charges it took; some may be gone already */
        size_t n_ids, allocated;
} Owner;

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
        Hashmap owners;                 /* (pid, starttime) -> Owner */
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
        bool loading;                   /* replaying stores: record nothing */
        struct Systemd *systemd;        /* systemd.c: the unit tree when systemd is on the bus */
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

/* Resources found by hardware discovery: never written to the state store
 * (they are found again at start) and never removed when an administrator
 * registered the same key by hand. Both emit the resource signals. */
int manager_discovered_add(Manager *m, const char *key, uint64_t capacity);
int manager_discovered_remove(Manager *m, const char *key);

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
const char *manager_orphan_limit_key(const HashNode *n);
bool manager_orphan_limit_needed(Manager *m, const char *key);
/* The same, void at the next start if the file unless_path still exists
 * (a drop-in whose rename a crash prevented). */
void manager_forget_runtime_limit_unless(Manager *m, const char *group, const char *file, const char *resource,
                                         const char *unless_path);

/* owner.c */
Owner *owner_find(Manager *m, pid_t pid, uint64_t starttime, uid_t uid);
int owner_get(Manager *m, pid_t pid, uint64_t starttime, uid_t uid, int pidfd, Owner **ret);
void owner_add_charge(Owner *o, uint64_t id);
Owner *owner_from_charge(const rc_charge *ch);
void owner_free(Owner *o);
int proc_starttime(pid_t pid, uint64_t *ret);
int proc_uids(pid_t pid, uid_t *ret_real, uid_t *ret_effective);
int pidfd_open_pid(pid_t pid);
bool process_alive(int pidfd, pid_t pid, uint64_t starttime);

/* bus-manager.c, bus-group.c: the signals (the rest of the bus layer: bus.h) */
int bus_send_signal(Manager *m, const char *member, const char *types, ...);
void bus_group_flush_dirty(Manager *m);
int bus_group_emit_events_changed(Manager *m, rc_group *g);

/* persist.c: store records and replay */
int manager_load_state(Manager *m);
int manager_maybe_compact(Manager *m);
void record_charge(Manager *m, const rc_charge *ch);
void record_uncharge(Manager *m, const rc_charge *ch, uint64_t amount);
void record_migrate(Manager *m, const rc_charge *ch);

/* unit-settings.c */
int unit_settings_load(Manager *m);
int unit_settings_apply_resource(Manager *m, const rc_resource *r);
/* The capacity of r changed: percentage settings are applied again. */
int unit_settings_capacity_changed(Manager *m, const rc_resource *r);
int unit_settings_set(Manager *m, const char *unit, bool runtime, sd_bus_message *properties, sd_bus_error *error);
/* The same for one key of a list property (misc, dmem), as if
 * SetUnitProperties had been called with it (UnitConfProperty values). */
int unit_settings_set_value(Manager *m, const char *unit, bool runtime, int property, const char *name,
                            uint64_t value, sd_bus_error *error);
void unit_settings_free_all(Manager *m);
void unit_settings_clean_temporaries(Manager *m);

/* protect.c: Protect/Unprotect (flags 0x1 RUNTIME, 0x2 MIN) and their records. */
int protect(Manager *m, const char *unit, const char *key, uint64_t amount, uint64_t flags, uint64_t *ret,
            sd_bus_error *error);
int unprotect(Manager *m, const char *unit, const char *key, uint64_t flags, sd_bus_error *error);
int protect_load_record(Manager *m, char **f, size_t n, bool runtime);
void protect_dump(Manager *m, Store *s, bool runtime);
void protect_free_all(Manager *m);

/* unit-charges.c: charges that belong to a unit (Charge flag 0x4 UNIT). */
/* systemd reports the unit inactive, failed or gone: its unit charges go. */
void unit_charges_stopped(Manager *m, const char *unit);
/* A unit charge was taken: if the unit is not known to run, ask systemd. */
void unit_charges_taken(Manager *m, const rc_charge *ch);
/* After a synchronization: ask about units that hold unit charges but do not run. */
void unit_charges_retain(Manager *m);
int unit_charges_check(Manager *m, const char *unit);

/* The unit search path (colon-separated), highest priority first. */
const char *unit_settings_unit_path(Manager *m);

/* unit-lookup.c: 1 if systemd knows unit (it runs, or has a unit file) or
 * systemd does not run; 0 if not, with *ret_suggestions the closest names
 * ("a, b", NULL if none; free it). */
int unit_lookup_known(Manager *m, const char *unit, char **ret_suggestions);

/* hardware-demo.c */
int hardware_demo_register(Manager *m);

/* systemd.c: the unit tree from systemd (org.freedesktop.systemd1).
 * ready is called once: after the first synchronization with systemd, at
 * once when systemd is not on the bus, or after a timeout. */
typedef void (*systemd_ready_fn)(Manager *m);
int systemd_start(Manager *m, systemd_ready_fn ready);
void systemd_free(Manager *m);
/* Synchronized with systemd (or synchronizing): unit settings and slices come from it. */
bool systemd_active(Manager *m);
bool systemd_unit_is_live(Manager *m, const char *unit);
/* The Slice systemd reports for a running unit; NULL if it does not run or without systemd. */
const char *systemd_unit_slice(Manager *m, const char *unit);
/* -ENXIO: not following systemd; 0: the unit does not run; 1: the files
 * systemd loaded it from (borrowed; fragment may be NULL). */
int systemd_unit_files(Manager *m, const char *unit, const char **fragment, char *const **dropins,
                       size_t *n_dropins);
/* Reads the settings of every running unit again (same file lists). */
int systemd_reload_settings(Manager *m);

/* unit-settings.c, for systemd.c: one unit's settings from the files
 * systemd reports (fragment, then drop-ins in systemd's order), merged with
 * the set-property drop-ins in the control directories; applies what changed. */
int unit_settings_load_unit(Manager *m, const char *unit, const char *fragment, char *const *dropins,
                            size_t n_dropins);
/* Its cgroup appeared before systemd said it runs: its settings from the
 * unit directories. */
int unit_settings_load_scanned(Manager *m, const char *unit);
/* The unit stopped: its settings are dropped (limits back to defaults). */
void unit_settings_forget(Manager *m, const char *unit);
/* Whether the unit's settings have `resource` ("dev/kind" for rdma) of `file`. */
bool unit_settings_has_limit(Manager *m, const char *unit, const char *file, const char *resource);
/* Drops the settings of every unit keep() refuses. */
void unit_settings_retain(Manager *m, bool (*keep)(Manager *m, const char *unit));
