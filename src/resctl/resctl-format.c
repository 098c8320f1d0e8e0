/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Output: colours (only on a terminal), sizes as systemd prints them,
 * aligned tables with an optional legend, and JSON. */

#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <libsmartcols.h>

#include "kparse.h"
#include "macro.h"
#include "resctl.h"

/* ---- colours ---- */

static bool env_allows_colors(void) {
        const char *e = getenv("NO_COLOR");
        if (e)
                return false;
        e = getenv("SYSTEMD_COLORS");
        if (e && (streq(e, "0") || streq(e, "no") || streq(e, "false") || streq(e, "off")))
                return false;
        e = getenv("TERM");
        return !e || !streq(e, "dumb");
}

bool colors_enabled(void) {
        static int cached = -1;
        if (cached < 0)
                cached = isatty(STDOUT_FILENO) && env_allows_colors();
        return cached;
}

bool colors_enabled_stderr(void) {
        static int cached = -1;
        if (cached < 0)
                cached = isatty(STDERR_FILENO) && env_allows_colors();
        return cached;
}

#define ANSI(name, seq)                                       \
        const char *ansi_##name(void) {                       \
                return colors_enabled() ? (seq) : "";         \
        }
ANSI(bold, "\x1B[0;1;39m")
ANSI(underline, "\x1B[0;4m")
ANSI(green, "\x1B[0;1;32m")
ANSI(red, "\x1B[0;1;31m")
ANSI(grey, "\x1B[0;38;5;245m")
ANSI(normal, "\x1B[0m")

bool utf8_enabled(void) {
        static int cached = -1;
        if (cached < 0) {
                const char *cs = nl_langinfo(CODESET);
                cached = cs && (streq(cs, "UTF-8") || streq(cs, "utf8"));
        }
        return cached;
}

uint64_t now_monotonic_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* ---- numbers ---- */

bool key_counts_bytes(const char *key) {
        return key && strneq(key, "dmem/", 5);
}

const char *format_raw(char buf[static FORMAT_VALUE_MAX], uint64_t v) {
        if (v == UINT64_MAX)
                return "max";
        snprintf(buf, FORMAT_VALUE_MAX, "%" PRIu64, v);
        return buf;
}

/* systemd's format_bytes(): base 1024, one digit below the point. An exact
 * multiple is printed without it ("4G", as unit files write it). */
const char *format_bytes(char buf[static FORMAT_VALUE_MAX], uint64_t v) {
        static const char suffixes[] = "KMGTPE";
        if (v == UINT64_MAX)
                return "max";
        int i = -1;
        for (int k = 5; k >= 0; k--)
                if (v >> (10 * (k + 1))) {
                        i = k;
                        break;
                }
        if (i < 0) {
                snprintf(buf, FORMAT_VALUE_MAX, "%" PRIu64 "B", v);
                return buf;
        }
        unsigned shift = 10 * (unsigned) (i + 1);
        uint64_t whole = v >> shift, rest = v & ((UINT64_C(1) << shift) - 1);
        if (rest == 0)
                snprintf(buf, FORMAT_VALUE_MAX, "%" PRIu64 "%c", whole, suffixes[i]);
        else
                snprintf(buf, FORMAT_VALUE_MAX, "%" PRIu64 ".%" PRIu64 "%c", whole,
                         ((rest >> (shift - 10)) * 10 / 1024) % 10, suffixes[i]);
        return buf;
}

const char *format_amount(char buf[static FORMAT_VALUE_MAX], const char *key, uint64_t v) {
        return key_counts_bytes(key) ? format_bytes(buf, v) : format_raw(buf, v);
}

int parse_size(const char *s, uint64_t *ret) {
        return rc_parse_size_unit(s, ret);
}

int parse_id(const char *s, uint64_t *ret) {
        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        uint64_t v = 0;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                if (v > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        *ret = v;
        return 0;
}

/* ---- tables ---- */

/* Tables go through libsmartcols (the library of lsblk and findmnt):
 * alignment, truncation to the terminal's width, colours. The cells are
 * collected first (columns are known before rows), then handed over. */

unsigned columns(void) {
        static int cached = -1;
        if (cached >= 0)
                return (unsigned) cached;
        cached = 0;
        /* $COLUMNS wins, as systemd's tools take it, on a terminal or not. */
        const char *e = getenv("COLUMNS");
        char *end;
        unsigned long v = e ? strtoul(e, &end, 10) : 0;
        if (e && *e && !*end && v > 0 && v < 100000)
                cached = (int) v;
        else {
                struct winsize ws;
                if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 && ws.ws_col > 0)
                        cached = ws.ws_col;
        }
        return (unsigned) cached;
}

struct Table {
        unsigned n_columns;
        unsigned right_aligned;
        char **cells;                   /* headers first, then rows */
        size_t n_cells, allocated;
        bool tree;                      /* the first column is a tree */
        size_t *parents;                /* row -> parent row, SIZE_MAX for none */
        size_t n_parents;
};

Table *table_new(unsigned n_columns, const char *const *headers, unsigned right_aligned) {
        Table *t = calloc(1, sizeof(Table));
        if (!t)
                return NULL;
        t->n_columns = n_columns;
        t->right_aligned = right_aligned;
        for (unsigned i = 0; i < n_columns; i++)
                if (table_add(t, headers[i]) < 0) {
                        table_free(t);
                        return NULL;
                }
        return t;
}

Table *table_new_tree(unsigned n_columns, const char *const *headers, unsigned right_aligned) {
        Table *t = table_new(n_columns, headers, right_aligned);
        if (t)
                t->tree = true;
        return t;
}

int table_set_parent(Table *t, size_t row, size_t parent) {
        if (row >= t->n_parents) {
                size_t *v = realloc(t->parents, (row + 1) * sizeof(size_t));
                if (!v)
                        return -ENOMEM;
                for (size_t i = t->n_parents; i <= row; i++)
                        v[i] = SIZE_MAX;
                t->parents = v;
                t->n_parents = row + 1;
        }
        t->parents[row] = parent;
        return 0;
}

int table_add(Table *t, const char *cell) {
        if (t->n_cells == t->allocated) {
                size_t n = t->allocated ? t->allocated * 2 : 32;
                char **c = realloc(t->cells, n * sizeof(char *));
                if (!c)
                        return -ENOMEM;
                t->cells = c;
                t->allocated = n;
        }
        char *s = strdup(cell ? cell : "");
        if (!s)
                return -ENOMEM;
        t->cells[t->n_cells++] = s;
        return 0;
}

size_t table_rows(const Table *t) {
        return t->n_cells / t->n_columns - 1;
}

static void scols_unrefp(struct libscols_table **tb) {
        scols_unref_table(*tb);
}

int table_print(const Table *t, FILE *f) {
        _cleanup_(scols_unrefp) struct libscols_table *tb = scols_new_table();
        if (!tb)
                return -ENOMEM;
        (void) scols_table_enable_colors(tb, colors_enabled());
        (void) scols_table_enable_noheadings(tb, !arg.legend);
        (void) scols_table_set_stream(tb, f);
        unsigned width = columns();
        /* A pipe with no $COLUMNS gets whole cells, as systemctl's output does. */
        (void) scols_table_set_termforce(tb, width > 0 ? SCOLS_TERMFORCE_ALWAYS : SCOLS_TERMFORCE_NEVER);
        if (width > 0)
                (void) scols_table_set_termwidth(tb, width);
        (void) scols_table_enable_ascii(tb, !utf8_enabled());
        /* No blanks after the last cell with data (a group row of the tree). */
        (void) scols_table_enable_minout(tb, true);
        for (unsigned c = 0; c < t->n_columns; c++) {
                /* Numbers stay whole; names and keys give way. */
                bool right = t->right_aligned & (1u << c);
                int flags = right ? SCOLS_FL_RIGHT : SCOLS_FL_TRUNC;
                if (c == 0 && t->tree)
                        flags |= SCOLS_FL_TREE;
                /* Without headings the header must not widen the column either. */
                struct libscols_column *cl = scols_table_new_column(tb, arg.legend ? t->cells[c] : "", 0, flags);
                if (!cl)
                        return -ENOMEM;
                if (colors_enabled())
                        (void) scols_cell_set_color(scols_column_get_header(cl), "\x1B[0;4m");
        }
        size_t n_rows = table_rows(t);
        _cleanup_free_ struct libscols_line **lines = calloc(n_rows ? n_rows : 1, sizeof(*lines));
        if (!lines)
                return -ENOMEM;
        for (size_t row = 1; row * t->n_columns < t->n_cells; row++) {
                /* Parents come before their children. */
                size_t parent = row - 1 < t->n_parents ? t->parents[row - 1] : SIZE_MAX;
                struct libscols_line *ln = scols_table_new_line(tb, parent < row - 1 ? lines[parent] : NULL);
                if (!ln)
                        return -ENOMEM;
                lines[row - 1] = ln;
                for (unsigned c = 0; c < t->n_columns; c++)
                        if (scols_line_set_data(ln, c, t->cells[row * t->n_columns + c]) < 0)
                                return -ENOMEM;
        }
        return scols_print_table(tb);
}

void table_free(Table *t) {
        if (!t)
                return;
        while (t->n_cells > 0)
                free(t->cells[--t->n_cells]);
        free(t->cells);
        free(t->parents);
        free(t);
}

/* ---- JSON ---- */

void json_init(Json *j, FILE *f, JsonMode mode) {
        *j = (Json) { .f = f, .mode = mode, .first = true };
}

static void json_indent(Json *j) {
        if (j->mode != JSON_PRETTY)
                return;
        fputc('\n', j->f);
        for (unsigned i = 0; i < j->depth; i++)
                fputs("  ", j->f);
}

/* Before a value or key: the comma and the line break it needs. */
static void json_prefix(Json *j) {
        if (j->after_key) {
                j->after_key = false;
                return;
        }
        if (!j->first)
                fputc(',', j->f);
        if (j->depth > 0)
                json_indent(j);
        j->first = false;
}

static void json_open(Json *j, char c) {
        json_prefix(j);
        fputc(c, j->f);
        j->depth++;
        j->first = true;
}

static void json_close(Json *j, char c) {
        j->depth--;
        if (!j->first)
                json_indent(j);
        fputc(c, j->f);
        j->first = false;
}

void json_begin_object(Json *j) {
        json_open(j, '{');
}

void json_end_object(Json *j) {
        json_close(j, '}');
}

void json_begin_array(Json *j) {
        json_open(j, '[');
}

void json_end_array(Json *j) {
        json_close(j, ']');
}

static void json_quoted(Json *j, const char *s) {
        /* The characters that JSON has a short escape for. */
        static const char *const escapes[UCHAR_MAX + 1] = {
                ['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\t'] = "\\t",
        };
        fputc('"', j->f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (escapes[*p])
                        fputs(escapes[*p], j->f);
                else if (*p < 0x20)
                        fprintf(j->f, "\\u%04x", *p);
                else
                        fputc(*p, j->f);
        fputc('"', j->f);
}

void json_key(Json *j, const char *key) {
        json_prefix(j);
        json_quoted(j, key);
        fputs(j->mode == JSON_PRETTY ? ": " : ":", j->f);
        j->after_key = true;
}

void json_string(Json *j, const char *s) {
        json_prefix(j);
        json_quoted(j, s ? s : "");
}

void json_uint(Json *j, uint64_t v) {
        json_prefix(j);
        fprintf(j->f, "%" PRIu64, v);
}

void json_limit(Json *j, uint64_t v) {
        if (v == UINT64_MAX)
                json_null(j);
        else
                json_uint(j, v);
}

void json_bool(Json *j, bool b) {
        json_prefix(j);
        fputs(b ? "true" : "false", j->f);
}

void json_null(Json *j) {
        json_prefix(j);
        fputs("null", j->f);
}

void json_field_string(Json *j, const char *key, const char *s) {
        json_key(j, key);
        json_string(j, s);
}

void json_field_uint(Json *j, const char *key, uint64_t v) {
        json_key(j, key);
        json_uint(j, v);
}

void json_field_limit(Json *j, const char *key, uint64_t v) {
        json_key(j, key);
        json_limit(j, v);
}

void json_field_bool(Json *j, const char *key, bool b) {
        json_key(j, key);
        json_bool(j, b);
}

void json_finish(Json *j) {
        fputc('\n', j->f);
}

/* ---- lists ---- */

int listing_begin(Listing *l, unsigned n_columns, const char *const *headers, unsigned right_aligned) {
        *l = (Listing) { .table = table_new(n_columns, headers, right_aligned) };
        if (!l->table)
                return -ENOMEM;
        json_init(&l->json, stdout, arg.json);
        if (arg.json != JSON_OFF)
                json_begin_array(&l->json);
        return 0;
}

void listing_end(Listing *l) {
        if (arg.json != JSON_OFF) {
                json_end_array(&l->json);
                json_finish(&l->json);
        } else
                table_print(l->table, stdout);
}

void listing_done(Listing *l) {
        table_free(l->table);
}
