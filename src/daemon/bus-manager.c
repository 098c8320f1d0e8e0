/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* org.resctl.Manager: one handler per method of api.md (the charge methods
 * are in bus-charges.c). Each handler reads its arguments, asks
 * caller_authorize() (which may park the call), does the work with one
 * manager call, and queues its reply: manager_commit() sends it once the
 * effect is durable. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-unit-properties.h"
#include "bus.h"
#include "caller.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "unit-charges.h"
#include "unit-lookup.h"
#include "protect.h"

int bus_reply_open_array(sd_bus_message *call, const char *contents, sd_bus_message **ret) {
        int r = sd_bus_message_new_method_return(call, ret);
        return r < 0 ? r : sd_bus_message_open_container(*ret, 'a', contents);
}

int bus_queue_appendv(Manager *m, int r, sd_bus_message *msg, const char *types, va_list ap) {
        if (r >= 0 && types)
                r = sd_bus_message_appendv(msg, types, ap);
        return r < 0 ? r : manager_queue(m, msg);
}

int bus_reply_queue(Manager *m, sd_bus_message *call, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(call, &reply);
        va_list ap;
        va_start(ap, types);
        r = bus_queue_appendv(m, r, reply, types, ap);
        va_end(ap);
        return r < 0 ? r : 1;
}

static int method_list_resources(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ ResourceStats *v = NULL;
        size_t n = 0;
        int r = manager_resource_stats(m, &v, &n);
        if (r < 0)
                return r;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = bus_reply_open_array(msg, "(stttt)", &reply);
        for (size_t i = 0; i < n && r >= 0; i++)
                r = sd_bus_message_append(reply, "(stttt)", v[i].key, v[i].capacity, v[i].usage, v[i].peak,
                                          v[i].refused);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* RegisterResource and SetCapacity: a key and its capacity. */
static int resource_capacity(sd_bus_message *msg, Manager *m,
                             int (*set)(Manager *, const char *, uint64_t, rc_err *), sd_bus_error *error) {
        const char *key;
        uint64_t capacity;
        int r = sd_bus_message_read(msg, "st", &key, &capacity);
        if (r < 0)
                return r;
        BUS_AUTHORIZE(m, msg, ACTION_MANAGE_RESOURCES, NULL, error);
        rc_err err = { { 0 } };
        r = set(m, key, capacity, &err);
        if (r < 0)
                return error_from_rc(error, r, &err);
        return bus_reply_queue(m, msg, NULL);
}

static int method_register_resource(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return resource_capacity(msg, userdata, manager_register_resource, error);
}

static int method_unregister_resource(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *key;
        int r = sd_bus_message_read(msg, "s", &key);
        if (r < 0)
                return r;
        BUS_AUTHORIZE(m, msg, ACTION_MANAGE_RESOURCES, NULL, error);
        rc_err err = { { 0 } };
        r = manager_unregister_resource(m, key, &err);
        if (r < 0)
                return error_from_rc(error, r, &err);
        return bus_reply_queue(m, msg, NULL);
}

static int method_set_capacity(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return resource_capacity(msg, userdata, manager_set_capacity, error);
}

static int cmp_group_name(const void *a, const void *b) {
        return strcmp((*(rc_group *const *) a)->name, (*(rc_group *const *) b)->name);
}

/* Reply sizes (resctld(8), LIMITS): no reply may be larger than
 * ReplySizeMax=, under dbus-daemon's message limit: a larger one would
 * make the bus drop resctld's connection (bounds: bus.h). */
uint64_t bus_size_str(const char *s) {
        return strlen(s) + 8;
}

uint64_t bus_group_entry_size(const rc_group *g) {
        /* sd_bus_path_encode() keeps [A-Za-z0-9] and turns any other byte into "_xx". */
        uint64_t path = strlen(RESCTL_GROUP_PREFIX) + 1 + 8;
        for (const char *p = g->name; *p; p++)
                path += (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? 1 : 3;
        return 7 + bus_size_str(g->name) + bus_size_str(g->parent ? g->parent->name : "") + path;
}

int bus_reply_too_large(Manager *m, sd_bus_error *error, size_t n, const char *what, uint64_t size,
                        const char *instead) {
        return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                 "The reply would hold %zu %s (about %" PRIu64 " KiB), over resctld's bound of %" PRIu64
                                 " KiB (ReplySizeMax=); use %s.",
                                 n, what, size >> 10, m->config.reply_size_max >> 10, instead);
}

static rc_group **groups_sorted(Manager *m, size_t *ret_n) {
        size_t n = m->engine->groups.n_entries, k = 0;
        rc_group **v = calloc(n ? n : 1, sizeof(*v));
        if (!v)
                return NULL;
        hashmap_for_each(node, &m->engine->groups)
                v[k++] = container_of(node, rc_group, node);
        qsort(v, k, sizeof(*v), cmp_group_name);
        *ret_n = k;
        return v;
}

static int append_group(sd_bus_message *reply, const void *e) {
        const rc_group *g = e;
        _cleanup_free_ char *path = NULL;
        int r = bus_group_path(g->name, &path);
        if (r < 0)
                return r;
        return sd_bus_message_append(reply, "(sso)", g->name, g->parent ? g->parent->name : "", path);
}

static uint64_t group_size(const void *e) {
        return bus_group_entry_size(e);
}

static const BusListKind group_list = {
        .entry = "(sso)",
        .what = "groups",
        .paged = "ListGroupsPaged",
        .size = group_size,
        .append = append_group,
};

static int method_list_groups(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        size_t k;
        _cleanup_free_ rc_group **v = groups_sorted(userdata, &k);
        if (!v)
                return -ENOMEM;
        return bus_list_reply(userdata, msg, error, &group_list, (void *const *) v, k);
}

static bool group_not_after(const void *e, const void *after) {
        return strcmp(((const rc_group *) e)->name, after) <= 0;
}

/* A page: the groups named after `after` (byte order), at most max_count
 * of them (0: no count), as many as fit in ReplySizeMax=; `next` is the
 * cursor for the next page, "" after the last. */
static int method_list_groups_paged(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *after;
        uint32_t max_count;
        int r = sd_bus_message_read(msg, "su", &after, &max_count);
        if (r < 0)
                return r;
        size_t k;
        _cleanup_free_ rc_group **v = groups_sorted(userdata, &k);
        if (!v)
                return -ENOMEM;
        size_t lo = bus_list_first_after((void *const *) v, k, group_not_after, after);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const rc_group *last;
        r = bus_list_page(userdata, msg, &group_list, (void *const *) v, k, lo, max_count,
                          BUS_REPLY_OVERHEAD + bus_size_str(after) + 3 * 255, &reply, (const void **) &last);
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", last ? last->name : "");
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_list_reply(Manager *m, sd_bus_message *msg, sd_bus_error *error, const BusListKind *kind, void *const *v,
                   size_t k) {
        uint64_t size = BUS_REPLY_OVERHEAD;
        for (size_t i = 0; i < k; i++)
                size += kind->size(v[i]);
        if (size > m->config.reply_size_max)
                return bus_reply_too_large(m, error, k, kind->what, size, kind->paged);

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = bus_reply_open_array(msg, kind->entry, &reply);
        for (size_t i = 0; i < k && r >= 0; i++)
                r = kind->append(reply, v[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

size_t bus_list_first_after(void *const *v, size_t k, bool (*not_after)(const void *e, const void *after),
                            const void *after) {
        size_t lo = 0, hi = k;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (not_after(v[mid], after))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int bus_list_page(Manager *m, sd_bus_message *msg, const BusListKind *kind, void *const *v, size_t k, size_t lo,
                  uint32_t max_count, uint64_t size, sd_bus_message **ret_reply, const void **ret_last) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = bus_reply_open_array(msg, kind->entry, &reply);
        size_t i = lo;
        for (; i < k && r >= 0 && (max_count == 0 || i - lo < max_count); i++) {
                size += kind->size(v[i]);
                if (size > m->config.reply_size_max && i > lo)
                        break;
                r = kind->append(reply, v[i]);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        *ret_last = i < k && i > lo ? v[i - 1] : NULL;
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

static int method_get_group(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        if (!rc_unit_name_is_valid(name))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "'%.255s' is not a valid unit name (e.g. tenant-a.slice, vm42.scope)", name);
        if (!rc_group_find(m->engine, name))
                return sd_bus_error_setf(error, RESCTL_ERROR_NO_SUCH_GROUP,
                                         "%s holds no charge, limit or child: no such group", name);
        _cleanup_free_ char *path = NULL;
        r = bus_group_path(name, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", path);
}

static int method_set_unit_properties(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *unit;
        int runtime;
        int r = sd_bus_message_read(msg, "sb", &unit, &runtime);
        if (r < 0)
                return r;
        BUS_AUTHORIZE(m, msg, ACTION_MANAGE_LIMITS, NULL, error);
        r = bus_unit_properties_set(m, unit, runtime, msg, error);
        if (r < 0)
                return r;
        return bus_reply_queue(m, msg, NULL);
}

static int method_read_file(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *group, *file;
        int r = sd_bus_message_read(msg, "ss", &group, &file);
        if (r < 0)
                return r;
        _cleanup_free_ char *text = NULL;
        r = manager_read_file(m, group, file, &text, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", text);
}

static int method_write_file(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *group, *file, *text;
        int r = sd_bus_message_read(msg, "sss", &group, &file, &text);
        if (r < 0)
                return r;
        BUS_AUTHORIZE(m, msg, ACTION_MANAGE_LIMITS, NULL, error);
        r = manager_write_group_file(m, group, file, text, error);
        if (r < 0)
                return r;
        return bus_reply_queue(m, msg, NULL);
}

static int method_protect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *unit, *key;
        uint64_t amount, flags, effective;
        int r = sd_bus_message_read(msg, "sstt", &unit, &key, &amount, &flags);
        if (r < 0)
                return r;
        BUS_AUTHORIZE(m, msg, ACTION_MANAGE_LIMITS, NULL, error);
        r = protect(m, unit, key, amount, flags, &effective, error);
        if (r < 0)
                return r;
        return bus_reply_queue(m, msg, "t", effective);
}

static int method_unprotect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *unit, *key;
        uint64_t flags;
        int r = sd_bus_message_read(msg, "sst", &unit, &key, &flags);
        if (r < 0)
                return r;
        BUS_AUTHORIZE(m, msg, ACTION_MANAGE_LIMITS, NULL, error);
        r = unprotect(m, unit, key, flags, error);
        if (r < 0)
                return r;
        return bus_reply_queue(m, msg, NULL);
}

/* Messages quote what the caller sent; a control character there would
 * break the promise of one line, so such characters are escaped (\n, \xNN). */
static void bus_error_one_line(sd_bus_error *error) {
        const char *m = error ? error->message : NULL;
        bool bad = false;
        for (const char *p = m; p && *p && !bad; p++)
                bad = (unsigned char) *p < 0x20 || *p == 0x7f;
        if (!bad)
                return;
        _cleanup_free_ char *e = malloc(strlen(m) * 4 + 1);
        if (!e)
                return;
        char *o = e;
        for (const unsigned char *p = (const unsigned char *) m; *p; p++)
                if (*p == '\n')
                        o += sprintf(o, "\\n");
                else if (*p == '\t')
                        o += sprintf(o, "\\t");
                else if (*p < 0x20 || *p == 0x7f)
                        o += sprintf(o, "\\x%02x", *p);
                else
                        *o++ = (char) *p;
        *o = 0;
        _cleanup_(sd_bus_error_free) sd_bus_error copy = SD_BUS_ERROR_NULL;
        (void) sd_bus_error_set(&copy, error->name, e);        /* returns the errno of the name */
        if (!sd_bus_error_is_set(&copy))
                return;
        sd_bus_error_free(error);
        (void) sd_bus_error_move(error, &copy);
}

/* Every method's errors pass bus_error_one_line(). */
#define ONE_LINE(handler)                                                                       \
        static int handler##_one_line(sd_bus_message *msg, void *userdata, sd_bus_error *error) { \
                int r = handler(msg, userdata, error);                                          \
                if (r < 0)                                                                      \
                        bus_error_one_line(error);                                              \
                caller_call_done(userdata, msg);                                                \
                return r;                                                                       \
        }

ONE_LINE(bus_method_charge)
ONE_LINE(bus_method_evict_valuable)
ONE_LINE(method_get_group)
ONE_LINE(method_list_groups)
ONE_LINE(method_list_groups_paged)
ONE_LINE(bus_method_list_charges_paged)
ONE_LINE(method_unregister_resource)
ONE_LINE(method_list_resources)
ONE_LINE(bus_method_evict)
ONE_LINE(bus_method_list_charges)
ONE_LINE(bus_method_migrate_charges)
ONE_LINE(bus_method_migrate_group)
ONE_LINE(method_read_file)
ONE_LINE(method_register_resource)
ONE_LINE(method_set_capacity)
ONE_LINE(method_set_unit_properties)
ONE_LINE(bus_method_uncharge)
ONE_LINE(method_write_file)
ONE_LINE(method_protect)
ONE_LINE(method_unprotect)

/* Added to the contract: which resources the kernel charges (cgroupfs.c). */
static int property_get_kernel_resources(sd_bus *bus, const char *path, const char *interface, const char *property,
                                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "s");
        list_for_each_entry(res, &m->engine->resources, rc_resource, link)
                for (unsigned i = 0; r >= 0 && cgroupfs_backs(res) && i < res->n_counters; i++)
                        r = sd_bus_message_append(reply, "s", res->counters[i].key);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("KernelResources", "as", property_get_kernel_resources, 0, 0),
        SD_BUS_METHOD_WITH_NAMES("ListResources", "", , "a(stttt)", SD_BUS_PARAM(resources), method_list_resources_one_line,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RegisterResource", "st", SD_BUS_PARAM(key) SD_BUS_PARAM(capacity), "", ,
                                 method_register_resource_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("UnregisterResource", "s", SD_BUS_PARAM(key), "", , method_unregister_resource_one_line,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetCapacity", "st", SD_BUS_PARAM(key) SD_BUS_PARAM(capacity), "", ,
                                 method_set_capacity_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListGroups", "", , "a(sso)", SD_BUS_PARAM(groups), method_list_groups_one_line,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListGroupsPaged", "su", SD_BUS_PARAM(after) SD_BUS_PARAM(max_count), "a(sso)s",
                                 SD_BUS_PARAM(groups) SD_BUS_PARAM(next), method_list_groups_paged_one_line,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetGroup", "s", SD_BUS_PARAM(name), "o", SD_BUS_PARAM(path), method_get_group_one_line,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Charge", "sstt",
                                 SD_BUS_PARAM(group) SD_BUS_PARAM(key) SD_BUS_PARAM(amount) SD_BUS_PARAM(flags), "t",
                                 SD_BUS_PARAM(charge_id), bus_method_charge_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Uncharge", "tt", SD_BUS_PARAM(charge_id) SD_BUS_PARAM(amount), "", ,
                                 bus_method_uncharge_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListCharges", "s", SD_BUS_PARAM(group), "a(tsstut)", SD_BUS_PARAM(charges),
                                 bus_method_list_charges_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListChargesPaged", "stu", SD_BUS_PARAM(group) SD_BUS_PARAM(after) SD_BUS_PARAM(max_count),
                                 "a(tsstut)t", SD_BUS_PARAM(charges) SD_BUS_PARAM(next),
                                 bus_method_list_charges_paged_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("MigrateCharges", "ats", SD_BUS_PARAM(charge_ids) SD_BUS_PARAM(dst_group), "", ,
                                 bus_method_migrate_charges_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("MigrateGroup", "ss", SD_BUS_PARAM(src_group) SD_BUS_PARAM(dst_group), "at",
                                 SD_BUS_PARAM(moved_ids), bus_method_migrate_group_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Evict", "sstt",
                                 SD_BUS_PARAM(key) SD_BUS_PARAM(group) SD_BUS_PARAM(amount) SD_BUS_PARAM(flags),
                                 "a(tst)", SD_BUS_PARAM(victims), bus_method_evict_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("EvictValuable", "sssb",
                                 SD_BUS_PARAM(key) SD_BUS_PARAM(limit_group) SD_BUS_PARAM(test_group)
                                         SD_BUS_PARAM(ignore_low),
                                 "bb", SD_BUS_PARAM(valuable) SD_BUS_PARAM(hit_low), bus_method_evict_valuable_one_line,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetUnitProperties", "sba(sv)",
                                 SD_BUS_PARAM(unit) SD_BUS_PARAM(runtime) SD_BUS_PARAM(properties), "", ,
                                 method_set_unit_properties_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ReadFile", "ss", SD_BUS_PARAM(group) SD_BUS_PARAM(file), "s", SD_BUS_PARAM(text),
                                 method_read_file_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("WriteFile", "sss", SD_BUS_PARAM(group) SD_BUS_PARAM(file) SD_BUS_PARAM(text), "",
                                 , method_write_file_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Protect", "sstt",
                                 SD_BUS_PARAM(unit) SD_BUS_PARAM(key) SD_BUS_PARAM(amount) SD_BUS_PARAM(flags), "t",
                                 SD_BUS_PARAM(effective), method_protect_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Unprotect", "sst", SD_BUS_PARAM(unit) SD_BUS_PARAM(key) SD_BUS_PARAM(flags), "", ,
                                 method_unprotect_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("LimitHit", "sstst",
                                 SD_BUS_PARAM(group) SD_BUS_PARAM(key) SD_BUS_PARAM(requested)
                                         SD_BUS_PARAM(limit_group) SD_BUS_PARAM(limit),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("ResourceAdded", "st", SD_BUS_PARAM(key) SD_BUS_PARAM(capacity), 0),
        SD_BUS_SIGNAL_WITH_NAMES("ResourceRemoved", "s", SD_BUS_PARAM(key), 0),
        SD_BUS_SIGNAL_WITH_NAMES("CapacityChanged", "st", SD_BUS_PARAM(key) SD_BUS_PARAM(capacity), 0),
        SD_BUS_SIGNAL_WITH_NAMES("EvictionRequested", "tsst",
                                 SD_BUS_PARAM(charge_id) SD_BUS_PARAM(group) SD_BUS_PARAM(key) SD_BUS_PARAM(amount),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("ProtectionChanged", "sst", SD_BUS_PARAM(unit) SD_BUS_PARAM(key) SD_BUS_PARAM(effective),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("ChargeReleased", "tssts",
                                 SD_BUS_PARAM(charge_id) SD_BUS_PARAM(group) SD_BUS_PARAM(key) SD_BUS_PARAM(amount)
                                         SD_BUS_PARAM(reason),
                                 0),
        SD_BUS_VTABLE_END,
};

int bus_manager_register(Manager *m) {
        return sd_bus_add_object_vtable(m->bus, NULL, RESCTL_MANAGER_PATH, RESCTL_MANAGER_IFACE, manager_vtable, m);
}

