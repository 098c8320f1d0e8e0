/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Charges that belong to a unit (Charge flag 0x4 UNIT): no process owns
 * them; they are released (reason "unit-stopped") when systemd reports
 * the unit inactive, failed or gone. What systemd reports comes from the
 * signals systemd.c follows (PropertiesChanged of ActiveState, UnitRemoved)
 * through unit_charges_stopped(). When resctld cannot tell from them,
 * right after such a charge for a unit it does not know to run, and after
 * each synchronization for units that hold such charges but do not run
 * (one that stopped while resctld was down), it asks systemd once
 * (systemd_check_unit(), ListUnitsByPatterns), and an answer that the unit
 * does not run comes back through unit_charges_stopped() too.
 *
 * They are kept in the runtime log: they survive restarts of resctld, and
 * a reboot stops every unit anyway. */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "manager.h"
#include "unit-charges.h"

static bool has_unit_charges(const rc_group *g) {
        list_for_each(l, &g->charges)
                if (list_entry(l, rc_charge, group_link)->flags & RC_CHARGE_UNIT)
                        return true;
        return false;
}

void unit_charges_stopped(Manager *m, const char *unit) {
        rc_group *g = rc_group_find(m->engine, unit);
        if (!g || !has_unit_charges(g))
                return;
        size_t n = 0;
        _cleanup_free_ uint64_t *ids = calloc(g->n_charges + 1, sizeof(uint64_t));
        if (!ids) {
                log_oom();
                return;
        }
        list_for_each(l, &g->charges) {
                rc_charge *ch = list_entry(l, rc_charge, group_link);
                if (ch->flags & RC_CHARGE_UNIT && n < g->n_charges)
                        ids[n++] = ch->id;
        }
        /* The group goes with its last charge: only ids from here on. */
        for (size_t i = 0; i < n; i++) {
                rc_charge *ch = rc_charge_find(m->engine, ids[i]);
                if (ch)
                        manager_release(m, ch, 0, "unit-stopped");
        }
        log_info("%s: stopped; released its %zu unit charge(s).", unit, n);
}

void unit_charges_taken(Manager *m, const rc_charge *ch) {
        if (!systemd_unit_is_live(m->systemd, ch->group->name))
                (void) systemd_check_unit(m->systemd, ch->group->name);
}

void unit_charges_retain(Manager *m) {
        size_t n = 0;
        _cleanup_free_ char **names = calloc(m->engine->groups.n_entries + 1, sizeof(char *));
        if (!names) {
                log_oom();
                return;
        }
        hashmap_for_each(node, &m->engine->groups) {
                rc_group *g = container_of(node, rc_group, node);
                if (has_unit_charges(g) && !systemd_unit_is_live(m->systemd, g->name) && (names[n] = strdup(g->name)))
                        n++;
        }
        for (size_t i = 0; i < n; i++) {
                (void) systemd_check_unit(m->systemd, names[i]);
                free(names[i]);
        }
}
