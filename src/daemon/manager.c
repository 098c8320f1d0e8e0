/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "journal.h"
#include "caller.h"
#include "kparse.h"
#include "log.h"
#include "log-unit.h"
#include "macro.h"
#include "manager.h"
#include "unit-settings.h"
#include "protect.h"

/* After this many queued replies, commit at once instead of waiting for
 * the bus to run dry, so that a flood cannot delay every reply. */
#define OUTGOING_MAX 4096


static int on_commit(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        (void) manager_commit(m);
        return 0;
}

int manager_new(Manager **ret) {
        _cleanup_(manager_freep) Manager *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        int r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        m->engine = rc_engine_new();
        if (!m->engine)
                return -ENOMEM;
        m->engine->group_forgotten = manager_group_forgotten;
        config_defaults(&m->config);
        m->engine->userdata = m;
        manager_owners_init(m);
        /* Lowest priority: runs only when no bus input is waiting, so every
         * call read in one go shares one fsync (group commit). */
        r = sd_event_add_defer(m->event, &m->commit_source, on_commit, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_priority(m->commit_source, SD_EVENT_PRIORITY_IDLE);
        (void) sd_event_source_set_enabled(m->commit_source, SD_EVENT_OFF);
        (void) sd_event_source_set_description(m->commit_source, "commit");
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_outgoing; i++)
                sd_bus_message_unref(m->outgoing[i]);
        free(m->outgoing);
        auth_queries_free(m);
        hashmap_done(&m->auth_queries);
        hashmap_done(&m->auth_checks);
        for (size_t b = 0; b < m->callers.n_buckets; b++)
                for (HashNode *n = m->callers.buckets[b], *next; n; n = next) {
                        next = n->next;
                        caller_free(container_of(n, Caller, node));
                }
        hashmap_done(&m->callers);
        owners_done(&m->owners);
        manager_limits_free(m);
        quota_free(m);
        strset_free(&m->dirty_groups);
        unit_settings_free_all(m);
        protect_free_all(m);
        sd_event_source_disable_unref(m->commit_source);
        sd_event_source_disable_unref(m->dirty_timer);
        sd_event_source_disable_unref(m->storage_retry);
        m->systemd = systemd_free(m->systemd);
        m->cgroupfs = cgroupfs_free(m->cgroupfs);
        sd_bus_slot_unref(m->name_owner_slot);
        sd_bus_flush_close_unref(m->bus);
        store_free(m->state_store);
        store_free(m->runtime_store);
        if (m->engine)
                m->engine->group_forgotten = NULL;
        rc_engine_free(m->engine);
        sd_event_unref(m->event);
        free(m->state_dir);
        free(m->runtime_dir);
        free(m->cgroup_root);
        free(m->unit_path);
        free(m->control_dir);
        free(m->runtime_control_dir);
        free(m);
        return NULL;
}

int manager_queue(Manager *m, sd_bus_message *msg) {
        if (m->n_outgoing == m->allocated_outgoing) {
                size_t a = m->allocated_outgoing ? m->allocated_outgoing * 2 : 64;
                sd_bus_message **o = realloc(m->outgoing, a * sizeof(*o));
                if (!o)
                        return -ENOMEM;
                m->outgoing = o;
                m->allocated_outgoing = a;
        }
        m->outgoing[m->n_outgoing++] = sd_bus_message_ref(msg);
        (void) sd_event_source_set_enabled(m->commit_source, SD_EVENT_ONESHOT);
        if (m->n_outgoing >= OUTGOING_MAX)
                return manager_commit(m);
        return 0;
}

/* While the logs cannot be written, the batch is tried again at this
 * interval; its callers wait, new changes are refused. */
#define STORAGE_RETRY_USEC (500 * 1000)

static int on_storage_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        (void) manager_commit(userdata);
        return 0;
}

static void storage_failed(Manager *m, Store *s, int r) {
        if (m->storage_error == 0)
                log_error_errno(r, "Cannot write %s: %s. Refusing changes until it can be written; retrying.",
                                store_path(s), strerror(-r));
        m->storage_error = r;
        if (!m->storage_retry) {
                if (sd_event_add_time_relative(m->event, &m->storage_retry, CLOCK_MONOTONIC, STORAGE_RETRY_USEC, 0,
                                               on_storage_retry, m) >= 0)
                        (void) sd_event_source_set_description(m->storage_retry, "storage-retry");
        } else {
                (void) sd_event_source_set_time_relative(m->storage_retry, STORAGE_RETRY_USEC);
                (void) sd_event_source_set_enabled(m->storage_retry, SD_EVENT_ONESHOT);
        }
}

int manager_commit(Manager *m) {
        Store *stores[] = { m->state_store, m->runtime_store };
        for (size_t i = 0; i < ELEMENTSOF(stores); i++) {
                if (!stores[i])
                        continue;
                int r = store_commit(stores[i]);
                if (r == -ENOMEM || r == -ENOTRECOVERABLE) {
                        /* Records were dropped: what we hold in memory is no
                         * longer what the log will say. Stop without replying,
                         * the next start shows the durable state. */
                        log_error_errno(r, "Cannot write state durably, exiting: %s", strerror(-r));
                        return sd_event_exit(m->event, EXIT_FAILURE);
                }
                if (r < 0) {
                        /* The batch stays buffered and its replies queued:
                         * nothing is acknowledged before it is durable. */
                        storage_failed(m, stores[i], r);
                        return 0;
                }
        }
        if (m->storage_error < 0) {
                log_notice("State logs written again: accepting changes.");
                m->storage_error = 0;
        }
        for (size_t i = 0; i < m->n_outgoing; i++) {
                if (m->bus)
                        (void) sd_bus_send(m->bus, m->outgoing[i], NULL);
                sd_bus_message_unref(m->outgoing[i]);
        }
        m->n_outgoing = 0;
        return journal_maybe_compact(m);
}

/* The largest records one call appends, as a rule: reserved ahead in each
 * log before a change is made. */
#define CALL_RESERVE (64u << 10)

int manager_check_storage(Manager *m, sd_bus_error *error) {
        int r = m->storage_error;
        const Store *failed = NULL;
        Store *stores[] = { m->state_store, m->runtime_store };
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(stores); i++)
                if (stores[i] && (r = store_reserve(stores[i], CALL_RESERVE)) < 0)
                        failed = stores[i];
        if (r == 0) {
                if (m->storage_full)
                        log_notice("Room in the state logs again: accepting changes.");
                m->storage_full = false;
                return 0;
        }
        if (failed && !m->storage_full)
                log_warning_errno(r, "Cannot reserve room in %s: %s. Refusing changes until there is room.",
                                  store_path(failed), strerror(-r));
        m->storage_full = m->storage_full || failed;
        return sd_bus_error_setf(error, RESCTL_ERROR_STORAGE_FAILED,
                                 "Cannot write the state durably (%s); nothing was changed, try again later",
                                 strerror(-r));
}

void manager_mark_dirty_path(Manager *m, rc_group *g) {
        manager_emit(m, usage_changed, g);
}

const char *manager_unit_slice(Manager *m, const char *unit);

int manager_group_get(Manager *m, const char *name, rc_group **ret, rc_err *err) {
        if (!rc_unit_name_is_valid(name))
                return rc_errf(err, EINVAL, "'%.255s' is not a valid unit name (e.g. tenant-a.slice, vm42.scope)",
                               name);
        const char *slice = rc_unit_name_is_slice(name) ? NULL : manager_unit_slice(m, name);
        return rc_group_get(m->engine, name, slice, ret, err);
}

/* Peaks raised and events counted are state too: record the levels that changed. */
typedef struct PathStats {
        rc_group *group;
        uint64_t peak, events, events_local;
} PathStats;

static size_t path_stats(rc_group *g, const rc_counter *c, PathStats *s, size_t max) {
        size_t n = 0;
        for (; g && n < max; g = g->parent, n++) {
                const rc_pool *p = rc_group_pool_peek(g, c);
                s[n] = (PathStats) { g, p ? p->peak : 0, p ? p->events : 0, p ? p->events_local : 0 };
        }
        return n;
}

static void record_changed_stats(Manager *m, const PathStats *before, size_t n, const rc_counter *c) {
        for (size_t i = 0; i < n; i++) {
                const rc_pool *p = rc_group_pool_peek(before[i].group, c);
                if (p && (p->peak != before[i].peak || p->events != before[i].events ||
                          p->events_local != before[i].events_local))
                        manager_emit(m, stats_changed, before[i].group, c);
        }
}

int manager_charge(Manager *m, rc_group *g, rc_counter *c, uint64_t amount, uint32_t flags, Owner *owner, uid_t uid,
                   rc_charge **ret, rc_refusal *refusal, rc_err *err) {
        PathStats before[256];
        size_t n = path_stats(g, c, before, ELEMENTSOF(before));
        rc_charge *ch;
        int r = rc_charge_new(m->engine, g, c, amount, owner ? (uint64_t) (uintptr_t) owner : 0, flags, &ch, refusal,
                              err);
        record_changed_stats(m, before, n, c);
        if (r == -EBUSY) {
                manager_emit(m, refused, c);
                for (rc_group *i = refusal->limit_group; i; i = i->parent)
                        manager_emit(m, events_changed, i);
                manager_emit(m, limit_hit, g->name, c->key, amount, refusal->limit_group->name, refusal->limit);
                log_unit_event(LOG_NOTICE, MESSAGE_ID_CHARGE_REFUSED, g->name, c->key, 0,
                               "%s: refused a charge of %" PRIu64 " %s: %s", g->name, amount, c->key, err->msg);
        }
        if (r < 0) {
                rc_group_gc(m->engine, g);
                return r;
        }
        if (owner)
                owner_add_charge(owner, ch->id);
        charge_set_uid(m, ch, uid);
        manager_emit(m, charged, ch);
        log_unit_event(LOG_DEBUG, NULL, g->name, c->key, ch->id, "Charge %" PRIu64 ": %s %s +%" PRIu64 ".", ch->id, g->name, c->key,
                         amount);
        manager_mark_dirty_path(m, g);
        if (ret)
                *ret = ch;
        return 0;
}

void manager_release(Manager *m, rc_charge *ch, uint64_t amount, const char *reason) {
        uint64_t released = amount == 0 || amount >= ch->amount ? ch->amount : amount;
        if (released == ch->amount)
                charge_forget_uid(m, ch);
        manager_emit(m, released, ch, amount, released, reason);
        manager_mark_dirty_path(m, ch->group);
        rc_charge_uncharge(m->engine, ch, amount);
}

static void release_cb(rc_charge *ch, void *userdata) {
        Manager *m = userdata;
        charge_forget_uid(m, ch);
        uint64_t amount = ch->amount;
        manager_emit(m, released, ch, 0, amount, "resource-removed");
        manager_mark_dirty_path(m, ch->group);
}

/* Unit settings wait for their resource's capacity (misc limits can be
 * stored only while it is non-zero); percentages follow it. */
void manager_capacity_changed(Manager *m, rc_resource *res, uint64_t old) {
        if (old == res->capacity)
                return;
        manager_emit(m, capacity_changed, res);
        if (old == 0)
                (void) unit_settings_apply_resource(m, res);
        else
                (void) unit_settings_capacity_changed(m, res);
}

int manager_register_resource(Manager *m, const char *key, uint64_t capacity, rc_err *err) {
        rc_resource *res;
        bool created;
        uint64_t old = 0;
        rc_resource *prev;
        if (rc_resource_lookup(m->engine, key, &prev, NULL) >= 0) {
                old = prev->capacity;
                if (m->loading && cgroupfs_backs(prev))
                        return 0;       /* an old record: the kernel's capacity file wins */
                int r = cgroupfs_refuse_brokering(prev, "registering it again", err);
                if (r < 0)
                        return r;
        }
        int r = rc_resource_register(m->engine, key, capacity, &res, &created, err);
        if (r < 0)
                return r;
        res->tag |= RESOURCE_MANUAL;   /* never removed by discovery, kept in the state store */
        if (created)
                manager_cgroupfs_classify(m, res);
        manager_emit(m, resource_set, res);
        if (!created) {
                manager_capacity_changed(m, res, old);
                return 0;
        }
        manager_emit(m, resource_added, res);
        (void) unit_settings_apply_resource(m, res);
        return 0;
}

int manager_set_capacity(Manager *m, const char *key, uint64_t capacity, rc_err *err) {
        rc_resource *res;
        int r = rc_resource_lookup(m->engine, key, &res, err);
        if (r >= 0 && m->loading && cgroupfs_backs(res))
                return 0;       /* an old record: the kernel's capacity file wins */
        if (r >= 0)
                r = cgroupfs_refuse_brokering(res, "setting its capacity (the kernel's capacity file says it)", err);
        if (r < 0)
                return r;
        uint64_t old = res->capacity;
        r = rc_resource_set_capacity(m->engine, res, capacity, err);
        if (r < 0)
                return r;
        manager_emit(m, resource_set, res);
        manager_capacity_changed(m, res, old);
        return 0;
}


int manager_unregister_resource(Manager *m, const char *key, rc_err *err) {
        rc_resource *res;
        int r = rc_resource_lookup(m->engine, key, &res, err);
        if (r >= 0 && err)      /* discovery removes a device the kernel lost too */
                r = cgroupfs_refuse_brokering(res, "unregistering it", err);
        if (r < 0)
                return r;
        _cleanup_free_ char *k = strdup(res->key);
        if (!k)
                return rc_errf(err, ENOMEM, "out of memory");
        /* Its peaks and events go too: a later registration starts afresh. */
        manager_emit(m, resource_unregistering, k, res->tag & RESOURCE_MANUAL);
        /* So do the limits WriteFile gave it (the D record says so at
         * replay): registered again, it starts from the unit settings. */
        manager_forget_resource_limits(m, k);
        rc_resource_unregister(m->engine, res, release_cb, m);
        manager_emit(m, resource_removed, k);
        return 0;
}

int manager_discovered_add(Manager *m, const char *key, uint64_t capacity) {
        rc_err err = { { 0 } };
        rc_resource *res;
        bool created;
        if (rc_resource_lookup(m->engine, key, &res, NULL) >= 0) {
                if (res->tag & RESOURCE_MANUAL || res->capacity == capacity)
                        return 0;
                uint64_t old = res->capacity;
                int r = rc_resource_set_capacity(m->engine, res, capacity, &err);
                if (r < 0)
                        return log_warning_errno(r, "Discovered %s: %s", key, err.msg);
                manager_capacity_changed(m, res, old);
                return 0;
        }
        int r = rc_resource_register(m->engine, key, capacity, &res, &created, &err);
        if (r < 0)
                return log_warning_errno(r, "Discovered %s: %s", key, err.msg);
        log_info("Discovered %s (capacity %" PRIu64 ").", res->key, res->capacity);
        manager_cgroupfs_classify(m, res);
        manager_emit(m, resource_added, res);
        (void) unit_settings_apply_resource(m, res);
        return 0;
}

int manager_discovered_remove(Manager *m, const char *key) {
        rc_resource *res;
        if (rc_resource_lookup(m->engine, key, &res, NULL) < 0 || res->tag & RESOURCE_MANUAL)
                return 0;
        log_info("%s is gone.", res->key);
        return manager_unregister_resource(m, key, NULL);
}
