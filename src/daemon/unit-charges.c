/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Charges that belong to a unit (Charge flag 0x4 UNIT): no process owns
 * them; they are released (reason "unit-stopped") when systemd reports
 * the unit inactive, failed or gone. What systemd reports comes from the
 * signals systemd.c follows (PropertiesChanged of ActiveState, UnitRemoved)
 * through unit_charges_stopped(). When resctld cannot tell from them,
 * right after such a charge for a unit it does not know to run, and after
 * each synchronization for units that hold such charges but do not run
 * (one that stopped while resctld was down), it asks systemd once with
 * ListUnitsByPatterns: that lists loaded units only and never loads one,
 * so it costs systemd nothing for units it has unloaded (an unloaded unit
 * is not running: its charges go).
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

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER_IFACE "org.freedesktop.systemd1.Manager"

typedef struct UnitCheck {
        Manager *manager;
        char *unit;
} UnitCheck;

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

/* fnmatch() quoting: unit names may hold '\' (escapes) and '[' (no). */
static char *pattern_quote(const char *s) {
        char *q = malloc(strlen(s) * 2 + 1), *o = q;
        if (!q)
                return NULL;
        for (; *s; s++) {
                if (strchr("\\*?[]", *s))
                        *o++ = '\\';
                *o++ = *s;
        }
        *o = 0;
        return q;
}

static void unit_check_free(UnitCheck *c) {
        if (!c)
                return;
        free(c->unit);
        free(c);
}

static int on_list_units_by_patterns(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        UnitCheck *c = userdata;
        Manager *m = c->manager;
        bool running = false;
        if (sd_bus_message_is_method_error(reply, NULL)) {
                /* No answer is no news: the signals will tell. */
                log_warning("%s: cannot ask systemd whether it runs: %s", c->unit,
                            sd_bus_message_get_error(reply)->message);
                running = true;
        } else {
                int r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
                const char *name, *active;
                while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, &active, NULL,
                                                          NULL, NULL, NULL, NULL, NULL)) > 0)
                        if (streq(name, c->unit) && !streq(active, "inactive") && !streq(active, "failed"))
                                running = true;
                if (r < 0) {
                        log_warning_errno(r, "%s: cannot read systemd's answer: %s", c->unit, strerror(-r));
                        running = true;
                }
        }
        if (!running)
                unit_charges_stopped(m, c->unit);
        return 0;
}

int unit_charges_check(Manager *m, const char *unit) {
        _cleanup_free_ char *pattern = pattern_quote(unit);
        UnitCheck *c = calloc(1, sizeof(*c));
        if (!pattern || !c || !(c->unit = strdup(unit))) {
                unit_check_free(c);
                return log_oom();
        }
        c->manager = m;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        sd_bus_slot *slot = NULL;
        int r = sd_bus_message_new_method_call(m->bus, &call, SD_DEST, SD_PATH, SD_MANAGER_IFACE,
                                               "ListUnitsByPatterns");
        if (r >= 0)
                r = sd_bus_message_append(call, "as", 0);
        if (r >= 0)
                r = sd_bus_message_append(call, "as", 1, pattern);
        if (r >= 0)
                r = sd_bus_call_async(m->bus, &slot, call, on_list_units_by_patterns, c, 0);
        if (r >= 0) {
                /* The slot frees c with itself (a floating slot, freed after
                 * the reply or with the bus). */
                r = sd_bus_slot_set_destroy_callback(slot, (sd_bus_destroy_t) unit_check_free);
                if (r >= 0)
                        r = sd_bus_slot_set_floating(slot, true);
                sd_bus_slot_unref(slot);
                if (r >= 0)
                        return 0;
                return log_warning_errno(r, "%s: cannot ask systemd whether it runs: %s", unit, strerror(-r));
        }
        unit_check_free(c);
        return log_warning_errno(r, "%s: cannot ask systemd whether it runs: %s", unit, strerror(-r));
}

void unit_charges_taken(Manager *m, const rc_charge *ch) {
        if (!systemd_unit_is_live(m->systemd, ch->group->name))
                (void) unit_charges_check(m, ch->group->name);
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
                (void) unit_charges_check(m, names[i]);
                free(names[i]);
        }
}
