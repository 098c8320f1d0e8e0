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

/* The errors a write may give (kernel-semantics.md §1.3, §2.3, §3.4). */
static bool write_error_ok(int r) {
        return r == -EINVAL || r == -ERANGE || r == -ENODEV || r == -ENOMEM;
}

static void check_write(rc_engine *e, const char *group, const char *file, const char *text) {
        char *before = snapshot(e);
        rc_group *g = rc_group_find(e, group);
        FUZZ_ASSERT(g, "%s", group);
        rc_err err = { { 0 } };
        int r = rc_file_write(e, g, file, text, &err);
        FUZZ_ASSERT(r <= 0, "write returned %d", r);
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
