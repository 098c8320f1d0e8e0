/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Limits written through files (WriteFile) and what the manager remembers
 * of them: the runtime keys per group, the orphans of forgotten groups
 * whose records the runtime log still has, and R2's eviction request when
 * a max fell below usage. */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include "journal.h"
#include "caller.h"
#include "kparse.h"
#include "log.h"
#include "log-unit.h"
#include "macro.h"
#include "manager.h"
#include "unit-settings.h"
#include "protect.h"

/* Runtime limits (WriteFile) are remembered per group too, so that what
 * belongs to a group is forgotten with it (rc_group_gc()). */
typedef struct GroupLimits {
        HashNode node;                  /* m->runtime_limit_groups, by name */
        ListHead keys;                  /* LimitKey.group_link */
        char name[];
} GroupLimits;

typedef struct LimitKey {
        HashNode node;                  /* m->runtime_limits, by key */
        ListHead group_link;
        GroupLimits *group;
        char key[];                     /* "group file resource" */
} LimitKey;

static bool group_limits_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, GroupLimits, node)->name, key);
}

static void limit_key_free(Manager *m, LimitKey *k) {
        hashmap_remove(&m->runtime_limits, &k->node);
        list_del(&k->group_link);
        if (list_empty(&k->group->keys)) {
                hashmap_remove(&m->runtime_limit_groups, &k->group->node);
                free(k->group);
        }
        free(k);
}

/* A forgotten group's WriteFile keys stay known, as orphans, while the
 * runtime log has their W records: a unit setting that takes a key over
 * later must withdraw them (w), or a replay would put the old value back
 * over it. The records themselves stay: one may override a unit setting
 * the group still has (a WriteFile "max" over MiscMax=). Compaction drops
 * the orphans no unit setting needs (manager_prune_orphan_limits()). */
static void orphan_add(Manager *m, const char *key) {
        if (strset_add(&m->orphan_limits, key) < 0)
                log_oom();
}

/* Whether compaction keeps the key's W record: a unit setting of the key
 * is there for it to override. */
bool manager_orphan_limit_needed(Manager *m, const char *key) {
        char group[300], file[64], res[256];
        return sscanf(key, "%299s %63s %255s", group, file, res) == 3 && unit_settings_has_limit(m, group, file, res);
}

void manager_prune_orphan_limits(Manager *m) {
        for (size_t b = 0; b < m->orphan_limits.n_buckets; b++)
                for (HashNode *n = m->orphan_limits.buckets[b], *next; n; n = next) {
                        next = n->next;
                        if (!manager_orphan_limit_needed(m, strset_string(n)))
                                strset_remove(&m->orphan_limits, strset_string(n));
                }
}

void manager_group_forgotten(rc_group *g, void *userdata) {
        Manager *m = userdata;
        quota_group_forgotten(m, g);
        HashNode *n = hashmap_get(&m->runtime_limit_groups, hash_string(g->name), g->name, group_limits_eq);
        if (!n)
                return;
        GroupLimits *gl = container_of(n, GroupLimits, node);
        while (!list_empty(&gl->keys)) {
                bool last = gl->keys.next->next == &gl->keys;
                LimitKey *k = list_entry(gl->keys.next, LimitKey, group_link);
                orphan_add(m, k->key);
                limit_key_free(m, k);
                if (last)
                        break;          /* gl is freed with its last key */
        }
}

void manager_limits_free(Manager *m) {
        for (size_t b = 0; b < m->runtime_limits.n_buckets; b++)
                while (m->runtime_limits.buckets[b])
                        limit_key_free(m, container_of(m->runtime_limits.buckets[b], LimitKey, node));
        hashmap_done(&m->runtime_limits);
        hashmap_done(&m->runtime_limit_groups);
        strset_free(&m->orphan_limits);
}

const char *manager_runtime_limit_key(const HashNode *n) {
        return container_of(n, LimitKey, node)->key;
}

/* The resource a limit line is about: its first word. */
static char *limit_line_resource(const char *text) {
        const char *p = text + strspn(text, " \t\n\v\f\r");
        size_t n = strcspn(p, " \t\n\v\f\r");
        return strndup(p, n);
}

/* The engine's line of `resource` in `file` of g, as a write would say it. */
static char *file_line(Manager *m, rc_group *g, const char *file, const char *resource) {
        _cleanup_free_ char *text = NULL;
        if (rc_file_read(m->engine, g, file, &text, NULL) < 0)
                return NULL;
        size_t n = strlen(resource);
        for (char *p = text, *e; p && *p; p = e ? e + 1 : NULL) {
                e = strchr(p, '\n');
                if (strneq(p, resource, n) && (p[n] == ' ' || p[n] == '\t'))
                        return e ? strndup(p, (size_t) (e - p)) : strdup(p);
        }
        return NULL;
}

static bool limit_key_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, LimitKey, node)->key, key);
}

static const char *const rdma_kinds[] = { "hca_handle", "hca_object" };

/* rdma limits are remembered per kind ("mlx5_0/hca_object"): a unit setting
 * of one kind must not drop a WriteFile of the other. A bare device name
 * stands for both. */
void manager_forget_runtime_limit(Manager *m, const char *group, const char *file, const char *resource) {
        manager_forget_runtime_limit_unless(m, group, file, resource, NULL);
}

void manager_forget_runtime_limit_unless(Manager *m, const char *group, const char *file, const char *resource,
                                         const char *unless_path) {
        if (streq(file, "rdma.max") && !strchr(resource, '/')) {
                for (size_t i = 0; i < ELEMENTSOF(rdma_kinds); i++) {
                        _cleanup_free_ char *k = NULL;
                        if (asprintf(&k, "%s/%s", resource, rdma_kinds[i]) >= 0)
                                manager_forget_runtime_limit_unless(m, group, file, k, unless_path);
                }
                return;
        }
        _cleanup_free_ char *k = NULL;
        if (asprintf(&k, "%s %s %s", group, file, resource) < 0)
                return;
        HashNode *n = hashmap_get(&m->runtime_limits, hash_string(k), k, limit_key_eq);
        if (n)
                limit_key_free(m, container_of(n, LimitKey, node));
        else if (!strset_remove(&m->orphan_limits, k))
                return;
        manager_emit(m, limit_withdrawn, group, file, resource, unless_path);
}

bool manager_runtime_limit_known(Manager *m, const char *group, const char *file, const char *resource) {
        _cleanup_free_ char *k = NULL;
        if (asprintf(&k, "%s %s %s", group, file, resource) < 0)
                return false;
        uint64_t h = hash_string(k);
        return hashmap_get(&m->runtime_limits, h, k, limit_key_eq) || strset_contains(&m->orphan_limits, k);
}

void manager_remember_runtime_limit(Manager *m, const char *group, const char *file, const char *resource) {
        _cleanup_free_ char *k = NULL;
        if (asprintf(&k, "%s %s %s", group, file, resource) < 0)
                return;
        /* The write put the group's last limit back to its default and the
         * group is forgotten: its record stays, and so does the key. */
        if (!rc_group_find(m->engine, group)) {
                orphan_add(m, k);
                return;
        }
        (void) strset_remove(&m->orphan_limits, k);
        uint64_t h = hash_string(k);
        if (hashmap_get(&m->runtime_limits, h, k, limit_key_eq))
                return;
        uint64_t gh = hash_string(group);
        HashNode *n = hashmap_get(&m->runtime_limit_groups, gh, group, group_limits_eq);
        GroupLimits *gl = n ? container_of(n, GroupLimits, node) : NULL;
        if (!gl) {
                gl = malloc(sizeof(*gl) + strlen(group) + 1);
                if (!gl) {
                        log_oom();
                        return;
                }
                strcpy(gl->name, group);
                list_init(&gl->keys);
                if (hashmap_put(&m->runtime_limit_groups, &gl->node, gh) < 0) {
                        free(gl);
                        log_oom();
                        return;
                }
        }
        LimitKey *e = malloc(sizeof(*e) + strlen(k) + 1);
        if (e) {
                strcpy(e->key, k);
                e->group = gl;
                list_add_tail(&e->group_link, &gl->keys);
                if (hashmap_put(&m->runtime_limits, &e->node, h) >= 0)
                        return;
                list_del(&e->group_link);
                free(e);
        }
        if (list_empty(&gl->keys)) {
                hashmap_remove(&m->runtime_limit_groups, &gl->node);
                free(gl);
        }
        log_oom();
}

bool limit_is_of_resource(const char *file, const char *resource, const char *key) {
        const char *slash = strchr(key, '/');
        if (!slash)
                return false;
        size_t cn = (size_t) (slash - key), rn = strcspn(resource, streq(file, "rdma.max") ? "/" : "");
        const char *name = slash + 1;
        return strneq(file, key, cn) && file[cn] == '.' && strlen(name) == rn && strneq(resource, name, rn);
}

void manager_forget_resource_limits(Manager *m, const char *key) {
        for (size_t b = 0; b < m->runtime_limits.n_buckets; b++)
                for (HashNode *n = m->runtime_limits.buckets[b], *next; n; n = next) {
                        next = n->next;
                        char group[300], file[64], res[256];
                        if (sscanf(container_of(n, LimitKey, node)->key, "%299s %63s %255s", group, file, res) ==
                                    3 &&
                            limit_is_of_resource(file, res, key))
                                limit_key_free(m, container_of(n, LimitKey, node));
                }
}

/* Whether WriteFile set `resource` of `file` in group (either rdma kind). */
static bool runtime_limit_of_resource_known(Manager *m, const char *group, const char *file, const char *resource) {
        if (!streq(file, "rdma.max"))
                return manager_runtime_limit_known(m, group, file, resource);
        for (size_t i = 0; i < ELEMENTSOF(rdma_kinds); i++) {
                _cleanup_free_ char *k = NULL;
                if (asprintf(&k, "%s/%s", resource, rdma_kinds[i]) >= 0 &&
                    manager_runtime_limit_known(m, group, file, k))
                        return true;
        }
        return false;
}

/* Remember a WriteFile limit and log it, as its resource's keys. */
static int log_runtime_write(Manager *m, const char *group, const char *file, const char *text, rc_err *err) {
        _cleanup_free_ char *res = limit_line_resource(text);
        if (!res)
                return rc_errf(err, ENOMEM, "out of memory");
        if (streq(file, "rdma.max")) {
                for (size_t i = 0; i < ELEMENTSOF(rdma_kinds); i++) {
                        _cleanup_free_ char *kind = NULL, *k = NULL;
                        if (asprintf(&kind, "%s=", rdma_kinds[i]) >= 0 && strstr(text, kind) &&
                            asprintf(&k, "%s/%s", res, rdma_kinds[i]) >= 0)
                                manager_remember_runtime_limit(m, group, file, k);
                }
        } else
                manager_remember_runtime_limit(m, group, file, res);
        manager_emit(m, limit_written, group, file, text);
        return 0;
}

int manager_write_file(Manager *m, const char *group, const char *file, const char *text, bool runtime_record,
                       rc_err *err) {
        rc_group *g = rc_group_find(m->engine, group);
        if (!g) {
                /* Check the file first: a bad name must not create the group. */
                if (!rc_file_is_known(file))
                        return rc_errf(err, ENOENT, "'%.64s' is not a misc, rdma or dmem interface file", file);
                int r = manager_group_get(m, group, &g, err);
                if (r < 0)
                        return r;
        }
        /* The kernel's copy must follow: keep the old line to put back. */
        _cleanup_free_ char *res_name = limit_line_resource(text), *old = NULL;
        bool kernel = res_name && cgroupfs_backs_limit(m->cgroupfs, file, text) && !m->loading;
        bool had_runtime = false;
        if (kernel) {
                old = file_line(m, g, file, res_name);
                had_runtime = runtime_limit_of_resource_known(m, group, file, res_name);
        }
        int r = rc_file_write(m->engine, g, file, text, err);     /* may forget g */
        if (r < 0)
                return r;
        if (kernel) {
                r = cgroupfs_write_limit(m->cgroupfs, group, file, res_name, err);
                if (r < 0 && !runtime_record) {
                        /* A unit setting stays the wanted state (its file
                         * says so): it is written again when the cgroup
                         * appears; a SetUnitProperties caller hears of it. */
                        log_warning("%s; written when the cgroup allows", err->msg);
                        if (m->collect_kernel_errors && m->kernel_error == 0) {
                                m->kernel_error = r;
                                m->kernel_err = *err;
                        }
                        r = 0;
                }
                if (r < 0) {
                        log_warning("%s", err->msg);
                        /* A group the write forgot comes back: its keys
                         * are no orphans then. */
                        if (old && manager_group_get(m, group, &g, NULL) >= 0 &&
                            rc_file_write(m->engine, g, file, old, NULL) >= 0 && had_runtime)
                                (void) log_runtime_write(m, group, file, old, NULL);
                        return r;
                }
        }
        if (runtime_record) {
                r = log_runtime_write(m, group, file, text, err);
                if (r < 0)
                        return r;
        }
        if (strneq(file, "dmem.", 5))
                manager_request_excess_eviction(m, group);
        return 0;
}

/* R2: a dmem max below usage asks for eviction of the excess, as
 * Evict(key, group, 0) would choose it; nothing is released. */
void manager_request_excess_eviction(Manager *m, const char *group) {
        if (m->loading)
                return;
        rc_group *g = rc_group_find(m->engine, group);
        if (!g)
                return;
        list_for_each(l, &m->engine->resources) {
                rc_resource *res = list_entry(l, rc_resource, link);
                if (res->controller != RC_DMEM)
                        continue;
                rc_counter *c = &res->counters[0];
                const rc_pool *p = rc_group_pool_peek(g, c);
                if (!p || p->usage <= p->max)
                        continue;
                _cleanup_free_ rc_victim *v = NULL;
                size_t n = 0;
                if (rc_evict(m->engine, c, g, 0, &v, &n, NULL) < 0)
                        continue;
                for (size_t i = 0; i < n; i++)
                        manager_emit(m, eviction_requested, v[i].id, v[i].group->name, c->key, v[i].amount);
                char a[32], b[32];
                snprintf(a, sizeof(a), "%" PRIu64, p->usage);
                snprintf(b, sizeof(b), "%" PRIu64, p->max);
                log_unit_event(LOG_NOTICE, MESSAGE_ID_EVICTION_REQUESTED, g->name, c->key, 0,
                               "%s: %s max %s is below its usage %s: asked %zu holder(s) to evict.", g->name, c->key,
                               b, a, n);
        }
}
