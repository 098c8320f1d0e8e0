/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Reading the daemon's state: ListResources, ListGroups and the
 * properties of group objects, into plain structs the verbs print. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "resctl.h"

static const char *const stat_names[_STAT_MAX] = {
        [STAT_USAGE] = "Usage",
        [STAT_PEAK] = "Peak",
        [STAT_MAX] = "Max",
        [STAT_MIN] = "Min",
        [STAT_LOW] = "Low",
        [STAT_EFFECTIVE_MIN] = "EffectiveMin",
        [STAT_EFFECTIVE_LOW] = "EffectiveLow",
        [STAT_EVENTS] = "Events",
        [STAT_EVENTS_LOCAL] = "EventsLocal",
};

const char *group_stat_to_string(GroupStat s) {
        return s >= 0 && s < _STAT_MAX ? stat_names[s] : NULL;
}

GroupStat group_stat_from_string(const char *s) {
        for (int i = 0; i < _STAT_MAX; i++)
                if (streq(s, stat_names[i]))
                        return (GroupStat) i;
        return _STAT_MAX;
}

uint64_t stats_get(const Stats *s, const char *key, uint64_t def) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->v[i].key, key))
                        return s->v[i].value;
        return def;
}

uint64_t group_stat(const Group *g, GroupStat s, const char *key) {
        return stats_get(&g->stats[s], key, s == STAT_MAX ? UINT64_MAX : 0);
}

/* Appends key with value, whether s has key or not. */
static int stats_push(Stats *s, const char *key, uint64_t value) {
        KeyValue *v = realloc(s->v, (s->n + 1) * sizeof(KeyValue));
        if (!v)
                return -ENOMEM;
        s->v = v;
        v[s->n].key = strdup(key);
        if (!v[s->n].key)
                return -ENOMEM;
        v[s->n++].value = value;
        return 0;
}

int stats_add(Stats *s, const char *key, uint64_t delta) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->v[i].key, key)) {
                        s->v[i].value += delta;
                        return 0;
                }
        return stats_push(s, key, delta);
}

void stats_done(Stats *s) {
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i].key);
        free(s->v);
        *s = (Stats) { 0 };
}

int stats_read(sd_bus_message *m, Stats *s) {
        int r = sd_bus_message_enter_container(m, 'a', "{st}");
        if (r < 0)
                return r;
        const char *key;
        uint64_t value;
        while ((r = sd_bus_message_read(m, "{st}", &key, &value)) > 0) {
                r = stats_push(s, key, value);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int property_next(sd_bus_message *m, const char **ret_name, const char **ret_contents) {
        int r = sd_bus_message_enter_container(m, 'e', "sv");
        if (r <= 0)
                return r;
        r = sd_bus_message_read(m, "s", ret_name);
        if (r >= 0)
                r = sd_bus_message_peek_type(m, NULL, ret_contents);
        return r < 0 ? r : 1;
}

int property_done(sd_bus_message *m, bool in_variant) {
        int r = in_variant ? sd_bus_message_exit_container(m) : 0;
        return r < 0 ? r : sd_bus_message_exit_container(m);
}

int group_stat_read(sd_bus_message *m, Group *g, const char *name, const char *contents) {
        GroupStat s = group_stat_from_string(name);
        if (!(s < _STAT_MAX && streq(contents, "a{st}")))
                return 0;
        int r = sd_bus_message_enter_container(m, 'v', contents);
        if (r >= 0) {
                stats_done(&g->stats[s]);
                r = stats_read(m, &g->stats[s]);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

void resources_free(Resource *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i].key);
        free(v);
}

int resources_list(sd_bus *bus, Resource **ret, size_t *n_ret, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = manager_call(bus, "ListResources", error, &reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(stttt)");
        if (r < 0)
                return r;
        Resource *v = NULL;
        size_t n = 0;
        Resource x = { 0 };
        const char *key;
        while ((r = sd_bus_message_read(reply, "(stttt)", &key, &x.capacity, &x.usage, &x.peak, &x.refused)) > 0) {
                Resource *nv = realloc(v, (n + 1) * sizeof(Resource));
                if (!nv || !(x.key = strdup(key))) {
                        resources_free(nv ? nv : v, n);
                        return -ENOMEM;
                }
                v = nv;
                v[n++] = x;
        }
        if (r < 0) {
                resources_free(v, n);
                return r;
        }
        /* A daemon without the property brokers everything. */
        char **kernel = NULL;
        if (sd_bus_get_property_strv(bus, RESCTL_SERVICE, RESCTL_PATH, RESCTL_IFACE, "KernelResources", NULL,
                                     &kernel) >= 0 && kernel)
                for (char **k = kernel; *k; k++) {
                        for (size_t i = 0; i < n; i++)
                                if (streq(v[i].key, *k))
                                        v[i].kernel = true;
                        free(*k);
                }
        free(kernel);
        *ret = v;
        *n_ret = n;
        return 0;
}

void groups_free(Group *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(v[i].name);
                free(v[i].parent);
                free(v[i].path);
                for (int s = 0; s < _STAT_MAX; s++)
                        stats_done(&v[i].stats[s]);
        }
        free(v);
}

int groups_list(sd_bus *bus, Group **ret, size_t *n_ret, sd_bus_error *error) {
        Group *v = NULL;
        size_t n = 0;
        _cleanup_free_ char *after = strdup("");
        int r = after ? 0 : -ENOMEM;
        while (r >= 0) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                r = manager_call(bus, "ListGroupsPaged", error, &reply, "su", after, 0);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(sso)");
                const char *name, *parent, *path, *next;
                while (r >= 0 && (r = sd_bus_message_read(reply, "(sso)", &name, &parent, &path)) > 0) {
                        Group *nv = realloc(v, (n + 1) * sizeof(Group));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        v = nv;
                        v[n] = (Group) { .name = strdup(name), .parent = strdup(parent), .path = strdup(path) };
                        n++;
                        if (!v[n - 1].name || !v[n - 1].parent || !v[n - 1].path)
                                r = -ENOMEM;
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "s", &next);
                if (r < 0 || isempty(next))
                        break;
                free(after);
                after = strdup(next);
                if (!after)
                        r = -ENOMEM;
        }
        if (r < 0) {
                groups_free(v, n);
                return r;
        }
        *ret = v;
        *n_ret = n;
        return 0;
}

void charges_free(Charge *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(v[i].group);
                free(v[i].key);
        }
        free(v);
}

int charges_list(sd_bus *bus, const char *group, Charge **ret, size_t *n_ret, sd_bus_error *error) {
        Charge *v = NULL;
        size_t n = 0;
        uint64_t after = 0;
        int r = 0;
        for (;;) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                r = manager_call(bus, "ListChargesPaged", error, &reply, "stu", group, after, 0);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(tsstut)");
                Charge c;
                const char *g, *key;
                while (r >= 0 &&
                       (r = sd_bus_message_read(reply, "(tsstut)", &c.id, &g, &key, &c.amount, &c.pid, &c.flags)) > 0) {
                        Charge *nv = realloc(v, (n + 1) * sizeof(Charge));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        v = nv;
                        c.group = strdup(g);
                        c.key = strdup(key);
                        v[n++] = c;
                        if (!c.group || !c.key)
                                r = -ENOMEM;
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "t", &after);
                if (r < 0 || after == 0)
                        break;
        }
        if (r < 0) {
                charges_free(v, n);
                return r;
        }
        *ret = v;
        *n_ret = n;
        return 0;
}

int group_load_stats(sd_bus *bus, Group *g, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, RESCTL_SERVICE, g->path, "org.freedesktop.DBus.Properties", "GetAll", error,
                                   &reply, "s", RESCTL_GROUP_IFACE);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        const char *name, *contents;
        while ((r = property_next(reply, &name, &contents)) > 0) {
                r = group_stat_read(reply, g, name, contents);
                if (r == 0)
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = property_done(reply, false);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        g->loaded = true;
        return sd_bus_message_exit_container(reply);
}

void snapshot_done(Snapshot *s) {
        resources_free(s->res, s->n_res);
        for (size_t i = 0; s->charges && i < s->n_groups; i++)
                stats_done(&s->charges[i]);
        free(s->charges);
        groups_free(s->groups, s->n_groups);
        *s = (Snapshot) { 0 };
}

static int snapshot_count_charges(sd_bus *bus, Snapshot *s, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        s->charges = calloc(MAX(s->n_groups, 1u), sizeof(Stats));
        if (!s->charges)
                return -ENOMEM;
        int r = manager_call(bus, "ListCharges", error, &reply, "s", "");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(tsstut)");
        if (r < 0)
                return r;
        uint64_t id, amount, flags;
        uint32_t pid;
        const char *g, *key;
        while ((r = sd_bus_message_read(reply, "(tsstut)", &id, &g, &key, &amount, &pid, &flags)) > 0)
                /* A group created between ListGroups and ListCharges is not
                 * in this snapshot yet: its charges come with the next one. */
                for (size_t i = 0; i < s->n_groups; i++)
                        if (streq(s->groups[i].name, g)) {
                                r = stats_add(&s->charges[i], key, 1);
                                if (r < 0)
                                        return r;
                                break;
                        }
        return r;
}

int snapshot_load(sd_bus *bus, Snapshot *s, sd_bus_error *error) {
        int r = resources_list(bus, &s->res, &s->n_res, error);
        if (r < 0)
                return r;
        r = groups_list(bus, &s->groups, &s->n_groups, error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_groups; i++) {
                r = group_load_stats(bus, &s->groups[i], error);
                /* A group that went between the two calls is left out. */
                if (r < 0 && !sd_bus_error_has_name(error, SD_BUS_ERROR_UNKNOWN_OBJECT) &&
                    !sd_bus_error_has_name(error, SD_BUS_ERROR_UNKNOWN_INTERFACE))
                        return r;
                sd_bus_error_free(error);
        }
        return snapshot_count_charges(bus, s, error);
}

/* ---- for the verbs ---- */

int resources_get(sd_bus *bus, Resource **ret, size_t *n_ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = resources_list(bus, ret, n_ret, &error);
        return r < 0 ? fail_bus("list resources", &error, r) : EXIT_SUCCESS;
}

int groups_get(sd_bus *bus, Group **ret, size_t *n_ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = groups_list(bus, ret, n_ret, &error);
        return r < 0 ? fail_bus("list groups", &error, r) : EXIT_SUCCESS;
}
