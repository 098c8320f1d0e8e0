/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What ListResources and the Group properties show: the engine's numbers,
 * or the kernel's for a resource it charges (cgroupfs.c). Reading them may
 * refresh capacities from the kernel and the protection cache, so it is
 * the manager's, not the bus layer's. */

#include <errno.h>
#include <stdlib.h>

#include "macro.h"
#include "manager.h"

int manager_resource_stats(Manager *m, ResourceStats **ret, size_t *ret_n) {
        cgroupfs_refresh_capacities(m->cgroupfs);
        size_t n = 0, k = 0;
        list_for_each_entry(res, &m->engine->resources, rc_resource, link)
                n += res->n_counters;
        ResourceStats *v = calloc(n ? n : 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        list_for_each(l, &m->engine->resources) {
                rc_resource *res = list_entry(l, rc_resource, link);
                for (unsigned i = 0; i < res->n_counters; i++) {
                        rc_counter *c = &res->counters[i];
                        const rc_pool *p = rc_group_pool_peek(m->engine->root, c);
                        uint64_t usage = p ? p->usage : 0, peak = p ? p->peak : 0, refused = c->refused;
                        if (cgroupfs_stat(m->cgroupfs, m->engine->root, c, CGROUP_USAGE, &usage) > 0) {
                                (void) cgroupfs_stat(m->cgroupfs, m->engine->root, c, CGROUP_PEAK, &peak);
                                refused = cgroupfs_refused(m->cgroupfs, c);
                        }
                        v[k++] = (ResourceStats) { c->key, res->capacity, usage, peak, refused };
                }
        }
        *ret = v;
        *ret_n = k;
        return 0;
}

/* Limits travel with UINT64_MAX as "max", whatever the controller's own max is. */
static uint64_t bus_max(const rc_counter *c, uint64_t v) {
        return v >= rc_pool_default_max(c) ? UINT64_MAX : v;
}

/* What the kernel shows for a resource it charges (cgroupfs.c). */
static bool kernel_stat(Manager *m, rc_group *g, rc_counter *c, GroupStat s, uint64_t *ret) {
        static const int map[] = {
                [GROUP_STAT_USAGE] = CGROUP_USAGE, [GROUP_STAT_PEAK] = CGROUP_PEAK, [GROUP_STAT_MAX] = CGROUP_MAX,
                [GROUP_STAT_MIN] = CGROUP_MIN, [GROUP_STAT_LOW] = CGROUP_LOW, [GROUP_STAT_EMIN] = -1,
                [GROUP_STAT_ELOW] = -1, [GROUP_STAT_EVENTS] = CGROUP_EVENTS,
                [GROUP_STAT_EVENTS_LOCAL] = CGROUP_EVENTS_LOCAL,
        };
        if (map[s] < 0 || cgroupfs_stat(m->cgroupfs, g, c, (CgroupStat) map[s], ret) <= 0)
                return false;
        if (s == GROUP_STAT_MAX)
                *ret = bus_max(c, *ret);
        return true;
}

uint64_t manager_group_stat(Manager *m, rc_group *g, rc_counter *c, GroupStat s) {
        uint64_t v;
        if (kernel_stat(m, g, c, s, &v))
                return v;
        const rc_pool *p = rc_group_pool_peek(g, c);
        if (!p)
                return s == GROUP_STAT_MAX ? UINT64_MAX : 0;
        switch (s) {
        case GROUP_STAT_USAGE:
                return p->usage;
        case GROUP_STAT_PEAK:
                return p->peak;
        case GROUP_STAT_MAX:
                return bus_max(c, p->max);
        case GROUP_STAT_MIN:
                return p->min;
        case GROUP_STAT_LOW:
                return p->low;
        case GROUP_STAT_EMIN:
        case GROUP_STAT_ELOW:
                /* Against -.slice as the reclaim target (api.md); nothing
                 * used, nothing protected. */
                if (p->usage == 0)
                        return 0;
                rc_protection_calculate(m->engine, NULL, g, c);
                return s == GROUP_STAT_EMIN ? p->emin : p->elow;
        case GROUP_STAT_EVENTS:
                return p->events;
        default:
                return p->events_local;
        }
}
