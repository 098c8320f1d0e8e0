/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* export: the daemon's figures for dashboards and fleet schedulers.
 *
 * --format=openmetrics  OpenMetrics 1.0 text: families resctl_capacity,
 *                       resctl_usage, resctl_max, resctl_peak (gauges) and
 *                       resctl_events (counter, samples resctl_events_total),
 *                       labels group and resource, no timestamps, "# EOF".
 * --format=prometheus   the same in the Prometheus text format 0.0.4, which
 *                       node-exporter's textfile collector parses (it reads
 *                       an OpenMetrics counter as an untyped metric).
 * --format=nfd          a node-feature-discovery feature file (features.d):
 *                       resctl.io/<key>.capacity and .free per resource.
 *
 * --output=FILE writes FILE.tmp and renames it over FILE, so that readers
 * see the old file or the new one, never half of one. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "resctl.h"

/* NFD's limit for one feature file. */
#define NFD_FILE_MAX (64u * 1024u)
/* A Kubernetes label name: at most 63 characters after the namespace. */
#define NFD_NAME_MAX 63

typedef struct Snapshot {
        Resource *res;
        size_t n_res;
        Group *groups;
        size_t n_groups;
} Snapshot;

static void snapshot_done(Snapshot *s) {
        resources_free(s->res, s->n_res);
        groups_free(s->groups, s->n_groups);
        *s = (Snapshot) { 0 };
}

static int snapshot_load(sd_bus *bus, Snapshot *s) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = resources_list(bus, &s->res, &s->n_res, &error);
        if (r < 0)
                return fail_bus("list resources", &error, r);
        r = groups_list(bus, &s->groups, &s->n_groups, &error);
        if (r < 0)
                return fail_bus("list groups", &error, r);
        for (size_t i = 0; i < s->n_groups; i++) {
                r = group_load_stats(bus, &s->groups[i], &error);
                /* A group that went between the two calls is left out. */
                if (r < 0 && !sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_OBJECT) &&
                    !sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_INTERFACE))
                        return fail_bus("read group properties", &error, r);
                sd_bus_error_free(&error);
        }
        return EXIT_SUCCESS;
}

/* ---- OpenMetrics / Prometheus ---- */

static void label_value(FILE *f, const char *s) {
        for (; *s; s++)
                switch (*s) {
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
                        fputc(*s, f);
                }
}

static void sample_value(FILE *f, uint64_t v) {
        if (v == UINT64_MAX)
                fputs("+Inf", f);
        else
                fprintf(f, "%" PRIu64, v);
}

static void family_header(FILE *f, const char *family, const char *type, const char *help) {
        /* OpenMetrics names a counter family without its _total suffix;
         * the Prometheus text format names it as its samples. */
        const char *suffix = arg.format == EXPORT_PROMETHEUS && streq(type, "counter") ? "_total" : "";
        fprintf(f, "# HELP %s%s %s\n", family, suffix, help);
        fprintf(f, "# TYPE %s%s %s\n", family, suffix, type);
}

static const struct {
        const char *family;
        const char *sample;
        const char *type;
        GroupStat stat;
        uint64_t def;
        const char *help;
} group_metrics[] = {
        { "resctl_usage", "resctl_usage", "gauge", STAT_USAGE, 0,
          "Amount charged to the group and its descendants (items; bytes for dmem regions)." },
        { "resctl_max", "resctl_max", "gauge", STAT_MAX, UINT64_MAX,
          "Limit of the group (items; bytes for dmem regions); +Inf when there is none." },
        { "resctl_peak", "resctl_peak", "gauge", STAT_PEAK, 0,
          "Highest usage of the group since it was created." },
        { "resctl_events", "resctl_events_total", "counter", STAT_EVENTS, 0,
          "Charges refused at the group's level or below it (the kernel's misc.events max)." },
};

static void write_metrics(FILE *f, const Snapshot *s) {
        family_header(f, "resctl_capacity", "gauge",
                      "Capacity of the resource (items; bytes for dmem regions); +Inf when unlimited.");
        for (size_t i = 0; i < s->n_res; i++) {
                fputs("resctl_capacity{resource=\"", f);
                label_value(f, s->res[i].key);
                fputs("\"} ", f);
                sample_value(f, s->res[i].capacity);
                fputc('\n', f);
        }
        for (size_t m = 0; m < ELEMENTSOF(group_metrics); m++) {
                family_header(f, group_metrics[m].family, group_metrics[m].type, group_metrics[m].help);
                for (size_t g = 0; g < s->n_groups; g++) {
                        const Group *gr = &s->groups[g];
                        if (!gr->loaded)
                                continue;
                        for (size_t i = 0; i < s->n_res; i++) {
                                const char *key = s->res[i].key;
                                fprintf(f, "%s{group=\"", group_metrics[m].sample);
                                label_value(f, gr->name);
                                fputs("\",resource=\"", f);
                                label_value(f, key);
                                fputs("\"} ", f);
                                sample_value(f, stats_get(&gr->stats[group_metrics[m].stat], key,
                                                          group_metrics[m].def));
                                fputc('\n', f);
                        }
                }
        }
        if (arg.format == EXPORT_OPENMETRICS)
                fputs("# EOF\n", f);
}

/* ---- node-feature-discovery ---- */

/* "dmem/drm/0000:c1:00.0/vram0" -> "dmem-drm-0000-c1-00.0-vram0": what a
 * label name may hold ([A-Za-z0-9._-], alphanumeric at both ends). */
static char *nfd_name(const char *key) {
        char *s = strdup(key);
        if (!s)
                return NULL;
        for (char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
                      *p == '_' || *p == '-'))
                        *p = '-';
        return s;
}

static int write_nfd(FILE *f, const Snapshot *s) {
        size_t size = 0;
        const char *header = "# Written by \"resctl export --format=nfd\" (resctl(1)): capacity and free amount\n"
                             "# of every resource resctld manages (items; bytes for dmem regions).\n";
        fputs(header, f);
        size += strlen(header);
        for (size_t i = 0; i < s->n_res; i++) {
                _cleanup_free_ char *name = nfd_name(s->res[i].key);
                if (!name)
                        return -ENOMEM;
                if (strlen(name) + strlen(".capacity") > NFD_NAME_MAX) {
                        hint("Leaving out %s: its feature name would exceed %u characters.", s->res[i].key,
                             NFD_NAME_MAX);
                        continue;
                }
                const Resource *r = &s->res[i];
                uint64_t free_amount = r->capacity == UINT64_MAX ? UINT64_MAX
                                       : r->capacity > r->usage  ? r->capacity - r->usage
                                                                 : 0;
                char line[256], a[FORMAT_VALUE_MAX], b[FORMAT_VALUE_MAX];
                int n = snprintf(line, sizeof(line), "resctl.io/%s.capacity=%s\nresctl.io/%s.free=%s\n", name,
                                 format_raw(a, r->capacity), name, format_raw(b, free_amount));
                if (n < 0 || (size_t) n >= sizeof(line))
                        continue;
                if (size + (size_t) n > NFD_FILE_MAX) {
                        hint("Leaving out %s and what follows: NFD reads at most %u bytes of a feature file.",
                             r->key, NFD_FILE_MAX);
                        break;
                }
                fputs(line, f);
                size += (size_t) n;
        }
        return 0;
}

/* ---- output ---- */

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

static int write_atomic(const char *path, const char *text, size_t size) {
        _cleanup_free_ char *tmp = NULL, *dir_copy = strdup(path);
        if (!dir_copy || asprintf(&tmp, "%s.tmp", path) < 0)
                return fail_oom();
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
        int dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                (void) fsync(dfd);
                close(dfd);
        }
        return EXIT_SUCCESS;
}

int verb_export(sd_bus *bus, int argc, char **argv) {
        if (arg.format == _EXPORT_FORMAT_INVALID)
                arg.format = EXPORT_OPENMETRICS;
        _cleanup_(snapshot_done) Snapshot s = { 0 };
        int q = snapshot_load(bus, &s);
        if (q != EXIT_SUCCESS)
                return q;

        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return fail_oom();
        int r = 0;
        if (arg.format == EXPORT_NFD)
                r = write_nfd(f, &s);
        else
                write_metrics(f, &s);
        if (fclose(f) != 0 || r < 0)
                return fail_oom();

        if (!arg.output) {
                fwrite(text, 1, size, stdout);
                return EXIT_SUCCESS;
        }
        return write_atomic(arg.output, text, size);
}
