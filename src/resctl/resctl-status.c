/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* "resctl status GROUP...", as "systemctl status UNIT" reads: one block a
 * group with its parent, charges, and a row per resource it uses, limits or
 * was refused; and the warnings after a limit or capacity that is below
 * the usage (the spec keeps such limits, kernel-semantics.md R2: the user
 * is told what follows). */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "resctl.h"

bool group_over_max(const Group *g, const char *key) {
        uint64_t max = group_stat(g, STAT_MAX, key);
        return max != UINT64_MAX && group_stat(g, STAT_USAGE, key) > max;
}

static bool row_interesting(const Group *g, const char *key) {
        return group_stat(g, STAT_USAGE, key) > 0 || group_stat(g, STAT_PEAK, key) > 0 ||
               group_stat(g, STAT_MAX, key) != UINT64_MAX ||
               group_stat(g, STAT_MIN, key) > 0 || group_stat(g, STAT_LOW, key) > 0 ||
               group_stat(g, STAT_EVENTS, key) > 0;
}

static const char *what_follows(const char *key) {
        return key_counts_bytes(key) ? "new charges are refused and the holders were asked to evict (EvictionRequested)"
                                     : "new charges are refused until the usage falls below it";
}

static void group_done(Group *g) {
        free(g->name);
        free(g->parent);
        free(g->path);
        for (int i = 0; i < _STAT_MAX; i++)
                stats_done(&g->stats[i]);
}

/* Reads GetGroup + GetAll of name; 0, or a negative errno with error set. */
static int group_get(sd_bus *bus, const char *name, Group *ret, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = manager_call(bus, "GetGroup", error, &reply, "s", name);
        if (r < 0)
                return r;
        const char *path;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        *ret = (Group) { .name = strdup(name), .parent = strdup(""), .path = strdup(path) };
        if (!ret->name || !ret->parent || !ret->path)
                r = -ENOMEM;
        else
                r = group_load_stats(bus, ret, error);
        if (r < 0)
                group_done(ret);
        return r;
}

void warn_over_max(sd_bus *bus, const char *unit) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Group g;
        if (group_get(bus, unit, &g, &error) < 0)
                return;         /* a reset that left the group empty: nothing to warn of */
        const Stats *usage = &g.stats[STAT_USAGE];
        for (size_t k = 0; k < usage->n; k++) {
                const char *key = usage->v[k].key;
                if (!group_over_max(&g, key))
                        continue;
                char a[FORMAT_VALUE_MAX], b[FORMAT_VALUE_MAX];
                warning("%s: %s max %s is below its usage %s: %s.", unit, key,
                        format_amount(a, key, group_stat(&g, STAT_MAX, key)),
                        format_amount(b, key, usage->v[k].value), what_follows(key));
        }
        group_done(&g);
}

void warn_over_capacity(sd_bus *bus, const char *key) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Resource *v = NULL;
        size_t n = 0;
        if (resources_list(bus, &v, &n, &error) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                const char *k = v[i].key;
                bool same = streq(k, key) || (strneq(k, "misc/", 5) && streq(k + 5, key));
                if (!same || v[i].capacity == UINT64_MAX || v[i].usage <= v[i].capacity)
                        continue;
                char a[FORMAT_VALUE_MAX], b[FORMAT_VALUE_MAX];
                warning("%s: capacity %s is below the usage %s: the charges stay, and new charges are refused "
                        "until the usage falls below it.",
                        k, format_amount(a, k, v[i].capacity), format_amount(b, k, v[i].usage));
        }
        resources_free(v, n);
}

static int charges_count(sd_bus *bus, const char *group, size_t *ret_n, size_t *ret_persist, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = manager_call(bus, "ListCharges", error, &reply, "s", group);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(tsstut)");
        uint64_t id, amount, flags;
        uint32_t pid;
        const char *g, *key;
        *ret_n = *ret_persist = 0;
        while (r >= 0 && (r = sd_bus_message_read(reply, "(tsstut)", &id, &g, &key, &amount, &pid, &flags)) > 0) {
                (*ret_n)++;
                *ret_persist += flags & 1;
        }
        return r;
}

static const char *limit_cell(char buf[static FORMAT_VALUE_MAX], const char *key, uint64_t v, uint64_t none) {
        return v == none ? "-" : format_amount(buf, key, v);
}

static int status_one(sd_bus *bus, const char *name, Json *j) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Group g;
        int r = group_get(bus, name, &g, &error);
        if (r < 0)
                return fail_bus("get the status of a group", &error, r);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *parent = "";
        r = sd_bus_get_property(bus, RESCTL_SERVICE, g.path, RESCTL_GROUP_IFACE, "Parent", &error, &reply, "s");
        if (r >= 0)
                r = sd_bus_message_read(reply, "s", &parent);
        size_t n_charges = 0, n_persist = 0;
        if (r >= 0)
                r = charges_count(bus, name, &n_charges, &n_persist, &error);
        if (r < 0) {
                group_done(&g);
                return fail_bus("get the status of a group", &error, r);
        }
        const Stats *usage = &g.stats[STAT_USAGE];
        size_t n_over = 0;
        for (size_t k = 0; k < usage->n; k++)
                n_over += group_over_max(&g, usage->v[k].key);

        if (j) {
                json_begin_object(j);
                json_field_string(j, "name", name);
                json_key(j, "parent");
                if (*parent)
                        json_string(j, parent);
                else
                        json_null(j);
                json_field_uint(j, "charges", n_charges);
                json_field_uint(j, "persistent_charges", n_persist);
                json_field_bool(j, "over_max", n_over > 0);
                json_key(j, "resources");
                json_begin_array(j);
                for (size_t k = 0; k < usage->n; k++) {
                        const char *key = usage->v[k].key;
                        json_begin_object(j);
                        json_field_string(j, "key", key);
                        static const GroupStat cols[] = { STAT_USAGE, STAT_PEAK, STAT_MAX, STAT_MIN, STAT_LOW,
                                                          STAT_EVENTS, STAT_EVENTS_LOCAL };
                        static const char *const names[] = { "usage", "peak", "max", "min", "low", "events",
                                                             "events_local" };
                        for (size_t c = 0; c < ELEMENTSOF(cols); c++)
                                json_field_limit(j, names[c],
                                                 group_stat(&g, cols[c], key));
                        json_field_bool(j, "over_max", group_over_max(&g, key));
                        json_end_object(j);
                }
                json_end_array(j);
                json_end_object(j);
                group_done(&g);
                return EXIT_SUCCESS;
        }

        const char *dot = utf8_enabled() ? "\xe2\x97\x8f" : "*";
        printf("%s%s%s %s\n", n_over ? ansi_red() : ansi_green(), dot, ansi_normal(), name);
        printf("     Parent: %s\n", *parent ? parent : "-");
        printf("    Charges: %zu (%zu persistent)\n", n_charges, n_persist);
        if (n_over > 0) {
                printf("   Over max:%s", ansi_red());
                for (size_t k = 0; k < usage->n; k++)
                        if (group_over_max(&g, usage->v[k].key))
                                printf(" %s", usage->v[k].key);
                printf("%s\n", ansi_normal());
        }
        static const char *const headers[] = { "KEY", "USAGE", "PEAK", "MAX", "MIN", "LOW", "EVENTS" };
        _cleanup_(table_freep) Table *t = table_new(7, headers, 0x7e);
        if (!t) {
                group_done(&g);
                return fail_oom();
        }
        for (size_t k = 0; k < usage->n; k++) {
                const char *key = usage->v[k].key;
                if (!row_interesting(&g, key))
                        continue;
                char a[FORMAT_VALUE_MAX], b[FORMAT_VALUE_MAX], c[FORMAT_VALUE_MAX], d[FORMAT_VALUE_MAX],
                        e[FORMAT_VALUE_MAX], f[FORMAT_VALUE_MAX], m[FORMAT_VALUE_MAX + 8];
                snprintf(m, sizeof(m), "%s%s", limit_cell(c, key, group_stat(&g, STAT_MAX, key),
                                                          UINT64_MAX),
                         group_over_max(&g, key) ? "!" : "");
                if (table_add(t, key) < 0 || table_add(t, format_amount(a, key, usage->v[k].value)) < 0 ||
                    table_add(t, format_amount(b, key, group_stat(&g, STAT_PEAK, key))) < 0 ||
                    table_add(t, m) < 0 ||
                    table_add(t, limit_cell(d, key, group_stat(&g, STAT_MIN, key), 0)) < 0 ||
                    table_add(t, limit_cell(e, key, group_stat(&g, STAT_LOW, key), 0)) < 0 ||
                    table_add(t, format_raw(f, group_stat(&g, STAT_EVENTS, key))) < 0) {
                        group_done(&g);
                        return fail_oom();
                }
        }
        if (table_rows(t) > 0) {
                putchar('\n');
                table_print(t, stdout);
        } else
                printf("\nNo usage, limits or refusals.\n");
        group_done(&g);
        return EXIT_SUCCESS;
}

int verb_status_groups(sd_bus *bus, int argc, char **argv) {
        /* An unknown group fails the whole command before anything is printed. */
        for (int i = 0; i < argc; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                int r = manager_call(bus, "GetGroup", &error, NULL, "s", argv[i]);
                if (r < 0)
                        return fail_bus("get the status of a group", &error, r);
        }
        Json j;
        json_init(&j, stdout, arg.json);
        bool json = arg.json != JSON_OFF;
        if (json)
                json_begin_array(&j);
        int ret = EXIT_SUCCESS;
        for (int i = 0; i < argc; i++) {
                if (i > 0 && !json)
                        putchar('\n');
                int q = status_one(bus, argv[i], json ? &j : NULL);
                if (q != EXIT_SUCCESS && ret == EXIT_SUCCESS)
                        ret = q;
        }
        if (json) {
                json_end_array(&j);
                json_finish(&j);
        }
        return ret;
}
