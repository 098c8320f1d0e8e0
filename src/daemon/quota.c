/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Per-user quotas (resctld.conf(5) [Quota]): what each uid other than root
 * holds of charges, owning processes and groups it created, counted as it
 * comes and goes, and the QuotaExceeded refusal. A charge's and a group's
 * uid travel in their tag (uid + 1; 0 = root or unknown, not counted). */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "quota.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

typedef struct UserUsage {
        HashNode node;
        uid_t uid;
        uint64_t n[_QUOTA_MAX];
} UserUsage;

static bool user_eq(const HashNode *n, const void *key) {
        return container_of(n, UserUsage, node)->uid == *(const uid_t *) key;
}

static UserUsage *user_find(Manager *m, uid_t uid) {
        HashNode *n = hashmap_get(&m->users, hash_u64(uid), &uid, user_eq);
        return n ? container_of(n, UserUsage, node) : NULL;
}

void quota_add(Manager *m, uid_t uid, Quota q, int delta) {
        if (uid == 0 || uid == (uid_t) -1)
                return;
        UserUsage *u = user_find(m, uid);
        if (!u) {
                if (delta <= 0)
                        return;
                u = calloc(1, sizeof(*u));
                if (!u || hashmap_put(&m->users, &u->node, hash_u64(uid)) < 0) {
                        free(u);
                        log_oom();
                        return;
                }
                u->uid = uid;
        }
        u->n[q] = delta < 0 && u->n[q] < (uint64_t) -delta ? 0 : u->n[q] + (uint64_t) (int64_t) delta;
        for (Quota i = 0; i < _QUOTA_MAX; i++)
                if (u->n[i])
                        return;
        hashmap_remove(&m->users, &u->node);
        free(u);
}

int quota_check(Manager *m, uid_t uid, Quota q, unsigned add, sd_bus_error *error) {
        if (uid == 0)
                return 0;
        UserUsage *u = user_find(m, uid);
        uint64_t have = u ? u->n[q] : 0, max = m->config.quota[q];
        if (have + add <= max)
                return 0;
        return sd_bus_error_setf(error, RESCTL_ERROR_QUOTA_EXCEEDED,
                                 "uid %u holds %" PRIu64 " %s: the quota %s=%" PRIu64
                                 " of resctld.conf does not allow more.",
                                 (unsigned) uid, have,
                                 q == QUOTA_CHARGES ? "charge(s)" : q == QUOTA_OWNERS ? "owning process(es)"
                                                                                       : "group(s) it created",
                                 quota_to_string(q), max);
}

uid_t charge_uid(const rc_charge *ch) {
        return ch->tag ? (uid_t) (ch->tag - 1) : 0;
}

void charge_set_uid(Manager *m, rc_charge *ch, uid_t uid) {
        if (uid == 0 || uid == (uid_t) -1)
                return;
        ch->tag = (uint32_t) uid + 1;
        quota_add(m, uid, QUOTA_CHARGES, +1);
}

void charge_forget_uid(Manager *m, rc_charge *ch) {
        if (ch->tag)
                quota_add(m, charge_uid(ch), QUOTA_CHARGES, -1);
        ch->tag = 0;
}

/* The groups a call just created (n of them: g and its n - 1 closest
 * ancestors, as rc_group_get() creates them) count for uid; refused when
 * that is over the quota, the new groups are forgotten again. */
int quota_groups_created(Manager *m, uid_t uid, rc_group *g, size_t n, sd_bus_error *error) {
        if (uid == 0 || n == 0)
                return 0;
        int r = quota_check(m, uid, QUOTA_GROUPS, (unsigned) n, error);
        if (r < 0) {
                rc_group_gc(m->engine, g);
                return r;
        }
        rc_group *i = g;
        for (size_t k = 0; k < n && i; k++, i = i->parent) {
                i->tag = (uint32_t) uid + 1;
                quota_add(m, uid, QUOTA_GROUPS, +1);
        }
        return 0;
}

void quota_group_forgotten(Manager *m, rc_group *g) {
        if (g->tag)
                quota_add(m, (uid_t) (g->tag - 1), QUOTA_GROUPS, -1);
}

void quota_free(Manager *m) {
        for (size_t b = 0; b < m->users.n_buckets; b++)
                while (m->users.buckets[b]) {
                        UserUsage *u = container_of(m->users.buckets[b], UserUsage, node);
                        hashmap_remove(&m->users, &u->node);
                        free(u);
                }
        hashmap_done(&m->users);
}
