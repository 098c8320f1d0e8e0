/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The [X-Resctl] section of unit files and drop-ins (api.md "Unit files"),
 * parsed with systemd's line syntax, and the drop-in text that
 * SetUnitProperties writes, in the shape "systemctl set-property" gives
 * its own drop-ins. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kparse.h"
#include "log.h"
#include "macro.h"
#include "unit-conf.h"

#define SECTION "X-Resctl"
#define WHITESPACE " \t\n\r"
#define COMMENTS "#;"

typedef struct PropertyInfo {
        const char *name;
        rc_controller controller;
        const char *file;
        uint64_t unset;                 /* the kernel's default, what a key goes back to */
        const char *example;
} PropertyInfo;

static const PropertyInfo properties[_UNIT_CONF_PROPERTY_MAX] = {
        [UNIT_CONF_MISC_MAX] = { "MiscMax", RC_MISC, "misc.max", UINT64_MAX, "MiscMax=sev:8" },
        [UNIT_CONF_DMEM_MIN] = { "DMemMin", RC_DMEM, "dmem.min", 0, "DMemMin=drm/0000:03:00.0/vram0:1G" },
        [UNIT_CONF_DMEM_LOW] = { "DMemLow", RC_DMEM, "dmem.low", 0, "DMemLow=drm/0000:03:00.0/vram0:1G" },
        [UNIT_CONF_DMEM_MAX] = { "DMemMax", RC_DMEM, "dmem.max", UINT64_MAX, "DMemMax=drm/0000:03:00.0/vram0:4G" },
        [UNIT_CONF_RDMA_MAX] = { "RdmaMax", RC_RDMA, "rdma.max", UINT64_MAX,
                                 "RdmaMax=mlx5_0 hca_handle=2 hca_object=2000" },
        [UNIT_CONF_SLICE] = { "Slice", _RC_CONTROLLER_MAX, NULL, 0, "Slice=tenant-a.slice" },
};

static bool property_is_list(UnitConfProperty p) {
        return p >= 0 && p < _UNIT_CONF_LIST_MAX;
}

const char *unit_conf_property_to_string(UnitConfProperty p) {
        return p >= 0 && p < _UNIT_CONF_PROPERTY_MAX ? properties[p].name : NULL;
}

UnitConfProperty unit_conf_property_from_string(const char *s) {
        if (s)
                for (int p = 0; p < _UNIT_CONF_PROPERTY_MAX; p++)
                        if (streq(s, properties[p].name))
                                return (UnitConfProperty) p;
        return _UNIT_CONF_PROPERTY_INVALID;
}

rc_controller unit_conf_property_controller(UnitConfProperty p) {
        return property_is_list(p) ? properties[p].controller : _RC_CONTROLLER_MAX;
}

const char *unit_conf_property_file(UnitConfProperty p) {
        return property_is_list(p) ? properties[p].file : NULL;
}

uint64_t unit_conf_property_default(UnitConfProperty p) {
        return property_is_list(p) ? properties[p].unset : UINT64_MAX;
}

static void list_done(UnitConfList *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->entries[i].name);
        free(l->entries);
        *l = (UnitConfList) { 0 };
}

void unit_conf_done(UnitConf *c) {
        if (!c)
                return;
        for (int p = 0; p < _UNIT_CONF_LIST_MAX; p++)
                list_done(&c->lists[p]);
        free(c->slice);
        c->slice = NULL;
}

void unit_conf_reset(UnitConf *c, UnitConfProperty p) {
        if (property_is_list(p))
                list_done(&c->lists[p]);
        else if (p == UNIT_CONF_SLICE) {
                free(c->slice);
                c->slice = NULL;
        }
}

int unit_conf_copy(UnitConf *dst, const UnitConf *src) {
        _cleanup_(unit_conf_donep) UnitConf n = { 0 };
        for (int p = 0; p < _UNIT_CONF_LIST_MAX; p++) {
                const UnitConfList *s = &src->lists[p];
                if (s->n == 0)
                        continue;
                n.lists[p].entries = calloc(s->n, sizeof(UnitConfEntry));
                if (!n.lists[p].entries)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n; i++) {
                        UnitConfEntry *e = &n.lists[p].entries[i];
                        *e = s->entries[i];
                        e->name = strdup(s->entries[i].name);
                        if (!e->name)
                                return -ENOMEM;
                        n.lists[p].n++;
                }
        }
        if (src->slice) {
                n.slice = strdup(src->slice);
                if (!n.slice)
                        return -ENOMEM;
        }
        *dst = n;
        n = (UnitConf) { 0 };
        return 0;
}

bool unit_conf_is_empty(const UnitConf *c) {
        for (int p = 0; p < _UNIT_CONF_LIST_MAX; p++)
                if (c->lists[p].n > 0)
                        return false;
        return !c->slice;
}

const UnitConfEntry *unit_conf_find(const UnitConf *c, UnitConfProperty p, const char *name) {
        if (!property_is_list(p))
                return NULL;
        const UnitConfList *l = &c->lists[p];
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->entries[i].name, name))
                        return &l->entries[i];
        return NULL;
}

int unit_conf_set(UnitConf *c, UnitConfProperty p, const char *name, rc_rdma_kind kind, uint64_t value) {
        return unit_conf_set_full(c, p, name, kind, value, false);
}

uint64_t unit_conf_entry_absolute(const UnitConfEntry *e, int k, uint64_t capacity) {
        return e->percent[k] ? rc_percent_of(capacity, e->value[k]) : e->value[k];
}

int unit_conf_set_full(UnitConf *c, UnitConfProperty p, const char *name, rc_rdma_kind kind, uint64_t value,
                       bool percent) {
        if (!property_is_list(p) || !name)
                return -EINVAL;
        unsigned slot = p == UNIT_CONF_RDMA_MAX ? (unsigned) kind : 0;
        if (slot >= _RC_RDMA_KIND_MAX)
                return -EINVAL;
        UnitConfList *l = &c->lists[p];
        UnitConfEntry *e = (UnitConfEntry *) unit_conf_find(c, p, name);
        if (!e) {
                _cleanup_free_ char *n = strdup(name);
                if (!n)
                        return -ENOMEM;
                UnitConfEntry *v = realloc(l->entries, (l->n + 1) * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                l->entries = v;
                e = &v[l->n++];
                *e = (UnitConfEntry) { .name = TAKE_PTR(n) };
        }
        e->value[slot] = value;
        e->set[slot] = true;
        e->percent[slot] = percent;
        return 0;
}

int unit_conf_set_slice(UnitConf *c, const char *slice) {
        char *s = NULL;
        if (slice) {
                s = strdup(slice);
                if (!s)
                        return -ENOMEM;
        }
        free(c->slice);
        c->slice = s;
        return 0;
}

int unit_conf_parse_key(UnitConfProperty p, const char *key, rc_key *ret, rc_err *err) {
        if (!property_is_list(p))
                return rc_errf(err, EINVAL, "%s takes no resource key", p == UNIT_CONF_SLICE ? "Slice" : "?");
        const char *prop = properties[p].name;
        if (isempty(key))
                return rc_errf(err, EINVAL, "%s: empty resource name (e.g. %s)", prop, properties[p].example);
        /* Settings name resources without their controller: reuse the
         * engine's key rules by putting it in front. */
        _cleanup_free_ char *full = NULL;
        if (asprintf(&full, "%s/%s", rc_controller_to_string(properties[p].controller), key) < 0)
                return rc_errf(err, ENOMEM, "out of memory");
        rc_err e = { { 0 } };
        int r = rc_key_parse(full, ret, &e);
        if (r < 0)
                return rc_errf(err, -r, "%s: %s", prop, e.msg);
        return 0;
}

int unit_conf_check_value(UnitConfProperty p, uint64_t value, rc_err *err) {
        /* The kernel's rdma limits are ints: S32_MAX itself means max. */
        if (p == UNIT_CONF_RDMA_MAX && value > RC_S32_MAX && value != UINT64_MAX)
                return rc_errf(err, ERANGE, "RdmaMax: %" PRIu64 " is too large: use at most %" PRIu64 " or max",
                               value, RC_S32_MAX);
        return 0;
}

static const char *value_to_string(uint64_t v, char buf[static 32]) {
        if (v == UINT64_MAX)
                return "max";
        snprintf(buf, 21, "%" PRIu64, v);
        return buf;
}

/* Counts and logs one skipped line. */
static void bad_line(unsigned *n_bad, const char *fn, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void bad_line(unsigned *n_bad, const char *fn, unsigned line, const char *fmt, ...) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        log_warning("%s:%u: %s", fn, line, msg);
        if (n_bad)
                (*n_bad)++;
}

static int parse_size_value(UnitConfProperty p, const char *s, uint64_t *ret, bool *ret_percent, char *why,
                            size_t why_size) {
        *ret_percent = false;
        if (strchr(s, '%')) {
                if (p == UNIT_CONF_RDMA_MAX) {
                        snprintf(why, why_size, "'%s': rdma devices have no capacity to take a percentage of", s);
                        return -EINVAL;
                }
                int r = rc_parse_percent(s, ret);
                if (r == -ERANGE)
                        snprintf(why, why_size, "'%s' is more than 100%%", s);
                else if (r < 0)
                        snprintf(why, why_size, "'%s' is not a percentage (e.g. 10%% or 12.5%%, at most 7 decimals)", s);
                else
                        *ret_percent = true;
                return r;
        }
        int r = rc_parse_size_unit(s, ret);
        if (r == -ERANGE) {
                snprintf(why, why_size, "'%s' does not fit in 64 bits", s);
                return r;
        }
        if (r < 0) {
                snprintf(why, why_size, "'%s' is not a number (optional K, M, G, T suffix) or max", s);
                return r;
        }
        r = unit_conf_check_value(p, *ret, NULL);
        if (r < 0) {
                snprintf(why, why_size, "'%s' is too large: use at most %" PRIu64 " or max", s, RC_S32_MAX);
                return r;
        }
        return 0;
}

int unit_conf_parse_value(UnitConfProperty p, const char *s, uint64_t *ret, bool *ret_percent, rc_err *err) {
        char why[300];
        if (!property_is_list(p))
                return rc_errf(err, EINVAL, "%s takes no value list", p == UNIT_CONF_SLICE ? "Slice" : "?");
        int r = parse_size_value(p, s, ret, ret_percent, why, sizeof(why));
        if (r < 0)
                return rc_errf(err, -r, "%s: %s", properties[p].name, why);
        return 0;
}

/* "KEY:VALUE" splits at the last ':', since dmem region names hold ':'
 * themselves; "KEY VALUE" (and "KEY: VALUE") too, as names hold no blanks. */
static bool split_key_value(char *s, char **ret_key, char **ret_value) {
        char *k = s, *v;
        size_t n = strcspn(s, WHITESPACE);
        if (s[n]) {
                s[n] = 0;
                v = s + n + 1;
                v += strspn(v, WHITESPACE);
                if (n > 0 && k[n - 1] == ':')
                        k[n - 1] = 0;
        } else {
                char *colon = strrchr(s, ':');
                if (!colon)
                        return false;
                *colon = 0;
                v = colon + 1;
        }
        if (!*k || !*v)
                return false;
        *ret_key = k;
        *ret_value = v;
        return true;
}

static int parse_list_entry(UnitConf *c, UnitConfProperty p, const char *orig, char *value, const char *fn,
                            unsigned line, unsigned *n_bad) {
        const char *prop = properties[p].name;
        char *k, *v, why[300];
        if (!split_key_value(value, &k, &v)) {
                bad_line(n_bad, fn, line, "%s=%s: expected RESOURCE:VALUE (e.g. %s), ignoring.", prop, orig,
                         properties[p].example);
                return 0;
        }
        rc_key key;
        rc_err err = { { 0 } };
        if (unit_conf_parse_key(p, k, &key, &err) < 0) {
                bad_line(n_bad, fn, line, "%s, ignoring.", err.msg);
                return 0;
        }
        uint64_t x;
        bool percent;
        if (parse_size_value(p, v, &x, &percent, why, sizeof(why)) < 0) {
                bad_line(n_bad, fn, line, "%s=%s: %s, ignoring.", prop, orig, why);
                return 0;
        }
        return unit_conf_set_full(c, p, key.name, 0, x, percent);
}

/* "mlx5_0 hca_handle=2 hca_object=max", the kernel's rdma.max line; all of
 * it must parse before any of it applies. */
static int parse_rdma_entry(UnitConf *c, const char *orig, char *value, const char *fn, unsigned line,
                            unsigned *n_bad) {
        char *dev = strsep(&value, WHITESPACE), why[300];
        uint64_t limits[_RC_RDMA_KIND_MAX] = { 0 };
        bool given[_RC_RDMA_KIND_MAX] = { false }, any = false;
        rc_key key;
        rc_err err = { { 0 } };
        if (unit_conf_parse_key(UNIT_CONF_RDMA_MAX, dev, &key, &err) < 0) {
                bad_line(n_bad, fn, line, "%s, ignoring.", err.msg);
                return 0;
        }
        if (key.kind >= 0) {
                bad_line(n_bad, fn, line,
                         "RdmaMax=%s: name the device alone, then its limits (e.g. %s), ignoring.", orig,
                         properties[UNIT_CONF_RDMA_MAX].example);
                return 0;
        }
        for (char *tok; (tok = strsep(&value, WHITESPACE));) {
                if (!*tok)
                        continue;       /* runs of blanks */
                char *eq = strchr(tok, '=');
                int kind = -1;
                if (eq) {
                        *eq = 0;
                        for (int i = 0; i < _RC_RDMA_KIND_MAX; i++)
                                if (streq(tok, rc_rdma_kind_to_string((rc_rdma_kind) i)))
                                        kind = i;
                }
                if (kind < 0) {
                        bad_line(n_bad, fn, line,
                                 "RdmaMax=%s: '%s' is not hca_handle=N or hca_object=N, ignoring.", orig, tok);
                        return 0;
                }
                bool percent;
                if (parse_size_value(UNIT_CONF_RDMA_MAX, eq + 1, &limits[kind], &percent, why, sizeof(why)) < 0) {
                        bad_line(n_bad, fn, line, "RdmaMax=%s: %s: %s, ignoring.", orig, tok, why);
                        return 0;
                }
                given[kind] = any = true;
        }
        if (!any) {
                bad_line(n_bad, fn, line, "RdmaMax=%s: no limit given (e.g. %s), ignoring.", orig,
                         properties[UNIT_CONF_RDMA_MAX].example);
                return 0;
        }
        for (int i = 0; i < _RC_RDMA_KIND_MAX; i++)
                if (given[i]) {
                        int r = unit_conf_set(c, UNIT_CONF_RDMA_MAX, key.name, (rc_rdma_kind) i, limits[i]);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int parse_assignment(UnitConf *c, const char *k, char *value, const char *fn, unsigned line, unsigned *n_bad) {
        UnitConfProperty p = unit_conf_property_from_string(k);
        if (p < 0) {
                bad_line(n_bad, fn, line,
                         "Unknown setting '%s' in [" SECTION "] (known: MiscMax, DMemMin, DMemLow, DMemMax, "
                         "RdmaMax, Slice), ignoring.",
                         k);
                return 0;
        }
        /* An empty assignment resets what earlier lines and files set. */
        if (!*value) {
                unit_conf_reset(c, p);
                return 0;
        }
        if (p == UNIT_CONF_SLICE) {
                if (!rc_slice_name_is_valid(value)) {
                        bad_line(n_bad, fn, line, "Slice=%s: not a valid slice name (e.g. %s), ignoring.", value,
                                 properties[p].example);
                        return 0;
                }
                return unit_conf_set_slice(c, value);
        }
        _cleanup_free_ char *orig = strdup(value);     /* for messages: parsing cuts value up */
        if (!orig)
                return -ENOMEM;
        if (p == UNIT_CONF_RDMA_MAX)
                return parse_rdma_entry(c, orig, value, fn, line, n_bad);
        return parse_list_entry(c, p, orig, value, fn, line, n_bad);
}

/* One logical line (continuations joined), systemd's parse_line(). */
static int parse_line(UnitConf *c, char *l, bool *in_section, const char *fn, unsigned line, unsigned *n_bad) {
        l = rc_strstrip(l);
        if (!*l || strchr(COMMENTS, *l))
                return 0;
        if (*l == '[') {
                size_t n = strlen(l);
                if (l[n - 1] != ']') {
                        /* systemd rejects the whole file here; whatever the
                         * section was, its lines are not ours to guess. */
                        *in_section = false;
                        bad_line(n_bad, fn, line, "Invalid section header '%s', ignoring lines up to the next one.", l);
                        return 0;
                }
                l[n - 1] = 0;
                *in_section = streq(l + 1, SECTION);
                return 0;
        }
        /* Other sections are systemd's, which ignores ours in turn. */
        if (!*in_section)
                return 0;
        char *eq = strchr(l, '=');
        if (!eq) {
                bad_line(n_bad, fn, line, "Missing '=' in '%s' (e.g. %s), ignoring.", l,
                         properties[UNIT_CONF_MISC_MAX].example);
                return 0;
        }
        *eq = 0;
        char *k = rc_strstrip(l), *v = rc_strstrip(eq + 1);
        if (!*k) {
                bad_line(n_bad, fn, line, "Missing setting name before '=', ignoring.");
                return 0;
        }
        return parse_assignment(c, k, v, fn, line, n_bad);
}

static bool ends_escaped(const char *s) {
        bool escaped = false;
        for (; *s; s++)
                escaped = escaped ? false : *s == '\\';
        return escaped;
}

int unit_conf_parse(UnitConf *c, const char *text, const char *filename, unsigned *n_bad) {
        _cleanup_free_ char *buf = strdup(text ? text : "");
        if (!buf)
                return -ENOMEM;
        const char *fn = filename ? filename : "(unit file)";
        _cleanup_free_ char *continuation = NULL;
        unsigned line = 0, first_line = 0;
        bool in_section = false;

        for (char *p = buf; p;) {
                char *l = strsep(&p, "\n");
                if (++line == 1 && strneq(l, "\xef\xbb\xbf", 3))
                        l += 3;         /* a UTF-8 byte order mark, as systemd skips it */
                /* A comment line ends nothing and continues nothing, also
                 * inside a continuation (systemd's config_parse()). */
                const char *t = l + strspn(l, WHITESPACE);
                if (*t && strchr(COMMENTS, *t))
                        continue;
                char *joined = l;
                if (continuation) {
                        size_t a = strlen(continuation), b = strlen(l);
                        char *n = realloc(continuation, a + b + 1);
                        if (!n)
                                return -ENOMEM;
                        memcpy(n + a, l, b + 1);
                        continuation = n;
                        joined = continuation;
                } else
                        first_line = line;
                if (ends_escaped(joined)) {
                        /* A trailing backslash joins the next line, as a blank. */
                        joined[strlen(joined) - 1] = ' ';
                        if (!continuation) {
                                continuation = strdup(joined);
                                if (!continuation)
                                        return -ENOMEM;
                        }
                        if (p)
                                continue;
                }
                int r = parse_line(c, joined, &in_section, fn, first_line, n_bad);
                free(continuation);
                continuation = NULL;
                if (r < 0)
                        return r;
        }
        return 0;
}

char *unit_conf_format_dropin(const UnitConf *c, const char *property) {
        UnitConfProperty p = unit_conf_property_from_string(property);
        if (p < 0)
                return NULL;
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return NULL;
        fputs("# This is a drop-in unit file extension, created via \"resctl set-property\".\n"
              "# Do not edit.\n"
              "[" SECTION "]\n",
              f);
        const char *name = properties[p].name;
        char buf[32];
        if (p == UNIT_CONF_SLICE)
                fprintf(f, "%s=%s\n", name, c->slice ? c->slice : "");
        else {
                /* The reset line first: the drop-in says the whole list. */
                fprintf(f, "%s=\n", name);
                const UnitConfList *l = &c->lists[p];
                for (size_t i = 0; i < l->n; i++) {
                        const UnitConfEntry *e = &l->entries[i];
                        if (p != UNIT_CONF_RDMA_MAX) {
                                fprintf(f, "%s=%s:%s\n", name, e->name,
                                        e->percent[0] ? rc_percent_format(e->value[0], buf)
                                                      : value_to_string(e->value[0], buf));
                                continue;
                        }
                        fprintf(f, "%s=%s", name, e->name);
                        for (int k = 0; k < _RC_RDMA_KIND_MAX; k++)
                                if (e->set[k])
                                        fprintf(f, " %s=%s", rc_rdma_kind_to_string((rc_rdma_kind) k),
                                                value_to_string(e->value[k], buf));
                        fputc('\n', f);
                }
        }
        bool failed = ferror(f);
        if (fclose(f) != 0 || failed) {
                free(text);
                return NULL;
        }
        return text;
}
