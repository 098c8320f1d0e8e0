/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* export: the daemon's figures for dashboards and fleet schedulers.
 *
 * --format=openmetrics  OpenMetrics 1.0 text: one family per meaning and
 *                       unit (counts of misc and rdma items; _bytes for dmem
 *                       regions), labels group, controller, device and
 *                       kind (misc, rdma) or region (dmem), counters with
 *                       _total samples, no timestamps, "# EOF".
 * --format=prometheus   the same in the Prometheus text format 0.0.4, which
 *                       node-exporter's textfile collector parses.
 * --format=nfd          a node-feature-discovery feature file (resctl-nfd.c).
 *
 * --follow (with --output=FILE) stays: it rewrites the file a second after
 * the daemon signals a change, and every minute so that its timestamp
 * stays fresh, and adds what only the signals tell, counted since it
 * started: resctl_releases_total by reason (ChargeReleased) and
 * resctl_eviction_requests_total (EvictionRequested).
 *
 * The output is written only from a complete read of the daemon's state:
 * when the daemon cannot be read, --output=FILE keeps the old file (its
 * resctl_export_last_success_timestamp_seconds and mtime then tell its
 * age) and standard output gets "resctl_up 0" alone. --output=FILE writes a
 * dot file next to FILE and renames it over FILE, so that readers see the
 * old file or the new one, never half of one; node-exporter (*.prom) and
 * NFD (dot files) both skip the temporary file. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "resctl.h"

/* NFD's expiry for the labels of an exporter that stopped: ten runs of
 * resctl-export-prometheus.timer and resctl-export-nfd.timer. */
#define NFD_EXPIRY_SEC (10u * 60u)
/* --follow: a burst of signals is one rewrite; and one a minute at least. */
#define FOLLOW_SETTLE_USEC (1000u * 1000u)
#define FOLLOW_REFRESH_USEC (60u * 1000u * 1000u)

/* What --follow counts from the signals. */
typedef struct Follow {
        Stats releases;         /* "KEY\tREASON" -> charges released */
        Stats evictions;        /* KEY -> EvictionRequested */
        bool dirty;
        uint64_t dirty_since;
} Follow;

/* ChargeReleased's reasons (org.resctl.Manager(5)), each exported from 0. */
static const char *const release_reasons[] = {
        "uncharged", "owner-exited", "evicted", "resource-removed", "unit-stopped",
};

/* ---- labels ---- */

static void label_value(FILE *f, const char *s, size_t n) {
        for (size_t i = 0; i < n && s[i]; i++)
                switch (s[i]) {
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                default:
                        fputc(s[i], f);
                }
}

static void label(FILE *f, bool *first, const char *name, const char *value, size_t n) {
        fprintf(f, "%s%s=\"", *first ? "{" : ",", name);
        label_value(f, value, n);
        fputc('"', f);
        *first = false;
}

/* The key split as the kernel names its parts: misc/KIND,
 * rdma/DEVICE/KIND, dmem/DEVICE.../REGION (a dmem region is named
 * "drm/0000:c1:00.0/vram0": device "drm/0000:c1:00.0", region "vram0"). */
static void key_labels(FILE *f, bool *first, const char *key) {
        const char *slash = strchr(key, '/');
        if (!slash) {
                label(f, first, "controller", "misc", SIZE_MAX);
                label(f, first, "kind", key, SIZE_MAX);
                return;
        }
        label(f, first, "controller", key, (size_t) (slash - key));
        const char *rest = slash + 1, *last = strrchr(rest, '/');
        bool dmem = key_counts_bytes(key);
        if (last)
                label(f, first, "device", rest, (size_t) (last - rest));
        label(f, first, dmem ? "region" : "kind", last ? last + 1 : rest, SIZE_MAX);
}

/* ---- families ---- */

typedef enum Units {
        UNITS_ANY,      /* every resource: the value counts charges or refusals */
        UNITS_ITEMS,    /* misc and rdma: the value counts items */
        UNITS_BYTES,    /* dmem: the value counts bytes */
} Units;

typedef enum Source {
        SOURCE_CAPACITY,
        SOURCE_REFUSED,
        SOURCE_GROUP,   /* the group's property stat */
        SOURCE_CHARGES, /* charges the group holds itself */
} Source;

typedef struct Family {
        const char *name;       /* without _total */
        const char *type;
        Units units;
        Source source;
        GroupStat stat;
        const char *help;
} Family;

static const Family families[] = {
        { "resctl_capacity", "gauge", UNITS_ITEMS, SOURCE_CAPACITY, 0,
          "Capacity of a misc or rdma resource in items; +Inf when unlimited." },
        { "resctl_capacity_bytes", "gauge", UNITS_BYTES, SOURCE_CAPACITY, 0, "Size of a dmem region." },
        { "resctl_refusals", "counter", UNITS_ANY, SOURCE_REFUSED, 0,
          "Charges of the resource refused so far, in all groups." },
        { "resctl_usage", "gauge", UNITS_ITEMS, SOURCE_GROUP, STAT_USAGE,
          "Items charged to the group and its descendants." },
        { "resctl_usage_bytes", "gauge", UNITS_BYTES, SOURCE_GROUP, STAT_USAGE,
          "Bytes of the region charged to the group and its descendants." },
        { "resctl_peak", "gauge", UNITS_ITEMS, SOURCE_GROUP, STAT_PEAK,
          "Highest usage of the group in items since it was created." },
        { "resctl_peak_bytes", "gauge", UNITS_BYTES, SOURCE_GROUP, STAT_PEAK,
          "Highest usage of the group in bytes since it was created." },
        { "resctl_max", "gauge", UNITS_ITEMS, SOURCE_GROUP, STAT_MAX,
          "Limit of the group in items; +Inf when there is none." },
        { "resctl_max_bytes", "gauge", UNITS_BYTES, SOURCE_GROUP, STAT_MAX,
          "Limit of the group in bytes; +Inf when there is none." },
        { "resctl_min_bytes", "gauge", UNITS_BYTES, SOURCE_GROUP, STAT_MIN,
          "Hard protection the group asks for (dmem.min)." },
        { "resctl_low_bytes", "gauge", UNITS_BYTES, SOURCE_GROUP, STAT_LOW,
          "Best-effort protection the group asks for (dmem.low)." },
        { "resctl_effective_min_bytes", "gauge", UNITS_BYTES, SOURCE_GROUP, STAT_EFFECTIVE_MIN,
          "Hard protection the group gets, its ancestors' shares applied." },
        { "resctl_effective_low_bytes", "gauge", UNITS_BYTES, SOURCE_GROUP, STAT_EFFECTIVE_LOW,
          "Best-effort protection the group gets, its ancestors' shares applied." },
        { "resctl_events", "counter", UNITS_ANY, SOURCE_GROUP, STAT_EVENTS,
          "Charges refused at the group's level or below it (misc.events max)." },
        { "resctl_events_local", "counter", UNITS_ANY, SOURCE_GROUP, STAT_EVENTS_LOCAL,
          "Charges refused by the group's own limit or capacity (misc.events.local max)." },
        { "resctl_charges", "gauge", UNITS_ANY, SOURCE_CHARGES, 0,
          "Charges the group holds itself (not its descendants')." },
};

static bool units_match(Units u, const char *key) {
        return u == UNITS_ANY || (u == UNITS_BYTES) == key_counts_bytes(key);
}

static bool is_counter(const char *type) {
        return streq(type, "counter");
}

static void family_header(FILE *f, const char *name, const char *type, const char *help) {
        /* OpenMetrics names a counter family without its _total suffix;
         * the Prometheus text format names it as its samples. */
        const char *suffix = arg.format == EXPORT_PROMETHEUS && is_counter(type) ? "_total" : "";
        fprintf(f, "# HELP %s%s %s\n", name, suffix, help);
        fprintf(f, "# TYPE %s%s %s\n", name, suffix, type);
        if (arg.format != EXPORT_OPENMETRICS)
                return;
        const char *u = strrchr(name, '_');
        if (u && (streq(u, "_bytes") || streq(u, "_seconds")))
                fprintf(f, "# UNIT %s %s\n", name, u + 1);
}

static void sample_value(FILE *f, uint64_t v) {
        if (v == UINT64_MAX)
                fputs("+Inf", f);
        else
                fprintf(f, "%" PRIu64, v);
}

static void sample_reason(FILE *f, const Family *fam, const char *group, const char *key, const char *reason,
                          uint64_t v) {
        bool first = true;
        fprintf(f, "%s%s", fam->name, is_counter(fam->type) ? "_total" : "");
        if (group)
                label(f, &first, "group", group, SIZE_MAX);
        key_labels(f, &first, key);
        if (reason)
                label(f, &first, "reason", reason, SIZE_MAX);
        fputs("} ", f);
        sample_value(f, v);
        fputc('\n', f);
}

static void sample(FILE *f, const Family *fam, const char *group, const char *key, uint64_t v) {
        sample_reason(f, fam, group, key, NULL, v);
}

static uint64_t group_value(const Snapshot *s, size_t g, size_t i, const Family *fam) {
        const Group *gr = &s->groups[g];
        const char *key = s->res[i].key;
        if (fam->source == SOURCE_CHARGES)
                return stats_get(&s->charges[g], key, 0);
        /* The kernel counts no events at its root (it has no misc.events
         * there), so neither does the daemon; but every refusal happened at
         * the root's level or below it. */
        if (fam->stat == STAT_EVENTS && isempty(gr->parent))
                return s->res[i].refused;
        /* Protection is a property of dmem regions only. */
        return group_stat(gr, fam->stat, key);
}

static void write_family(FILE *f, const Snapshot *s, const Family *fam) {
        family_header(f, fam->name, fam->type, fam->help);
        if (fam->source == SOURCE_CAPACITY || fam->source == SOURCE_REFUSED) {
                for (size_t i = 0; i < s->n_res; i++)
                        if (units_match(fam->units, s->res[i].key))
                                sample(f, fam, NULL, s->res[i].key,
                                       fam->source == SOURCE_CAPACITY ? s->res[i].capacity : s->res[i].refused);
                return;
        }
        for (size_t g = 0; g < s->n_groups; g++) {
                if (!s->groups[g].loaded)
                        continue;
                for (size_t i = 0; i < s->n_res; i++)
                        if (units_match(fam->units, s->res[i].key))
                                sample(f, fam, s->groups[g].name, s->res[i].key, group_value(s, g, i, fam));
        }
}

static void write_up(FILE *f, bool up) {
        family_header(f, "resctl_up", "gauge", "1 when resctld answered this export, 0 when it did not.");
        fprintf(f, "resctl_up %d\n", up);
}

static const Family release_family = { "resctl_releases", "counter", UNITS_ANY, 0, 0,
        "Charges released, by reason, since this exporter started (resctl export --follow)." };
static const Family eviction_family = { "resctl_eviction_requests", "counter", UNITS_ANY, 0, 0,
        "Charges asked to make room (EvictionRequested) since this exporter started (resctl export --follow)." };

static void write_follow(FILE *f, const Snapshot *s, const Follow *fl) {
        family_header(f, release_family.name, release_family.type, release_family.help);
        for (size_t i = 0; i < s->n_res; i++) {
                const char *key = s->res[i].key;
                for (size_t k = 0; k < ELEMENTSOF(release_reasons); k++) {
                        _cleanup_free_ char *id = NULL;
                        if (asprintf(&id, "%s\t%s", key, release_reasons[k]) < 0)
                                return;
                        sample_reason(f, &release_family, NULL, key, release_reasons[k],
                                      stats_get(&fl->releases, id, 0));
                }
        }
        family_header(f, eviction_family.name, eviction_family.type, eviction_family.help);
        for (size_t i = 0; i < s->n_res; i++)
                sample(f, &eviction_family, NULL, s->res[i].key, stats_get(&fl->evictions, s->res[i].key, 0));
}

static void write_metrics(FILE *f, const Snapshot *s, const struct timespec *now, const Follow *fl) {
        write_up(f, true);
        family_header(f, "resctl_export_last_success_timestamp_seconds", "gauge",
                      "When resctld's state was last read for this file, in seconds since the epoch.");
        fprintf(f, "resctl_export_last_success_timestamp_seconds %lld.%03ld\n", (long long) now->tv_sec,
                now->tv_nsec / 1000000);
        for (size_t m = 0; m < ELEMENTSOF(families); m++)
                write_family(f, s, &families[m]);
        if (fl)
                write_follow(f, s, fl);
        if (arg.format == EXPORT_OPENMETRICS)
                fputs("# EOF\n", f);
}

/* ---- output ---- */

static int write_atomic(const char *path, const char *text, size_t size) {
        _cleanup_free_ char *tmp = NULL, *dir_copy = strdup(path), *base_copy = strdup(path);
        if (!dir_copy || !base_copy)
                return fail_oom();
        const char *dir = dirname(dir_copy), *base = basename(base_copy);
        if (asprintf(&tmp, "%s/.%s.tmp", dir, base) < 0)
                return fail_oom();
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return fail("Failed to create %s: %s", tmp, strerror(errno));
        int r = write_all(fd, text, size);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return fail("Failed to write %s: %s", path, strerror(-r));
        }
        /* The rename itself, on disk. */
        if (dfd >= 0)
                (void) fsync(dfd);
        return EXIT_SUCCESS;
}

static bool output_is_stdout(void) {
        return !arg.output || streq(arg.output, "-");
}

/* The daemon did not answer: standard output says so; a file is left as
 * it is, so that its age shows. */
static int export_down(const sd_bus_error *error, int r) {
        if (output_is_stdout() && arg.format != EXPORT_NFD) {
                write_up(stdout, false);
                if (arg.format == EXPORT_OPENMETRICS)
                        fputs("# EOF\n", stdout);
        }
        return fail_bus("read the state of resctld", error, r);
}

/* One read, one output. */
static int export_once(sd_bus *bus, const Follow *fl) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(snapshot_done) Snapshot s = { 0 };
        int r = snapshot_load(bus, &s, &error);
        if (r < 0)
                return r == -ENOMEM ? fail_oom() : export_down(&error, r);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);

        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return fail_oom();
        r = 0;
        if (arg.format == EXPORT_NFD)
                r = nfd_write(f, &s, (uint64_t) now.tv_sec + NFD_EXPIRY_SEC);
        else
                write_metrics(f, &s, &now, fl);
        if (fclose(f) != 0 || r < 0)
                return fail_oom();

        if (output_is_stdout()) {
                fwrite(text, 1, size, stdout);
                return EXIT_SUCCESS;
        }
        return write_atomic(arg.output, text, size);
}

/* ---- --follow ---- */

static void follow_dirty(Follow *fl) {
        if (!fl->dirty)
                fl->dirty_since = now_monotonic_usec();
        fl->dirty = true;
}

static int on_follow_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Follow *fl = userdata;
        const char *member = sd_bus_message_get_member(m), *group, *key, *reason;
        uint64_t id, amount;
        if (streq(member, "ChargeReleased") &&
            sd_bus_message_read(m, "tssts", &id, &group, &key, &amount, &reason) >= 0) {
                _cleanup_free_ char *k = NULL;
                if (asprintf(&k, "%s\t%s", key, reason) < 0 || stats_add(&fl->releases, k, 1) < 0)
                        return -ENOMEM;
        } else if (streq(member, "EvictionRequested") &&
                   sd_bus_message_read(m, "tsst", &id, &group, &key, &amount) >= 0) {
                if (stats_add(&fl->evictions, key, 1) < 0)
                        return -ENOMEM;
        }
        follow_dirty(fl);
        return 0;
}

static int on_follow_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        follow_dirty(userdata);
        return 0;
}

static volatile sig_atomic_t follow_stop;

static void on_follow_sigterm(int sig) {
        follow_stop = 1;
}

static void follow_done(Follow *fl) {
        stats_done(&fl->releases);
        stats_done(&fl->evictions);
}

static int export_follow(sd_bus *bus) {
        _cleanup_(follow_done) Follow fl = { 0 };
        /* Watching before the first read: no signal falls between. */
        int r = sd_bus_match_signal(bus, NULL, RESCTL_SERVICE, RESCTL_PATH, RESCTL_IFACE, NULL, on_follow_signal, &fl);
        if (r >= 0)
                r = sd_bus_add_match(bus, NULL,
                                     "type='signal',sender='" RESCTL_SERVICE "',interface='org.freedesktop.DBus.Properties',"
                                     "member='PropertiesChanged',path_namespace='" RESCTL_GROUP_PREFIX "'",
                                     on_follow_changed, &fl);
        if (r < 0)
                return fail("Failed to watch signals of %s: %s", RESCTL_SERVICE, strerror(-r));
        struct sigaction sa = { .sa_handler = on_follow_sigterm, .sa_flags = SA_RESETHAND };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        uint64_t next = 0;
        while (!follow_stop) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return fail_process(r);
                if (r > 0)
                        continue;
                uint64_t now = now_monotonic_usec(), at = next;
                if (fl.dirty)
                        at = MIN(at, fl.dirty_since + FOLLOW_SETTLE_USEC);
                if (now >= at) {
                        fl.dirty = false;
                        /* A failed read is said on stderr; the file keeps its age. */
                        (void) export_once(bus, &fl);
                        next = now + FOLLOW_REFRESH_USEC;
                        continue;
                }
                r = sd_bus_wait(bus, at - now);
                if (r < 0 && r != -EINTR)
                        return fail("Failed to wait for bus messages: %s", strerror(-r));
        }
        return EXIT_SUCCESS;
}

int verb_export(sd_bus *bus, int argc, char **argv) {
        if (arg.format == _EXPORT_FORMAT_INVALID)
                arg.format = EXPORT_OPENMETRICS;
        if (!arg.follow)
                return export_once(bus, NULL);
        if (arg.format == EXPORT_NFD || output_is_stdout())
                return fail_usage("--follow rewrites a metrics file: use --output=FILE with --format=openmetrics or prometheus.");
        return export_follow(bus);
}
