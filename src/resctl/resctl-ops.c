/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The control verbs: write, set-property, charge, uncharge, migrate,
 * evict, register-resource, unregister-resource, set-capacity. Arguments
 * are checked here first (exit 2 with a line saying what to fix), then
 * the daemon decides (exit 1 with its message). */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "resctl.h"

#define CHARGE_PERSIST UINT64_C(1)
#define CHARGE_UNIT UINT64_C(4)
#define CHARGE_CREATE UINT64_C(2)
#define EVICT_FORCE UINT64_C(1)

static int parse_amount_arg(const char *what, const char *s, uint64_t *ret) {
        int r = parse_size(s, ret);
        if (r == -ERANGE)
                return fail_usage("Invalid %s '%s': it does not fit in 64 bits.", what, s);
        if (r < 0)
                return fail_usage("Invalid %s '%s': use a number with an optional K, M, G or T suffix, or max.", what,
                                  s);
        return EXIT_SUCCESS;
}

static int parse_id_arg(const char *s, uint64_t *ret) {
        if (parse_id(s, ret) < 0)
                return fail_usage("Invalid charge id '%s': use the number that charge or list-charges printed.", s);
        return EXIT_SUCCESS;
}

/* charge and evict: two names, then AMOUNT (argv[2]) and the flags. */
static int call_with_amount(sd_bus *bus, char **argv, const char *method, const char *what, uint64_t flags,
                            sd_bus_message **reply) {
        uint64_t amount;
        int q = parse_amount_arg("amount", argv[2], &amount);
        if (q != EXIT_SUCCESS)
                return q;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = manager_call(bus, method, &error, reply, "sstt", argv[0], argv[1], amount, flags);
        return r < 0 ? fail_bus(what, &error, r) : EXIT_SUCCESS;
}

/* write and set-property change the limits of unit: the failure, or a
 * warning when a usage is now above its max. */
static int unit_changed(sd_bus *bus, const char *unit, const char *what, const sd_bus_error *error, int r) {
        if (r < 0)
                return fail_bus(what, error, r);
        warn_over_max(bus, unit);
        return EXIT_SUCCESS;
}

/* ---- write ---- */

int verb_write(sd_bus *bus, int argc, char **argv) {
        /* TEXT may come as several words: "sev 8" or sev 8. */
        size_t len = 0;
        for (int i = 2; i < argc; i++)
                len += strlen(argv[i]) + 1;
        _cleanup_free_ char *text = malloc(len + 1);
        if (!text)
                return fail_oom();
        text[0] = 0;
        for (int i = 2; i < argc; i++) {
                if (i > 2)
                        strcat(text, " ");
                strcat(text, argv[i]);
        }
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = manager_call(bus, "WriteFile", &error, NULL, "sss", argv[0], argv[1], text);
        return unit_changed(bus, argv[0], "write file", &error, r);
}

/* ---- set-property ---- */

int verb_set_property(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = manager_new_call(bus, "SetUnitProperties", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", argv[0], arg.runtime);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        for (int i = 1; r >= 0 && i < argc; i++) {
                _cleanup_free_ char *why = NULL;
                r = property_append(m, argv[i], &why);
                if (r == -EINVAL && why)
                        return fail_usage("%s", why);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return fail_bus("set unit properties", NULL, r);
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        r = sd_bus_call(bus, m, 0, &error, NULL);
        return unit_changed(bus, argv[0], "set unit properties", &error, r);
}

/* ---- charges ---- */

int verb_charge(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t id;
        int r = call_with_amount(bus, argv, "Charge", "charge",
                                 (arg.persist ? CHARGE_PERSIST : arg.until_stop ? CHARGE_UNIT : 0) |
                                         (arg.create ? CHARGE_CREATE : 0),
                                 &reply);
        if (r != EXIT_SUCCESS)
                return r;
        r = sd_bus_message_read(reply, "t", &id);
        if (r < 0)
                return fail_bus("charge", NULL, r);
        if (arg.json != JSON_OFF) {
                Json j;
                json_init(&j, stdout, arg.json);
                json_begin_object(&j);
                json_field_uint(&j, "id", id);
                json_field_bool(&j, "persist", arg.persist);
                json_end_object(&j);
                json_finish(&j);
        } else
                printf("%" PRIu64 "\n", id);
        if (!arg.persist && !arg.until_stop)
                hint("Charge %" PRIu64 " belongs to this resctl process and is released when it exits, "
                     "i.e. now; use --persist to keep it until 'resctl uncharge %" PRIu64 "'.",
                     id, id);
        return EXIT_SUCCESS;
}

int verb_uncharge(sd_bus *bus, int argc, char **argv) {
        uint64_t id, amount = 0;
        int q = parse_id_arg(argv[0], &id);
        if (q == EXIT_SUCCESS && argc > 1)
                q = parse_amount_arg("amount", argv[1], &amount);
        if (q != EXIT_SUCCESS)
                return q;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = manager_call(bus, "Uncharge", &error, NULL, "tt", id, amount);
        if (r < 0)
                return fail_bus("uncharge", &error, r);
        return EXIT_SUCCESS;
}

static void print_ids(const uint64_t *ids, size_t n) {
        if (arg.json != JSON_OFF) {
                Json j;
                json_init(&j, stdout, arg.json);
                json_begin_array(&j);
                for (size_t i = 0; i < n; i++)
                        json_uint(&j, ids[i]);
                json_end_array(&j);
                json_finish(&j);
                return;
        }
        for (size_t i = 0; i < n; i++)
                printf("%" PRIu64 "\n", ids[i]);
}

int verb_migrate(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *dst = argv[argc - 1];
        if (arg.group) {
                if (argc != 2)
                        return fail_usage("migrate --group takes two groups: resctl migrate --group SRC DST");
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int r = manager_call(bus, "MigrateGroup", &error, &reply, "ss", argv[0], dst);
                if (r < 0)
                        return fail_bus("migrate group", &error, r);
                const void *ids;
                size_t size;
                r = sd_bus_message_read_array(reply, 't', &ids, &size);
                if (r < 0)
                        return fail_bus("migrate group", NULL, r);
                size_t n = size / sizeof(uint64_t);
                _cleanup_free_ uint64_t *v = calloc(n ? n : 1, sizeof(uint64_t));
                if (!v)
                        return fail_oom();
                memcpy(v, ids, n * sizeof(uint64_t));
                print_ids(v, n);
                return EXIT_SUCCESS;
        }
        size_t n = (size_t) argc - 1;
        _cleanup_free_ uint64_t *ids = calloc(n, sizeof(uint64_t));
        if (!ids)
                return fail_oom();
        for (size_t i = 0; i < n; i++) {
                int q = parse_id_arg(argv[i], &ids[i]);
                if (q != EXIT_SUCCESS)
                        return q;
        }
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = manager_new_call(bus, "MigrateCharges", &m);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 't', ids, n * sizeof(uint64_t));
        if (r >= 0)
                r = sd_bus_message_append(m, "s", dst);
        if (r < 0)
                return fail_bus("migrate charges", NULL, r);
        r = sd_bus_call(bus, m, 0, &error, NULL);
        if (r < 0)
                return fail_bus("migrate charges", &error, r);
        print_ids(ids, n);
        return EXIT_SUCCESS;
}

int verb_evict(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = call_with_amount(bus, argv, "Evict", "evict", arg.force ? EVICT_FORCE : 0, &reply);
        if (r != EXIT_SUCCESS)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(tst)");
        if (r < 0)
                return fail_bus("evict", NULL, r);
        static const char *const headers[] = { "ID", "GROUP", "AMOUNT" };
        _cleanup_(listing_done) Listing l;
        if (listing_begin(&l, 3, headers, 0x5) < 0)
                return fail_oom();
        Json *j = &l.json;
        uint64_t id, amt;
        const char *g;
        size_t n = 0;
        while ((r = sd_bus_message_read(reply, "(tst)", &id, &g, &amt)) > 0) {
                n++;
                if (arg.json != JSON_OFF) {
                        json_begin_object(j);
                        json_field_uint(j, "id", id);
                        json_field_string(j, "group", g);
                        json_field_uint(j, "amount", amt);
                        json_end_object(j);
                        continue;
                }
                char a[FORMAT_VALUE_MAX], b[FORMAT_VALUE_MAX];
                if (table_add(l.table, format_raw(a, id)) < 0 || table_add(l.table, g) < 0 ||
                    table_add(l.table, format_amount(b, argv[0], amt)) < 0)
                        return fail_oom();
        }
        if (r < 0)
                return fail_bus("evict", NULL, r);
        listing_end(&l);
        if (arg.json == JSON_OFF && arg.legend)
                printf("\n%zu %s %s.\n", n, n == 1 ? "victim" : "victims", arg.force ? "released" : "asked to make room");
        if (n > 0 && !arg.force)
                hint("Nothing was released: the holders were sent EvictionRequested; use --force to release "
                     "their charges now.");
        return EXIT_SUCCESS;
}

/* ---- resources ---- */

/* register-resource and set-capacity: KEY CAPACITY, then a warning when
 * the usage is above the capacity. */
static int call_with_capacity(sd_bus *bus, char **argv, const char *method, const char *what) {
        uint64_t capacity;
        int q = parse_amount_arg("capacity", argv[1], &capacity);
        if (q != EXIT_SUCCESS)
                return q;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = manager_call(bus, method, &error, NULL, "st", argv[0], capacity);
        if (r < 0)
                return fail_bus(what, &error, r);
        warn_over_capacity(bus, argv[0]);
        return EXIT_SUCCESS;
}

int verb_register_resource(sd_bus *bus, int argc, char **argv) {
        return call_with_capacity(bus, argv, "RegisterResource", "register resource");
}

int verb_unregister_resource(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = manager_call(bus, "UnregisterResource", &error, NULL, "s", argv[0]);
        if (r < 0)
                return fail_bus("unregister resource", &error, r);
        return EXIT_SUCCESS;
}

int verb_set_capacity(sd_bus *bus, int argc, char **argv) {
        return call_with_capacity(bus, argv, "SetCapacity", "set capacity");
}
