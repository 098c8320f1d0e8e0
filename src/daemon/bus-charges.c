/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The charge methods of org.resctl.Manager (api.md): Charge, Uncharge,
 * ListCharges, ListChargesPaged, MigrateCharges, MigrateGroup, Evict,
 * EvictValuable. bus-manager.c's vtable names them; what they do is in
 * manager-charge.c. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "caller.h"
#include "macro.h"
#include "manager.h"

int bus_method_charge(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        ChargeRequest req;
        int r = sd_bus_message_read(msg, "sstt", &req.group, &req.key, &req.amount, &req.flags);
        if (r < 0)
                return r;
        Caller *caller;
        BUS_AUTHORIZE(m, msg, ACTION_CHARGE, &caller, error);
        uint64_t id;
        bool refused;
        r = manager_charge_for(m, caller, &req, &id, &refused, error);
        if (r < 0 && refused) {
                /* The refusal counted events: commit them before the error
                 * goes out. `error` is left unset, or sd-bus replied at once. */
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *e = NULL;
                if (sd_bus_message_new_method_error(msg, &e, error) >= 0 && manager_queue(m, e) >= 0) {
                        sd_bus_error_free(error);
                        return 1;
                }
        }
        if (r < 0)
                return r;
        return bus_reply_queue(m, msg, "t", id);
}

int bus_method_uncharge(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint64_t id, amount;
        int r = sd_bus_message_read(msg, "tt", &id, &amount);
        if (r < 0)
                return r;
        Caller *caller;
        BUS_AUTHORIZE(m, msg, NULL, &caller, error);
        rc_charge *ch;
        r = manager_find_charge(m, id, &ch, error);
        if (r < 0)
                return r;
        const Owner *o = owner_from_charge(ch);
        bool own = o && o->uid == caller->uid && o->pid == caller->pid && o->starttime == caller->starttime;
        if (!own)
                BUS_AUTHORIZE(m, msg, ACTION_CHARGE, &caller, error);
        r = manager_uncharge(m, id, amount, error);
        if (r < 0)
                return r;
        return bus_reply_queue(m, msg, NULL);
}

static uint64_t charge_entry_size(const void *e) {
        const rc_charge *ch = e;
        return 7 + 8 + bus_size_str(ch->group->name) + bus_size_str(ch->counter->key) + 3 + 8 + 4 + 4 + 8;
}

static int append_charge(sd_bus_message *reply, const void *e) {
        const rc_charge *ch = e;
        const Owner *o = owner_from_charge(ch);
        return sd_bus_message_append(reply, "(tsstut)", ch->id, ch->group->name, ch->counter->key, ch->amount,
                                     o ? (uint32_t) o->pid : 0, (uint64_t) ch->flags);
}

static const BusListKind charge_list = {
        .entry = "(tsstut)",
        .what = "charges",
        .paged = "ListChargesPaged",
        .size = charge_entry_size,
        .append = append_charge,
};

static int cmp_charge_id(const void *a, const void *b) {
        uint64_t x = (*(rc_charge *const *) a)->id, y = (*(rc_charge *const *) b)->id;
        return x < y ? -1 : x > y;
}

/* The charges of `group` ("" = all), by id. */
static int charges_sorted(Manager *m, const char *group, rc_charge ***ret, size_t *ret_n, sd_bus_error *error) {
        if (!isempty(group) && !rc_unit_name_is_valid(group))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT, "'%.255s' is not a valid unit name.",
                                         group);
        rc_group *g = isempty(group) ? NULL : rc_group_find(m->engine, group);
        size_t n = isempty(group) ? m->engine->charges.n_entries : g ? g->n_charges : 0, k = 0;
        rc_charge **v = calloc(n ? n : 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        if (isempty(group))
                hashmap_for_each(node, &m->engine->charges)
                        v[k++] = container_of(node, rc_charge, node);
        else if (g)
                list_for_each(l, &g->charges)
                        if (k < n)
                                v[k++] = list_entry(l, rc_charge, group_link);
        qsort(v, k, sizeof(*v), cmp_charge_id);
        *ret = v;
        *ret_n = k;
        return 0;
}

static bool charge_not_after(const void *e, const void *after) {
        return ((const rc_charge *) e)->id <= *(const uint64_t *) after;
}

/* ListCharges, or a page (ListChargesPaged): the charges of `group` ("" =
 * all) with ids above `after`, by id, at most max_count (0: no count), as
 * many as fit in ReplySizeMax=; `next` is the cursor for the next page, 0
 * after the last. */
static int list_charges(sd_bus_message *msg, Manager *m, bool paged, sd_bus_error *error) {
        const char *group;
        uint64_t after = 0;
        uint32_t max_count = 0;
        int r = paged ? sd_bus_message_read(msg, "stu", &group, &after, &max_count)
                      : sd_bus_message_read(msg, "s", &group);
        if (r < 0)
                return r;
        _cleanup_free_ rc_charge **v = NULL;
        size_t k = 0;
        r = charges_sorted(m, group, &v, &k, error);
        if (r < 0)
                return r;
        if (!paged)
                return bus_list_reply(m, msg, error, &charge_list, (void *const *) v, k);
        size_t lo = bus_list_first_after((void *const *) v, k, charge_not_after, &after);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const rc_charge *last;
        r = bus_list_page(m, msg, &charge_list, (void *const *) v, k, lo, max_count, BUS_REPLY_OVERHEAD, &reply,
                          (const void **) &last);
        if (r >= 0)
                r = sd_bus_message_append(reply, "t", last ? last->id : UINT64_C(0));
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_method_list_charges(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return list_charges(msg, userdata, false, error);
}

int bus_method_list_charges_paged(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return list_charges(msg, userdata, true, error);
}

int bus_method_migrate_charges(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
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
        BUS_AUTHORIZE(m, msg, ACTION_CHARGE, &caller, error);
        r = manager_migrate_charges(m, ids, size / sizeof(uint64_t), dst, caller->uid, error);
        if (r < 0)
                return r;
        return bus_reply_queue(m, msg, NULL);
}

int bus_method_migrate_group(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *src, *dst;
        int r = sd_bus_message_read(msg, "ss", &src, &dst);
        if (r < 0)
                return r;
        Caller *caller;
        BUS_AUTHORIZE(m, msg, ACTION_CHARGE, &caller, error);
        _cleanup_free_ uint64_t *ids = NULL;
        size_t k = 0;
        r = manager_migrate_group(m, src, dst, caller->uid, &ids, &k, error);
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

int bus_method_evict(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *key, *group;
        uint64_t amount, flags;
        int r = sd_bus_message_read(msg, "sstt", &key, &group, &amount, &flags);
        if (r < 0)
                return r;
        BUS_AUTHORIZE(m, msg, ACTION_EVICT, NULL, error);
        EvictVictim *v = NULL;
        size_t n = 0;
        r = manager_evict(m, key, group, amount, flags, &v, &n, error);
        if (r < 0)
                return r;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = bus_reply_open_array(msg, "(tst)", &reply);
        for (size_t i = 0; i < n && r >= 0; i++)
                r = sd_bus_message_append(reply, "(tst)", v[i].id, v[i].group, v[i].amount);
        evict_victims_free(v, n);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = manager_queue(m, reply);
        return r < 0 ? r : 1;
}

int bus_method_evict_valuable(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *key, *limit, *test;
        int ignore_low;
        int r = sd_bus_message_read(msg, "sssb", &key, &limit, &test, &ignore_low);
        if (r < 0)
                return r;
        bool valuable, hit_low;
        r = manager_evict_valuable(m, key, limit, test, ignore_low, &valuable, &hit_low, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "bb", valuable, hit_low);
}
