/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Kernel-format files (src/core/kfile.c) and the number parsers behind them
 * (src/core/kparse.c), against the fixtures of kernel-semantics.md §6.
 *
 * Input: segments separated by NUL bytes. The first byte of a segment says
 * what the rest is:
 *   'M' misc.max   'R' rdma.max   'n' dmem.min   'l' dmem.low   'x' dmem.max
 *       text written to the group c.service (in p.slice), or to p.slice
 *       when the byte after the letter is '^' (skipped);
 *   'K' kstrtou64 (next byte: '0' '8' 'a' (10) 'h' (16) base, then text)
 *   'I' match_int  'P' memparse_strict  'U' parse_size_unit
 *   any other byte: its value modulo 9 picks one of the above.
 *
 * Checked, beyond memory safety:
 *   - a failed write changes no file of any group;
 *   - a successful write's file reads back as lines that, written one by
 *     one into a fresh engine's group, give exactly the same file;
 *   - every number a parser accepts, printed in its canonical form, parses
 *     back to the same value. */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>

#include "engine.h"
#include "fuzz.h"
#include "kparse.h"
#include "macro.h"

static const char *const writable[] = { "misc.max", "rdma.max", "dmem.min", "dmem.low", "dmem.max" };

static const char *const all_files[] = {
        "misc.capacity", "misc.max", "misc.current", "misc.peak", "misc.events", "misc.events.local",
        "rdma.max", "rdma.current", "dmem.capacity", "dmem.current", "dmem.peak", "dmem.min", "dmem.low", "dmem.max",
};

#define V "drm/0000:03:00.0/vram0"
#define S "drm/0000:03:00.0/stolen"

/* §6 common fixtures: misc res_a (10) and res_b (0), rdma mlx5_0 then
 * mlx4_0, dmem V then S; the tree root -> p.slice -> c.service. */
static rc_engine *fixture(rc_group **ret_p, rc_group **ret_c) {
        static const struct {
                const char *key;
                uint64_t capacity;
        } res[] = {
                { "misc/res_a", 10 },         { "misc/res_b", 0 },        { "rdma/mlx5_0", RC_MAX },
                { "rdma/mlx4_0", RC_MAX },    { "dmem/" V, 8514437120 },  { "dmem/" S, 67108864 },
        };
        rc_engine *e = rc_engine_new();
        FUZZ_ASSERT(e, "out of memory");
        for (size_t i = 0; i < ELEMENTSOF(res); i++) {
                rc_resource *r;
                FUZZ_ASSERT(rc_resource_register(e, res[i].key, res[i].capacity, &r, NULL, NULL) == 0, "%s", res[i].key);
        }
        rc_group *p, *c;
        FUZZ_ASSERT(rc_group_get(e, "p.slice", NULL, &p, NULL) == 0, "p.slice");
        FUZZ_ASSERT(rc_group_get(e, "c.service", "p.slice", &c, NULL) == 0, "c.service");
        /* pinned like live units: never collected under the test */
        rc_group_pin(e, p, true);
        rc_group_pin(e, c, true);
        *ret_p = p;
        *ret_c = c;
        return e;
}

/* Every file of every group, one string. */
static char *snapshot(rc_engine *e) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        FUZZ_ASSERT(f, "out of memory");
        const char *groups[] = { RC_ROOT_GROUP, "p.slice", "c.service" };
        for (size_t i = 0; i < ELEMENTSOF(groups); i++) {
                rc_group *g = rc_group_find(e, groups[i]);
                FUZZ_ASSERT(g, "group %s vanished", groups[i]);
                for (size_t k = 0; k < ELEMENTSOF(all_files); k++) {
                        char *s = NULL;
                        if (rc_file_read(e, g, all_files[k], &s, NULL) < 0)
                                continue;
                        fprintf(f, "%s/%s:\n%s", groups[i], all_files[k], s);
                        free(s);
                }
        }
        FUZZ_ASSERT(fclose(f) == 0, "out of memory");
        return text;
}

static char *read_file(rc_engine *e, rc_group *g, const char *file) {
        char *s = NULL;
        rc_err err;
        FUZZ_ASSERT(rc_file_read(e, g, file, &s, &err) == 0, "%s/%s: %s", g->name, file, err.msg);
        return s;
}

/* What a file shows must be writable back, line by line, and show the same. */
static void check_readback(const char *group, const char *file, const char *shown) {
        rc_group *p, *c;
        rc_engine *e = fixture(&p, &c);
        rc_group *g = streq(group, "p.slice") ? p : c;
        char *copy = strdup(shown);
        FUZZ_ASSERT(copy, "out of memory");
        for (char *s = copy, *line; (line = rc_strsep(&s, "\n"));) {
                if (!*line)
                        continue;
                rc_err err = { { 0 } };
                FUZZ_ASSERT(rc_file_write(e, g, file, line, &err) == 0, "%s: shown line '%s' written back: %s", file,
                            line, err.msg);
        }
        free(copy);
        char *again = read_file(e, g, file);
        FUZZ_ASSERT(streq(again, shown), "%s written back reads\n%s\ninstead of\n%s", file, again, shown);
        free(again);
        rc_engine_free(e);
}

/* ---- reference parsers: the spec's rules (kernel-semantics.md §0, §1.3,
 * §3.4, R12; api.md "Unit files") written over glibc's strtoull(), which is
 * given only a string that starts with a digit of the base, so that its own
 * extras (blanks, signs, a second "0x") never come into play. ---- */

static bool ref_digit(char c, unsigned base) {
        unsigned d = c >= '0' && c <= '9' ? (unsigned) (c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned) (c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned) (c - 'A' + 10)
                                          : 99;
        return d < base;
}

/* _parse_integer_fixup_radix(); returns where the digits start. */
static const char *ref_radix(const char *p, unsigned *base) {
        bool x = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
        if (*base == 0)
                *base = x && ref_digit(p[2], 16) ? 16 : p[0] == '0' ? 8 : 10;
        return *base == 16 && x ? p + 2 : p;
}

/* The digits at p in base: 0 none, 1 a value, -ERANGE too large; *end after them. */
static int ref_digits(const char *p, unsigned base, uint64_t *v, const char **end) {
        *v = 0;
        *end = p;
        if (!ref_digit(p[0], base))
                return 0;
        if (base == 16 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                *end = p + 1;           /* the kernel reads "0" and stops at the 'x' */
                return 1;
        }
        char *e;
        errno = 0;
        unsigned long long u = strtoull(p, &e, (int) base);
        *end = e;
        if (errno == ERANGE)
                return -ERANGE;
        *v = u;
        return 1;
}

static int ref_kstrtou64(const char *s, unsigned base, uint64_t *ret) {
        if (*s == '+')
                s++;
        const char *end, *digits = ref_radix(s, &base);
        int r = ref_digits(digits, base, ret, &end);
        if (r < 0)
                return r;
        if (r == 0)
                return -EINVAL;
        if (*end == '\n')
                end++;
        return *end ? -EINVAL : 0;
}

static int ref_shift(char c) {
        const char *suffixes = "KkMmGgTtPpEe", *p = c ? strchr(suffixes, c) : NULL;
        return p ? 10 * (int) ((p - suffixes) / 2 + 1) : -1;
}

static int ref_memparse(const char *s, uint64_t *ret) {
        if (!*s)
                return -EINVAL;
        unsigned base = 0;
        const char *end, *digits = ref_radix(s, &base);
        uint64_t v;
        int r = ref_digits(digits, base, &v, &end);
        int shift = ref_shift(*end);
        if (shift > 0)
                end++;
        if (*end)
                return -EINVAL;
        if (r < 0 || (shift > 0 && v > (UINT64_MAX >> shift)))
                return -ERANGE;
        *ret = shift > 0 ? v << shift : v;
        return 0;
}

static int ref_size_unit(const char *s, uint64_t *ret) {
        if (streq(s, "max") || streq(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }
        const char *end;
        uint64_t v;
        int r = ref_digits(s, 10, &v, &end);
        if (r == 0)
                return -EINVAL;
        int shift = 0;
        if (*end) {
                shift = ref_shift(*end);
                if (shift < 0 || shift > 40 || end[1])
                        return -EINVAL;
        }
        if (r < 0 || (shift > 0 && v > (UINT64_MAX >> shift)))
                return -ERANGE;
        *ret = v << shift;
        return 0;
}

/* The engine's parser and the reference agree on the result and the value. */
static void check_ref(const char *what, const char *s, int r, uint64_t v, int ref_r, uint64_t ref_v) {
        FUZZ_ASSERT(r == ref_r, "%s('%s'): %d, the spec says %d", what, s, r, ref_r);
        FUZZ_ASSERT(r < 0 || v == ref_v, "%s('%s') = %" PRIu64 ", the spec says %" PRIu64, what, s, v, ref_v);
}

/* ---- a model of each write, step by step as kernel-semantics.md §1.3,
 * §2.3 and §3.4 (with R1, R12) give it, over the reference parsers ---- */

static bool ref_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static char *ref_strstrip(char *s) {
        size_t n = strlen(s);
        while (n > 0 && ref_space(s[n - 1]))
                s[--n] = 0;
        while (ref_space(*s))
                s++;
        return s;
}

/* simple_strtol(s, base 0) with match_int()'s checks: 0 or -EINVAL/-ERANGE. */
static int ref_match_int(const char *s, int64_t *ret) {
        const char *p = s;
        bool neg = *p == '-';
        if (neg)
                p++;
        unsigned base = 0;
        p = ref_radix(p, &base);
        uint64_t v = 0;
        const char *q = p;
        for (; ref_digit(*q, base); q++) {
                unsigned d = *q <= '9' ? (unsigned) (*q - '0') : (unsigned) ((*q | 0x20) - 'a' + 10);
                v = v * base + d;       /* wraps, as the kernel's */
        }
        if (q == s)
                return -EINVAL;         /* nothing consumed ("-" alone counts) */
        if (neg)
                v = -v;
        int64_t x = v <= (uint64_t) INT64_MAX ? (int64_t) v : -(int64_t) (UINT64_MAX - v) - 1;
        if (x < INT32_MIN || x > INT32_MAX)
                return -ERANGE;
        *ret = x;
        return 0;
}

typedef struct Expect {
        int error;                      /* 0 or -errno */
        const rc_counter *counter[_RC_RDMA_KIND_MAX];
        uint64_t value[_RC_RDMA_KIND_MAX];
} Expect;

static rc_resource *model_find(rc_engine *e, rc_controller c, const char *name) {
        list_for_each(l, &e->resources) {
                rc_resource *r = list_entry(l, rc_resource, link);
                if (r->controller == c && streq(r->name, name))
                        return r;
        }
        return NULL;
}

static Expect model_misc(rc_engine *e, char *buf) {
        char *p = ref_strstrip(buf), *sp = strchr(p, ' ');
        if (!sp)
                return (Expect) { .error = -EINVAL };
        *sp = 0;
        const char *value = sp + 1;
        rc_resource *r = model_find(e, RC_MISC, p);
        if (!r)
                return (Expect) { .error = -EINVAL };
        uint64_t v = RC_MAX;
        if (!streq(value, "max")) {
                int k = ref_kstrtou64(value, 0, &v);
                if (k < 0)
                        return (Expect) { .error = k };
        }
        if (r->capacity == 0)
                return (Expect) { .error = -EINVAL };
        return (Expect) { .counter = { &r->counters[0] }, .value = { v } };
}

static Expect model_dmem(rc_engine *e, char *buf) {
        char *p = ref_strstrip(buf);
        size_t n = strcspn(p, " \t");
        if (!p[n] || n == 0)
                return (Expect) { .error = -EINVAL };
        p[n] = 0;
        const char *value = p + n + 1;
        rc_resource *r = model_find(e, RC_DMEM, p);
        if (!r)
                return (Expect) { .error = -EINVAL };
        uint64_t v = RC_PCM;
        if (!streq(value, "max")) {
                int k = ref_memparse(value, &v);
                if (k < 0)
                        return (Expect) { .error = k };
        }
        return (Expect) { .counter = { &r->counters[0] }, .value = { v } };
}

static Expect model_rdma(rc_engine *e, char *buf) {
        char *p = ref_strstrip(buf), *sp = strchr(p, ' ');
        uint64_t limits[_RC_RDMA_KIND_MAX];
        bool given[_RC_RDMA_KIND_MAX] = { false };
        if (sp) {
                *sp = 0;
                for (char *tok = sp + 1, *next; tok; tok = next) {
                        next = strchr(tok, ' ');
                        if (next)
                                *next++ = 0;
                        char *eq = strchr(tok, '=');
                        if (!eq)
                                return (Expect) { .error = -EINVAL };
                        *eq = 0;
                        int kind = streq(tok, "hca_handle") ? 0 : streq(tok, "hca_object") ? 1 : -1;
                        if (kind < 0)
                                return (Expect) { .error = -EINVAL };
                        const char *value = eq + 1;
                        int64_t x;
                        if (ref_match_int(value, &x) == 0) {
                                if (x < 0)
                                        return (Expect) { .error = -EINVAL };
                                limits[kind] = (uint64_t) x;
                        } else if (strncmp(value, "max", strlen(value)) == 0)
                                limits[kind] = RC_S32_MAX;
                        else
                                return (Expect) { .error = -EINVAL };
                        given[kind] = true;
                }
        }
        rc_resource *r = model_find(e, RC_RDMA, p);
        if (!r)
                return (Expect) { .error = -ENODEV };
        Expect x = { 0 };
        for (int k = 0; k < _RC_RDMA_KIND_MAX; k++)
                if (given[k]) {
                        x.counter[k] = &r->counters[k];
                        x.value[k] = limits[k];
                }
        return x;
}

static uint64_t pool_field(const rc_group *g, const rc_counter *c, const char *file) {
        const rc_pool *p = rc_group_pool_peek(g, c);
        if (streq(file, "dmem.min"))
                return p ? p->min : 0;
        if (streq(file, "dmem.low"))
                return p ? p->low : 0;
        return p ? p->max : rc_pool_default_max(c);
}

static Expect model_write(rc_engine *e, const char *file, const char *text) {
        char *buf = strdup(text);
        FUZZ_ASSERT(buf, "out of memory");
        Expect x = streq(file, "misc.max") ? model_misc(e, buf) : streq(file, "rdma.max") ? model_rdma(e, buf) : model_dmem(e, buf);
        free(buf);
        return x;
}

/* The errors a write may give (kernel-semantics.md §1.3, §2.3, §3.4). */
static bool write_error_ok(int r) {
        return r == -EINVAL || r == -ERANGE || r == -ENODEV || r == -ENOMEM;
}

static void check_write(rc_engine *e, const char *group, const char *file, const char *text) {
        char *before = snapshot(e);
        rc_group *g = rc_group_find(e, group);
        FUZZ_ASSERT(g, "%s", group);
        Expect x = model_write(e, file, text);
        rc_err err = { { 0 } };
        int r = rc_file_write(e, g, file, text, &err);
        FUZZ_ASSERT(r <= 0, "write returned %d", r);
        FUZZ_ASSERT(r == x.error, "%s <- '%s': %d (%s), the spec says %d", file, text, r, err.msg, x.error);
        for (int k = 0; r == 0 && k < _RC_RDMA_KIND_MAX; k++)
                if (x.counter[k])
                        FUZZ_ASSERT(pool_field(g, x.counter[k], file) == x.value[k],
                                    "%s <- '%s': %s is %" PRIu64 ", the spec says %" PRIu64, file, text,
                                    x.counter[k]->key, pool_field(g, x.counter[k], file), x.value[k]);
        if (r < 0) {
                FUZZ_ASSERT(write_error_ok(r), "%s: unexpected error %d (%s)", file, r, err.msg);
                FUZZ_ASSERT(err.msg[0], "%s: error %d without a message", file, r);
                char *after = snapshot(e);
                FUZZ_ASSERT(streq(before, after), "a failed write of %s changed the files:\n%s\n---\n%s", file, before,
                            after);
                free(after);
        } else {
                char *shown = read_file(e, g, file);
                check_readback(group, file, shown);
                free(shown);
        }
        free(before);
}

/* Parses the canonical form s with parse(); it must be accepted. */
#define REPARSE(what, call, s)                                                          \
        do {                                                                            \
                int _r = (call);                                                        \
                FUZZ_ASSERT(_r == 0, "%s: canonical '%s' refused (%d)", what, s, _r);   \
        } while (0)

static void check_numbers(char kind, const char *s) {
        char buf[64];
        uint64_t v, w = 0;
        int n, m = 0, r;

        switch (kind) {
        case 'K': {
                unsigned base = 10;
                switch (*s) {
                case '0': base = 0; break;
                case '8': base = 8; break;
                case 'h': base = 16; break;
                default: break;
                }
                if (*s)
                        s++;
                r = rc_kstrtou64(s, base, &v);
                FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "kstrtou64: %d", r);
                m = ref_kstrtou64(s, base, &w);
                check_ref("kstrtou64", s, r, v, m, w);
                if (r < 0)
                        return;
                snprintf(buf, sizeof(buf), base == 16 ? "%" PRIx64 : base == 8 ? "%" PRIo64 : "%" PRIu64, v);
                REPARSE("kstrtou64", rc_kstrtou64(buf, base, &w), buf);
                FUZZ_ASSERT(v == w, "kstrtou64('%s', %u) = %" PRIu64 ", its canonical form '%s' = %" PRIu64, s, base, v,
                            buf, w);
                /* a trailing newline is allowed, once */
                snprintf(buf, sizeof(buf), "%" PRIu64 "\n", v);
                REPARSE("kstrtou64", rc_kstrtou64(buf, 10, &w), buf);
                FUZZ_ASSERT(v == w, "'%" PRIu64 "\\n' read as %" PRIu64, v, w);
                break;
        }
        case 'I':
                r = rc_match_int(s, &n);
                FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "match_int: %d", r);
                if (r < 0)
                        return;
                snprintf(buf, sizeof(buf), "%d", n);
                FUZZ_ASSERT(rc_match_int(buf, &m) == 0 && m == n, "match_int('%s') = %d, but '%s' = %d", s, n, buf, m);
                break;
        case 'P':
                r = rc_memparse_strict(s, &v);
                FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "memparse: %d", r);
                m = ref_memparse(s, &w);
                check_ref("memparse_strict", s, r, v, m, w);
                if (r < 0)
                        return;
                snprintf(buf, sizeof(buf), "%" PRIu64, v);
                REPARSE("memparse", rc_memparse_strict(buf, &w), buf);
                FUZZ_ASSERT(v == w, "memparse('%s') = %" PRIu64 ", but '%s' = %" PRIu64, s, v, buf, w);
                if (v % 1024 == 0) {
                        snprintf(buf, sizeof(buf), "%" PRIu64 "K", v / 1024);
                        REPARSE("memparse", rc_memparse_strict(buf, &w), buf);
                        FUZZ_ASSERT(v == w, "memparse('%s') = %" PRIu64 ", but '%s' = %" PRIu64, s, v, buf, w);
                }
                break;
        default:
                r = rc_parse_size_unit(s, &v);
                FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE, "parse_size_unit: %d", r);
                m = ref_size_unit(s, &w);
                check_ref("parse_size_unit", s, r, v, m, w);
                if (r < 0)
                        return;
                if (v == UINT64_MAX)
                        snprintf(buf, sizeof(buf), "max");
                else
                        snprintf(buf, sizeof(buf), "%" PRIu64, v);
                REPARSE("parse_size_unit", rc_parse_size_unit(buf, &w), buf);
                FUZZ_ASSERT(v == w || (v == UINT64_MAX && w == UINT64_MAX),
                            "parse_size_unit('%s') = %" PRIu64 ", but '%s' = %" PRIu64, s, v, buf, w);
                break;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char kinds[] = "MRnlxKIPU";
        if (size > 4096)
                return 0;       /* files are a few lines; longer inputs find nothing new */
        char *buf = malloc(size + 1);
        FUZZ_ASSERT(buf, "out of memory");
        if (size)
                memcpy(buf, data, size);
        buf[size] = 0;

        rc_group *p, *c;
        rc_engine *e = fixture(&p, &c);
        for (size_t off = 0; off < size;) {
                char *seg = buf + off;
                size_t len = strlen(seg);
                off += len + 1;
                if (len == 0)
                        continue;
                char kind = strchr(kinds, seg[0]) ? seg[0] : kinds[(unsigned char) seg[0] % (sizeof(kinds) - 1)];
                const char *text = seg + 1;
                const char *file = NULL;
                switch (kind) {
                case 'M': file = writable[0]; break;
                case 'R': file = writable[1]; break;
                case 'n': file = writable[2]; break;
                case 'l': file = writable[3]; break;
                case 'x': file = writable[4]; break;
                default: break;
                }
                if (!file) {
                        check_numbers(kind, text);
                        continue;
                }
                const char *group = "c.service";
                if (*text == '^') {
                        group = "p.slice";
                        text++;
                }
                check_write(e, group, file, text);
        }
        rc_engine_free(e);
        free(buf);
        return 0;
}
