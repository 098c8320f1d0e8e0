/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Written from the behaviour of lib/string.c, lib/kstrtox.c, lib/vsprintf.c
 * (simple_strtoull), lib/parser.c and lib/cmdline.c; see kparse.h. Character
 * classes are plain ASCII on purpose: the kernel's are not the C locale's
 * either, and a daemon must not parse differently under another LC_CTYPE.
 */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kparse.h"

/* The set spec §0 gives for strstrip(). */
static bool is_space(char c) {
        switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\v':
        case '\f':
        case '\r':
                return true;
        default:
                return false;
        }
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* Value of a digit in bases up to 16, or 16 for "not a digit at all", so
 * that one "value >= base" test ends the number in every base. */
static unsigned digit_value(char c) {
        if (is_digit(c))
                return (unsigned) (c - '0');
        if (c >= 'a' && c <= 'f')
                return (unsigned) (c - 'a' + 10);
        if (c >= 'A' && c <= 'F')
                return (unsigned) (c - 'A' + 10);
        return 16;
}

static bool is_xdigit(char c) {
        return digit_value(c) < 16;
}

/* _parse_integer_fixup_radix(): base 0 picks 16 only when "0x" is followed
 * by a hex digit, so "0x" alone is octal 0 followed by garbage 'x'. A "0x"
 * prefix is skipped whenever the base ends up 16, given or detected. */
static const char *fixup_radix(const char *s, unsigned *base) {
        if (*base == 0) {
                if (s[0] != '0')
                        *base = 10;
                else if ((s[1] == 'x' || s[1] == 'X') && is_xdigit(s[2]))
                        *base = 16;
                else
                        *base = 8;
        }

        if (*base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                s += 2;

        return s;
}

/* _parse_integer(): reads digits while they are valid in base. The value
 * wraps modulo 2^64 like the kernel's (simple_strtoull callers depend on
 * that), and *overflow records whether it did. Returns the digits read. */
static size_t parse_digits(const char *s, unsigned base, uint64_t *value, bool *overflow) {
        uint64_t v = 0;
        size_t n = 0;

        *overflow = false;
        for (;; n++) {
                unsigned d = digit_value(s[n]);

                if (d >= base)
                        break;
                if (v > (UINT64_MAX - d) / base)
                        *overflow = true;
                v = v * base + d;
        }

        *value = v;
        return n;
}

char *rc_strstrip(char *s) {
        size_t len = strlen(s);

        while (len > 0 && is_space(s[len - 1]))
                len--;
        s[len] = '\0';

        while (is_space(*s))
                s++;

        return s;
}

char *rc_strsep(char **s, const char *delim) {
        char *token = *s, *end;

        if (!token)
                return NULL;

        end = token + strcspn(token, delim);
        if (*end == '\0')
                *s = NULL;
        else {
                *end = '\0';
                *s = end + 1;
        }

        return token;
}

int rc_kstrtou64(const char *s, unsigned base, uint64_t *ret) {
        uint64_t v;
        bool overflow;
        size_t n;

        /* Bases above 16 have no digits here; base 1 would loop on zeros. */
        if (base == 1 || base > 16)
                return -EINVAL;

        if (*s == '+')
                s++;

        s = fixup_radix(s, &base);
        n = parse_digits(s, base, &v, &overflow);

        /* The kernel reports overflow before looking at what follows. */
        if (overflow)
                return -ERANGE;
        if (n == 0)
                return -EINVAL;

        s += n;
        if (*s == '\n')
                s++;
        if (*s != '\0')
                return -EINVAL;

        *ret = v;
        return 0;
}

/* Two's complement reading of a u64, without the implementation-defined
 * conversion of an out-of-range value to a signed type. */
static int64_t u64_to_s64(uint64_t u) {
        if (u <= (uint64_t) INT64_MAX)
                return (int64_t) u;
        return -(int64_t) (UINT64_MAX - u) - 1;
}

int rc_match_int(const char *s, int *ret) {
        const char *p = s;
        unsigned base = 0;
        bool negative = false, overflow;
        uint64_t u;
        int64_t v;
        size_t n;

        /* simple_strtol() steps over the '-' before parsing, so the '-'
         * alone counts as "consumed": "-" and "-x" read as 0, not -EINVAL. */
        if (*p == '-') {
                negative = true;
                p++;
        }

        p = fixup_radix(p, &base);
        n = parse_digits(p, base, &u, &overflow);
        if (p + n == s)
                return -EINVAL;

        /* simple_strtoull() ignores overflow; the wrapped value is what gets
         * range-checked, so "18446744073709551617" reads as 1. */
        if (negative)
                u = -u;
        v = u64_to_s64(u);
        if (v < INT_MIN || v > INT_MAX)
                return -ERANGE;

        *ret = (int) v;
        return 0;
}

/* memparse()'s suffixes, each a power of 1024; -1 for none. */
static int mem_suffix_shift(char c) {
        switch (c) {
        case 'K': case 'k': return 10;
        case 'M': case 'm': return 20;
        case 'G': case 'g': return 30;
        case 'T': case 't': return 40;
        case 'P': case 'p': return 50;
        case 'E': case 'e': return 60;
        default:            return -1;
        }
}

/* v << shift, or -ERANGE where the kernel would silently lose high bits. */
static int shift_checked(uint64_t v, int shift, uint64_t *ret) {
        if (shift > 0 && v > (UINT64_MAX >> shift))
                return -ERANGE;

        *ret = shift > 0 ? v << shift : v;
        return 0;
}

int rc_memparse_strict(const char *s, uint64_t *ret) {
        unsigned base = 0;
        bool overflow;
        uint64_t v;
        int shift;
        size_t n;

        /* memparse("") is 0 with *end == '\0'; dmem can never pass it (the
         * value follows a separator that strstrip() would have eaten), and
         * an empty limit is not a limit, so refuse it. */
        if (*s == '\0')
                return -EINVAL;

        s = fixup_radix(s, &base);
        n = parse_digits(s, base, &v, &overflow);
        s += n;

        /* Like the kernel, a bare suffix ("K") is zero of that unit. */
        shift = mem_suffix_shift(*s);
        if (shift >= 0)
                s++;

        /* Syntax first: garbage is -EINVAL even when the digits overflowed. */
        if (*s != '\0')
                return -EINVAL;
        if (overflow)
                return -ERANGE;

        return shift_checked(v, shift, ret);
}

/* The unit-file suffixes; 0 for none, -1 for an unknown one. */
static int unit_suffix_shift(const char *s) {
        if (s[0] == '\0')
                return 0;
        if (s[1] != '\0')
                return -1;

        switch (s[0]) {
        case 'K': case 'k': return 10;
        case 'M': case 'm': return 20;
        case 'G': case 'g': return 30;
        case 'T': case 't': return 40;
        default:            return -1;
        }
}

int rc_parse_size_unit(const char *s, uint64_t *ret) {
        bool overflow;
        uint64_t v;
        int shift;
        size_t n;

        if (strcmp(s, "max") == 0 || strcmp(s, "infinity") == 0) {
                *ret = UINT64_MAX;
                return 0;
        }

        /* Always decimal: a leading zero is not octal in a unit file. */
        n = parse_digits(s, 10, &v, &overflow);
        if (n == 0)
                return -EINVAL;

        shift = unit_suffix_shift(s + n);
        if (shift < 0)
                return -EINVAL;
        if (overflow)
                return -ERANGE;

        return shift_checked(v, shift, ret);
}

#define PERCENT_DECIMALS 7
#define PERCENT_UNIT (RC_PERCENT_WHOLE / 100)   /* 1% */

int rc_parse_percent(const char *s, uint64_t *ret) {
        bool overflow;
        uint64_t whole, frac = 0;
        size_t n = parse_digits(s, 10, &whole, &overflow);
        if (n == 0)
                return -EINVAL;
        s += n;
        if (*s == '.') {
                s++;
                unsigned k = 0;
                uint64_t scale = PERCENT_UNIT;
                for (; is_digit(*s); s++, k++) {
                        if (k == PERCENT_DECIMALS)
                                return -EINVAL;
                        scale /= 10;
                        frac += (uint64_t) (*s - '0') * scale;
                }
                if (k == 0)
                        return -EINVAL;
        }
        if (s[0] != '%' || s[1] != 0)
                return -EINVAL;
        if (overflow || whole > 100 || whole * PERCENT_UNIT + frac > RC_PERCENT_WHOLE)
                return -ERANGE;
        *ret = whole * PERCENT_UNIT + frac;
        return 0;
}

uint64_t rc_percent_of(uint64_t total, uint64_t parts) {
        __extension__ typedef unsigned __int128 u128;
        return (uint64_t) ((u128) total * parts / RC_PERCENT_WHOLE);
}

const char *rc_percent_format(uint64_t parts, char buf[static 32]) {
        uint64_t whole = parts / PERCENT_UNIT, frac = parts % PERCENT_UNIT;
        char digits[PERCENT_DECIMALS + 1];
        int k = PERCENT_DECIMALS;
        digits[k] = 0;
        for (int i = PERCENT_DECIMALS - 1; i >= 0; i--, frac /= 10)
                digits[i] = (char) ('0' + frac % 10);
        while (k > 0 && digits[k - 1] == '0')
                digits[--k] = 0;
        /* snprintf would pull stdio into the pure parser: build by hand. */
        char tmp[24];
        int t = 0;
        do
                tmp[t++] = (char) ('0' + whole % 10);
        while ((whole /= 10) > 0);
        size_t o = 0;
        while (t > 0)
                buf[o++] = tmp[--t];
        if (k > 0) {
                buf[o++] = '.';
                memcpy(buf + o, digits, (size_t) k);
                o += (size_t) k;
        }
        buf[o++] = '%';
        buf[o] = 0;
        return buf;
}

/* ---- cgroup interface files (moved from the daemon's cgroupfs.c) ---- */

#define KMIN(a, b) ((a) < (b) ? (a) : (b))

size_t rc_kline_name(const char *line, size_t len, const char *file) {
        size_t n = 0;
        while (n < len && line[n] != ' ' && line[n] != '\t')
                n++;
        if (strncmp(file, "misc.events", 11) == 0 && n > 4 && strncmp(line + n - 4, ".max", 4) == 0)
                n -= 4;
        return n;
}

const char *rc_ktext_line(const char *text, const char *file, const char *name, size_t *len) {
        size_t nl = strlen(name);
        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t) (e - p) : strlen(p);
                if (rc_kline_name(p, l, file) == nl && strncmp(p, name, nl) == 0) {
                        *len = l;
                        return p;
                }
                p = e ? e + 1 : NULL;
        }
        return NULL;
}

size_t rc_kline_trim(const char *s, size_t len) {
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
                len--;
        return len;
}

bool rc_kline_value(const char *line, size_t len, const char *kind, uint64_t *ret) {
        char buf[512];
        size_t n = strnlen(line, KMIN(len, sizeof(buf) - 1));
        memcpy(buf, line, n);
        buf[n] = 0;
        const char *v = strpbrk(buf, " \t");
        if (!v)
                return false;
        if (kind) {
                char want[32];
                size_t k = strlen(kind);
                if (k + 3 > sizeof(want))
                        return false;
                want[0] = ' ';
                memcpy(want + 1, kind, k);
                want[k + 1] = '=';
                want[k + 2] = 0;
                v = strstr(buf, want);
                if (!v)
                        return false;
                v += k + 2;
        } else
                v += strspn(v, " \t");
        if (strncmp(v, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return true;
        }
        char *end;
        int saved = errno;
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        bool ok = errno == 0 && end != v;
        errno = saved;
        if (!ok)
                return false;
        *ret = x;
        return true;
}

bool rc_kline_is_default(const char *file, const char *line, size_t len) {
        const char *want = strstr(file, ".min") || strstr(file, ".low") ? "0" : "max";
        size_t n = strlen(want);
        const char *p = memchr(line, ' ', len), *end = line + len;
        if (!p)
                return true;
        while (p < end) {
                p += strspn(p, " ");
                if (p >= end)
                        break;
                const char *v = memchr(p, '=', (size_t) (end - p));
                const char *tok_end = memchr(p, ' ', (size_t) (end - p));
                if (!tok_end)
                        tok_end = end;
                if (v && v < tok_end)
                        p = v + 1;
                if ((size_t) (tok_end - p) != n || strncmp(p, want, n) != 0)
                        return false;
                p = tok_end;
        }
        return true;
}

bool rc_ktext_has_word(const char *text, const char *word) {
        size_t n = strlen(word);
        for (const char *p = text; *p;) {
                p += strspn(p, " \t\n+");
                size_t l = strcspn(p, " \t\n");
                if (l == n && strncmp(p, word, n) == 0)
                        return true;
                p += l;
        }
        return false;
}

bool rc_kevents_complete(const char *old, const char *new) {
        for (const char *p = old; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t) (e - p) : strlen(p), nl;
                size_t n = rc_kline_name(p, l, "misc.events");
                char name[64];
                memcpy(name, p, KMIN(n, sizeof(name) - 1));
                name[KMIN(n, sizeof(name) - 1)] = 0;
                const char *q = rc_ktext_line(new, "misc.events", name, &nl);
                unsigned long long a = strtoull(p + KMIN(n + 5, l), NULL, 10);
                if (!q || strtoull(q + KMIN(n + 5, nl), NULL, 10) < a)
                        return false;
                p = e ? e + 1 : NULL;
        }
        return true;
}

uint64_t rc_kevents_count(const char *text, const char *name) {
        size_t l;
        const char *p = text ? rc_ktext_line(text, "misc.events", name, &l) : NULL;
        return p ? strtoull(p + KMIN(strlen(name) + 5, l), NULL, 10) : 0;
}
