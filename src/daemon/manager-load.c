/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A start: hardware and the kernel's controllers first, then the logs
 * (journal.c) around the unit settings, with no sink registered, so that
 * nothing replayed is recorded or announced again; then the sinks resctld
 * gave, and what changed while resctld was down (owners that exited). */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "unit-settings.h"

static void release_orphans(Manager *m) {
        size_t n = 0;
        hashmap_for_each(node, &m->engine->charges)
                if (container_of(node, rc_charge, node)->owner == UINT64_MAX)
                        n++;
        if (n == 0)
                return;
        _cleanup_free_ uint64_t *ids = calloc(n, sizeof(*ids));
        if (!ids)
                return;
        size_t k = 0;
        hashmap_for_each(node, &m->engine->charges) {
                rc_charge *ch = container_of(node, rc_charge, node);
                if (ch->owner == UINT64_MAX && k < n)
                        ids[k++] = ch->id;
        }
        for (size_t i = 0; i < k; i++) {
                rc_charge *ch = rc_charge_find(m->engine, ids[i]);
                ch->owner = 0;
                manager_release(m, ch, 0, "owner-exited");
        }
        log_info("Released %zu charge(s) whose owners exited while resctld was down.", k);
}

static void gc_all_groups(rc_engine *e) {
        size_t n = e->groups.n_entries, k = 0;
        _cleanup_free_ char **names = calloc(n ? n : 1, sizeof(*names));
        if (!names)
                return;
        hashmap_for_each(node, &e->groups) {
                rc_group *g = container_of(node, rc_group, node);
                if (g->n_children == 0 && k < n)
                        names[k++] = strdup(g->name);
        }
        for (size_t i = 0; i < k; i++) {
                rc_group *g = names[i] ? rc_group_find(e, names[i]) : NULL;
                if (g)
                        rc_group_gc(e, g);
                free(names[i]);
        }
}

int manager_load_state(Manager *m, const ManagerSink *sinks, size_t n_sinks) {
        _cleanup_(journal_replay_freep) JournalReplay *l = NULL;
        m->loading = true;
        /* Discovered hardware first: it came first when it was registered,
         * and registration order is file order. */
        int r = m->hardware == HARDWARE_DEMO   ? manager_hardware_demo_register(m)
                : m->hardware == HARDWARE_AUTO ? manager_discovery_enumerate(m)
                                               : 0;
        if (r >= 0)
                r = manager_cgroupfs_register(m);
        if (r < 0)
                return r;
        r = journal_replay_state(m, &l);
        if (r >= 0) {
                (void) unit_settings_load(m);
                r = journal_replay_runtime(l);
        }
        if (r < 0)
                return r;
        journal_replay_apply(l);
        gc_all_groups(m->engine);
        m->loading = false;
        assert(n_sinks <= MANAGER_SINKS_MAX);
        for (size_t i = 0; i < n_sinks; i++)
                m->sinks[m->n_sinks++] = sinks[i];
        release_orphans(m);
        log_info("State restored: %u resource(s), %zu group(s), %zu charge(s).", m->engine->n_resources,
                 m->engine->groups.n_entries, m->engine->charges.n_entries);
        r = manager_commit(m);
        if (r >= 0 && m->storage_error == 0 && journal_replay_finish(l) >= 0)
                unit_settings_clean_temporaries(m);
        return r;
}
