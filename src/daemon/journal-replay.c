/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* How a start rebuilds the state from the two logs (the record alphabet:
 * journal.h). Reads records, writes none (journal.c does).
 *
 * Charges are collected while reading and restored at the end, in id
 * order, without limit checks: they were acknowledged under the limits of
 * their time. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "kparse.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "unit-settings.h"


#include "protect.h"

/* A name seen in the records (group or key), stored once however many
 * charges name it; the group it resolves to is looked up once too. */
typedef struct Name {
        HashNode node;
        rc_group *group;                /* restore_all(): resolved, NULL = not yet */
        char text[];
} Name;

/* Charges are read into an array in log order. The log appends them with
 * increasing ids, so the array is sorted as it is read, and X and M records
 * find their charge by binary search; only a compacted log (charges dumped
 * per resource) can break the order, and the next lookup sorts again. */
typedef struct PendingCharge {
        uint64_t id, amount;            /* amount 0: uncharged since */
        uint64_t starttime;
        Name *group, *key;
        uint32_t flags;
        pid_t pid;
        uid_t uid;
} PendingCharge;

typedef struct PendingStats {
        char *group, *key;
        uint64_t peak, events, events_local;
        struct PendingStats *next;
} PendingStats;

/* A runtime limit (W record) applied after the whole runtime log was read,
 * unless a later w record withdrew it: a unit setting that took over the
 * key is applied before the runtime log and must not lose to it. */
typedef struct PendingWrite {
        char *group, *file, *resource, *text;
        struct PendingWrite *next;
} PendingWrite;

/* A w record withdraws what an earlier W said of its key; for rdma the
 * key may name one kind ("mlx5_0/hca_object"): only that token goes.
 * Returns whether something of w is left. */
static bool withdraw(PendingWrite *w, const char *key) {
        const char *slash = streq(w->file, "rdma.max") ? strchr(key, '/') : NULL;
        size_t n = slash ? (size_t) (slash - key) : strlen(key);
        if (strlen(w->resource) != n || !strneq(w->resource, key, n))
                return true;
        if (!slash)
                return false;
        char *out = w->text, *p = w->text;
        bool kinds_left = false;
        size_t klen = strlen(slash + 1);
        while (*p) {
                size_t sp = strspn(p, " \t\n"), len = strcspn(p + sp, " \t\n");
                const char *tok = p + sp;
                bool drop = strneq(tok, slash + 1, klen) && tok[klen] == '=';
                if (!drop) {
                        kinds_left = kinds_left || memchr(tok, '=', len);
                        memmove(out, p, sp + len);
                        out += sp + len;
                }
                p += sp + len;
        }
        *out = 0;
        return kinds_left;
}

static void pending_stats_free(PendingStats *s) {
        free(s->group);
        free(s->key);
        free(s);
}

static void pending_write_free(PendingWrite *w) {
        if (!w)
                return;
        free(w->group);
        free(w->file);
        free(w->resource);
        free(w->text);
        free(w);
}

typedef struct PendingMigrate {
        uint64_t id;
        Name *group;
} PendingMigrate;

struct JournalReplay {
        PendingWrite *writes, **writes_tail;
        Manager *m;
        PendingCharge *charges;
        size_t n_charges, allocated;
        bool sorted;                    /* charges[] by id, each id once */
        Hashmap names;                  /* text -> Name */
        PendingStats *stats, **stats_tail;
        uint64_t next_id;
        bool runtime;
        PendingMigrate *migrates;       /* state.log's M records, applied after both logs */
        size_t n_migrates, allocated_migrates;
        char **stale_tmps;              /* drop-in temporaries of calls a crash cut short */
        size_t n_stale_tmps;
        char **stale;                   /* the same, once applied: removed after the first commit */
        size_t n_stale;
};

typedef struct JournalReplay Loader;

static int stale_tmp_add(Loader *l, char *tmp) {
        char **v = realloc(l->stale_tmps, (l->n_stale_tmps + 1) * sizeof(char *));
        if (!v) {
                free(tmp);
                return -ENOMEM;
        }
        l->stale_tmps = v;
        l->stale_tmps[l->n_stale_tmps++] = tmp;
        log_info("A SetUnitProperties call was cut short before %s became its drop-in: it did not happen.", tmp);
        return 0;
}

static int parse_u64(const char *s, uint64_t *ret) {
        return rc_kstrtou64(s, 10, ret);
}

static bool name_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, Name, node)->text, key);
}

static Name *name_get(Loader *l, const char *text) {
        uint64_t h = hash_string(text);
        HashNode *n = hashmap_get(&l->names, h, text, name_eq);
        if (n)
                return container_of(n, Name, node);
        size_t len = strlen(text);
        Name *name = malloc(sizeof(*name) + len + 1);
        if (!name)
                return NULL;
        name->group = NULL;
        memcpy(name->text, text, len + 1);
        if (hashmap_put(&l->names, &name->node, h) < 0) {
                free(name);
                return NULL;
        }
        return name;
}

static void names_free(Loader *l) {
        for (size_t b = 0; b < l->names.n_buckets; b++)
                for (HashNode *n = l->names.buckets[b], *next; n; n = next) {
                        next = n->next;
                        free(container_of(n, Name, node));
                }
        hashmap_done(&l->names);
}

static int cmp_pending(const void *a, const void *b) {
        const PendingCharge *x = a, *y = b;
        return x->id < y->id ? -1 : x->id > y->id;
}

/* Sorts by id (stable: of two records with one id, the first stays). */
static void pending_sort(Loader *l) {
        if (l->sorted)
                return;
        qsort(l->charges, l->n_charges, sizeof(*l->charges), cmp_pending);
        size_t k = 0;
        for (size_t i = 0; i < l->n_charges; i++) {
                PendingCharge *p = &l->charges[i];
                if (k > 0 && l->charges[k - 1].id == p->id) {
                        if (l->charges[k - 1].amount != 0) {
                                log_warning("Charge %" PRIu64 " recorded twice, the second record ignored.", p->id);
                                continue;
                        }
                        k--;    /* uncharged, then taken again */
                }
                l->charges[k++] = *p;
        }
        l->n_charges = k;
        l->sorted = true;
}

/* The charge of this id, released or not. */
static PendingCharge *pending_seen(Loader *l, uint64_t id) {
        pending_sort(l);
        size_t lo = 0, hi = l->n_charges;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (l->charges[mid].id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < l->n_charges && l->charges[lo].id == id ? &l->charges[lo] : NULL;
}

static PendingCharge *pending_find(Loader *l, uint64_t id) {
        PendingCharge *p = pending_seen(l, id);
        return p && p->amount != 0 ? p : NULL;
}

static int load_charge(Loader *l, char **f, size_t n) {
        uint64_t id, amount, flags, pid, st, uid = UINT64_MAX;
        if ((n != 8 && n != 9) || parse_u64(f[1], &id) < 0 || parse_u64(f[4], &amount) < 0 ||
            parse_u64(f[5], &flags) < 0 || parse_u64(f[6], &pid) < 0 || parse_u64(f[7], &st) < 0 || id == 0 ||
            amount == 0 || (n == 9 && (parse_u64(f[8], &uid) < 0 || uid >= UINT32_MAX)))
                return -EBADMSG;
        /* Records of older versions have no uid: that of the process, which
         * pid and start time identify exactly (checked when restoring). */
        uid_t real, eff;
        if (n == 8 && !((uint32_t) flags & RC_CHARGE_PERSIST) && proc_uids((pid_t) pid, &real, &eff) >= 0)
                uid = eff;
        bool in_order = l->n_charges == 0 || id > l->charges[l->n_charges - 1].id;
        if (!in_order && l->sorted && pending_find(l, id))
                return -EEXIST;
        Name *group = name_get(l, f[2]), *key = name_get(l, f[3]);
        if (!group || !key)
                return -ENOMEM;
        if (GROW_ARRAY(l->charges, l->n_charges, l->allocated, 4096) < 0)
                return -ENOMEM;
        l->charges[l->n_charges++] = (PendingCharge) { .id = id, .amount = amount, .flags = (uint32_t) flags,
                                                       .pid = (pid_t) pid, .starttime = st, .uid = (uid_t) uid,
                                                       .group = group,
                                                       .key = key };
        l->sorted = l->sorted && in_order;
        l->next_id = MAX(l->next_id, id + 1);
        return 0;
}

/* Drops the entries of a pending list that match, and finds its tail again. */
#define DROP_PENDING(head, tail, type, var, match, free_it)               \
        do {                                                              \
                for (type **_p = &(head); *_p;) {                         \
                        type *var = *_p;                                  \
                        if (match) {                                      \
                                *_p = var->next;                          \
                                free_it;                                  \
                        } else                                            \
                                _p = &var->next;                          \
                }                                                         \
                (tail) = &(head);                                         \
                while (*(tail))                                           \
                        (tail) = &(*(tail))->next;                        \
        } while (0)

static int load_uncharge(Loader *l, char **f, size_t n) {
        uint64_t id, amount;
        if (n != 3 || parse_u64(f[1], &id) < 0 || parse_u64(f[2], &amount) < 0)
                return -EBADMSG;
        PendingCharge *p = pending_find(l, id);
        if (!p)
                return -ENOENT;
        if (amount != 0 && amount < p->amount)
                p->amount -= amount;
        else
                p->amount = 0;
        return 0;
}

static int load_migrate(Loader *l, char **f, size_t n) {
        uint64_t id;
        if (n != 3 || parse_u64(f[1], &id) < 0)
                return -EBADMSG;
        Name *g = name_get(l, f[2]);
        if (!g)
                return -ENOMEM;
        if (!l->runtime) {
                /* The charge may be in runtime.log, read later. */
                if (GROW_ARRAY(l->migrates, l->n_migrates, l->allocated_migrates, 64) < 0)
                        return -ENOMEM;
                l->migrates[l->n_migrates++] = (PendingMigrate) { id, g };
                return 0;
        }
        PendingCharge *p = pending_find(l, id);    /* an M in runtime.log, as older versions wrote */
        if (!p)
                return -ENOENT;
        p->group = g;
        return 0;
}

/* A drop-in rename of a SetUnitProperties call a crash cut short: the
 * temporary file was complete and synced before the record was written. */
static int load_rename(Loader *l, char **f, size_t n) {
        if (l->runtime || n != 3)
                return -EBADMSG;
        _cleanup_free_ char *tmp = hex_decode(f[1]), *path = hex_decode(f[2]);
        if (!tmp || !path)
                return -EBADMSG;
        if (access(tmp, F_OK) < 0)
                return 0;       /* renamed already */
        if (rename(tmp, path) < 0)
                return log_warning_errno(-errno, "Cannot complete the rename of %s to %s: %s", tmp, path,
                                         strerror(errno));
        log_info("Completed a drop-in update a crash interrupted: %s.", path);
        return 0;
}

static int load_stats(Loader *l, char **f, size_t n) {
        PendingStats s = {0};
        if (n != 6 || parse_u64(f[3], &s.peak) < 0 || parse_u64(f[4], &s.events) < 0 ||
            parse_u64(f[5], &s.events_local) < 0)
                return -EBADMSG;
        PendingStats *p = malloc(sizeof(*p));
        if (!p)
                return -ENOMEM;
        *p = s;
        p->group = strdup(f[1]);
        p->key = strdup(f[2]);
        *l->stats_tail = p;
        l->stats_tail = &p->next;
        return p->group && p->key ? 0 : -ENOMEM;
}

/* T unit key kind n (group delta)... | t unit key kind */
static int load_protection(Manager *m, char **f, size_t n, bool runtime) {
        if (n < 4 || (!streq(f[3], "low") && !streq(f[3], "min")))
                return -EBADMSG;
        bool min = streq(f[3], "min");
        protect_restore_removed(m, f[1], f[2], min);
        if (f[0][0] == 't')
                return n == 4 ? 0 : -EBADMSG;
        uint64_t k;
        if (n < 5 || rc_kstrtou64(f[4], 10, &k) < 0 || k > (n - 5) / 2 || n != 5 + 2 * k)
                return -EBADMSG;
        _cleanup_free_ ProtectLevel *levels = calloc(k ? k : 1, sizeof(*levels));
        if (!levels)
                return -ENOMEM;
        for (size_t i = 0; i < k; i++) {
                levels[i].group = f[5 + 2 * i];
                if (rc_kstrtou64(f[6 + 2 * i], 10, &levels[i].delta) < 0)
                        return -EBADMSG;
        }
        return protect_restore(m, f[1], f[2], min, runtime, levels, k);
}

static int load_record(char **f, size_t n, void *userdata) {
        Loader *l = userdata;
        Manager *m = l->m;
        rc_err err = {0};
        uint64_t v;
        int r;

        switch (f[0][0] * (f[0][1] == 0)) {
        case 'I':
                if (n != 2 || parse_u64(f[1], &v) < 0)
                        return -EBADMSG;
                l->next_id = MAX(l->next_id, v);
                return 0;
        case 'R': {
                if (l->runtime || n != 3 || parse_u64(f[2], &v) < 0)
                        return -EBADMSG;
                rc_resource *res;
                r = rc_resource_register(m->engine, f[1], v, &res, NULL, &err);
                if (r >= 0)
                        res->tag |= RESOURCE_MANUAL;
                return r;
        }
        case 'D': {
                if (n != 2)
                        return -EBADMSG;
                if (l->runtime) {
                        /* The resource was unregistered: its peaks and
                         * events so far went with it. */
                        size_t len = strlen(f[1]);
                        DROP_PENDING(l->stats, l->stats_tail, PendingStats, s,
                                     strneq(s->key, f[1], len) && (s->key[len] == 0 || s->key[len] == '/'),
                                     pending_stats_free(s));
                        /* And the limits WriteFile gave it. */
                        DROP_PENDING(l->writes, l->writes_tail, PendingWrite, w,
                                     limit_is_of_resource(w->file, w->resource, f[1]), pending_write_free(w));
                        rc_resource *gone;
                        if (rc_resource_lookup(m->engine, f[1], &gone, NULL) >= 0)
                                for (unsigned i = 0; i < gone->n_counters; i++)
                                        gone->counters[i].refused = 0;
                        return 0;
                }
                rc_resource *res;
                r = rc_resource_lookup(m->engine, f[1], &res, &err);
                if (r < 0)
                        return r;
                rc_resource_unregister(m->engine, res, NULL, NULL);
                return 0;
        }
        case 'C':
                return load_charge(l, f, n);
        case 'X':
                return load_uncharge(l, f, n);
        case 'M':
                return load_migrate(l, f, n);
        case 'N':
                return load_rename(l, f, n);
        case 'W': {
                if (!l->runtime || n != 4)
                        return -EBADMSG;
                PendingWrite *w = calloc(1, sizeof(*w));
                if (!w)
                        return -ENOMEM;
                w->text = hex_decode(f[3]);
                if (!w->text) {
                        pending_write_free(w);
                        return -EBADMSG;
                }
                const char *p = w->text + strspn(w->text, " \t\n\v\f\r");
                w->group = strdup(f[1]);
                w->file = strdup(f[2]);
                w->resource = strndup(p, strcspn(p, " \t\n\v\f\r"));
                if (!w->group || !w->file || !w->resource) {
                        pending_write_free(w);
                        return -ENOMEM;
                }
                *l->writes_tail = w;
                l->writes_tail = &w->next;
                return 0;
        }
        case 'w':
                if (!l->runtime || (n != 4 && n != 5))
                        return -EBADMSG;
                if (n == 5) {
                        /* Void if the drop-in's temporary file is still
                         * there: the crash came before its rename. */
                        char *tmp = hex_decode(f[4]);
                        if (!tmp)
                                return -EBADMSG;
                        if (access(tmp, F_OK) >= 0)
                                return stale_tmp_add(l, tmp);
                        free(tmp);
                }
                for (PendingWrite **p = &l->writes; *p;) {
                        PendingWrite *w = *p;
                        if (streq(w->group, f[1]) && streq(w->file, f[2]) && !withdraw(w, f[3])) {
                                *p = w->next;
                                pending_write_free(w);
                        } else
                                p = &w->next;
                }
                l->writes_tail = &l->writes;
                while (*l->writes_tail)
                        l->writes_tail = &(*l->writes_tail)->next;
                manager_forget_runtime_limit(m, f[1], f[2], f[3]);
                return 0;
        case 'P':
                return l->runtime ? load_stats(l, f, n) : -EBADMSG;
        case 'T':
        case 't':
                return load_protection(m, f, n, l->runtime);
        case 'F': {
                rc_counter *c;
                if (!l->runtime || n != 3 || parse_u64(f[2], &v) < 0)
                        return -EBADMSG;
                r = rc_counter_find(m->engine, f[1], &c, &err);
                if (r < 0)
                        return r;
                c->refused = v;
                return 0;
        }
        default:
                return -EBADMSG;
        }
}

/* A charge whose owner is gone by now is released as if it had exited
 * while we were down. */
static void restore_charge(Manager *m, PendingCharge *p) {
        rc_err err = {0};
        rc_group *g = p->group->group;
        rc_counter *c;
        if ((!g && manager_group_get(m, p->group->text, &g, &err) < 0) ||
            rc_counter_find(m->engine, p->key->text, &c, &err) < 0) {
                log_warning("Charge %" PRIu64 " (%s %s) dropped: %s", p->id, p->group->text, p->key->text, err.msg);
                p->group->group = NULL;
                return;
        }
        Owner *o = NULL;
        bool gone = false;
        if (!(p->flags & (RC_CHARGE_PERSIST | RC_CHARGE_UNIT)) && owner_get(&m->owners, p->pid, p->starttime, p->uid, -EBADF, &o) < 0)
                gone = true;
        rc_charge *ch;
        int r = rc_charge_restore(m->engine, p->id, g, c, p->amount, (uint64_t) (uintptr_t) o, p->flags, &ch);
        if (r < 0) {
                log_warning_errno(r, "Charge %" PRIu64 " not restored: %s", p->id, strerror(-r));
                /* The group may go: resolve the name again next time. */
                p->group->group = NULL;
                rc_group_gc(m->engine, g);
                return;
        }
        p->group->group = g;    /* it holds a charge now: it stays */
        if (o)
                owner_add_charge(o, ch->id);
        charge_set_uid(m, ch, o ? o->uid : p->uid);
        /* Released after loading, so that the release is recorded. */
        if (gone)
                ch->owner = UINT64_MAX;
}

static void loader_done(Loader *l) {
        for (PendingWrite *w = l->writes, *next; w; w = next) {
                next = w->next;
                pending_write_free(w);
        }
        l->writes = NULL;
        l->writes_tail = &l->writes;
        for (size_t i = 0; i < l->n_stale_tmps; i++)
                free(l->stale_tmps[i]);
        free(l->stale_tmps);
        l->stale_tmps = NULL;
        l->n_stale_tmps = 0;
        free(l->migrates);
        l->migrates = NULL;
        l->n_migrates = l->allocated_migrates = 0;
        free(l->charges);
        l->charges = NULL;
        l->n_charges = l->allocated = 0;
        names_free(l);
}

static void restore_all(Manager *m, Loader *l) {
        for (PendingWrite *w = l->writes, *next; w; w = next) {
                next = w->next;
                rc_err err = { { 0 } };
                if (manager_write_file(m, w->group, w->file, w->text, true, &err) < 0)
                        log_warning("Runtime limit %s %s of %s not restored: %s", w->group, w->file, w->text, err.msg);
                pending_write_free(w);
        }
        l->writes = NULL;
        l->writes_tail = &l->writes;
        /* In log order, so the last move wins; a charge released since is gone. */
        for (size_t i = 0; i < l->n_migrates; i++) {
                PendingCharge *p = pending_seen(l, l->migrates[i].id);
                if (!p)         /* released, and compacted away since */
                        log_debug("state.log: record 'M %" PRIu64 " %s' not applied: no log has charge %" PRIu64 ".",
                                    l->migrates[i].id, l->migrates[i].group->text, l->migrates[i].id);
                else if (p->amount != 0)
                        p->group = l->migrates[i].group;
        }
        pending_sort(l);
        for (size_t i = 0; i < l->n_charges; i++)
                if (l->charges[i].amount != 0)
                        restore_charge(m, &l->charges[i]);
        loader_done(l);

        for (PendingStats *s = l->stats, *next; s; s = next) {
                next = s->next;
                rc_group *g;
                rc_counter *c;
                if (manager_group_get(m, s->group, &g, NULL) >= 0) {
                        if (rc_counter_find(m->engine, s->key, &c, NULL) >= 0)
                                (void) rc_pool_restore_stats(m->engine, g, c, s->peak, s->events, s->events_local);
                        rc_group_gc(m->engine, g);
                }
                pending_stats_free(s);
        }
        l->stats = NULL;
        l->stats_tail = &l->stats;
        m->engine->next_charge_id = MAX(m->engine->next_charge_id, l->next_id);
        /* The first charge of this run writes the next mark. */
        m->ids_reserved = m->engine->next_charge_id;
}

/* The void w records name these files: rewrite the runtime log without
 * them first, or their removal would make them count at the next start.
 * A replay that forgot groups (their charges come after the writes) holds
 * their keys as orphans until a compaction: that one. */
static int remove_stale_tmps(Manager *m, char **tmps, size_t n) {
        int r = n > 0 || m->orphan_limits.n_entries > 0 ? journal_compact_runtime(m) : 0;
        for (size_t i = 0; i < n; i++) {
                if (r >= 0 && unlink(tmps[i]) < 0 && errno != ENOENT)
                        log_warning_errno(-errno, "Cannot remove %s: %s", tmps[i], strerror(errno));
                free(tmps[i]);
        }
        if (r < 0)
                log_warning_errno(r, "Cannot compact %s, keeping the drop-in temporaries: %s",
                                  store_path(m->runtime_store), strerror(-r));
        return r;
}

int journal_replay_state(Manager *m, JournalReplay **ret) {
        Loader *l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        *l = (Loader) { .m = m, .next_id = 1, .sorted = true };
        l->stats_tail = &l->stats;
        l->writes_tail = &l->writes;
        *ret = l;
        return store_open(m->state_dir, "state.log", load_record, l, &m->state_store);
}

int journal_replay_runtime(JournalReplay *l) {
        l->runtime = true;
        return store_open(l->m->runtime_dir, "runtime.log", load_record, l, &l->m->runtime_store);
}

void journal_replay_apply(JournalReplay *l) {
        l->stale = TAKE_PTR(l->stale_tmps);
        l->n_stale = l->n_stale_tmps;
        l->n_stale_tmps = 0;
        restore_all(l->m, l);
}

int journal_replay_finish(JournalReplay *l) {
        /* No record names a temporary any more: the others are leftovers. */
        int r = remove_stale_tmps(l->m, l->stale, l->n_stale);
        l->n_stale = 0;
        return r;
}

JournalReplay *journal_replay_free(JournalReplay *l) {
        if (!l)
                return NULL;
        loader_done(l);
        for (PendingStats *s = l->stats, *next; s; s = next) {
                next = s->next;
                pending_stats_free(s);
        }
        for (size_t i = 0; i < l->n_stale; i++)
                free(l->stale[i]);
        free(l->stale);
        free(l);
        return NULL;
}

