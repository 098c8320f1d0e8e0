/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* export --format=nfd: a node-feature-discovery feature file.
 *
 * Node labels are for scheduling, and every change of one rewrites the
 * Node object: so only what changes with the hardware is a label, never
 * usage or free amounts. Per kind of resource:
 *
 *   resctl.io/misc-sev=true             a misc resource with capacity > 0
 *   resctl.io/misc-sev.capacity=509     its capacity, when it has one
 *   resctl.io/dmem-vram=true            dmem regions named vram<N>
 *   resctl.io/dmem-vram.regions=2       how many
 *   resctl.io/dmem-vram.bytes=34359738368   their total size
 *   resctl.io/rdma=true                 RDMA devices
 *   resctl.io/rdma.devices=1            how many
 *
 * Numbers are plain integers, as NFD's Gt/Lt/Ge/Le operators want them; an
 * unlimited capacity has no number label. "# +expiry-time=" makes NFD drop
 * the labels of an exporter that stopped writing. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "resctl.h"

#define NFD_PREFIX "resctl.io/"
/* NFD's limit for one feature file. */
#define NFD_FILE_MAX (64u * 1024u)
/* A Kubernetes label name: at most 63 characters after the namespace. */
#define NFD_NAME_MAX 63

typedef struct Kind {
        char *name;             /* "misc-sev", "dmem-vram", "rdma" */
        uint64_t capacity;      /* misc: the capacity; dmem: bytes in all regions */
        unsigned count;         /* dmem: regions; rdma: devices */
        const char *count_name;
        bool bytes;             /* dmem: the capacity label counts bytes */
} Kind;

/* What a label name may hold: [A-Za-z0-9._-], alphanumeric at both ends. */
static void nfd_sanitize(char *s) {
        for (char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
                      *p == '_' || *p == '-'))
                        *p = '-';
}

/* "drm/0000:c1:00.0/vram0" -> "vram": the region's kind, its number off. */
static char *dmem_kind(const char *key) {
        const char *leaf = strrchr(key, '/');
        leaf = leaf ? leaf + 1 : key;
        size_t n = strlen(leaf);
        while (n > 1 && leaf[n - 1] >= '0' && leaf[n - 1] <= '9')
                n--;
        char *s = NULL;
        if (asprintf(&s, "dmem-%.*s", (int) n, leaf) < 0)
                return NULL;
        return s;
}

static char *rdma_device(const char *key) {
        const char *dev = key + strlen("rdma/");
        const char *end = strchr(dev, '/');
        return strndup(dev, end ? (size_t) (end - dev) : strlen(dev));
}

static Kind *kind_get(Kind **kinds, size_t *n, char *name) {
        for (size_t i = 0; i < *n; i++)
                if (streq((*kinds)[i].name, name)) {
                        free(name);
                        return &(*kinds)[i];
                }
        Kind *v = realloc(*kinds, (*n + 1) * sizeof(Kind));
        if (!v) {
                free(name);
                return NULL;
        }
        *kinds = v;
        v[*n] = (Kind) { .name = name };
        return &v[(*n)++];
}

static void kinds_free(Kind *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i].name);
        free(v);
}

static int kinds_collect(const Snapshot *s, Kind **ret, size_t *n_ret) {
        Kind *kinds = NULL;
        size_t n = 0;
        /* Devices seen, to count each RDMA device once. */
        _cleanup_free_ char *seen = strdup("/");
        if (!seen)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_res; i++) {
                const Resource *r = &s->res[i];
                Kind *k = NULL;
                if (strneq(r->key, "misc/", 5)) {
                        /* Capacity 0: registered, but none to have. */
                        if (r->capacity == 0)
                                continue;
                        char *name = NULL;
                        if (asprintf(&name, "misc-%s", r->key + 5) < 0 || !(k = kind_get(&kinds, &n, name)))
                                goto oom;
                        k->capacity = r->capacity;
                } else if (key_counts_bytes(r->key)) {
                        char *name = dmem_kind(r->key);
                        if (!name || !(k = kind_get(&kinds, &n, name)))
                                goto oom;
                        k->capacity = r->capacity == UINT64_MAX || k->capacity > UINT64_MAX - r->capacity
                                              ? UINT64_MAX
                                              : k->capacity + r->capacity;
                        k->count++;
                        k->count_name = "regions";
                        k->bytes = true;
                } else if (strneq(r->key, "rdma/", 5)) {
                        char *name = strdup("rdma");
                        _cleanup_free_ char *dev = rdma_device(r->key), *mark = NULL;
                        if (!name || !dev || !(k = kind_get(&kinds, &n, name)) ||
                            asprintf(&mark, "/%s/", dev) < 0)
                                goto oom;
                        k->capacity = UINT64_MAX;
                        k->count_name = "devices";
                        if (strstr(seen, mark))
                                continue;
                        char *more = NULL;
                        if (asprintf(&more, "%s%s/", seen, dev) < 0)
                                goto oom;
                        free(seen);
                        seen = more;
                        k->count++;
                }
        }
        *ret = kinds;
        *n_ret = n;
        return 0;
oom:
        kinds_free(kinds, n);
        return -ENOMEM;
}

/* Appends "resctl.io/NAME[.SUFFIX]=VALUE", unless the name is too long or
 * the file would pass NFD's limit. */
static void nfd_line(FILE *f, size_t *size, const char *name, const char *suffix, const char *value) {
        char line[256];
        size_t name_len = strlen(name) + (suffix ? 1 + strlen(suffix) : 0);
        if (name_len > NFD_NAME_MAX) {
                hint("Leaving out %s%s%s: the label name would exceed %u characters.", name, suffix ? "." : "",
                     suffix ? suffix : "", NFD_NAME_MAX);
                return;
        }
        int n = snprintf(line, sizeof(line), NFD_PREFIX "%s%s%s=%s\n", name, suffix ? "." : "", suffix ? suffix : "",
                         value);
        if (n < 0 || (size_t) n >= sizeof(line))
                return;
        if (*size + (size_t) n > NFD_FILE_MAX) {
                hint("Leaving out %s: NFD reads at most %u bytes of a feature file.", name, NFD_FILE_MAX);
                return;
        }
        fputs(line, f);
        *size += (size_t) n;
}

int nfd_write(FILE *f, const Snapshot *s, uint64_t expiry) {
        Kind *kinds = NULL;
        size_t n = 0;
        int r = kinds_collect(s, &kinds, &n);
        if (r < 0)
                return r;

        char stamp[64];
        time_t t = (time_t) expiry;
        struct tm tm;
        if (!gmtime_r(&t, &tm) || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
                kinds_free(kinds, n);
                return -EINVAL;
        }
        size_t size = (size_t) fprintf(f,
                                       "# Written by \"resctl export --format=nfd\" (resctl(1)): the kinds of resources\n"
                                       "# resctld manages on this node. The labels expire unless rewritten.\n"
                                       "# +expiry-time=%s\n",
                                       stamp);
        for (size_t i = 0; i < n; i++) {
                Kind *k = &kinds[i];
                char v[FORMAT_VALUE_MAX];
                nfd_sanitize(k->name);
                nfd_line(f, &size, k->name, NULL, "true");
                if (k->count_name) {
                        snprintf(v, sizeof(v), "%u", k->count);
                        nfd_line(f, &size, k->name, k->count_name, v);
                }
                /* Gt and Lt compare integers: no "max" here. */
                if (k->capacity != UINT64_MAX && k->capacity <= INT64_MAX) {
                        snprintf(v, sizeof(v), "%" PRIu64, k->capacity);
                        nfd_line(f, &size, k->name, k->bytes ? "bytes" : "capacity", v);
                }
        }
        kinds_free(kinds, n);
        return 0;
}
