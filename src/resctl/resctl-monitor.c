/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* monitor: every signal of org.resctl.Manager, and PropertiesChanged of
 * the group objects, one line each as they come, until ^C:
 *
 *   LimitHit group=vm1.service key=misc/sev requested=1 limit_group=tenant-a.slice limit=8
 *   PropertiesChanged group=tenant-a.slice Usage=misc/sev:8,misc/sev_es:0 Peak=...
 *
 * Arguments are named as in the D-Bus API (org.resctl.Manager(5));
 * UINT64_MAX is printed as "max". With --json, one JSON object a line. */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "resctl.h"

static const struct {
        const char *member;
        const char *names[6];
} signal_args[] = {
        { "LimitHit", { "group", "key", "requested", "limit_group", "limit" } },
        { "ResourceAdded", { "key", "capacity" } },
        { "ResourceRemoved", { "key" } },
        { "CapacityChanged", { "key", "capacity" } },
        { "EvictionRequested", { "charge_id", "group", "key", "amount" } },
        { "ChargeReleased", { "charge_id", "group", "key", "amount", "reason" } },
};

static const char *arg_name(const char *member, unsigned i, char buf[static 16]) {
        for (size_t k = 0; k < ELEMENTSOF(signal_args); k++)
                if (streq(signal_args[k].member, member) && i < ELEMENTSOF(signal_args[k].names) &&
                    signal_args[k].names[i])
                        return signal_args[k].names[i];
        /* A signal added after this client was built: number its arguments. */
        snprintf(buf, 16, "arg%u", i);
        return buf;
}

static void print_stats(Json *j, const char *name, const Stats *s) {
        if (arg.json != JSON_OFF) {
                json_key(j, name);
                json_begin_object(j);
                for (size_t i = 0; i < s->n; i++) {
                        json_key(j, s->v[i].key);
                        json_limit(j, s->v[i].value);
                }
                json_end_object(j);
                return;
        }
        printf(" %s=", name);
        for (size_t i = 0; i < s->n; i++) {
                char b[FORMAT_VALUE_MAX];
                printf("%s%s:%s", i ? "," : "", s->v[i].key, format_raw(b, s->v[i].value));
        }
}

static int on_manager_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *member = sd_bus_message_get_member(m);
        Json j;
        json_init(&j, stdout, arg.json);
        if (arg.json != JSON_OFF) {
                json_begin_object(&j);
                json_key(&j, "signal");
                json_string(&j, member);
        } else
                fputs(member, stdout);
        for (unsigned i = 0;; i++) {
                char type;
                const char *contents;
                int r = sd_bus_message_peek_type(m, &type, &contents);
                if (r <= 0)
                        break;
                char nb[16], b[FORMAT_VALUE_MAX];
                const char *name = arg_name(member, i, nb);
                if (arg.json != JSON_OFF)
                        json_key(&j, name);
                if (type == 's') {
                        const char *s;
                        if (sd_bus_message_read_basic(m, 's', &s) < 0)
                                break;
                        if (arg.json != JSON_OFF)
                                json_string(&j, s);
                        else
                                printf(" %s=%s", name, s);
                } else if (type == 't') {
                        uint64_t t;
                        if (sd_bus_message_read_basic(m, 't', &t) < 0)
                                break;
                        if (arg.json != JSON_OFF)
                                json_limit(&j, t);
                        else
                                printf(" %s=%s", name, format_raw(b, t));
                } else {
                        if (arg.json != JSON_OFF)
                                json_null(&j);
                        else
                                printf(" %s=?", name);
                        if (sd_bus_message_skip(m, NULL) < 0)
                                break;
                }
        }
        if (arg.json != JSON_OFF) {
                json_end_object(&j);
                json_finish(&j);
        } else
                putchar('\n');
        fflush(stdout);
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_free_ char *group = NULL;
        const char *iface;
        if (sd_bus_path_decode(sd_bus_message_get_path(m), RESCTL_GROUP_PREFIX, &group) <= 0)
                return 0;
        int r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || !streq(iface, RESCTL_GROUP_IFACE))
                return 0;
        Json j;
        json_init(&j, stdout, arg.json);
        if (arg.json != JSON_OFF) {
                json_begin_object(&j);
                json_key(&j, "signal");
                json_string(&j, "PropertiesChanged");
                json_key(&j, "group");
                json_string(&j, group);
        } else
                printf("PropertiesChanged group=%s", group);

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *name, *contents;
                r = sd_bus_message_read(m, "s", &name);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r >= 0)
                        r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        break;
                if (streq(contents, "a{st}")) {
                        Stats s = { 0 };
                        r = stats_read(m, &s);
                        if (r >= 0)
                                print_stats(&j, name, &s);
                        stats_done(&s);
                } else if (streq(contents, "s")) {
                        const char *s;
                        r = sd_bus_message_read(m, "s", &s);
                        if (r >= 0 && arg.json != JSON_OFF) {
                                json_key(&j, name);
                                json_string(&j, s);
                        } else if (r >= 0)
                                printf(" %s=%s", name, s);
                } else
                        r = sd_bus_message_skip(m, contents);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        /* Invalidated properties (EffectiveMin, EffectiveLow): names only. */
        char **inv = NULL;
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &inv);
        if (r >= 0 && inv && inv[0]) {
                if (arg.json != JSON_OFF) {
                        json_key(&j, "invalidated");
                        json_begin_array(&j);
                        for (char **s = inv; *s; s++)
                                json_string(&j, *s);
                        json_end_array(&j);
                } else {
                        fputs(" invalidated=", stdout);
                        for (char **s = inv; *s; s++)
                                printf("%s%s", s == inv ? "" : ",", *s);
                }
        }
        for (char **s = inv; s && *s; s++)
                free(*s);
        free(inv);
        if (arg.json != JSON_OFF) {
                json_end_object(&j);
                json_finish(&j);
        } else
                putchar('\n');
        fflush(stdout);
        return 0;
}

static volatile sig_atomic_t stop;

static void on_sigint(int sig) {
        stop = 1;
}

int verb_monitor(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        /* Synchronous AddMatch calls: once they returned, nothing is missed. */
        int r = sd_bus_match_signal(bus, NULL, RESCTL_SERVICE, RESCTL_PATH, RESCTL_IFACE, NULL, on_manager_signal,
                                    NULL);
        if (r < 0)
                return fail("Failed to watch signals of %s: %s", RESCTL_SERVICE, strerror(-r));
        r = sd_bus_add_match(bus, NULL,
                             "type='signal',sender='" RESCTL_SERVICE "',interface='org.freedesktop.DBus.Properties',"
                             "member='PropertiesChanged',path_namespace='" RESCTL_GROUP_PREFIX "'",
                             on_properties_changed, NULL);
        if (r < 0)
                return fail("Failed to watch group properties: %s", strerror(-r));
        /* A round trip to the daemon: it is there, and says so now rather
         * than never. */
        r = manager_call(bus, "ListResources", &error, NULL, NULL);
        if (r < 0)
                return fail_bus("reach resctld", &error, r);

        /* A second ^C, should the first land between check and wait, kills. */
        struct sigaction sa = { .sa_handler = on_sigint, .sa_flags = SA_RESETHAND };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        if (arg.legend)
                hint("Monitoring %s; press ^C to stop.", RESCTL_SERVICE);
        while (!stop) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        if (r == -ECONNRESET || r == -ENOTCONN)
                                return fail("The bus connection was closed.");
                        return fail("Failed to process bus messages: %s", strerror(-r));
                }
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return fail("Failed to wait for bus messages: %s", strerror(-r));
        }
        return EXIT_SUCCESS;
}
