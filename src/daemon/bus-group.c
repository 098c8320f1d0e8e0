/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* org.resctl.Group: one object per group under /org/resctl/group, served
 * by a fallback vtable so that groups come and go without registration. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
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

static GroupStat stat_from_property(const char *p) {
        static const char *const names[] = {
                [GROUP_STAT_USAGE] = "Usage", [GROUP_STAT_PEAK] = "Peak", [GROUP_STAT_MAX] = "Max",
                [GROUP_STAT_MIN] = "Min", [GROUP_STAT_LOW] = "Low", [GROUP_STAT_EMIN] = "EffectiveMin",
                [GROUP_STAT_ELOW] = "EffectiveLow", [GROUP_STAT_EVENTS] = "Events",
                [GROUP_STAT_EVENTS_LOCAL] = "EventsLocal",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(p, names[i]))
                        return (GroupStat) i;
        return GROUP_STAT_USAGE;
}

static bool stat_dmem_only(GroupStat s) {
        return s == GROUP_STAT_MIN || s == GROUP_STAT_LOW || s == GROUP_STAT_EMIN || s == GROUP_STAT_ELOW;
}

/* Getters get the group; the manager is the userdata of the vtable's slot. */
static Manager *bus_manager(sd_bus *bus) {
        return sd_bus_slot_get_userdata(sd_bus_get_current_slot(bus));
}

static int property_get_stat(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        rc_group *g = userdata;
        Manager *m = bus_manager(bus);
        GroupStat s = stat_from_property(property);
        int r = sd_bus_message_open_container(reply, 'a', "{st}");
        if (r < 0)
                return r;
        list_for_each(l, &m->engine->resources) {
                rc_resource *res = list_entry(l, rc_resource, link);
                if (stat_dmem_only(s) && res->controller != RC_DMEM)
                        continue;
                for (unsigned i = 0; i < res->n_counters; i++) {
                        rc_counter *c = &res->counters[i];
                        r = sd_bus_message_append(reply, "{st}", c->key, manager_group_stat(m, g, c, s));
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
