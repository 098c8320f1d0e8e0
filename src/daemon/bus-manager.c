/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* org.resctl.Manager: one handler per method of api.md. Each handler reads
 * its arguments, asks caller_authorize() (which may park the call), does
 * the work through the manager, and queues its reply: manager_commit()
 * sends it once the effect is durable. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "log.h"
#include "log-unit.h"
#include "macro.h"
#include "manager.h"

#define ACTION_CHARGE "org.resctl.charge"
#define ACTION_EVICT "org.resctl.evict"
#define ACTION_MANAGE_LIMITS "org.resctl.manage-limits"
#define ACTION_MANAGE_RESOURCES "org.resctl.manage-resources"

int bus_error_from_rc(sd_bus_error *error, int r, const rc_err *err) {
        const char *msg = err && err->msg[0] ? err->msg : strerror(-r);
        switch (-r) {
        case EINVAL:
        case ERANGE:
        case EACCES:
        case EEXIST:
                return sd_bus_error_set(error, RESCTL_ERROR_INVALID_ARGUMENT, msg);
        case ENODEV:
                return sd_bus_error_set(error, RESCTL_ERROR_NO_SUCH_RESOURCE, msg);
        case ENOENT:
                return sd_bus_error_set(error, RESCTL_ERROR_NO_SUCH_FILE, msg);
        case EBUSY:
                return sd_bus_error_set(error, RESCTL_ERROR_LIMIT_EXCEEDED, msg);
        case RC_E_KERNEL_MANAGED:
                return sd_bus_error_set(error, RESCTL_ERROR_KERNEL_MANAGED, msg);
        case RC_E_KERNEL_REFUSED:
                return sd_bus_error_set(error, RESCTL_ERROR_KERNEL_REFUSED, msg);
        case RC_E_CGROUP_GONE:
                return sd_bus_error_set(error, RESCTL_ERROR_NO_SUCH_GROUP, msg);
        default:
                return sd_bus_error_set_errnof(error, -r, "%s", msg);
        }
}

int bus_send_signal(Manager *m, const char *member, const char *types, ...) {
        if (!m->bus || m->loading)
                return 0;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
        int r = sd_bus_message_new_signal(m->bus, &s, RESCTL_MANAGER_PATH, RESCTL_MANAGER_IFACE, member);
        if (r < 0)
                return r;
        va_list ap;
        va_start(ap, types);
        r = sd_bus_message_appendv(s, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        return manager_queue(m, s);
}

static int reply_queue(Manager *m, sd_bus_message *call, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(call, &reply);
        if (r < 0)
                return r;
        if (types) {
                va_list ap;
                va_start(ap, types);
                r = sd_bus_message_appendv(reply, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        r = manager_queue(m, reply);
        return r < 0 ? r : 1;
}

/* Handlers run again when a parked call comes back (caller.c rewinds it).
 * Every method that authorizes changes something: it is refused before it
 * does while the logs cannot be written (manager_check_storage()). */
#define AUTHORIZE(m, msg, action, caller, error)                                        \
        do {                                                                            \
                int _r = caller_authorize((m), (msg), (action), (caller), (error));     \
                if (_r <= 0)                                                            \
                        return _r < 0 ? _r : 1;                                         \
                _r = manager_check_storage((m), (error));                               \
                if (_r < 0)                                                             \
                        return _r;                                                      \
        } while (0)

static int method_list_resources(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(stttt)");
        cgroupfs_refresh_capacities(m);
        list_for_each(l, &m->engine->resources) {
                rc_resource *res = list_entry(l, rc_resource, link);
                for (unsigned i = 0; i < res->n_counters && r >= 0; i++) {
                        rc_counter *c = &res->counters[i];
                        const rc_pool *p = rc_group_pool_peek(m->engine->root, c);
                        uint64_t usage = p ? p->usage : 0, peak = p ? p->peak : 0, refused = c->refused;
                        if (cgroupfs_stat(m, m->engine->root, c, CGROUP_USAGE, &usage) > 0) {
                                (void) cgroupfs_stat(m, m->engine->root, c, CGROUP_PEAK, &peak);
                                refused = cgroupfs_refused(m, c);
                        }
                        r = sd_bus_message_append(reply, "(stttt)", c->key, res->capacity, usage, peak, refused);
                }
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_register_resource(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *key;
        uint64_t capacity;
        int r = sd_bus_message_read(msg, "st", &key, &capacity);
        if (r < 0)
                return r;
        AUTHORIZE(m, msg, ACTION_MANAGE_RESOURCES, NULL, error);
        rc_err err = { { 0 } };
        r = manager_register_resource(m, key, capacity, &err);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);
        return reply_queue(m, msg, NULL);
}

static int method_unregister_resource(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *key;
        int r = sd_bus_message_read(msg, "s", &key);
        if (r < 0)
                return r;
        AUTHORIZE(m, msg, ACTION_MANAGE_RESOURCES, NULL, error);
        rc_err err = { { 0 } };
        r = manager_unregister_resource(m, key, &err);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);
        return reply_queue(m, msg, NULL);
}

static int method_set_capacity(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *key;
        uint64_t capacity;
        int r = sd_bus_message_read(msg, "st", &key, &capacity);
        if (r < 0)
                return r;
        AUTHORIZE(m, msg, ACTION_MANAGE_RESOURCES, NULL, error);
        rc_err err = { { 0 } };
        r = manager_set_capacity(m, key, capacity, &err);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);
        return reply_queue(m, msg, NULL);
}

static int cmp_group_name(const void *a, const void *b) {
        return strcmp((*(rc_group *const *) a)->name, (*(rc_group *const *) b)->name);
}

/* Reply sizes (resctld(8), LIMITS): no reply may be larger than
 * ReplySizeMax=, under dbus-daemon's message limit: a larger one would
 * make the bus drop resctld's connection. Upper bounds of what an entry
 * adds to a message: a string is its length, a NUL, 4 bytes of length and
 * up to 3 of padding; a struct starts on 8 bytes. */
#define REPLY_OVERHEAD 1024

static uint64_t size_str(const char *s) {
        return strlen(s) + 8;
}

uint64_t bus_group_entry_size(const rc_group *g) {
        /* sd_bus_path_encode() keeps [A-Za-z0-9] and turns any other byte into "_xx". */
        uint64_t path = strlen(RESCTL_GROUP_PREFIX) + 1 + 8;
        for (const char *p = g->name; *p; p++)
                path += (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? 1 : 3;
        return 7 + size_str(g->name) + size_str(g->parent ? g->parent->name : "") + path;
}

static uint64_t charge_entry_size(const rc_charge *ch) {
        return 7 + 8 + size_str(ch->group->name) + size_str(ch->counter->key) + 3 + 8 + 4 + 4 + 8;
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

static int append_group(sd_bus_message *reply, const rc_group *g) {
        _cleanup_free_ char *path = NULL;
        int r = bus_group_path(g->name, &path);
        if (r < 0)
                return r;
        return sd_bus_message_append(reply, "(sso)", g->name, g->parent ? g->parent->name : "", path);
}

static int method_list_groups(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        size_t k;
        _cleanup_free_ rc_group **v = groups_sorted(m, &k);
        if (!v)
                return -ENOMEM;
        uint64_t size = REPLY_OVERHEAD;
        for (size_t i = 0; i < k; i++)
                size += bus_group_entry_size(v[i]);
        if (size > m->config.reply_size_max)
                return bus_reply_too_large(m, error, k, "groups", size, "ListGroupsPaged");

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sso)");
        for (size_t i = 0; i < k && r >= 0; i++)
                r = append_group(reply, v[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* A page: the groups named after `after` (byte order), at most max_count
 * of them (0: no count), as many as fit in ReplySizeMax=; `next` is the
 * cursor for the next page, "" after the last. */
static int method_list_groups_paged(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *after;
        uint32_t max_count;
        int r = sd_bus_message_read(msg, "su", &after, &max_count);
        if (r < 0)
                return r;
        size_t k;
        _cleanup_free_ rc_group **v = groups_sorted(m, &k);
        if (!v)
                return -ENOMEM;
        size_t lo = 0, hi = k;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(v[mid]->name, after) <= 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sso)");
        uint64_t size = REPLY_OVERHEAD + size_str(after) + 3 * 255;
        size_t i = lo;
        for (; i < k && r >= 0 && (max_count == 0 || i - lo < max_count); i++) {
                size += bus_group_entry_size(v[i]);
                if (size > m->config.reply_size_max && i > lo)
                        break;
                r = append_group(reply, v[i]);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", i < k && i > lo ? v[i - 1]->name : "");
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
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

/* The unit a process runs in, from its cgroup path (the bus gives no unit). */
static int pid_unit(pid_t pid, char **ret_unit, char **ret_slice) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        char line[4096];
        while (fgets(line, sizeof(line), f)) {
                if (!strneq(line, "0::/", 4))
                        continue;
                line[strcspn(line, "\n")] = 0;
                _cleanup_free_ char *unit = NULL, *slice = NULL;
                for (char *save = NULL, *t = strtok_r(line + 3, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
                        if (!rc_unit_name_is_valid(t))
                                break;
                        if (rc_unit_name_is_slice(t)) {
                                free(slice);
                                slice = strdup(t);
                        } else {
                                free(unit);
                                unit = strdup(t);
                                break;
                        }
                }
                if (!unit && !slice)
                        return -ENXIO;
                *ret_slice = TAKE_PTR(slice);
                *ret_unit = TAKE_PTR(unit);
                return 0;
        }
        return -ENXIO;
}

static int resolve_own_group(Manager *m, Caller *c, rc_group **ret, sd_bus_error *error) {
        _cleanup_free_ char *unit = NULL, *slice = NULL;
        int r = pid_unit(c->pid, &unit, &slice);
        /* Read by pid: valid only if that process still runs now. */
        if (r >= 0 && !caller_alive(c))
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "The calling process %d has exited; name the group.", (int) c->pid);
        if (r < 0)
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "Cannot tell the unit of the calling process %d; name the group.", (int) c->pid);
        rc_err err = { { 0 } };
        if (unit)
                r = rc_group_get(m->engine, unit, slice, ret, &err);
        else
                r = rc_group_get(m->engine, slice, NULL, ret, &err);
        return r < 0 ? bus_error_from_rc(error, r, &err) : 0;
}

/* A unit charge from inside its own unit (ExecStartPre=) may come before
 * systemd's signals told us the unit runs and under which slice: the
 * caller's cgroup says it, so the limits of the right slice apply. */
static int resolve_unit_group(Manager *m, Caller *c, const char *group, rc_group **ret, rc_err *err) {
        _cleanup_free_ char *unit = NULL, *slice = NULL;
        if (!systemd_unit_is_live(m, group) && !rc_unit_name_is_slice(group) && pid_unit(c->pid, &unit, &slice) >= 0 &&
            unit && slice && streq(unit, group))
                return rc_group_get(m->engine, group, slice, ret, err);
        return manager_group_get(m, group, ret, err);
}

static int charge_error(sd_bus_error *error, int r, const rc_refusal *refusal, const rc_err *err) {
        if (r == -EBUSY && refusal->capacity)
                return sd_bus_error_set(error, RESCTL_ERROR_CAPACITY_EXCEEDED, err->msg);
        return bus_error_from_rc(error, r, err);
}

/* Why a process-owned charge cannot be taken: say the truth. */
static int owner_error(sd_bus_error *error, int r, const Caller *caller) {
        if (r == -EMFILE || r == -ENFILE) {
                struct rlimit rl = { 0, 0 };
                (void) getrlimit(RLIMIT_NOFILE, &rl);
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "resctld is out of file descriptors (%llu open at most) and cannot watch "
                                         "process %d for its charge; use PERSIST, or raise resctld's LimitNOFILE=.",
                                         (unsigned long long) rl.rlim_cur, (int) caller->pid);
        }
        if (r == -ESRCH)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "The calling process %d has exited; it cannot own a charge.",
                                         (int) caller->pid);
        return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Cannot watch process %d for its charge: %s",
                                 (int) caller->pid, strerror(-r));
}

/* Charge flag 0x2: the caller names a unit systemd does not know on purpose. */
#define CHARGE_CREATE UINT64_C(2)

/* 0 if systemd knows unit (or does not run), else NoSuchGroup naming it
 * and the closest names, logged for the unit's journal. */
static int refuse_unknown_unit(Manager *m, const char *unit, const rc_counter *c, uint64_t amount,
                               sd_bus_error *error) {
        _cleanup_free_ char *close = NULL;
        int r = unit_lookup_known(m, unit, &close);
        if (r != 0)
                return r < 0 ? r : 0;
        log_refusal(MESSAGE_ID_UNKNOWN_UNIT, unit, c->key,
                    "%s: refused a charge of %" PRIu64 " %s: systemd knows no such unit (not loaded, no unit file)%s%s.",
                    unit, amount, c->key, close ? "; close names: " : "", close ? close : "");
        return sd_bus_error_setf(error, RESCTL_ERROR_NO_SUCH_GROUP,
                                 "%s: systemd knows no such unit (not loaded, no unit file)%s%s%s; set the Charge flag "
                                 "0x2 (CREATE) to charge it anyway.",
                                 unit, close ? "; did you mean " : "", close ? close : "", close ? "?" : "");
}

static int method_charge(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *group, *key;
        uint64_t amount, flags;
        int r = sd_bus_message_read(msg, "sstt", &group, &key, &amount, &flags);
        if (r < 0)
                return r;
        Caller *caller;
        AUTHORIZE(m, msg, ACTION_CHARGE, &caller, error);

        if (flags & ~(uint64_t) (RC_CHARGE_PERSIST | CHARGE_CREATE | RC_CHARGE_UNIT))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "Unknown flags 0x%llx: 0x1 (PERSIST), 0x2 (CREATE) and 0x4 (UNIT) are defined.",
                                         (unsigned long long) (flags & ~(uint64_t) (RC_CHARGE_PERSIST | CHARGE_CREATE |
                                                                                    RC_CHARGE_UNIT)));
        if ((flags & RC_CHARGE_UNIT) && (flags & RC_CHARGE_PERSIST))
                return sd_bus_error_set(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                        "Flags 0x1 (PERSIST) and 0x4 (UNIT) exclude each other: a charge lasts until "
                                        "Uncharge or as long as its unit, not both.");
        if ((flags & RC_CHARGE_UNIT) && !systemd_active(m))
                return sd_bus_error_set(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                        "Flag 0x4 (UNIT) needs systemd, which is not on the bus: nothing would say "
                                        "when the unit stops (use PERSIST and Uncharge).");
        rc_err err = { { 0 } };
        rc_counter *c;
        r = rc_counter_find(m->engine, key, &c, &err);
        if (r >= 0)
                r = cgroupfs_refuse_brokering(c->resource, "charging it through resctld", &err);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);
        r = quota_check(m, caller->uid, QUOTA_CHARGES, 1, error);
        if (r < 0)
                return r;
        rc_group *g;
        size_t groups_before = m->engine->groups.n_entries;
        if (isempty(group))
                r = resolve_own_group(m, caller, &g, error);
        else {
                if (!(flags & CHARGE_CREATE) && rc_unit_name_is_valid(group)) {
                        r = refuse_unknown_unit(m, group, c, amount, error);
                        if (r < 0)
                                return r;
                }
                r = flags & RC_CHARGE_UNIT ? resolve_unit_group(m, caller, group, &g, &err)
                                           : manager_group_get(m, group, &g, &err);
                if (r < 0)
                        return bus_error_from_rc(error, r, &err);
        }
        if (r < 0)
                return r;
        r = quota_groups_created(m, caller->uid, g, m->engine->groups.n_entries - groups_before, error);
        if (r < 0)
                return r;
        Owner *o = NULL;
        if (!(flags & (RC_CHARGE_PERSIST | RC_CHARGE_UNIT))) {
                if (!owner_find(m, caller->pid, caller->starttime, caller->uid)) {
                        r = quota_check(m, caller->uid, QUOTA_OWNERS, 1, error);
                        if (r < 0) {
                                rc_group_gc(m->engine, g);
                                return r;
                        }
                }
                r = owner_get(m, caller->pid, caller->starttime, caller->uid, caller->pidfd, &o);
                if (r < 0) {
                        rc_group_gc(m->engine, g);
                        return owner_error(error, r, caller);
                }
        }
        rc_refusal refusal;
        rc_charge *ch;
        r = manager_charge(m, g, c, amount, (uint32_t) (flags & ~CHARGE_CREATE), o, caller->uid, &ch, &refusal, &err);
        if (r < 0) {
                if (r != -EBUSY)
                        return charge_error(error, r, &refusal, &err);
                /* The refusal counted events: commit them before the error
                 * goes out. `error` stays unset, or sd-bus replied at once. */
                _cleanup_(sd_bus_error_free) sd_bus_error refused = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *e = NULL;
                int q = charge_error(&refused, r, &refusal, &err);
                if (sd_bus_message_new_method_error(msg, &e, &refused) >= 0 && manager_queue(m, e) >= 0)
                        return 1;
                (void) sd_bus_error_copy(error, &refused);
                return q;
        }
        if (flags & RC_CHARGE_UNIT)
                unit_charges_taken(m, ch);
        return reply_queue(m, msg, "t", ch->id);
}

static int find_charge(Manager *m, uint64_t id, rc_charge **ret, sd_bus_error *error) {
        *ret = rc_charge_find(m->engine, id);
        if (!*ret)
                return sd_bus_error_setf(error, RESCTL_ERROR_NO_SUCH_CHARGE, "No charge with id %llu.",
                                         (unsigned long long) id);
        return 0;
}

static int method_uncharge(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint64_t id, amount;
        int r = sd_bus_message_read(msg, "tt", &id, &amount);
        if (r < 0)
                return r;
        Caller *caller;
        AUTHORIZE(m, msg, NULL, &caller, error);
        rc_charge *ch;
        r = find_charge(m, id, &ch, error);
        if (r < 0)
                return r;
        const Owner *o = owner_from_charge(ch);
        bool own = o && o->uid == caller->uid && o->pid == caller->pid && o->starttime == caller->starttime;
        if (!own)
                AUTHORIZE(m, msg, ACTION_CHARGE, &caller, error);
        /* Looked up again: the charge may have gone while polkit was asked. */
        r = find_charge(m, id, &ch, error);
        if (r < 0)
                return r;
        if (amount > ch->amount)
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "Charge %llu holds %llu; cannot uncharge %llu.", (unsigned long long) id,
                                         (unsigned long long) ch->amount, (unsigned long long) amount);
        manager_release(m, ch, amount, "uncharged");
        return reply_queue(m, msg, NULL);
}

static int append_charge(sd_bus_message *reply, const rc_charge *ch) {
        const Owner *o = owner_from_charge(ch);
        return sd_bus_message_append(reply, "(tsstut)", ch->id, ch->group->name, ch->counter->key, ch->amount,
                                     o ? (uint32_t) o->pid : 0, (uint64_t) ch->flags);
}

static int cmp_charge_id(const void *a, const void *b) {
        uint64_t x = (*(rc_charge *const *) a)->id, y = (*(rc_charge *const *) b)->id;
        return x < y ? -1 : x > y;
}

/* The charges of `group` ("" = all), by id. */
static rc_charge **charges_sorted(Manager *m, const char *group, size_t *ret_n) {
        rc_group *g = isempty(group) ? NULL : rc_group_find(m->engine, group);
        size_t n = isempty(group) ? m->engine->charges.n_entries : g ? g->n_charges : 0, k = 0;
        rc_charge **v = calloc(n ? n : 1, sizeof(*v));
        if (!v)
                return NULL;
        if (isempty(group))
                hashmap_for_each(node, &m->engine->charges)
                        v[k++] = container_of(node, rc_charge, node);
        else if (g)
                list_for_each(l, &g->charges)
                        if (k < n)
                                v[k++] = list_entry(l, rc_charge, group_link);
        qsort(v, k, sizeof(*v), cmp_charge_id);
        *ret_n = k;
        return v;
}

static int method_list_charges(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *group;
        int r = sd_bus_message_read(msg, "s", &group);
        if (r < 0)
                return r;
        if (!isempty(group) && !rc_unit_name_is_valid(group))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT, "'%.255s' is not a valid unit name.",
                                         group);
        size_t k;
        _cleanup_free_ rc_charge **v = charges_sorted(m, group, &k);
        if (!v)
                return -ENOMEM;
        uint64_t size = REPLY_OVERHEAD;
        for (size_t i = 0; i < k; i++)
                size += charge_entry_size(v[i]);
        if (size > m->config.reply_size_max)
                return bus_reply_too_large(m, error, k, "charges", size, "ListChargesPaged");
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(tsstut)");
        for (size_t i = 0; i < k && r >= 0; i++)
                r = append_charge(reply, v[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* A page: the charges of `group` ("" = all) with ids above `after`, by id,
 * at most max_count (0: no count), as many as fit in ReplySizeMax=; `next`
 * is the cursor for the next page, 0 after the last. */
static int method_list_charges_paged(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *group;
        uint64_t after;
        uint32_t max_count;
        int r = sd_bus_message_read(msg, "stu", &group, &after, &max_count);
        if (r < 0)
                return r;
        if (!isempty(group) && !rc_unit_name_is_valid(group))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT, "'%.255s' is not a valid unit name.",
                                         group);
        size_t k;
        _cleanup_free_ rc_charge **v = charges_sorted(m, group, &k);
        if (!v)
                return -ENOMEM;
        size_t lo = 0, hi = k;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (v[mid]->id <= after)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(tsstut)");
        uint64_t size = REPLY_OVERHEAD;
        size_t i = lo;
        for (; i < k && r >= 0 && (max_count == 0 || i - lo < max_count); i++) {
                size += charge_entry_size(v[i]);
                if (size > m->config.reply_size_max && i > lo)
                        break;
                r = append_charge(reply, v[i]);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "t", i < k && i > lo ? v[i - 1]->id : UINT64_C(0));
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int migrate(Manager *m, rc_charge **v, size_t n, const char *dst, uid_t uid, sd_bus_error *error) {
        rc_err err = { { 0 } };
        rc_group *g;
        size_t groups_before = m->engine->groups.n_entries;
        int r = manager_group_get(m, dst, &g, &err);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);
        r = quota_groups_created(m, uid, g, m->engine->groups.n_entries - groups_before, error);
        if (r < 0)
                return r;
        rc_refusal refusal;
        r = rc_charges_migrate(m->engine, v, n, g, &refusal, &err);
        if (r < 0) {
                rc_group_gc(m->engine, g);
                return charge_error(error, r, &refusal, &err);
        }
        for (size_t i = 0; i < n; i++) {
                record_migrate(m, v[i]);
                manager_mark_dirty_path(m, v[i]->group);
        }
        return 0;
}

static int method_migrate_charges(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const void *ids;
        size_t size;
        const char *dst;
        int r = sd_bus_message_read_array(msg, 't', &ids, &size);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &dst);
        if (r < 0)
                return r;
        Caller *caller;
        AUTHORIZE(m, msg, ACTION_CHARGE, &caller, error);
        size_t n = size / sizeof(uint64_t);
        _cleanup_free_ rc_charge **v = calloc(n ? n : 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                uint64_t id;
                memcpy(&id, (const uint8_t *) ids + i * sizeof(id), sizeof(id));
                r = find_charge(m, id, &v[i], error);
                if (r < 0)
                        return r;
        }
        r = migrate(m, v, n, dst, caller->uid, error);
        if (r < 0)
                return r;
        return reply_queue(m, msg, NULL);
}

static int method_migrate_group(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *src, *dst;
        int r = sd_bus_message_read(msg, "ss", &src, &dst);
        if (r < 0)
                return r;
        Caller *caller;
        AUTHORIZE(m, msg, ACTION_CHARGE, &caller, error);
        if (!rc_unit_name_is_valid(src))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT, "'%.255s' is not a valid unit name.", src);
        rc_group *g = rc_group_find(m->engine, src);
        if (!g)
                return sd_bus_error_setf(error, RESCTL_ERROR_NO_SUCH_GROUP, "No group %s.", src);
        size_t n = g->n_charges, k = 0;
        _cleanup_free_ rc_charge **v = calloc(n ? n : 1, sizeof(*v));
        _cleanup_free_ uint64_t *ids = calloc(n ? n : 1, sizeof(*ids));
        if (!v || !ids)
                return -ENOMEM;
        list_for_each(l, &g->charges) {
                v[k] = list_entry(l, rc_charge, group_link);
                ids[k] = v[k]->id;
                k++;
        }
        r = migrate(m, v, k, dst, caller->uid, error);
        if (r < 0)
                return r;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 't', ids, k * sizeof(uint64_t));
        if (r >= 0)
                r = manager_queue(m, reply);
        return r < 0 ? r : 1;
}

static int method_evict(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *key, *group;
        uint64_t amount, flags;
        int r = sd_bus_message_read(msg, "sstt", &key, &group, &amount, &flags);
        if (r < 0)
                return r;
        AUTHORIZE(m, msg, ACTION_EVICT, NULL, error);
        if (flags & ~(uint64_t) RC_EVICT_FORCE)
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "Unknown flags 0x%llx: only 0x1 (FORCE) is defined.",
                                         (unsigned long long) flags);
        rc_err err = { { 0 } };
        rc_counter *c;
        r = rc_counter_find(m->engine, key, &c, &err);
        if (r >= 0)
                r = cgroupfs_refuse_brokering(c->resource, "evicting through resctld (TTM evicts itself)", &err);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);
        rc_group *g;
        r = manager_group_get(m, group, &g, &err);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);
        _cleanup_free_ rc_victim *v = NULL;
        size_t n = 0;
        r = rc_evict(m->engine, c, g, amount, &v, &n, &err);
        rc_group_gc(m->engine, g);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(tst)");
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = sd_bus_message_append(reply, "(tst)", v[i].id, v[i].group->name, v[i].amount);
                if (r >= 0)
                        r = bus_send_signal(m, "EvictionRequested", "tsst", v[i].id, v[i].group->name, c->key,
                                            v[i].amount);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        if (flags & RC_EVICT_FORCE)
                for (size_t i = 0; i < n; i++) {
                        rc_charge *ch = rc_charge_find(m->engine, v[i].id);
                        if (ch)
                                manager_release(m, ch, 0, "evicted");
                }
        r = manager_queue(m, reply);
        return r < 0 ? r : 1;
}

static int method_evict_valuable(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *key, *limit, *test;
        int ignore_low;
        int r = sd_bus_message_read(msg, "sssb", &key, &limit, &test, &ignore_low);
        if (r < 0)
                return r;
        rc_err err = { { 0 } };
        rc_counter *c;
        r = rc_counter_find(m->engine, key, &c, &err);
        if (r >= 0)
                r = cgroupfs_refuse_brokering(c->resource, "asking resctld for its eviction decision", &err);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);
        if (c->resource->controller != RC_DMEM)
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT, "%s: eviction applies to dmem regions only.",
                                         key);
        if ((!isempty(limit) && !rc_unit_name_is_valid(limit)) || !rc_unit_name_is_valid(test))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT, "'%.255s' is not a valid unit name.",
                                         !rc_unit_name_is_valid(test) ? test : limit);
        bool hit_low = false, valuable;
        rc_group *t = rc_group_find(m->engine, test);
        rc_group *l = isempty(limit) ? NULL : rc_group_find(m->engine, limit);
        if (!isempty(limit) && streq(limit, test))
                valuable = true;                /* L == T, whatever they hold */
        else if (!t || (!isempty(limit) && !l))
                valuable = false;               /* a group that holds nothing has nothing to evict */
        else
                valuable = rc_evict_valuable(m->engine, c, l, t, ignore_low, &hit_low);
        return sd_bus_reply_method_return(msg, "bb", valuable, hit_low);
}

static int method_set_unit_properties(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *unit;
        int runtime;
        int r = sd_bus_message_read(msg, "sb", &unit, &runtime);
        if (r < 0)
                return r;
        AUTHORIZE(m, msg, ACTION_MANAGE_LIMITS, NULL, error);
        r = unit_settings_set(m, unit, runtime, msg, error);
        if (r < 0)
                return r;
        return reply_queue(m, msg, NULL);
}

static int method_read_file(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *group, *file;
        int r = sd_bus_message_read(msg, "ss", &group, &file);
        if (r < 0)
                return r;
        if (!rc_unit_name_is_valid(group))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "'%.255s' is not a valid unit name (e.g. tenant-a.slice, vm42.scope)", group);
        rc_err err = { { 0 } };
        _cleanup_free_ char *text = NULL;
        r = rc_file_read(m->engine, rc_group_find(m->engine, group), file, &text, &err);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);
        r = cgroupfs_read_file(m, group, file, &text);
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
        AUTHORIZE(m, msg, ACTION_MANAGE_LIMITS, NULL, error);
        rc_err err = { { 0 } };
        r = manager_write_file(m, group, file, text, true, &err);
        if (r < 0)
                return bus_error_from_rc(error, r, &err);
        rc_group *g = rc_group_find(m->engine, group);
        if (g)
                manager_mark_dirty_path(m, g);
        return reply_queue(m, msg, NULL);
}

static int method_protect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *unit, *key;
        uint64_t amount, flags, effective;
        int r = sd_bus_message_read(msg, "sstt", &unit, &key, &amount, &flags);
        if (r < 0)
                return r;
        AUTHORIZE(m, msg, ACTION_MANAGE_LIMITS, NULL, error);
        r = protect(m, unit, key, amount, flags, &effective, error);
        if (r < 0)
                return r;
        return reply_queue(m, msg, "t", effective);
}

static int method_unprotect(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *unit, *key;
        uint64_t flags;
        int r = sd_bus_message_read(msg, "sst", &unit, &key, &flags);
        if (r < 0)
                return r;
        AUTHORIZE(m, msg, ACTION_MANAGE_LIMITS, NULL, error);
        r = unprotect(m, unit, key, flags, error);
        if (r < 0)
                return r;
        return reply_queue(m, msg, NULL);
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

ONE_LINE(method_charge)
ONE_LINE(method_evict_valuable)
ONE_LINE(method_get_group)
ONE_LINE(method_list_groups)
ONE_LINE(method_list_groups_paged)
ONE_LINE(method_list_charges_paged)
ONE_LINE(method_unregister_resource)
ONE_LINE(method_list_resources)
ONE_LINE(method_evict)
ONE_LINE(method_list_charges)
ONE_LINE(method_migrate_charges)
ONE_LINE(method_migrate_group)
ONE_LINE(method_read_file)
ONE_LINE(method_register_resource)
ONE_LINE(method_set_capacity)
ONE_LINE(method_set_unit_properties)
ONE_LINE(method_uncharge)
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
                                 SD_BUS_PARAM(charge_id), method_charge_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Uncharge", "tt", SD_BUS_PARAM(charge_id) SD_BUS_PARAM(amount), "", ,
                                 method_uncharge_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListCharges", "s", SD_BUS_PARAM(group), "a(tsstut)", SD_BUS_PARAM(charges),
                                 method_list_charges_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListChargesPaged", "stu", SD_BUS_PARAM(group) SD_BUS_PARAM(after) SD_BUS_PARAM(max_count),
                                 "a(tsstut)t", SD_BUS_PARAM(charges) SD_BUS_PARAM(next),
                                 method_list_charges_paged_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("MigrateCharges", "ats", SD_BUS_PARAM(charge_ids) SD_BUS_PARAM(dst_group), "", ,
                                 method_migrate_charges_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("MigrateGroup", "ss", SD_BUS_PARAM(src_group) SD_BUS_PARAM(dst_group), "at",
                                 SD_BUS_PARAM(moved_ids), method_migrate_group_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Evict", "sstt",
                                 SD_BUS_PARAM(key) SD_BUS_PARAM(group) SD_BUS_PARAM(amount) SD_BUS_PARAM(flags),
                                 "a(tst)", SD_BUS_PARAM(victims), method_evict_one_line, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("EvictValuable", "sssb",
                                 SD_BUS_PARAM(key) SD_BUS_PARAM(limit_group) SD_BUS_PARAM(test_group)
                                         SD_BUS_PARAM(ignore_low),
                                 "bb", SD_BUS_PARAM(valuable) SD_BUS_PARAM(hit_low), method_evict_valuable_one_line,
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
