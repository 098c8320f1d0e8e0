/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* top: the groups ordered by their use of one resource, like
 * systemd-cgtop, redrawn when the daemon says something changed:
 *
 *   misc/sev: 10 of 400 used, 2 refused; ordered by usage
 *   GROUP          USAGE MAX PEAK REFUSED
 *   -.slice           10 max   10       2
 *   tenant.slice      10 max   10       2
 *   tenant-a.slice     8   8    8       2
 *
 * One full read at the start (ListResources, ListGroups, GetAll of each
 * group); after that only signals: PropertiesChanged of the group objects
 * carries the new values, LimitHit counts refusals of the resource,
 * ResourceAdded/Removed and CapacityChanged keep the capacity. Nothing is
 * read on a timer. A redraw waits SETTLE_USEC after the first signal of a
 * change, so that the burst of one change (every group up to the root)
 * is drawn once, and redraws are at least REDRAW_USEC apart, the daemon
 * announcing usage at most every 100 ms. A group first seen in a signal
 * is read once (GetAll). */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "resctl.h"

#define REDRAW_USEC (200u * 1000u)
#define SETTLE_USEC (50u * 1000u)

typedef struct Top {
        sd_bus *bus;
        char *key;
        Snapshot s;
        bool dirty;
        uint64_t dirty_since;   /* when the first signal of a change came */
        bool gone;              /* the resource was unregistered */
        uint64_t refused;       /* of the resource, all groups */
        unsigned draws;
        char *last;             /* what was drawn last */
} Top;

static const char *const order_names[_TOP_ORDER_MAX] = {
        [TOP_ORDER_USAGE] = "usage",   [TOP_ORDER_PEAK] = "peak",       [TOP_ORDER_MAX] = "max",
        [TOP_ORDER_REFUSED] = "refused", [TOP_ORDER_NAME] = "name",
};

TopOrder top_order_from_string(const char *s) {
        for (int i = 0; i < _TOP_ORDER_MAX; i++)
                if (streq(s, order_names[i]))
                        return (TopOrder) i;
        return _TOP_ORDER_INVALID;
}

const char *top_order_to_string(TopOrder o) {
        return o >= 0 && o < _TOP_ORDER_MAX ? order_names[o] : NULL;
}

/* ---- the rows ---- */

typedef struct Row {
        const Group *g;
        uint64_t usage, max, peak, refused;
} Row;

static uint64_t row_value(const Row *r, TopOrder o) {
        switch (o) {
        case TOP_ORDER_PEAK:
                return r->peak;
        case TOP_ORDER_MAX:
                return r->max;
        case TOP_ORDER_REFUSED:
                return r->refused;
        default:
                return r->usage;
        }
}

static int row_compare(const void *a, const void *b) {
        const Row *x = a, *y = b;
        if (arg.top_order != TOP_ORDER_NAME) {
                uint64_t u = row_value(x, arg.top_order), v = row_value(y, arg.top_order);
                /* The tightest limit first; the biggest of anything else. */
                if (u != v)
                        return arg.top_order == TOP_ORDER_MAX ? (u < v ? -1 : 1) : (u > v ? -1 : 1);
        }
        return strcmp(x->g->name, y->g->name);
}

static const Resource *top_resource(const Top *t) {
        for (size_t i = 0; i < t->s.n_res; i++)
                if (streq(t->s.res[i].key, t->key))
                        return &t->s.res[i];
        return NULL;
}

static unsigned terminal_rows(void) {
        struct winsize ws;
        if (arg.top_batch || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row < 4)
                return UINT32_MAX;
        return ws.ws_row;
}

static int top_draw(Top *t) {
        const Resource *res = top_resource(t);
        _cleanup_free_ Row *rows = calloc(MAX(t->s.n_groups, 1u), sizeof(Row));
        if (!rows)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < t->s.n_groups; i++) {
                const Group *g = &t->s.groups[i];
                if (!g->loaded)
                        continue;
                bool root = isempty(g->parent);
                rows[n++] = (Row) {
                        .g = g,
                        .usage = group_stat(g, STAT_USAGE, t->key),
                        .max = group_stat(g, STAT_MAX, t->key),
                        .peak = group_stat(g, STAT_PEAK, t->key),
                        /* The root counts no events of its own (as the kernel). */
                        .refused = root ? t->refused : group_stat(g, STAT_EVENTS, t->key),
                };
        }
        qsort(rows, n, sizeof(Row), row_compare);

        static const char *const headers[] = { "GROUP", "USAGE", "MAX", "PEAK", "REFUSED" };
        _cleanup_(table_freep) Table *table = table_new(5, headers, 0x1e);
        if (!table)
                return -ENOMEM;
        unsigned limit = terminal_rows();
        for (size_t i = 0; i < n && (limit == UINT32_MAX || i + 3 < limit); i++) {
                char a[FORMAT_VALUE_MAX], b[FORMAT_VALUE_MAX], c[FORMAT_VALUE_MAX], d[FORMAT_VALUE_MAX];
                if (table_add(table, rows[i].g->name) < 0 || table_add(table, format_amount(a, t->key, rows[i].usage)) < 0 ||
                    table_add(table, format_amount(b, t->key, rows[i].max)) < 0 ||
                    table_add(table, format_amount(c, t->key, rows[i].peak)) < 0 ||
                    table_add(table, format_raw(d, rows[i].refused)) < 0)
                        return -ENOMEM;
        }

        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        char a[FORMAT_VALUE_MAX], b[FORMAT_VALUE_MAX];
        uint64_t used = 0;
        for (size_t i = 0; i < n; i++)
                if (isempty(rows[i].g->parent))
                        used = rows[i].usage;
        if (res)
                fprintf(f, "%s%s%s: %s of %s used, %" PRIu64 " refused; ordered by %s\n", ansi_bold(), t->key,
                        ansi_normal(), format_amount(a, t->key, used), format_amount(b, t->key, res->capacity),
                        t->refused, top_order_to_string(arg.top_order));
        else
                fprintf(f, "%s%s%s: not registered\n", ansi_bold(), t->key, ansi_normal());
        table_print(table, f);
        if (fclose(f) != 0)
                return -ENOMEM;
        t->dirty = false;
        /* A signal that changed nothing shown is no update. */
        if (t->last && streq(t->last, text))
                return 0;

        if (!arg.top_batch)
                fputs("\x1B[H\x1B[2J", stdout);
        else if (t->draws > 0)
                putchar('\n');
        fputs(text, stdout);
        fflush(stdout);
        free(t->last);
        t->last = TAKE_PTR(text);
        t->draws++;
        return 0;
}

/* ---- signals ---- */

static Group *top_group(Top *t, const char *name) {
        for (size_t i = 0; i < t->s.n_groups; i++)
                if (streq(t->s.groups[i].name, name))
                        return &t->s.groups[i];
        return NULL;
}

/* A group first seen in a signal: its parent and values, read once. */
static Group *top_add_group(Top *t, const char *name, const char *path) {
        Group *v = realloc(t->s.groups, (t->s.n_groups + 1) * sizeof(Group));
        if (!v)
                return NULL;
        t->s.groups = v;
        /* Charges are not counted here; snapshot_done() frees n_groups of them. */
        Stats *c = realloc(t->s.charges, (t->s.n_groups + 1) * sizeof(Stats));
        if (!c)
                return NULL;
        t->s.charges = c;
        c[t->s.n_groups] = (Stats) { 0 };
        Group *g = &v[t->s.n_groups];
        *g = (Group) { .name = strdup(name), .path = strdup(path) };
        t->s.n_groups++;
        if (!g->name || !g->path)
                return NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        (void) group_load_stats(t->bus, g, &error);
        char *parent = NULL;
        if (sd_bus_get_property_string(t->bus, RESCTL_SERVICE, path, RESCTL_GROUP_IFACE, "Parent", NULL, &parent) >= 0)
                g->parent = parent;
        return g;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Top *t = userdata;
        _cleanup_free_ char *name = NULL;
        const char *iface, *path = sd_bus_message_get_path(m);
        if (sd_bus_path_decode(path, RESCTL_GROUP_PREFIX, &name) <= 0)
                return 0;
        int r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || !streq(iface, RESCTL_GROUP_IFACE))
                return 0;
        Group *g = top_group(t, name);
        if (!g) {
                /* Read whole: this signal's values are in the read too. */
                if (!top_add_group(t, name, path))
                        return -ENOMEM;
                t->dirty = true;
                return 0;
        }
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        const char *prop, *contents;
        while (r >= 0 && (r = property_next(m, &prop, &contents)) > 0) {
                r = group_stat_read(m, g, prop, contents);
                if (r == 0 && streq(prop, "Parent") && streq(contents, "s")) {
                        const char *parent;
                        r = sd_bus_message_read(m, "v", "s", &parent);
                        if (r >= 0) {
                                char *p = strdup(parent);
                                if (!p)
                                        return -ENOMEM;
                                free(g->parent);
                                g->parent = p;
                        }
                } else if (r == 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = property_done(m, false);
        }
        g->loaded = true;
        t->dirty = true;
        return 0;
}

static int on_manager_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Top *t = userdata;
        const char *member = sd_bus_message_get_member(m), *group, *key;
        uint64_t amount;
        if (streq(member, "LimitHit")) {
                if (sd_bus_message_read(m, "ss", &group, &key) >= 0 && streq(key, t->key)) {
                        t->refused++;
                        t->dirty = true;
                }
        } else if (streq(member, "ResourceAdded") || streq(member, "CapacityChanged")) {
                if (sd_bus_message_read(m, "st", &key, &amount) < 0 || !streq(key, t->key))
                        return 0;
                Resource *res = (Resource *) top_resource(t);
                if (!res) {
                        Resource *v = realloc(t->s.res, (t->s.n_res + 1) * sizeof(Resource));
                        if (!v)
                                return -ENOMEM;
                        t->s.res = v;
                        res = &v[t->s.n_res];
                        *res = (Resource) { .key = strdup(key) };
                        if (!res->key)
                                return -ENOMEM;
                        t->s.n_res++;
                }
                res->capacity = amount;
                t->dirty = true;
        } else if (streq(member, "ResourceRemoved")) {
                if (sd_bus_message_read(m, "s", &key) < 0 || !streq(key, t->key))
                        return 0;
                Resource *res = (Resource *) top_resource(t);
                if (res) {
                        free(res->key);
                        *res = t->s.res[--t->s.n_res];
                }
                t->dirty = true;
        }
        return 0;
}

/* ---- the loop ---- */

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        stop = 1;
}

static struct termios saved_termios;
static bool termios_saved;

static void terminal_restore(void) {
        if (termios_saved)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

/* Keys without Enter, no echo: q quits, u p m r n order. */
static void terminal_raw(void) {
        if (arg.top_batch || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios) < 0)
                return;
        struct termios raw = saved_termios;
        raw.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
        raw.c_cc[VMIN] = 0;
        raw.c_cc[VTIME] = 0;
        if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) >= 0)
                termios_saved = true;
}

static void top_key(Top *t, char c) {
        static const char keys[_TOP_ORDER_MAX] = {
                [TOP_ORDER_USAGE] = 'u', [TOP_ORDER_PEAK] = 'p',    [TOP_ORDER_MAX] = 'm',
                [TOP_ORDER_REFUSED] = 'r', [TOP_ORDER_NAME] = 'n',
        };
        if (c == 'q') {
                stop = 1;
                return;
        }
        for (int i = 0; i < _TOP_ORDER_MAX; i++)
                if (keys[i] == c) {
                        arg.top_order = (TopOrder) i;
                        t->dirty = true;
                }
}

static int top_watch(Top *t) {
        int r = sd_bus_match_signal(t->bus, NULL, RESCTL_SERVICE, RESCTL_PATH, RESCTL_IFACE, NULL, on_manager_signal, t);
        if (r < 0)
                return r;
        return sd_bus_add_match(t->bus, NULL,
                                "type='signal',sender='" RESCTL_SERVICE "',interface='org.freedesktop.DBus.Properties',"
                                "member='PropertiesChanged',path_namespace='" RESCTL_GROUP_PREFIX "'",
                                on_properties_changed, t);
}

static int top_loop(Top *t) {
        uint64_t last = 0;
        for (;;) {
                if (stop)
                        return EXIT_SUCCESS;
                int r = sd_bus_process(t->bus, NULL);
                if (r < 0) {
                        if (r == -ECONNRESET || r == -ENOTCONN)
                                return fail("The bus connection was closed.");
                        return fail_process(r);
                }
                if (r > 0)
                        continue;
                uint64_t now = now_monotonic_usec(), timeout = UINT64_MAX;
                if (t->dirty && t->dirty_since == 0)
                        t->dirty_since = now;
                if (t->dirty) {
                        uint64_t at = MAX(last + REDRAW_USEC, t->draws > 0 ? t->dirty_since + SETTLE_USEC : 0);
                        if (now >= at) {
                                t->dirty_since = 0;
                                if (top_draw(t) < 0)
                                        return fail_oom();
                                last = now;
                                if (arg.top_iterations > 0 && t->draws >= arg.top_iterations)
                                        return EXIT_SUCCESS;
                        } else
                                timeout = at - now;
                }
                struct pollfd p[2] = {
                        { .fd = sd_bus_get_fd(t->bus), .events = (short) sd_bus_get_events(t->bus) },
                        { .fd = termios_saved ? STDIN_FILENO : -1, .events = POLLIN },
                };
                uint64_t bus_timeout;
                if (sd_bus_get_timeout(t->bus, &bus_timeout) > 0 && bus_timeout != UINT64_MAX)
                        timeout = MIN(timeout, bus_timeout > now ? bus_timeout - now : 0);
                r = poll(p, 2, timeout == UINT64_MAX ? -1 : (int) ((timeout + 999) / 1000));
                if (r < 0 && errno != EINTR)
                        return fail("Failed to wait for bus messages: %s", strerror(errno));
                if (r > 0 && (p[1].revents & POLLIN)) {
                        char c;
                        while (read(STDIN_FILENO, &c, 1) == 1)
                                top_key(t, c);
                }
        }
}

static void top_done(Top *t) {
        free(t->key);
        free(t->last);
        snapshot_done(&t->s);
}

int verb_top(sd_bus *bus, int argc, char **argv) {
        _cleanup_(top_done) Top t = { .bus = bus };
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        /* Watching first: nothing between the read and the watch is lost. */
        int r = top_watch(&t);
        if (r < 0)
                return fail("Failed to watch signals of %s: %s", RESCTL_SERVICE, strerror(-r));
        r = snapshot_load(bus, &t.s, &error);
        if (r < 0)
                return r == -ENOMEM ? fail_oom() : fail_bus("read the state of resctld", &error, r);
        if (argc > 0) {
                /* A key without a controller is misc's, as everywhere. */
                if (strchr(argv[0], '/'))
                        t.key = strdup(argv[0]);
                else if (asprintf(&t.key, "misc/%s", argv[0]) < 0)
                        t.key = NULL;
        } else if (t.s.n_res > 0)
                t.key = strdup(t.s.res[0].key);
        else
                return fail("No resource is registered; name one: resctl top KEY");
        if (!t.key)
                return fail_oom();
        const Resource *res = top_resource(&t);
        if (!res)
                return fail("Unknown resource '%s'; see 'resctl list-resources'.", t.key);
        t.refused = res->refused;
        t.dirty = true;

        struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        terminal_raw();
        r = top_loop(&t);
        terminal_restore();
        return r;
}
