/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The bus sink: every signal resctld sends, from the manager's events.
 *
 * org.resctl.Manager signals (docs/api.md):
 *   ChargeReleased (tssts) id group key amount reason
 *   LimitHit (sstst) group key amount limit_group limit
 *   EvictionRequested (tsst) id group key amount
 *   ResourceAdded (st) key capacity | CapacityChanged (st) | ResourceRemoved (s)
 *   ProtectionChanged (sst) unit key effective
 * org.resctl.Group: PropertiesChanged of Usage, Peak, Max, Min, Low
 * (at most every 100 ms per group) and of Events, EventsLocal (at once). */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bus-signals.h"
#include "bus.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

static int send_signal(Manager *m, const char *member, const char *types, ...) {
        if (!m->bus)
                return 0;
        va_list ap;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
        int r = sd_bus_message_new_signal(m->bus, &s, RESCTL_MANAGER_PATH, RESCTL_MANAGER_IFACE, member);
        va_start(ap, types);
        r = bus_queue_appendv(m, r, s, types, ap);
        va_end(ap);
        return r;
}

static void on_released(void *userdata, const rc_charge *ch, uint64_t amount, uint64_t released,
                        const char *reason) {
        (void) send_signal(userdata, "ChargeReleased", "tssts", ch->id, ch->group->name, ch->counter->key, released,
                           reason);
}

static void on_limit_hit(void *userdata, const char *group, const char *key, uint64_t amount,
                         const char *limit_group, uint64_t limit) {
        (void) send_signal(userdata, "LimitHit", "sstst", group, key, amount, limit_group, limit);
}

static void on_eviction_requested(void *userdata, uint64_t id, const char *group, const char *key,
                                  uint64_t amount) {
        (void) send_signal(userdata, "EvictionRequested", "tsst", id, group, key, amount);
}

static void on_resource_added(void *userdata, const rc_resource *r) {
        (void) send_signal(userdata, "ResourceAdded", "st", r->key, r->capacity);
}

static void on_capacity_changed(void *userdata, const rc_resource *r) {
        (void) send_signal(userdata, "CapacityChanged", "st", r->key, r->capacity);
}

static void on_resource_removed(void *userdata, const char *key) {
        (void) send_signal(userdata, "ResourceRemoved", "s", key);
}

static void on_protection_changed(void *userdata, const char *unit, const char *key, uint64_t effective) {
        (void) send_signal(userdata, "ProtectionChanged", "sst", unit, key, effective);
}

static void emit_changed(Manager *m, const char *name, char **props) {
        _cleanup_free_ char *path = NULL;
        if (!m->bus || !rc_group_find(m->engine, name) || bus_group_path(name, &path) < 0)
                return;
        int r = sd_bus_emit_properties_changed_strv(m->bus, path, RESCTL_GROUP_IFACE, props);
        if (r < 0)
                log_debug_errno(r, "Cannot announce changes of %s: %s", name, strerror(-r));
}

static void on_events_changed(void *userdata, rc_group *g) {
        char *props[] = { (char *) "Events", (char *) "EventsLocal", NULL };
        emit_changed(userdata, g->name, props);
}

static void flush_dirty(Manager *m) {
        char *props[] = { (char *) "Usage", (char *) "Peak", (char *) "Max", (char *) "Min", (char *) "Low", NULL };
        hashmap_for_each(n, &m->dirty_groups)
                emit_changed(m, strset_string(n), props);
        strset_free(&m->dirty_groups);
}

/* Usage and Peak changes of each level are announced at most every 100 ms. */
static int on_dirty_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        flush_dirty(userdata);
        return 0;
}

static void on_usage_changed(void *userdata, rc_group *g) {
        Manager *m = userdata;
        if (!m->bus)
                return;
        for (; g; g = g->parent)
                if (strset_add(&m->dirty_groups, g->name) < 0)
                        return;
        if (!m->dirty_timer) {
                if (sd_event_add_time_relative(m->event, &m->dirty_timer, CLOCK_MONOTONIC, 100 * 1000, 10 * 1000,
                                               on_dirty_timer, m) < 0)
                        return;
        } else if (sd_event_source_get_enabled(m->dirty_timer, NULL) == 0) {
                (void) sd_event_source_set_time_relative(m->dirty_timer, 100 * 1000);
                (void) sd_event_source_set_enabled(m->dirty_timer, SD_EVENT_ONESHOT);
        }
}

static const ManagerSinkVTable bus_vtable = {
        .released = on_released,
        .limit_hit = on_limit_hit,
        .eviction_requested = on_eviction_requested,
        .usage_changed = on_usage_changed,
        .events_changed = on_events_changed,
        .resource_added = on_resource_added,
        .capacity_changed = on_capacity_changed,
        .resource_removed = on_resource_removed,
        .protection_changed = on_protection_changed,
};

ManagerSink bus_signals_sink(Manager *m) {
        return (ManagerSink) { &bus_vtable, m };
}
