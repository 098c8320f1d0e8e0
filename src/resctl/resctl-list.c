/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The query verbs: status, list-resources, list-groups, list-charges,
 * tree, show, cat. Each prints a table (or text) or, with --json, JSON. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "resctl.h"

static uint64_t resource_free(const Resource *r) {
        if (r->capacity == UINT64_MAX)
                return UINT64_MAX;
        return r->capacity > r->usage ? r->capacity - r->usage : 0;
}

static void footer(size_t n, const char *one, const char *many) {
        if (arg.legend)
                printf("\n%zu %s listed.\n", n, n == 1 ? one : many);
}

/* ---- list-resources ---- */

static void resources_json(Json *j, const Resource *v, size_t n) {
        json_begin_array(j);
        for (size_t i = 0; i < n; i++) {
                json_begin_object(j);
                json_field_string(j, "key", v[i].key);
                json_field_string(j, "unit", key_counts_bytes(v[i].key) ? "bytes" : "items");
                json_field_limit(j, "capacity", v[i].capacity);
                json_field_uint(j, "usage", v[i].usage);
                json_field_uint(j, "peak", v[i].peak);
                json_field_limit(j, "free", resource_free(&v[i]));
                json_field_uint(j, "refused", v[i].refused);
                json_field_string(j, "enforced_by", v[i].kernel ? "kernel" : "resctld");
                json_end_object(j);
        }
        json_end_array(j);
}

static int resources_table(const Resource *v, size_t n) {
        static const char *const headers[] = { "KEY", "CAPACITY", "USAGE", "PEAK", "FREE", "REFUSED" };
        _cleanup_(table_freep) Table *t = table_new(6, headers, 0x3e);
        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char a[FORMAT_VALUE_MAX], b[FORMAT_VALUE_MAX], c[FORMAT_VALUE_MAX], d[FORMAT_VALUE_MAX],
                        e[FORMAT_VALUE_MAX];
                const char *k = v[i].key;
                if (table_add(t, k) < 0 || table_add(t, format_amount(a, k, v[i].capacity)) < 0 ||
                    table_add(t, format_amount(b, k, v[i].usage)) < 0 ||
                    table_add(t, format_amount(c, k, v[i].peak)) < 0 ||
                    table_add(t, format_amount(d, k, resource_free(&v[i]))) < 0 ||
                    table_add(t, format_raw(e, v[i].refused)) < 0)
                        return -ENOMEM;
        }
        table_print(t, stdout);
        return 0;
}

int verb_list_resources(sd_bus *bus, int argc, char **argv) {
        Resource *v = NULL;
        size_t n = 0;
        int r = resources_get(bus, &v, &n);
        if (r != EXIT_SUCCESS)
                return r;
        if (arg.json != JSON_OFF) {
                Json j;
                json_init(&j, stdout, arg.json);
                resources_json(&j, v, n);
                json_finish(&j);
        } else {
                r = resources_table(v, n);
                footer(n, "resource", "resources");
        }
        resources_free(v, n);
        return r < 0 ? fail_oom() : EXIT_SUCCESS;
}

/* ---- list-groups ---- */

int verb_list_groups(sd_bus *bus, int argc, char **argv) {
        static const char *const headers[] = { "GROUP", "PARENT" };
        Group *v = NULL;
        size_t n = 0;
        int r = groups_get(bus, &v, &n);
        if (r != EXIT_SUCCESS)
                return r;
        _cleanup_(listing_done) Listing l;
        r = listing_begin(&l, 2, headers, 0);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *parent = *v[i].parent ? v[i].parent : NULL;
                if (arg.json == JSON_OFF) {
                        if (table_add(l.table, v[i].name) < 0 || table_add(l.table, parent ? parent : "-") < 0)
                                r = -ENOMEM;
                        continue;
                }
                json_begin_object(&l.json);
                json_field_string(&l.json, "name", v[i].name);
                json_key(&l.json, "parent");
                if (parent)
                        json_string(&l.json, parent);
                else
                        json_null(&l.json);
                json_field_string(&l.json, "path", v[i].path);
                json_end_object(&l.json);
        }
        if (r >= 0) {
                listing_end(&l);
                if (arg.json == JSON_OFF)
                        footer(n, "group", "groups");
        }
        groups_free(v, n);
        return r < 0 ? fail_oom() : EXIT_SUCCESS;
}

/* ---- list-charges ---- */

/* An unknown group is an error here, not an empty list: a typo should not
 * look like "no charges". */
static int check_group(sd_bus *bus, const char *group, const char *what, char **ret_path) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = manager_call(bus, "GetGroup", &error, &reply, "s", group);
        if (r < 0)
                return fail_bus(what, &error, r);
        const char *path;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return fail_bus(what, NULL, r);
        if (ret_path && !(*ret_path = strdup(path)))
                return fail_oom();
        return EXIT_SUCCESS;
}

typedef struct ChargeList {
        Charge *v;
        size_t n;
} ChargeList;

static void charges_listp(ChargeList *l) {
        charges_free(l->v, l->n);
}

static void charge_json(Json *j, const Charge *c) {
        json_begin_object(j);
        json_field_uint(j, "id", c->id);
        json_field_string(j, "group", c->group);
        json_field_string(j, "key", c->key);
        json_field_uint(j, "amount", c->amount);
        json_key(j, "owner_pid");
        if (c->pid)
                json_uint(j, c->pid);
        else
                json_null(j);
        json_field_bool(j, "persist", c->flags & 1);
        json_field_uint(j, "flags", c->flags);
        json_end_object(j);
}

static int charge_row(Table *t, const Charge *c) {
        char a[FORMAT_VALUE_MAX], b[FORMAT_VALUE_MAX], p[FORMAT_VALUE_MAX];
        snprintf(p, sizeof(p), "%" PRIu32, c->pid);
        if (table_add(t, format_raw(a, c->id)) < 0 || table_add(t, c->group) < 0 || table_add(t, c->key) < 0 ||
            table_add(t, format_amount(b, c->key, c->amount)) < 0 || table_add(t, c->pid ? p : "-") < 0 ||
            table_add(t, c->flags & 1 ? "persist" : "-") < 0)
                return -ENOMEM;
        return 0;
}

int verb_list_charges(sd_bus *bus, int argc, char **argv) {
        const char *group = argc > 0 ? argv[0] : "";
        if (*group) {
                int q = check_group(bus, group, "list charges", NULL);
                if (q != EXIT_SUCCESS)
                        return q;
        }
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Charge *charges = NULL;
        size_t n_charges = 0;
        int r = charges_list(bus, group, &charges, &n_charges, &error);
        if (r < 0)
                return fail_bus("list charges", &error, r);
        _cleanup_(charges_listp) ChargeList cl = { charges, n_charges };

        static const char *const headers[] = { "ID", "GROUP", "KEY", "AMOUNT", "OWNER", "FLAGS" };
        _cleanup_(listing_done) Listing l;
        if (listing_begin(&l, 6, headers, 0x09) < 0)
                return fail_oom();
        for (size_t i = 0; i < n_charges; i++)
                if (arg.json != JSON_OFF)
                        charge_json(&l.json, &charges[i]);
                else if (charge_row(l.table, &charges[i]) < 0)
                        return fail_oom();
        listing_end(&l);
        if (arg.json == JSON_OFF)
                footer(n_charges, "charge", "charges");
        return EXIT_SUCCESS;
}

/* ---- status ---- */

int verb_status(sd_bus *bus, int argc, char **argv) {
        if (argc > 0)
                return verb_status_groups(bus, argc, argv);
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Resource *res = NULL;
        size_t n_res = 0, n_groups = 0, n_charges = 0, n_persist = 0;
        Group *groups = NULL;
        int r = resources_list(bus, &res, &n_res, &error);
        if (r < 0)
                return fail_bus("get the status of resctld", &error, r);
        r = groups_list(bus, &groups, &n_groups, &error);
        if (r < 0) {
                resources_free(res, n_res);
                return fail_bus("list groups", &error, r);
        }
        groups_free(groups, n_groups);

        Charge *charges = NULL;
        r = charges_list(bus, "", &charges, &n_charges, &error);
        for (size_t i = 0; r >= 0 && i < n_charges; i++)
                n_persist += charges[i].flags & 1;
        charges_free(charges, n_charges);
        if (r < 0) {
                resources_free(res, n_res);
                return fail_bus("list charges", &error, r);
        }
        uint64_t refused = 0;
        for (size_t i = 0; i < n_res; i++)
                refused += res[i].refused;

        /* The daemon's pid, from the bus (not from a file: it may be remote). */
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        pid_t daemon_pid = 0;
        if (sd_bus_get_name_creds(bus, RESCTL_SERVICE, SD_BUS_CREDS_PID, &creds) >= 0)
                (void) sd_bus_creds_get_pid(creds, &daemon_pid);

        if (arg.json != JSON_OFF) {
                Json j;
                json_init(&j, stdout, arg.json);
                json_begin_object(&j);
                json_field_string(&j, "service", RESCTL_SERVICE);
                json_key(&j, "pid");
                if (daemon_pid > 0)
                        json_uint(&j, (uint64_t) daemon_pid);
                else
                        json_null(&j);
                json_field_uint(&j, "groups", n_groups);
                json_field_uint(&j, "charges", n_charges);
                json_field_uint(&j, "persistent_charges", n_persist);
                json_field_uint(&j, "refused", refused);
                json_key(&j, "resources");
                resources_json(&j, res, n_res);
                json_end_object(&j);
                json_finish(&j);
                resources_free(res, n_res);
                return EXIT_SUCCESS;
        }

        printf("%s%s%s resctld - %s on the system bus\n", ansi_green(), utf8_enabled() ? "\xe2\x97\x8f" : "*",
               ansi_normal(), RESCTL_SERVICE);
        if (daemon_pid > 0)
                printf("        PID: %d\n", (int) daemon_pid);
        printf("  Resources: %zu\n", n_res);
        printf("     Groups: %zu\n", n_groups);
        printf("    Charges: %zu (%zu persistent)\n", n_charges, n_persist);
        printf("    Refused: %" PRIu64 "\n", refused);
        /* Which keys the kernel charges (resctld writes their limits), which resctld brokers. */
        size_t n_kernel = 0;
        for (size_t i = 0; i < n_res; i++)
                n_kernel += res[i].kernel;
        if (n_kernel > 0) {
                printf("     Kernel:");
                for (size_t i = 0; i < n_res; i++)
                        if (res[i].kernel)
                                printf(" %s", res[i].key);
                printf("\n   Brokered:");
                for (size_t i = 0; i < n_res; i++)
                        if (!res[i].kernel)
                                printf(" %s", res[i].key);
                putchar('\n');
        }
        if (n_res > 0) {
                putchar('\n');
                r = resources_table(res, n_res);
        }
        resources_free(res, n_res);
        return r < 0 ? fail_oom() : EXIT_SUCCESS;
}

/* ---- tree ---- */

/* Worth a line in the tree: something used, limited, or used once. */
static bool stat_interesting(const Group *g, const char *key) {
        return group_stat(g, STAT_USAGE, key) > 0 || group_stat(g, STAT_PEAK, key) > 0 ||
               group_stat(g, STAT_MAX, key) != UINT64_MAX;
}

/* One row for the group, then one below it for each resource worth a line
 * (in the tree column, as systemd-cgls puts processes below their cgroup),
 * then its child groups. */
static int tree_add(Table *t, const Group *v, size_t n, size_t at, size_t parent, size_t *n_over) {
        const Group *g = &v[at];
        size_t row = table_rows(t);
        if (table_add(t, g->name) < 0 || table_add(t, "") < 0 || table_add(t, "") < 0 || table_add(t, "") < 0 ||
            table_set_parent(t, row, parent) < 0)
                return -ENOMEM;
        const Stats *usage = &g->stats[STAT_USAGE];
        for (size_t k = 0; k < usage->n; k++) {
                const char *key = usage->v[k].key;
                if (!stat_interesting(g, key))
                        continue;
                char a[FORMAT_VALUE_MAX], b[FORMAT_VALUE_MAX], c[FORMAT_VALUE_MAX], m[FORMAT_VALUE_MAX + 16];
                uint64_t max = group_stat(g, STAT_MAX, key);
                bool over = group_over_max(g, key);
                *n_over += over;
                snprintf(m, sizeof(m), "%s%s", max == UINT64_MAX ? "-" : format_amount(b, key, max), over ? "!" : "");
                size_t krow = table_rows(t);
                if (table_add(t, key) < 0 || table_add(t, format_amount(a, key, usage->v[k].value)) < 0 ||
                    table_add(t, format_amount(c, key, group_stat(g, STAT_PEAK, key))) < 0 ||
                    table_add(t, m) < 0 || table_set_parent(t, krow, row) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                if (streq(v[i].parent, g->name)) {
                        int r = tree_add(t, v, n, i, row, n_over);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int tree_print(const Group *v, size_t n, size_t root) {
        static const char *const headers[] = { "GROUP", "USAGE", "PEAK", "MAX" };
        _cleanup_(table_freep) Table *t = table_new_tree(4, headers, 0xe);
        if (!t)
                return -ENOMEM;
        size_t n_over = 0;
        int r = tree_add(t, v, n, root, SIZE_MAX, &n_over);
        if (r < 0)
                return r;
        r = table_print(t, stdout);
        if (r >= 0 && n_over > 0 && arg.legend)
                printf("\n%s!%s usage above max.\n", ansi_red(), ansi_normal());
        return r;
}

static void tree_json(Json *j, const Group *v, size_t n, size_t at) {
        const Group *g = &v[at];
        json_begin_object(j);
        json_field_string(j, "name", g->name);
        json_key(j, "resources");
        json_begin_array(j);
        const Stats *usage = &g->stats[STAT_USAGE];
        for (size_t k = 0; k < usage->n; k++) {
                const char *key = usage->v[k].key;
                json_begin_object(j);
                json_field_string(j, "key", key);
                json_field_uint(j, "usage", usage->v[k].value);
                json_field_limit(j, "max", group_stat(g, STAT_MAX, key));
                json_field_uint(j, "peak", group_stat(g, STAT_PEAK, key));
                json_field_bool(j, "over_max", group_over_max(g, key));
                json_end_object(j);
        }
        json_end_array(j);
        json_key(j, "children");
        json_begin_array(j);
        for (size_t i = 0; i < n; i++)
                if (streq(v[i].parent, g->name))
                        tree_json(j, v, n, i);
        json_end_array(j);
        json_end_object(j);
}

int verb_tree(sd_bus *bus, int argc, char **argv) {
        const char *top = argc > 0 ? argv[0] : "-.slice";
        if (argc > 0) {
                int q = check_group(bus, top, "show the tree", NULL);
                if (q != EXIT_SUCCESS)
                        return q;
        }
        Group *v = NULL;
        size_t n = 0;
        int r = groups_get(bus, &v, &n);
        if (r != EXIT_SUCCESS)
                return r;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        size_t root = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
                if (streq(v[i].name, top))
                        root = i;
                /* A group may go between the two calls: print it empty. */
                r = group_load_stats(bus, &v[i], &error);
                if (r < 0 && !sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_OBJECT) &&
                    !sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_INTERFACE)) {
                        int q = fail_bus("read group properties", &error, r);
                        groups_free(v, n);
                        return q;
                }
                sd_bus_error_free(&error);
        }
        if (root == SIZE_MAX) {
                groups_free(v, n);
                return fail("Failed to show the tree: %s is gone.", top);
        }
        if (arg.json != JSON_OFF) {
                Json j;
                json_init(&j, stdout, arg.json);
                tree_json(&j, v, n, root);
                json_finish(&j);
        } else
                r = tree_print(v, n, root);
        groups_free(v, n);
        return r < 0 ? fail_oom() : EXIT_SUCCESS;
}

/* ---- show ---- */

static bool property_wanted(const char *name) {
        if (arg.n_properties == 0)
                return true;
        for (size_t i = 0; i < arg.n_properties; i++)
                if (streq(arg.properties[i], name))
                        return true;
        return false;
}

/* A property asked for with -p that the object does not have is a typo:
 * said before anything is printed. */
static int check_properties(sd_bus_message *reply) {
        for (size_t i = 0; i < arg.n_properties; i++) {
                bool found = false;
                int r = sd_bus_message_rewind(reply, true);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
                while (r >= 0 && !found && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                        const char *name;
                        r = sd_bus_message_read(reply, "s", &name);
                        if (r < 0)
                                break;
                        found = streq(name, arg.properties[i]);
                        r = sd_bus_message_skip(reply, "v");
                        if (r >= 0)
                                r = property_done(reply, false);
                }
                if (r < 0)
                        return fail_bus("show group", NULL, r);
                if (!found)
                        return fail_usage("Unknown property '%s' of %s: use Name, Parent, Usage, Peak, Max, Min, Low, "
                                          "EffectiveMin, EffectiveLow, Events or EventsLocal.",
                                          arg.properties[i], RESCTL_GROUP_IFACE);
        }
        int r = sd_bus_message_rewind(reply, true);
        return r < 0 ? fail_bus("show group", NULL, r) : EXIT_SUCCESS;
}

int verb_show(sd_bus *bus, int argc, char **argv) {
        _cleanup_free_ char *path = NULL;
        int q = check_group(bus, argv[0], "show group", &path);
        if (q != EXIT_SUCCESS)
                return q;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, RESCTL_SERVICE, path, "org.freedesktop.DBus.Properties", "GetAll", &error,
                                   &reply, "s", RESCTL_GROUP_IFACE);
        if (r < 0)
                return fail_bus("show group", &error, r);
        q = check_properties(reply);
        if (q != EXIT_SUCCESS)
                return q;
        Json j;
        json_init(&j, stdout, arg.json);
        if (arg.json != JSON_OFF)
                json_begin_object(&j);
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        const char *name, *contents;
        while (r >= 0 && (r = property_next(reply, &name, &contents)) > 0) {
                if (!property_wanted(name)) {
                        r = sd_bus_message_skip(reply, "v");
                        if (r >= 0)
                                r = property_done(reply, false);
                        continue;
                }
                r = sd_bus_message_enter_container(reply, 'v', contents);
                if (r < 0)
                        break;
                if (streq(contents, "s")) {
                        const char *s;
                        r = sd_bus_message_read(reply, "s", &s);
                        if (r < 0)
                                break;
                        if (arg.json != JSON_OFF) {
                                json_field_string(&j, name, s);
                        } else if (arg.value)
                                printf("%s\n", s);
                        else
                                printf("%s=%s\n", name, s);
                } else if (streq(contents, "a{st}")) {
                        Stats s = { 0 };
                        r = stats_read(reply, &s);
                        if (r < 0) {
                                stats_done(&s);
                                break;
                        }
                        if (arg.json != JSON_OFF) {
                                json_key(&j, name);
                                json_begin_object(&j);
                                for (size_t i = 0; i < s.n; i++) {
                                        json_field_limit(&j, s.v[i].key, s.v[i].value);
                                }
                                json_end_object(&j);
                        } else {
                                /* KEY:VALUE, as unit files write it; raw numbers. */
                                if (!arg.value)
                                        printf("%s=", name);
                                for (size_t i = 0; i < s.n; i++) {
                                        char b[FORMAT_VALUE_MAX];
                                        printf("%s%s:%s", i ? " " : "", s.v[i].key, format_raw(b, s.v[i].value));
                                }
                                putchar('\n');
                        }
                        stats_done(&s);
                } else {
                        r = sd_bus_message_skip(reply, contents);
                        if (r < 0)
                                break;
                }
                r = property_done(reply, true);
        }
        if (r < 0)
                return fail_bus("show group", NULL, r);
        if (arg.json != JSON_OFF) {
                json_end_object(&j);
                json_finish(&j);
        }
        return EXIT_SUCCESS;
}

/* ---- cat ---- */

int verb_cat(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = manager_call(bus, "ReadFile", &error, &reply, "ss", argv[0], argv[1]);
        if (r < 0)
                return fail_bus("read file", &error, r);
        const char *text;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return fail_bus("read file", NULL, r);
        fputs(text, stdout);
        return EXIT_SUCCESS;
}
