/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* org.resctl.Group: one object per group under /org/resctl/group, served
 * by a fallback vtable so that groups come and go without registration. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "manager.h"

int bus_group_path(const char *name, char **ret) {
        return sd_bus_path_encode(RESCTL_GROUP_PREFIX, name, ret);
}

static int group_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                      sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *name = NULL;
        int r = sd_bus_path_decode(path, RESCTL_GROUP_PREFIX, &name);
        if (r <= 0)
                return 0;
        rc_group *g = rc_group_find(m->engine, name);
        if (!g)
                return 0;
        *found = g;
        return 1;
}

/* GetManagedObjects on /org/resctl carries every group with its
 * properties, Introspect of the prefix every group's node name: either
 * must stay within ReplySizeMax= (resctld(8), LIMITS). */
static int check_enumeration_size(sd_bus *bus, Manager *m, sd_bus_error *error) {
        sd_bus_message *call = sd_bus_get_current_message(bus);
        bool objects = call && sd_bus_message_get_member(call) && streq(sd_bus_message_get_member(call), "GetManagedObjects");
        uint64_t per_key = 0;
        list_for_each_entry(res, &m->engine->resources, rc_resource, link)
                for (unsigned i = 0; i < res->n_counters; i++)
                        per_key += strlen(res->counters[i].key) + 28;
        /* 9 a{st} properties, Name and Parent, the interface names. */
        uint64_t per_group = objects ? 9 * (48 + per_key) + 512 : 0, size = 1024;
        hashmap_for_each(node, &m->engine->groups)
                size += bus_group_entry_size(container_of(node, rc_group, node)) + per_group;
        if (size <= m->config.reply_size_max)
                return 0;
        return bus_reply_too_large(m, error, m->engine->groups.n_entries, "group objects", size,
                                   "ListGroupsPaged and Properties.GetAll on each group");
}

static int group_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        int r = check_enumeration_size(bus, m, error);
        if (r < 0)
                return r;
        size_t n = m->engine->groups.n_entries, k = 0;
        char **v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        hashmap_for_each(node, &m->engine->groups) {
                if (bus_group_path(container_of(node, rc_group, node)->name, &v[k]) < 0)
                        break;
                k++;
        }
        *nodes = v;
        return 0;
}

static int property_get_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        rc_group *g = userdata;
        return sd_bus_message_append(reply, "s", g->name);
}

static int property_get_parent(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        rc_group *g = userdata;
        return sd_bus_message_append(reply, "s", g->parent ? g->parent->name : "");
}

/* Limits travel with UINT64_MAX as "max", whatever the controller's own max is. */
static uint64_t bus_max(const rc_counter *c, uint64_t v) {
        return v >= rc_pool_default_max(c) ? UINT64_MAX : v;
}

typedef enum Stat {
        STAT_USAGE,
        STAT_PEAK,
        STAT_MAX,
        STAT_MIN,
        STAT_LOW,
        STAT_EMIN,
        STAT_ELOW,
        STAT_EVENTS,
        STAT_EVENTS_LOCAL,
} Stat;

static Stat stat_from_property(const char *p) {
        static const char *const names[] = {
                [STAT_USAGE] = "Usage", [STAT_PEAK] = "Peak", [STAT_MAX] = "Max",
                [STAT_MIN] = "Min", [STAT_LOW] = "Low", [STAT_EMIN] = "EffectiveMin",
                [STAT_ELOW] = "EffectiveLow", [STAT_EVENTS] = "Events", [STAT_EVENTS_LOCAL] = "EventsLocal",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(p, names[i]))
                        return (Stat) i;
        return STAT_USAGE;
}

static bool stat_dmem_only(Stat s) {
        return s == STAT_MIN || s == STAT_LOW || s == STAT_EMIN || s == STAT_ELOW;
}

/* What the kernel shows for a resource it charges (cgroupfs.c). */
static bool kernel_stat(Manager *m, rc_group *g, rc_counter *c, Stat s, uint64_t *ret) {
        static const int map[] = {
                [STAT_USAGE] = CGROUP_USAGE, [STAT_PEAK] = CGROUP_PEAK, [STAT_MAX] = CGROUP_MAX,
                [STAT_MIN] = CGROUP_MIN, [STAT_LOW] = CGROUP_LOW, [STAT_EMIN] = -1, [STAT_ELOW] = -1,
                [STAT_EVENTS] = CGROUP_EVENTS, [STAT_EVENTS_LOCAL] = CGROUP_EVENTS_LOCAL,
        };
        if (map[s] < 0 || cgroupfs_stat(m->cgroupfs, g, c, (CgroupStat) map[s], ret) <= 0)
                return false;
        if (s == STAT_MAX)
                *ret = bus_max(c, *ret);
        return true;
}

static uint64_t stat_value(Manager *m, rc_group *g, rc_counter *c, Stat s) {
        uint64_t v;
        if (kernel_stat(m, g, c, s, &v))
                return v;
        const rc_pool *p = rc_group_pool_peek(g, c);
        if (!p)
                return s == STAT_MAX ? UINT64_MAX : 0;
        switch (s) {
        case STAT_USAGE:
                return p->usage;
        case STAT_PEAK:
                return p->peak;
        case STAT_MAX:
                return bus_max(c, p->max);
        case STAT_MIN:
                return p->min;
        case STAT_LOW:
                return p->low;
        case STAT_EMIN:
        case STAT_ELOW:
                /* Against -.slice as the reclaim target (api.md); nothing
                 * used, nothing protected. */
                if (p->usage == 0)
                        return 0;
                rc_protection_calculate(m->engine, NULL, g, c);
                return s == STAT_EMIN ? p->emin : p->elow;
        case STAT_EVENTS:
                return p->events;
        default:
                return p->events_local;
        }
}

/* Getters get the group; the manager is the userdata of the vtable's slot. */
static Manager *bus_manager(sd_bus *bus) {
        return sd_bus_slot_get_userdata(sd_bus_get_current_slot(bus));
}

static int property_get_stat(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        rc_group *g = userdata;
        Manager *m = bus_manager(bus);
        Stat s = stat_from_property(property);
        int r = sd_bus_message_open_container(reply, 'a', "{st}");
        if (r < 0)
                return r;
        list_for_each(l, &m->engine->resources) {
                rc_resource *res = list_entry(l, rc_resource, link);
                if (stat_dmem_only(s) && res->controller != RC_DMEM)
                        continue;
                for (unsigned i = 0; i < res->n_counters; i++) {
                        rc_counter *c = &res->counters[i];
                        r = sd_bus_message_append(reply, "{st}", c->key, stat_value(m, g, c, s));
                        if (r < 0)
                                return r;
                }
        }
        return sd_bus_message_close_container(reply);
}

static const sd_bus_vtable group_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", property_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Parent", "s", property_get_parent, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Usage", "a{st}", property_get_stat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Peak", "a{st}", property_get_stat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Max", "a{st}", property_get_stat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Min", "a{st}", property_get_stat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Low", "a{st}", property_get_stat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("EffectiveMin", "a{st}", property_get_stat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("EffectiveLow", "a{st}", property_get_stat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("Events", "a{st}", property_get_stat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("EventsLocal", "a{st}", property_get_stat, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

int bus_group_register(Manager *m) {
        int r = sd_bus_add_fallback_vtable(m->bus, NULL, RESCTL_GROUP_PREFIX, RESCTL_GROUP_IFACE, group_vtable,
                                           group_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->bus, NULL, RESCTL_GROUP_PREFIX, group_enumerate, m);
}
