/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Whether one unit runs, asked of systemd for unit charges (unit-charges.c)
 * when the signals systemd.c follows cannot tell: right after a charge
 * for a unit not known to run, and after a synchronization for units that
 * hold such charges but do not run (one that stopped while resctld was
 * down). ListUnitsByPatterns costs systemd nothing for units it has
 * unloaded, where touching the unit's object path would load it again. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "systemd-check.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER_IFACE "org.freedesktop.systemd1.Manager"

typedef struct UnitCheck {
        ListHead link;
        sd_bus_slot *slot;
        char *unit;
        void (*stopped)(void *userdata, const char *unit);
        void *userdata;
} UnitCheck;

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
        list_del(&c->link);
        sd_bus_slot_unref(c->slot);
        free(c->unit);
        free(c);
}

static bool reply_says_running(sd_bus_message *reply, const char *unit) {
        if (sd_bus_message_is_method_error(reply, NULL)) {
                /* No answer is no news: the signals will tell. */
                log_warning("%s: cannot ask systemd whether it runs: %s", unit,
                            sd_bus_message_get_error(reply)->message);
                return true;
        }
        bool running = false;
        const char *name, *active;
        int r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, &active, NULL, NULL, NULL,
                                                  NULL, NULL, NULL)) > 0)
                if (streq(name, unit) && !streq(active, "inactive") && !streq(active, "failed"))
                        running = true;
        if (r < 0) {
                log_warning_errno(r, "%s: cannot read systemd's answer: %s", unit, strerror(-r));
                return true;
        }
        return running;
}

static int on_list_units_by_patterns(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        UnitCheck *c = userdata;
        if (!reply_says_running(reply, c->unit))
                c->stopped(c->userdata, c->unit);
        unit_check_free(c);
        return 0;
}

int unit_check_start(sd_bus *bus, ListHead *pending, const char *unit, void (*stopped)(void *userdata, const char *unit),
                     void *userdata) {
        _cleanup_free_ char *pattern = pattern_quote(unit);
        UnitCheck *c = calloc(1, sizeof(*c));
        if (!pattern || !c || !(c->unit = strdup(unit))) {
                free(c);
                return log_oom();
        }
        list_init(&c->link);
        c->stopped = stopped;
        c->userdata = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r = sd_bus_message_new_method_call(bus, &call, SD_DEST, SD_PATH, SD_MANAGER_IFACE, "ListUnitsByPatterns");
        if (r >= 0)
                r = sd_bus_message_append(call, "as", 0);
        if (r >= 0)
                r = sd_bus_message_append(call, "as", 1, pattern);
        if (r >= 0)
                r = sd_bus_call_async(bus, &c->slot, call, on_list_units_by_patterns, c, 0);
        if (r < 0) {
                unit_check_free(c);
                return log_warning_errno(r, "%s: cannot ask systemd whether it runs: %s", unit, strerror(-r));
        }
        list_add_tail(&c->link, pending);
        return 0;
}

void unit_checks_cancel(ListHead *pending) {
        while (!list_empty(pending))
                unit_check_free(list_entry(pending->next, UnitCheck, link));
}
