/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The manager's events: every change the manager makes leaves it as one
 * event, handed to each registered sink in registration order. resctld.c
 * registers two (manager_load_state()):
 *
 *   the journal sink (journal_sink(), journal.c): the log records;
 *   the bus sink (bus_signals_sink(), bus-signals.c): the signals and
 *   PropertiesChanged.
 *
 * While the logs are replayed at start no sink is registered: nothing
 * replayed is recorded again or announced. A sink leaves an event it has
 * nothing to do with NULL. Records and signals are only buffered or
 * queued by their sinks: both go out at the next manager_commit(),
 * records first, so that no reply or signal tells of a change that is
 * not durable.
 *
 * Emit with manager_emit(m, event, args...), e.g.
 *         manager_emit(m, limit_hit, g->name, c->key, amount, lg->name, limit);
 * Every event is emitted where the change is made, in the order the
 * changes are made (the records' order is the replay's). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct ProtectLevel;

typedef struct ManagerSinkVTable {
        /* Charges. charged: ch was taken (its owner and uid set).
         * released: `released` of ch goes (amount as asked, 0: all),
         * before the engine uncharges it. migrated: ch moved to ch->group. */
        void (*charged)(void *userdata, const rc_charge *ch);
        void (*released)(void *userdata, const rc_charge *ch, uint64_t amount, uint64_t released, const char *reason);
        void (*migrated)(void *userdata, const rc_charge *ch);
        /* The peak or event counts of g's pool of c changed. */
        void (*stats_changed)(void *userdata, rc_group *g, const rc_counter *c);
        /* A charge of c was refused by resctld (c->refused counts it). */
        void (*refused)(void *userdata, const rc_counter *c);
        /* A charge hit a limit: resctld's (after refused) or the kernel's. */
        void (*limit_hit)(void *userdata, const char *group, const char *key, uint64_t amount,
                          const char *limit_group, uint64_t limit);
        /* The holder of charge id is asked to give back amount. */
        void (*eviction_requested)(void *userdata, uint64_t id, const char *group, const char *key, uint64_t amount);

        /* Groups. usage_changed: Usage, Peak or a limit of g (and so of
         * its ancestors) changed. events_changed: g's event counts. */
        void (*usage_changed)(void *userdata, rc_group *g);
        void (*events_changed)(void *userdata, rc_group *g);

        /* Resources. resource_set: registered or given a capacity by hand
         * (kept in the state log). resource_unregistering: key goes (manual:
         * it was registered by hand); the released events of its charges
         * follow, then resource_removed. */
        void (*resource_added)(void *userdata, const rc_resource *r);
        void (*resource_set)(void *userdata, const rc_resource *r);
        void (*capacity_changed)(void *userdata, const rc_resource *r);
        void (*resource_unregistering)(void *userdata, const char *key, bool manual);
        void (*resource_removed)(void *userdata, const char *key);

        /* Runtime limits (WriteFile). limit_written: the limit line text of
         * file is group's runtime setting; limit_withdrawn: the one of
         * resource is not any more (void at the next start if unless_path,
         * a drop-in's temporary, still exists). */
        void (*limit_written)(void *userdata, const char *group, const char *file, const char *text);
        void (*limit_withdrawn)(void *userdata, const char *group, const char *file, const char *resource,
                                const char *unless_path);

        /* Protect: the protection id ("unit key kind") is these levels now,
         * or gone; protection_changed: the unit's effective protection. */
        void (*protection_set)(void *userdata, bool runtime, const char *id, const struct ProtectLevel *levels,
                               size_t n_levels);
        void (*protection_removed)(void *userdata, bool runtime, const char *id);
        void (*protection_changed)(void *userdata, const char *unit, const char *key, uint64_t effective);
} ManagerSinkVTable;

typedef struct ManagerSink {
        const ManagerSinkVTable *vtable;
        void *userdata;
} ManagerSink;

#define MANAGER_SINKS_MAX 4

#define manager_emit(m, event, ...)                                                                       \
        do {                                                                                              \
                for (size_t _i = 0; _i < (m)->n_sinks; _i++)                                              \
                        if ((m)->sinks[_i].vtable->event)                                                 \
                                (m)->sinks[_i].vtable->event((m)->sinks[_i].userdata, __VA_ARGS__);       \
        } while (0)
