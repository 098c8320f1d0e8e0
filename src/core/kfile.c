/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The cgroup interface files of misc, rdma and dmem, byte for byte: what
 * each lists, where it exists, and how writes are parsed (kernel-semantics.md
 * 1.2-1.3, 2.2-2.3, 3.3-3.4, R1, R2, R12). */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "kparse.h"
#include "macro.h"
#include "pool.h"

typedef enum FileWhere {
        ON_ALL,
        ROOT_ONLY,
        NOT_ON_ROOT,
} FileWhere;

typedef enum FileId {
        MISC_CAPACITY,
        MISC_MAX,
        MISC_CURRENT,
        MISC_PEAK,
        MISC_EVENTS,
        MISC_EVENTS_LOCAL,
        RDMA_MAX,
        RDMA_CURRENT,
        DMEM_CAPACITY,
        DMEM_CURRENT,
        DMEM_PEAK,
        DMEM_MIN,
        DMEM_LOW,
        DMEM_MAX,
} FileId;

typedef struct FileDef {
        const char *name;
        FileId id;
        rc_controller controller;
        FileWhere where;
        bool writable;
} FileDef;

static const FileDef files[] = {
        { "misc.capacity", MISC_CAPACITY, RC_MISC, ROOT_ONLY, false },
        { "misc.max", MISC_MAX, RC_MISC, NOT_ON_ROOT, true },
        { "misc.current", MISC_CURRENT, RC_MISC, ON_ALL, false },
        { "misc.peak", MISC_PEAK, RC_MISC, ON_ALL, false },
        { "misc.events", MISC_EVENTS, RC_MISC, NOT_ON_ROOT, false },
        { "misc.events.local", MISC_EVENTS_LOCAL, RC_MISC, NOT_ON_ROOT, false },
        { "rdma.max", RDMA_MAX, RC_RDMA, NOT_ON_ROOT, true },
        { "rdma.current", RDMA_CURRENT, RC_RDMA, NOT_ON_ROOT, false },
        { "dmem.capacity", DMEM_CAPACITY, RC_DMEM, ROOT_ONLY, false },
        { "dmem.current", DMEM_CURRENT, RC_DMEM, ON_ALL, false },
        { "dmem.peak", DMEM_PEAK, RC_DMEM, NOT_ON_ROOT, false },
        { "dmem.min", DMEM_MIN, RC_DMEM, NOT_ON_ROOT, true },
        { "dmem.low", DMEM_LOW, RC_DMEM, NOT_ON_ROOT, true },
        { "dmem.max", DMEM_MAX, RC_DMEM, NOT_ON_ROOT, true },
};

/* The rc_pool field each file shows. */
#define V(field) offsetof(rc_pool, field)
static const size_t file_value[] = {
        [MISC_MAX] = V(max), [MISC_CURRENT] = V(usage), [MISC_PEAK] = V(peak),
        [MISC_EVENTS] = V(events), [MISC_EVENTS_LOCAL] = V(events_local), [RDMA_MAX] = V(max),
        [RDMA_CURRENT] = V(usage), [DMEM_CURRENT] = V(usage), [DMEM_PEAK] = V(peak),
        [DMEM_MIN] = V(min), [DMEM_LOW] = V(low), [DMEM_MAX] = V(max),
};
#undef V

static const FileDef *file_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                if (streq(files[i].name, name))
                        return &files[i];
        return NULL;
}

bool rc_file_is_known(const char *name) {
        return name && file_find(name);
}

static int file_lookup(rc_engine *e, const rc_group *g, const char *name, const FileDef **ret, rc_err *err) {
        const FileDef *f = name ? file_find(name) : NULL;
        if (!f)
                return rc_errf(err, ENOENT, "'%.64s' is not a misc, rdma or dmem interface file", name ? name : "");
        bool root = g == e->root;
        if (f->where == ROOT_ONLY && !root)
                return rc_errf(err, ENOENT, "%s exists only on %s", f->name, RC_ROOT_GROUP);
        if (f->where == NOT_ON_ROOT && root)
                return rc_errf(err, ENOENT, "%s does not exist on %s", f->name, RC_ROOT_GROUP);
        *ret = f;
        return 0;
}

/* A small growing buffer; files are a few lines per resource. */
typedef struct Buf {
        char *s;
        size_t len, cap;
        bool oom;
} Buf;

static void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(Buf *b, const char *fmt, ...) {
        if (b->oom)
                return;
        for (;;) {
                va_list ap;
                va_start(ap, fmt);
                int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->oom = true;
                        return;
                }
                if (b->s && b->len + (size_t) n < b->cap) {
                        b->len += (size_t) n;
                        return;
                }
                size_t cap = MAX(b->cap * 2, b->len + (size_t) n + 64);
                char *s = realloc(b->s, cap);
                if (!s) {
                        b->oom = true;
                        return;
                }
                b->s = s;
                b->cap = cap;
        }
}

static const rc_pool default_pools[_RC_CONTROLLER_MAX] = {
        [RC_MISC] = { .max = RC_MAX },
        [RC_DMEM] = { .max = RC_PCM },
        [RC_RDMA] = { .max = RC_S32_MAX },
};

static const rc_pool *pool_or_default(const rc_group *g, const rc_counter *c) {
        const rc_pool *p = g ? group_pool_get(g, c) : NULL;
        return p ? p : &default_pools[c->resource->controller];
}

static uint64_t pool_value(const rc_pool *p, const FileDef *f) {
        return *(const uint64_t *) ((const char *) p + file_value[f->id]);
}

/* One resource's line of a misc file. */
static void read_misc(const rc_resource *r, const rc_group *g, const FileDef *f, Buf *b) {
        const rc_pool *p = pool_or_default(g, &r->counters[0]);
        bool avail = r->capacity != 0;
        uint64_t v;
        switch (f->id) {
        case MISC_CAPACITY:
                if (avail)
                        buf_printf(b, "%s %" PRIu64 "\n", r->name, r->capacity);
                break;
        case MISC_MAX:
                if (!avail)
                        break;
                if (p->max == RC_MAX)
                        buf_printf(b, "%s max\n", r->name);
                else
                        buf_printf(b, "%s %" PRIu64 "\n", r->name, p->max);
                break;
        default:
                /* An unavailable resource shows only what it still holds. */
                v = pool_value(p, f);
                if (avail || v)
                        buf_printf(b, "%s%s %" PRIu64 "\n", r->name,
                                   f->id == MISC_EVENTS || f->id == MISC_EVENTS_LOCAL ? ".max" : "", v);
                break;
        }
}

static void rdma_value(Buf *b, uint64_t v) {
        if (v >= RC_S32_MAX)
                buf_printf(b, "max ");
        else
                buf_printf(b, "%" PRIu64 " ", v);
}

static void read_rdma(const rc_resource *r, const rc_group *g, const FileDef *f, Buf *b) {
        buf_printf(b, "%s ", r->name);
        for (unsigned k = 0; k < r->n_counters; k++) {
                const rc_pool *p = pool_or_default(g, &r->counters[k]);
                buf_printf(b, "%s=", rc_rdma_kind_to_string((rc_rdma_kind) k));
                rdma_value(b, pool_value(p, f));
        }
        buf_printf(b, "\n");
}

static void read_dmem(const rc_resource *r, const rc_group *g, const FileDef *f, Buf *b) {
        if (f->id == DMEM_CAPACITY) {
                buf_printf(b, "%s %" PRIu64 "\n", r->name, r->capacity);
                return;
        }
        uint64_t v = pool_value(pool_or_default(g, &r->counters[0]), f);
        if (v < RC_PCM)
                buf_printf(b, "%s %" PRIu64 "\n", r->name, v);
        else
                buf_printf(b, "%s max\n", r->name);
}

static void (*const read_line[_RC_CONTROLLER_MAX])(const rc_resource *r, const rc_group *g, const FileDef *f,
                                                   Buf *b) = {
        [RC_MISC] = read_misc,
        [RC_RDMA] = read_rdma,
        [RC_DMEM] = read_dmem,
};

int rc_file_read(rc_engine *e, rc_group *g, const char *name, char **ret, rc_err *err) {
        const FileDef *f;
        int r = file_lookup(e, g, name, &f, err);
        if (r < 0)
                return r;
        Buf b = {0};
        buf_printf(&b, "%s", "");
        /* One line per resource of the file's controller, in registration order. */
        list_for_each(l, &e->resources) {
                const rc_resource *res = list_entry(l, rc_resource, link);
                if (res->controller == f->controller)
                        read_line[f->controller](res, g, f, &b);
        }
        if (b.oom) {
                free(b.s);
                return rc_errf(err, ENOMEM, "out of memory");
        }
        *ret = b.s;
        return 0;
}

/* misc_cg_max_write(): one "name value" per write, single space only. */
static int write_misc_max(rc_engine *e, rc_group *g, char *buf, rc_err *err) {
        buf = rc_strstrip(buf);
        char *name = rc_strsep(&buf, " ");
        if (!buf)
                return rc_errf(err, EINVAL, "misc.max: expected \"<resource> <number|max>\"");
        rc_resource *res = rc_resource_find(e, RC_MISC, name);
        if (!res)
                return rc_errf(err, EINVAL, "misc.max: unknown misc resource '%.64s'", name);
        uint64_t max;
        if (streq(buf, "max"))
                max = RC_MAX;
        else {
                int r = rc_kstrtou64(buf, 0, &max);
                if (r == -ERANGE)
                        return rc_errf(err, ERANGE, "misc.max: %.64s does not fit in 64 bits", buf);
                if (r < 0)
                        return rc_errf(err, EINVAL, "misc.max: '%.64s' is not a number or \"max\"", buf);
        }
        if (res->capacity == 0)
                return rc_errf(err, EINVAL, "misc.max: %s is unavailable (capacity 0)", res->name);
        rc_pool *p = rc_group_pool(e, g, &res->counters[0]);
        if (!p)
                return rc_errf(err, ENOMEM, "out of memory");
        p->max = max;
        return 0;
}

/* parse_resource(): "hca_handle=N"; a match_int failure falls back to the
 * prefix test against "max" that the kernel does. */
static int rdma_parse_token(char *tok, int *kind, uint64_t *value, rc_err *err) {
        char *val = tok;
        char *name = rc_strsep(&val, "=");
        if (!val)
                return rc_errf(err, EINVAL, "rdma.max: expected hca_handle=N or hca_object=N, got '%.64s'", name);
        *kind = -1;
        for (int k = 0; k < _RC_RDMA_KIND_MAX; k++)
                if (streq(name, rc_rdma_kind_to_string((rc_rdma_kind) k)))
                        *kind = k;
        if (*kind < 0)
                return rc_errf(err, EINVAL, "rdma.max: unknown resource '%.64s': use hca_handle or hca_object", name);
        int n;
        if (rc_match_int(val, &n) == 0) {
                if (n < 0)
                        return rc_errf(err, EINVAL, "rdma.max: %s=%.32s is negative", name, val);
                *value = (uint64_t) n;
                return 0;
        }
        if (strncmp(val, "max", strlen(val)) == 0) {
                *value = RC_S32_MAX;
                return 0;
        }
        return rc_errf(err, EINVAL, "rdma.max: %s=%.32s is not a number up to 2147483647 or \"max\"", name, val);
}

/* rdmacg_resource_set_max(): every token parses before the device is
 * looked up; kinds not given keep their limit. */
static int write_rdma_max(rc_engine *e, rc_group *g, char *buf, rc_err *err) {
        char *options = rc_strstrip(buf);
        char *dev = rc_strsep(&options, " ");
        uint64_t limits[_RC_RDMA_KIND_MAX];
        bool given[_RC_RDMA_KIND_MAX] = {0};
        while (options) {
                char *tok = rc_strsep(&options, " ");
                int kind = -1;          /* gcc -O2 -Wmaybe-uninitialized */
                uint64_t v = 0;
                int r = rdma_parse_token(tok, &kind, &v, err);
                if (r < 0)
                        return r;
                limits[kind] = v;
                given[kind] = true;
        }
        rc_resource *res = rc_resource_find(e, RC_RDMA, dev);
        if (!res)
                return rc_errf(err, ENODEV, "rdma.max: rdma device '%.64s' is not registered", dev);
        for (unsigned k = 0; k < _RC_RDMA_KIND_MAX; k++) {
                if (!given[k])
                        continue;
                rc_pool *p = rc_group_pool(e, g, &res->counters[k]);
                if (!p)
                        return rc_errf(err, ENOMEM, "out of memory");
                p->max = limits[k];
        }
        return 0;
}

/* dmemcg_limit_write() (canonical, one line: R1) with R12 overflow. */
static int write_dmem_limit(rc_engine *e, rc_group *g, FileId id, const char *fname, char *buf, rc_err *err) {
        buf = rc_strstrip(buf);
        char *name = rc_strsep(&buf, " \t");
        if (!buf || !*name)
                return rc_errf(err, EINVAL, "%s: expected \"<region> <bytes|max>\"", fname);
        rc_resource *res = rc_resource_find(e, RC_DMEM, name);
        if (!res)
                return rc_errf(err, EINVAL, "%s: unknown dmem region '%.64s'", fname, name);
        uint64_t v;
        if (streq(buf, "max"))
                v = RC_PCM;
        else {
                int r = rc_memparse_strict(buf, &v);
                if (r == -ERANGE)
                        return rc_errf(err, ERANGE, "%s: '%.64s' does not fit in 64 bits", fname, buf);
                if (r < 0)
                        return rc_errf(err, EINVAL, "%s: '%.64s' is not a size (bytes with optional K/M/G/T/P/E) or \"max\"",
                                       fname, buf);
        }
        const rc_counter *c = &res->counters[0];
        rc_pool *p = rc_group_pool(e, g, c);
        if (!p)
                return rc_errf(err, ENOMEM, "out of memory");
        if (id == DMEM_MIN)
                rc_pool_set_min(e, g, c, v);
        else if (id == DMEM_LOW)
                rc_pool_set_low(e, g, c, v);
        else
                p->max = v;     /* R2: stored even below usage; the caller asks for eviction */
        return 0;
}

int rc_file_write(rc_engine *e, rc_group *g, const char *name, const char *text, rc_err *err) {
        const FileDef *f;
        int r = file_lookup(e, g, name, &f, err);
        if (r >= 0 && !f->writable)
                r = rc_errf(err, EACCES, "%s is read-only", f->name);
        if (r < 0) {
                /* the caller created g for this write: forget it again */
                if (g)
                        rc_group_gc(e, g);
                return r;
        }
        _cleanup_free_ char *buf = strdup(text ? text : "");
        if (!buf)
                return rc_errf(err, ENOMEM, "out of memory");
        switch (f->id) {
        case MISC_MAX:
                r = write_misc_max(e, g, buf, err);
                break;
        case RDMA_MAX:
                r = write_rdma_max(e, g, buf, err);
                break;
        default:
                r = write_dmem_limit(e, g, f->id, f->name, buf, err);
                break;
        }
        /* A write back to the defaults may leave the group holding nothing. */
        rc_group_gc(e, g);
        return r;
}
