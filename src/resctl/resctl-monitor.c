/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* monitor: every signal of org.resctl.Manager, and PropertiesChanged of
 * the group objects, one line each as they come, until ^C:
 *
 *   2026-12-03 10:00:00.123456 LimitHit group=vm1.service key=misc/sev requested=1 limit_group=tenant-a.slice limit=8
 *   2026-12-03 10:00:00.223456 PropertiesChanged group=tenant-a.slice Usage=misc/sev:8,misc/sev_es:0 Peak=...
 *
 * Arguments are named as in the D-Bus API (org.resctl.Manager(5));
 * UINT64_MAX is printed as "max". With --json, one JSON object a line,
 * with "timestamp-realtime" in microseconds as busctl monitor has it.
 *
 * Filters: a GROUP argument keeps what concerns it or its descendants, a
 * KEY argument what concerns that resource. When org.resctl.Manager
 * changes owner (resctld restarted), a notice line says so.
 *
 * A refused charge bumps Events of the refusing group and of every
 * ancestor, then LimitHit follows: in the human format those Events-only
 * changes are held and dropped when the LimitHit comes (it says it all),
 * printed otherwise; --verbose prints them all. */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static const char *filter_group;        /* NULL: all */
static char *filter_key;                /* NULL: all */
static Group *tree;                     /* the groups as last listed, for the group filter */
static size_t n_tree;

/* Human lines of Events-only changes waiting for a LimitHit. */
static char **held;
static size_t n_held;

static const char *arg_name(const char *member, unsigned i, char buf[static 16]) {
        for (size_t k = 0; k < ELEMENTSOF(signal_args); k++)
                if (streq(signal_args[k].member, member) && i < ELEMENTSOF(signal_args[k].names) &&
                    signal_args[k].names[i])
                        return signal_args[k].names[i];
        /* A signal added after this client was built: number its arguments. */
        snprintf(buf, 16, "arg%u", i);
        return buf;
}

static const char *parent_of(const char *name) {
        for (size_t i = 0; i < n_tree; i++)
                if (streq(tree[i].name, name))
                        return tree[i].parent;
        return NULL;
}

/* Is name filter_group or below it? An unknown name lists the groups again, once. */
static bool group_wanted(sd_bus *bus, const char *name) {
        if (!filter_group)
                return true;
        for (int pass = 0; pass < 2; pass++) {
                const char *g = name;
                for (unsigned depth = 0; g && *g && depth < 256; depth++) {
                        if (streq(g, filter_group))
                                return true;
                        g = parent_of(g);
                }
                if (g || pass > 0)
                        return false;
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                Group *v;
                size_t n;
                if (groups_list(bus, &v, &n, &error) < 0)
                        return false;
                groups_free(tree, n_tree);
                tree = v;
                n_tree = n;
        }
        return false;
}

static bool key_wanted(const char *key) {
        return !filter_key || streq(key, filter_key);
}

static uint64_t now_realtime(sd_bus_message *m) {
        uint64_t usec;
        if (m && sd_bus_message_get_realtime_usec(m, &usec) >= 0)
                return usec;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* One line of output, written to memory: printed or held when complete. */
typedef struct Line {
        char *buf;
        size_t size;
        FILE *f;
        Json j;
} Line;

/* Opens the line: the timestamp, then for JSON the object with kind set to
 * what ("signal": "LimitHit"); for people a signal's line goes on with its
 * name, a notice's with a sentence of its own. */
static int line_begin(Line *l, sd_bus_message *m, const char *kind, const char *what) {
        *l = (Line) { 0 };
        l->f = open_memstream(&l->buf, &l->size);
        if (!l->f)
                return -ENOMEM;
        FILE *f = l->f;
        uint64_t usec = now_realtime(m);
        if (arg.json != JSON_OFF) {
                json_init(&l->j, f, JSON_SHORT);
                json_begin_object(&l->j);
                json_field_uint(&l->j, "timestamp-realtime", usec);
                json_field_string(&l->j, kind, what);
                return 0;
        }
        time_t sec = (time_t) (usec / 1000000);
        struct tm tm;
        char buf[64];
        if (!localtime_r(&sec, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0)
                buf[0] = 0;
        fprintf(f, "%s%s.%06u%s ", ansi_grey(), buf, (unsigned) (usec % 1000000), ansi_normal());
        if (streq(kind, "signal"))
                fputs(what, f);
        return 0;
}

/* name=value, or "name": "value". */
static void line_field_string(Line *l, const char *name, const char *value) {
        if (arg.json != JSON_OFF)
                json_field_string(&l->j, name, value);
        else
                fprintf(l->f, " %s=%s", name, value);
}

/* Closes the line; l->buf is then the whole line. */
static void line_end(Line *l) {
        if (arg.json != JSON_OFF) {
                json_end_object(&l->j);
                json_finish(&l->j);
        } else
                fputc('\n', l->f);
        fclose(l->f);
}

static void held_flush(bool print) {
        for (size_t i = 0; i < n_held; i++) {
                if (print)
                        fputs(held[i], stdout);
                free(held[i]);
        }
        n_held = 0;
        fflush(stdout);
}

/* Prints a finished line, or holds it. Takes buf. */
static void emit(char *buf, bool hold) {
        if (hold) {
                char **v = realloc(held, (n_held + 1) * sizeof(char *));
                if (v) {
                        held = v;
                        held[n_held++] = buf;
                        return;
                }
        }
        held_flush(true);
        fputs(buf, stdout);
        free(buf);
        fflush(stdout);
}

typedef struct SignalArg {
        char type;
        const char *s;
        uint64_t t;
} SignalArg;

static int on_manager_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *member = sd_bus_message_get_member(m);
        SignalArg a[16];
        unsigned n = 0;
        const char *group = NULL, *limit_group = NULL, *key = NULL;
        for (; n < ELEMENTSOF(a); n++) {
                char type;
                if (sd_bus_message_peek_type(m, &type, NULL) <= 0)
                        break;
                char nb[16];
                const char *name = arg_name(member, n, nb);
                a[n] = (SignalArg) { .type = type };
                int r = type == 's' ? sd_bus_message_read_basic(m, 's', &a[n].s)
                        : type == 't' ? sd_bus_message_read_basic(m, 't', &a[n].t)
                                      : sd_bus_message_skip(m, NULL);
                if (r < 0)
                        break;
                if (type == 's' && streq(name, "group"))
                        group = a[n].s;
                else if (type == 's' && streq(name, "limit_group"))
                        limit_group = a[n].s;
                else if (type == 's' && streq(name, "key"))
                        key = a[n].s;
        }
        /* Resource signals concern no group: a group filter hides them. */
        if (filter_group && !((group && group_wanted(sd_bus_message_get_bus(m), group)) ||
                              (limit_group && group_wanted(sd_bus_message_get_bus(m), limit_group))))
                return 0;
        if (filter_key && !(key && key_wanted(key)))
                return 0;
        if (streq(member, "LimitHit") && !arg.verbose)
                held_flush(false);      /* the Events changes it caused */

        Line l;
        if (line_begin(&l, m, "signal", member) < 0)
                return -ENOMEM;
        for (unsigned i = 0; i < n; i++) {
                char nb[16], b[FORMAT_VALUE_MAX];
                const char *name = arg_name(member, i, nb);
                if (a[i].type == 's')
                        line_field_string(&l, name, a[i].s);
                else if (arg.json == JSON_OFF)
                        fprintf(l.f, " %s=%s", name, a[i].type == 't' ? format_raw(b, a[i].t) : "?");
                else if (a[i].type == 't')
                        json_field_limit(&l.j, name, a[i].t);
                else {
                        json_key(&l.j, name);
                        json_null(&l.j);
                }
        }
        line_end(&l);
        emit(l.buf, false);
        return 0;
}

/* Writes the entries of s that pass the key filter; false if none did. */
static bool print_stats(FILE *f, Json *j, const char *name, const Stats *s) {
        size_t shown = 0;
        for (size_t i = 0; i < s->n; i++)
                shown += key_wanted(s->v[i].key);
        if (shown == 0)
                return false;
        if (arg.json != JSON_OFF) {
                json_key(j, name);
                json_begin_object(j);
        } else
                fprintf(f, " %s=", name);
        shown = 0;
        for (size_t i = 0; i < s->n; i++) {
                if (!key_wanted(s->v[i].key))
                        continue;
                if (arg.json != JSON_OFF) {
                        json_field_limit(j, s->v[i].key, s->v[i].value);
                } else {
                        char b[FORMAT_VALUE_MAX];
                        fprintf(f, "%s%s:%s", shown ? "," : "", s->v[i].key, format_raw(b, s->v[i].value));
                }
                shown++;
        }
        if (arg.json != JSON_OFF)
                json_end_object(j);
        return true;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_free_ char *group = NULL;
        const char *iface;
        if (sd_bus_path_decode(sd_bus_message_get_path(m), RESCTL_GROUP_PREFIX, &group) <= 0)
                return 0;
        int r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || !streq(iface, RESCTL_GROUP_IFACE))
                return 0;
        if (!group_wanted(sd_bus_message_get_bus(m), group))
                return 0;

        Line l;
        if (line_begin(&l, m, "signal", "PropertiesChanged") < 0)
                return -ENOMEM;
        FILE *f = l.f;
        line_field_string(&l, "group", group);

        bool events_only = true;
        size_t shown = 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        const char *name, *contents;
        while (r >= 0 && (r = property_next(m, &name, &contents)) > 0) {
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        break;
                if (!streq(name, "Events") && !streq(name, "EventsLocal"))
                        events_only = false;
                if (streq(contents, "a{st}")) {
                        Stats s = { 0 };
                        r = stats_read(m, &s);
                        if (r >= 0)
                                shown += print_stats(f, &l.j, name, &s);
                        stats_done(&s);
                } else if (streq(contents, "s")) {
                        const char *s;
                        r = sd_bus_message_read(m, "s", &s);
                        if (r >= 0)
                                line_field_string(&l, name, s);
                        shown++;
                } else
                        r = sd_bus_message_skip(m, contents);
                if (r >= 0)
                        r = property_done(m, true);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        /* Invalidated properties (EffectiveMin, EffectiveLow): names only. */
        char **inv = NULL;
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &inv);
        if (r >= 0 && inv && inv[0] && !filter_key) {
                events_only = false;
                shown++;
                if (arg.json != JSON_OFF) {
                        json_key(&l.j, "invalidated");
                        json_begin_array(&l.j);
                        for (char **s = inv; *s; s++)
                                json_string(&l.j, *s);
                        json_end_array(&l.j);
                } else {
                        fputs(" invalidated=", f);
                        for (char **s = inv; *s; s++)
                                fprintf(f, "%s%s", s == inv ? "" : ",", *s);
                }
        }
        for (char **s = inv; s && *s; s++)
                free(*s);
        free(inv);
        line_end(&l);
        if (shown == 0) {
                free(l.buf);
                return 0;
        }
        emit(l.buf, events_only && arg.json == JSON_OFF && !arg.verbose);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *name, *old_owner, *new_owner;
        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || !streq(name, RESCTL_SERVICE))
                return 0;
        Line l;
        if (line_begin(&l, m, "notice", "NameOwnerChanged") < 0)
                return -ENOMEM;
        FILE *f = l.f;
        if (arg.json != JSON_OFF) {
                json_field_string(&l.j, "name", name);
                json_field_string(&l.j, "old_owner", old_owner);
                json_field_string(&l.j, "new_owner", new_owner);
        } else if (isempty(new_owner))
                fprintf(f, "-- %s left the bus (resctld stopped); waiting for it to come back", RESCTL_SERVICE);
        else if (isempty(old_owner))
                fprintf(f, "-- %s is back on the bus as %s (resctld restarted)", RESCTL_SERVICE, new_owner);
        else
                fprintf(f, "-- %s changed owner from %s to %s", RESCTL_SERVICE, old_owner, new_owner);
        line_end(&l);
        /* The group tree may differ now. */
        groups_free(tree, n_tree);
        tree = NULL;
        n_tree = 0;
        emit(l.buf, false);
        return 0;
}

static volatile sig_atomic_t stop;

static void on_sigint(int sig) {
        stop = 1;
}

/* GROUP and KEY, in either order: a key has a '/' or no '.'. */
static int parse_filters(int argc, char **argv) {
        for (int i = 0; i < argc; i++) {
                const char *a = argv[i];
                bool is_key = strchr(a, '/') || !strchr(a, '.');
                if (is_key) {
                        if (filter_key)
                                return fail_usage("monitor takes one KEY: '%s' and '%s'.", filter_key, a);
                        if (asprintf(&filter_key, "%s%s", strchr(a, '/') ? "" : "misc/", a) < 0)
                                return fail_oom();
                } else {
                        if (filter_group)
                                return fail_usage("monitor takes one GROUP: '%s' and '%s'.", filter_group, a);
                        filter_group = a;
                }
        }
        return EXIT_SUCCESS;
}

int verb_monitor(sd_bus *bus, int argc, char **argv) {
        int q = parse_filters(argc, argv);
        if (q != EXIT_SUCCESS)
                return q;
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
        r = sd_bus_add_match(bus, NULL,
                             "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                             "member='NameOwnerChanged',arg0='" RESCTL_SERVICE "'",
                             on_owner_changed, NULL);
        if (r < 0)
                return fail("Failed to watch the owner of %s: %s", RESCTL_SERVICE, strerror(-r));
        /* A round trip to the daemon: it is there, and says so now rather
         * than never; an unknown GROUP is said now too. */
        r = manager_call(bus, "ListResources", &error, NULL, NULL);
        if (r < 0)
                return fail_bus("reach resctld", &error, r);
        if (filter_group) {
                r = manager_call(bus, "GetGroup", &error, NULL, "s", filter_group);
                if (r < 0 && !sd_bus_error_has_name(&error, "org.resctl.Error.NoSuchGroup"))
                        return fail_bus("monitor group", &error, r);
        }

        /* A second ^C, should the first land between check and wait, kills. */
        struct sigaction sa = { .sa_handler = on_sigint, .sa_flags = SA_RESETHAND };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        /* Said even with --json (stderr): a script waits for it to know the watch is on. */
        if (arg.legend)
                fprintf(stderr, "Monitoring %s%s%s%s%s; press ^C to stop.\n", RESCTL_SERVICE,
                        filter_group ? " for " : "", filter_group ? filter_group : "", filter_key ? " key " : "",
                        filter_key ? filter_key : "");
        int ret = EXIT_SUCCESS;
        while (!stop) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        ret = r == -ECONNRESET || r == -ENOTCONN
                                ? fail_status(EXIT_BUS, NULL, "The bus connection was closed.")
                                : fail("Failed to process bus messages: %s", strerror(-r));
                        break;
                }
                if (r > 0)
                        continue;
                /* Held Events changes wait a moment for their LimitHit,
                 * which the daemon sends in the same batch. */
                r = sd_bus_wait(bus, n_held > 0 ? 1000 * 1000 : UINT64_MAX);
                if (r == 0)
                        held_flush(true);
                if (r < 0 && r != -EINTR) {
                        ret = fail("Failed to wait for bus messages: %s", strerror(-r));
                        break;
                }
        }
        held_flush(true);
        free(held);
        groups_free(tree, n_tree);
        free(filter_key);
        return ret;
}
