/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What Charge, Uncharge, MigrateCharges, MigrateGroup, Evict and
 * EvictValuable do once the bus layer has read and authorized the call:
 * the checks of api.md, the group the charge goes to (its slice from
 * systemd, or from the caller's cgroup), quotas, the owning process, and
 * the engine calls. Errors are set in the words api.md gives them. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "log.h"
#include "log-unit.h"
#include "macro.h"
#include "manager.h"
#include "unit-charges.h"
#include "unit-lookup.h"
#include "quota.h"

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

static int resolve_own_group(Manager *m, const Caller *c, rc_group **ret, sd_bus_error *error) {
        _cleanup_free_ char *unit = NULL, *slice = NULL;
        int r = pid_unit(c->pid, &unit, &slice);
        /* Read by pid: valid only if that process still runs now (the
         * caller was alive when authorized, see caller_alive()). */
        if (r >= 0 && !process_alive(c->pidfd, c->pid, c->starttime))
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
        return r < 0 ? error_from_rc(error, r, &err) : 0;
}

/* A unit charge from inside its own unit (ExecStartPre=) may come before
 * systemd's signals told us the unit runs and under which slice: the
 * caller's cgroup says it, so the limits of the right slice apply. */
static int resolve_unit_group(Manager *m, const Caller *c, const char *group, rc_group **ret, rc_err *err) {
        _cleanup_free_ char *unit = NULL, *slice = NULL;
        if (!systemd_unit_is_live(m->systemd, group) && !rc_unit_name_is_slice(group) && pid_unit(c->pid, &unit, &slice) >= 0 &&
            unit && slice && streq(unit, group))
                return rc_group_get(m->engine, group, slice, ret, err);
        return manager_group_get(m, group, ret, err);
}

static int charge_error(sd_bus_error *error, int r, const rc_refusal *refusal, const rc_err *err) {
        if (r == -EBUSY && refusal->capacity)
                return sd_bus_error_set(error, RESCTL_ERROR_CAPACITY_EXCEEDED, err->msg);
        return error_from_rc(error, r, err);
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

/* The counter of key, if resctld brokers it (not one the kernel charges
 * by itself: cgroupfs_refuse_brokering() says why, naming what). */
static int brokered_counter(Manager *m, const char *key, const char *what, rc_counter **ret, sd_bus_error *error) {
        rc_err err = { { 0 } };
        int r = rc_counter_find(m->engine, key, ret, &err);
        if (r >= 0)
                r = cgroupfs_refuse_brokering((*ret)->resource, what, &err);
        return r < 0 ? error_from_rc(error, r, &err) : 0;
}

/* The group name, created if needed (manager_group_get()). */
static int group_get(Manager *m, const char *name, rc_group **ret, sd_bus_error *error) {
        rc_err err = { { 0 } };
        int r = manager_group_get(m, name, ret, &err);
        return r < 0 ? error_from_rc(error, r, &err) : 0;
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

/* The group a charge goes to ("": the caller's own unit), created if
 * needed and counted against the caller's group quota. */
static int charge_group(Manager *m, const Caller *caller, const char *group, const rc_counter *c, uint64_t amount,
                        uint64_t flags, rc_group **ret, sd_bus_error *error) {
        rc_err err = { { 0 } };
        size_t groups_before = m->engine->groups.n_entries;
        int r;
        if (isempty(group))
                r = resolve_own_group(m, caller, ret, error);
        else {
                if (!(flags & CHARGE_CREATE) && rc_unit_name_is_valid(group)) {
                        r = refuse_unknown_unit(m, group, c, amount, error);
                        if (r < 0)
                                return r;
                }
                r = flags & RC_CHARGE_UNIT ? resolve_unit_group(m, caller, group, ret, &err)
                                           : manager_group_get(m, group, ret, &err);
                if (r < 0)
                        return error_from_rc(error, r, &err);
        }
        if (r < 0)
                return r;
        return quota_groups_created(m, caller->uid, *ret, m->engine->groups.n_entries - groups_before, error);
}

int manager_charge_for(Manager *m, const Caller *caller, const ChargeRequest *req, uint64_t *ret_id,
                       bool *ret_refused, sd_bus_error *error) {
        const char *group = req->group, *key = req->key;
        uint64_t amount = req->amount, flags = req->flags;
        *ret_refused = false;
        if (flags & ~(uint64_t) (RC_CHARGE_PERSIST | CHARGE_CREATE | RC_CHARGE_UNIT))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "Unknown flags 0x%llx: 0x1 (PERSIST), 0x2 (CREATE) and 0x4 (UNIT) are defined.",
                                         (unsigned long long) (flags & ~(uint64_t) (RC_CHARGE_PERSIST | CHARGE_CREATE |
                                                                                    RC_CHARGE_UNIT)));
        if ((flags & RC_CHARGE_UNIT) && (flags & RC_CHARGE_PERSIST))
                return sd_bus_error_set(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                        "Flags 0x1 (PERSIST) and 0x4 (UNIT) exclude each other: a charge lasts until "
                                        "Uncharge or as long as its unit, not both.");
        if ((flags & RC_CHARGE_UNIT) && !systemd_active(m->systemd))
                return sd_bus_error_set(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                        "Flag 0x4 (UNIT) needs systemd, which is not on the bus: nothing would say "
                                        "when the unit stops (use PERSIST and Uncharge).");
        rc_counter *c;
        int r = brokered_counter(m, key, "charging it through resctld", &c, error);
        if (r < 0)
                return r;
        rc_err err = { { 0 } };
        r = quota_check(m, caller->uid, QUOTA_CHARGES, 1, error);
        if (r < 0)
                return r;
        rc_group *g;
        r = charge_group(m, caller, group, c, amount, flags, &g, error);
        if (r < 0)
                return r;
        Owner *o = NULL;
        if (!(flags & (RC_CHARGE_PERSIST | RC_CHARGE_UNIT))) {
                if (!owner_find(&m->owners, caller->pid, caller->starttime, caller->uid)) {
                        r = quota_check(m, caller->uid, QUOTA_OWNERS, 1, error);
                        if (r < 0) {
                                rc_group_gc(m->engine, g);
                                return r;
                        }
                }
                r = owner_get(&m->owners, caller->pid, caller->starttime, caller->uid, caller->pidfd, &o);
                if (r < 0) {
                        rc_group_gc(m->engine, g);
                        return owner_error(error, r, caller);
                }
        }
        rc_refusal refusal;
        rc_charge *ch;
        r = manager_charge(m, g, c, amount, (uint32_t) (flags & ~CHARGE_CREATE), o, caller->uid, &ch, &refusal, &err);
        if (r < 0) {
                /* The refusal counted events: the bus layer commits them before the error goes out. */
                *ret_refused = r == -EBUSY;
                return charge_error(error, r, &refusal, &err);
        }
        if (flags & RC_CHARGE_UNIT)
                unit_charges_taken(m, ch);
        *ret_id = ch->id;
        return 0;
}

int manager_find_charge(Manager *m, uint64_t id, rc_charge **ret, sd_bus_error *error) {
        *ret = rc_charge_find(m->engine, id);
        if (!*ret)
                return sd_bus_error_setf(error, RESCTL_ERROR_NO_SUCH_CHARGE, "No charge with id %llu.",
                                         (unsigned long long) id);
        return 0;
}

int manager_uncharge(Manager *m, uint64_t id, uint64_t amount, sd_bus_error *error) {
        rc_charge *ch;
        /* Looked up again: the charge may have gone while polkit was asked. */
        int r = manager_find_charge(m, id, &ch, error);
        if (r < 0)
                return r;
        if (amount > ch->amount)
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "Charge %llu holds %llu; cannot uncharge %llu.", (unsigned long long) id,
                                         (unsigned long long) ch->amount, (unsigned long long) amount);
        manager_release(m, ch, amount, "uncharged");
        return 0;
}

static int migrate(Manager *m, rc_charge **v, size_t n, const char *dst, uid_t uid, sd_bus_error *error) {
        rc_group *g;
        size_t groups_before = m->engine->groups.n_entries;
        int r = group_get(m, dst, &g, error);
        if (r < 0)
                return r;
        rc_err err = { { 0 } };
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
                manager_emit(m, migrated, v[i]);
                manager_mark_dirty_path(m, v[i]->group);
        }
        return 0;
}

int manager_migrate_charges(Manager *m, const void *ids, size_t n, const char *dst, uid_t uid, sd_bus_error *error) {
        _cleanup_free_ rc_charge **v = calloc(n ? n : 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                uint64_t id;
                memcpy(&id, (const uint8_t *) ids + i * sizeof(id), sizeof(id));
                int r = manager_find_charge(m, id, &v[i], error);
                if (r < 0)
                        return r;
        }
        return migrate(m, v, n, dst, uid, error);
}

int manager_migrate_group(Manager *m, const char *src, const char *dst, uid_t uid, uint64_t **ret_ids,
                          size_t *ret_n, sd_bus_error *error) {
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
        int r = migrate(m, v, k, dst, uid, error);
        if (r < 0)
                return r;
        *ret_ids = TAKE_PTR(ids);
        *ret_n = k;
        return 0;
}

void evict_victims_free(EvictVictim *v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                free(v[i].group);
        free(v);
}

int manager_evict(Manager *m, const char *key, const char *group, uint64_t amount, uint64_t flags,
                  EvictVictim **ret, size_t *ret_n, sd_bus_error *error) {
        if (flags & ~(uint64_t) RC_EVICT_FORCE)
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "Unknown flags 0x%llx: only 0x1 (FORCE) is defined.",
                                         (unsigned long long) flags);
        rc_counter *c;
        int r = brokered_counter(m, key, "evicting through resctld (TTM evicts itself)", &c, error);
        if (r < 0)
                return r;
        rc_group *g;
        r = group_get(m, group, &g, error);
        if (r < 0)
                return r;
        rc_err err = { { 0 } };
        _cleanup_free_ rc_victim *v = NULL;
        size_t n = 0;
        r = rc_evict(m->engine, c, g, amount, &v, &n, &err);
        rc_group_gc(m->engine, g);
        if (r < 0)
                return error_from_rc(error, r, &err);

        /* Copies: a victim released below may take its group along. */
        EvictVictim *victims = calloc(n ? n : 1, sizeof(*victims));
        if (!victims)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                victims[i] = (EvictVictim) { .id = v[i].id, .amount = v[i].amount, .group = strdup(v[i].group->name) };
                if (!victims[i].group) {
                        evict_victims_free(victims, i);
                        return -ENOMEM;
                }
                manager_emit(m, eviction_requested, v[i].id, v[i].group->name, c->key, v[i].amount);
        }
        if (flags & RC_EVICT_FORCE)
                for (size_t i = 0; i < n; i++) {
                        rc_charge *ch = rc_charge_find(m->engine, v[i].id);
                        if (ch)
                                manager_release(m, ch, 0, "evicted");
                }
        *ret = victims;
        *ret_n = n;
        return 0;
}

int manager_evict_valuable(Manager *m, const char *key, const char *limit, const char *test, bool ignore_low,
                           bool *ret_valuable, bool *ret_hit_low, sd_bus_error *error) {
        rc_counter *c;
        int r = brokered_counter(m, key, "asking resctld for its eviction decision", &c, error);
        if (r < 0)
                return r;
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
        *ret_valuable = valuable;
        *ret_hit_low = hit_low;
        return 0;
}
