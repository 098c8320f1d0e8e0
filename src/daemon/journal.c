/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What goes into the two logs (the record alphabet: journal.h): the
 * journal sink's records of the manager's events, and the dumps that
 * compaction rewrites a log as. The one caller of store_append(); the
 * replay is journal-replay.c. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "kparse.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "protect.h"

static Store *charge_store(Manager *m, const rc_charge *ch) {
        return ch->flags & RC_CHARGE_PERSIST ? m->state_store : m->runtime_store;
}

/* Charge ids are never used twice, whatever restarts and reboots come:
 * state.log holds a mark above every id given out ("I", written in blocks
 * before the charge's own record), and a start continues above it. A move
 * recorded for one charge can then never find another. */
#define ID_BLOCK 4096

static void reserve_id(Manager *m, uint64_t id) {
        if (id < m->ids_reserved || !m->state_store)
                return;
        m->ids_reserved = id + ID_BLOCK;
        store_append(m->state_store, "I %" PRIu64, m->ids_reserved);
}

static void journal_charged(void *userdata, const rc_charge *ch) {
        Manager *m = userdata;
        Store *s = charge_store(m, ch);
        if (!s)
                return;
        reserve_id(m, ch->id);
        const Owner *o = owner_from_charge(ch);
        store_append(s, "C %" PRIu64 " %s %s %" PRIu64 " %" PRIu32 " %d %" PRIu64 " %u", ch->id, ch->group->name,
                     ch->counter->key, ch->amount, ch->flags, o ? (int) o->pid : 0, o ? o->starttime : 0,
                     o ? (unsigned) o->uid : (unsigned) charge_uid(ch));
}

static void journal_released(void *userdata, const rc_charge *ch, uint64_t amount, uint64_t released,
                             const char *reason) {
        Store *s = charge_store(userdata, ch);
        if (s)
                store_append(s, "X %" PRIu64 " %" PRIu64, ch->id, amount >= ch->amount ? 0 : amount);
}

/* Every M record goes to state.log, whichever log holds the charge: a
 * MigrateCharges of persistent and process-owned charges together is then
 * one commit, all or nothing across a crash. */
static void journal_migrated(void *userdata, const rc_charge *ch) {
        Store *s = ((Manager *) userdata)->state_store;
        if (s)
                store_append(s, "M %" PRIu64 " %s", ch->id, ch->group->name);
}

/* Peaks raised and events counted are state too. */
static void journal_stats_changed(void *userdata, rc_group *g, const rc_counter *c) {
        Manager *m = userdata;
        const rc_pool *p = rc_group_pool_peek(g, c);
        if (!p || !m->runtime_store)
                return;
        store_append(m->runtime_store, "P %s %s %" PRIu64 " %" PRIu64 " %" PRIu64, g->name, c->key, p->peak,
                     p->events, p->events_local);
}

static void journal_refused(void *userdata, const rc_counter *c) {
        Manager *m = userdata;
        if (m->runtime_store)
                store_append(m->runtime_store, "F %s %" PRIu64, c->key, c->refused);
}

static void journal_resource_set(void *userdata, const rc_resource *r) {
        Manager *m = userdata;
        if (m->state_store)
                store_append(m->state_store, "R %s %" PRIu64, r->key, r->capacity);
}

static void journal_resource_unregistering(void *userdata, const char *key, bool manual) {
        Manager *m = userdata;
        if (m->state_store && manual)
                store_append(m->state_store, "D %s", key);
        /* Its peaks and events go too: a later registration starts afresh. */
        if (m->runtime_store)
                store_append(m->runtime_store, "D %s", key);
}

static void journal_limit_written(void *userdata, const char *group, const char *file, const char *text) {
        Manager *m = userdata;
        if (!m->runtime_store)
                return;
        _cleanup_free_ char *hex = hex_encode(text);
        if (!hex) {
                log_oom();
                return;
        }
        store_append(m->runtime_store, "W %s %s %s", group, file, hex);
}

static void journal_limit_withdrawn(void *userdata, const char *group, const char *file, const char *resource,
                                    const char *unless_path) {
        Manager *m = userdata;
        if (!m->runtime_store)
                return;
        _cleanup_free_ char *hex = unless_path ? hex_encode(unless_path) : NULL;
        if (hex)
                store_append(m->runtime_store, "w %s %s %s %s", group, file, resource, hex);
        else
                store_append(m->runtime_store, "w %s %s %s", group, file, resource);
}

static void protection_append(void *userdata, bool runtime, const char *id, const ProtectLevel *levels, size_t n) {
        Store *s = userdata;
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return;
        fprintf(f, "T %s %zu", id, n);
        for (size_t i = 0; i < n; i++)
                fprintf(f, " %s %" PRIu64, levels[i].group, levels[i].delta);
        if (fclose(f) == 0)
                store_append(s, "%s", text);
}

static void journal_protection_set(void *userdata, bool runtime, const char *id, const ProtectLevel *levels,
                                   size_t n) {
        Manager *m = userdata;
        Store *s = runtime ? m->runtime_store : m->state_store;
        if (s)
                protection_append(s, runtime, id, levels, n);
}

static void journal_protection_removed(void *userdata, bool runtime, const char *id) {
        Manager *m = userdata;
        Store *s = runtime ? m->runtime_store : m->state_store;
        if (s)
                store_append(s, "t %s", id);
}

static const ManagerSinkVTable journal_vtable = {
        .charged = journal_charged,
        .released = journal_released,
        .migrated = journal_migrated,
        .stats_changed = journal_stats_changed,
        .refused = journal_refused,
        .resource_set = journal_resource_set,
        .resource_unregistering = journal_resource_unregistering,
        .limit_written = journal_limit_written,
        .limit_withdrawn = journal_limit_withdrawn,
        .protection_set = journal_protection_set,
        .protection_removed = journal_protection_removed,
};

ManagerSink journal_sink(Manager *m) {
        return (ManagerSink) { &journal_vtable, m };
}

int journal_rename(Manager *m, const char *tmp, const char *path) {
        _cleanup_free_ char *htmp = hex_encode(tmp), *hpath = hex_encode(path);
        if (!htmp || !hpath)
                return -ENOMEM;
        store_append(m->state_store, "N %s %s", htmp, hpath);
        return 0;
}

/* Compaction keeps only the orphan keys a unit setting needs. */
int journal_compact_runtime(Manager *m) {
        int r = store_compact(m->runtime_store, journal_dump_runtime, m);
        if (r >= 0) {
                manager_prune_orphan_limits(m);
                m->orphans_kept = m->orphan_limits.n_entries;
        }
        return r;
}

static int dump_state(Store *s, void *userdata) {
        Manager *m = userdata;
        store_append(s, "I %" PRIu64, MAX(m->engine->next_charge_id, m->ids_reserved));
        list_for_each(l, &m->engine->resources) {
                rc_resource *r = list_entry(l, rc_resource, link);
                if (r->tag & RESOURCE_MANUAL)
                        store_append(s, "R %s %" PRIu64, r->key, r->capacity);
        }
        return 0;
}

static void dump_charges(Manager *m, Store *s, bool persist) {
        /* The loader sorts by id, which is creation order. */
        list_for_each(l, &m->engine->resources) {
                rc_resource *r = list_entry(l, rc_resource, link);
                for (unsigned i = 0; i < r->n_counters; i++)
                        list_for_each(cl, &r->counters[i].charges) {
                                rc_charge *ch = list_entry(cl, rc_charge, counter_link);
                                if (!!(ch->flags & RC_CHARGE_PERSIST) != persist)
                                        continue;
                                const Owner *o = owner_from_charge(ch);
                                store_append(s, "C %" PRIu64 " %s %s %" PRIu64 " %" PRIu32 " %d %" PRIu64 " %u",
                                             ch->id, ch->group->name, ch->counter->key, ch->amount, ch->flags,
                                             o ? (int) o->pid : 0, o ? o->starttime : 0,
                                             o ? (unsigned) o->uid : (unsigned) charge_uid(ch));
                        }
        }
}

/* Where process-owned charges are now: state.log holds their moves. */
static void dump_moves(Manager *m, Store *s) {
        hashmap_for_each(node, &m->engine->charges) {
                rc_charge *ch = container_of(node, rc_charge, node);
                if (!(ch->flags & RC_CHARGE_PERSIST))
                        store_append(s, "M %" PRIu64 " %s", ch->id, ch->group->name);
        }
}

int journal_dump_state(Store *s, void *userdata) {
        dump_state(s, userdata);
        dump_charges(userdata, s, true);
        dump_moves(userdata, s);
        protect_foreach(userdata, false, protection_append, s);
        return 0;
}

/* A remembered runtime limit, written back as the value it has now. */
static void dump_limit(Manager *m, Store *s, const char *key) {
        char group[300], file[64], res[256];
        if (sscanf(key, "%299s %63s %255s", group, file, res) != 3)
                return;
        rc_group *g = rc_group_find(m->engine, group);
        if (!g)
                return;
        _cleanup_free_ char *text = NULL;
        int r = -1;
        if (streq(file, "rdma.max")) {
                /* "mlx5_0/hca_object": that kind only (a bare name, from
                 * older logs: both). */
                char *kind = strchr(res, '/');
                if (kind)
                        *kind++ = 0;
                rc_resource *rr = rc_resource_find(m->engine, RC_RDMA, res);
                if (!rr)
                        return;
                const rc_pool *h = rc_group_pool_peek(g, &rr->counters[0]), *o = rc_group_pool_peek(g, &rr->counters[1]);
                uint64_t hv = h ? h->max : RC_S32_MAX, ov = o ? o->max : RC_S32_MAX;
                char hb[32], ob[32];
                snprintf(hb, sizeof(hb), "hca_handle=%" PRIu64, hv);
                snprintf(ob, sizeof(ob), "hca_object=%" PRIu64, ov);
                if (hv >= RC_S32_MAX)
                        snprintf(hb, sizeof(hb), "hca_handle=max");
                if (ov >= RC_S32_MAX)
                        snprintf(ob, sizeof(ob), "hca_object=max");
                bool want_h = !kind || streq(kind, "hca_handle"), want_o = !kind || streq(kind, "hca_object");
                r = asprintf(&text, "%s%s%s%s%s", res, want_h ? " " : "", want_h ? hb : "", want_o ? " " : "",
                             want_o ? ob : "");
        } else {
                bool dmem = strneq(file, "dmem.", 5);
                rc_resource *rr = rc_resource_find(m->engine, dmem ? RC_DMEM : RC_MISC, res);
                if (!rr)
                        return;
                const rc_pool *p = rc_group_pool_peek(g, &rr->counters[0]);
                uint64_t v = streq(file, "dmem.min") ? (p ? p->min : 0)
                           : streq(file, "dmem.low") ? (p ? p->low : 0)
                           : p ? p->max : rc_pool_default_max(&rr->counters[0]);
                bool is_max = dmem ? v >= RC_PCM : v == RC_MAX;
                r = is_max ? asprintf(&text, "%s max", res) : asprintf(&text, "%s %" PRIu64, res, v);
        }
        if (r < 0)
                return;
        _cleanup_free_ char *hex = hex_encode(text);
        if (hex)
                store_append(s, "W %s %s %s", group, file, hex);
}

/* A WriteFile that put a limit of a group now forgotten back to its
 * default, over a unit setting of it: as written, the default. */
static void dump_orphan_limit(Manager *m, Store *s, const char *key) {
        char group[300], file[64], res[256];
        if (!manager_orphan_limit_needed(m, key) || sscanf(key, "%299s %63s %255s", group, file, res) != 3)
                return;
        if (rc_group_find(m->engine, group)) {
                dump_limit(m, s, key);
                return;
        }
        _cleanup_free_ char *text = NULL;
        char *slash = streq(file, "rdma.max") ? strchr(res, '/') : NULL;
        if (slash)
                *slash = 0;
        int r = slash                                                  ? asprintf(&text, "%s %s=max", res, slash + 1)
                : streq(file, "dmem.min") || streq(file, "dmem.low") ? asprintf(&text, "%s 0", res)
                                                                       : asprintf(&text, "%s max", res);
        _cleanup_free_ char *hex = r >= 0 ? hex_encode(text) : NULL;
        if (hex)
                store_append(s, "W %s %s %s", group, file, hex);
}

int journal_dump_runtime(Store *s, void *userdata) {
        Manager *m = userdata;
        store_append(s, "I %" PRIu64, m->engine->next_charge_id);
        for (size_t b = 0; b < m->runtime_limits.n_buckets; b++)
                for (HashNode *n = m->runtime_limits.buckets[b]; n; n = n->next)
                        dump_limit(m, s, manager_runtime_limit_key(n));
        for (size_t b = 0; b < m->orphan_limits.n_buckets; b++)
                for (HashNode *n = m->orphan_limits.buckets[b]; n; n = n->next)
                        dump_orphan_limit(m, s, strset_string(n));
        dump_charges(m, s, false);
        protect_foreach(m, true, protection_append, s);
        list_for_each(l, &m->engine->resources) {
                rc_resource *r = list_entry(l, rc_resource, link);
                for (unsigned i = 0; i < r->n_counters; i++)
                        if (r->counters[i].refused)
                                store_append(s, "F %s %" PRIu64, r->counters[i].key, r->counters[i].refused);
        }
        hashmap_for_each(node, &m->engine->groups) {
                rc_group *g = container_of(node, rc_group, node);
                for (unsigned i = 0; i < g->n_pools && i < m->engine->n_slots; i++) {
                        const rc_pool *p = g->pools[i];
                        const rc_counter *c = m->engine->slots[i];
                        if (p && c && (p->peak || p->events || p->events_local))
                                store_append(s, "P %s %s %" PRIu64 " %" PRIu64 " %" PRIu64, g->name, c->key, p->peak,
                                             p->events, p->events_local);
                }
        }
        return 0;
}

int journal_maybe_compact(Manager *m) {
        int r = 0;
        if (m->state_store && store_wants_compaction(m->state_store)) {
                r = store_compact(m->state_store, journal_dump_state, m);
                if (r < 0)
                        log_warning_errno(r, "Cannot compact %s: %s", store_path(m->state_store), strerror(-r));
        }
        /* Orphan keys are memory the log's size alone would not bound
         * soon enough (a compaction waits for 4 times the last one). */
        if (m->runtime_store &&
            (store_wants_compaction(m->runtime_store) || m->orphan_limits.n_entries > 2 * m->orphans_kept + 1024)) {
                r = journal_compact_runtime(m);
                if (r < 0)
                        log_warning_errno(r, "Cannot compact %s: %s", store_path(m->runtime_store), strerror(-r));
        }
        return 0;
}

