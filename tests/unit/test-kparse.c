/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "kparse.h"
#include "test.h"

/* The write handlers modify their buffer, so each case works on a copy. */
#define BUF(name, lit)                          \
        char name[256];                         \
        strcpy(name, (lit))

TEST(test_strstrip) {
        BUF(a, "  \t hello world \n\v\f\r ");
        BUF(b, "");
        BUF(c, " \t\n ");
        BUF(d, "x");
        BUF(e, "a\t\tb");

        CHECK_EQ_STR(rc_strstrip(a), "hello world");
        CHECK_EQ_STR(rc_strstrip(b), "");
        CHECK_EQ_STR(rc_strstrip(c), "");
        CHECK_EQ_STR(rc_strstrip(d), "x");
        /* Inner blanks stay. */
        CHECK_EQ_STR(rc_strstrip(e), "a\t\tb");

        /* In place: the result points into the buffer. */
        CHECK(rc_strstrip(a) == a + 4);
}

TEST(test_strsep) {
        BUF(a, "res_a  5");
        BUF(b, "vram0\t4096");
        BUF(c, "mlx5_0");
        BUF(d, "a \tb");
        char *p, *null = NULL;

        /* Two spaces give an empty token. */
        p = a;
        CHECK_EQ_STR(rc_strsep(&p, " "), "res_a");
        CHECK_EQ_STR(p, " 5");
        CHECK_EQ_STR(rc_strsep(&p, " "), "");
        CHECK_EQ_STR(rc_strsep(&p, " "), "5");
        CHECK(p == NULL);
        CHECK(rc_strsep(&p, " ") == NULL);

        /* Tab is not a space. */
        p = b;
        CHECK_EQ_STR(rc_strsep(&p, " "), "vram0\t4096");
        CHECK(p == NULL);
        p = b;
        CHECK_EQ_STR(rc_strsep(&p, " \t"), "vram0");
        CHECK_EQ_STR(p, "4096");

        p = c;
        CHECK_EQ_STR(rc_strsep(&p, " "), "mlx5_0");
        CHECK(p == NULL);

        /* Each delimiter splits on its own. */
        p = d;
        CHECK_EQ_STR(rc_strsep(&p, " \t"), "a");
        CHECK_EQ_STR(rc_strsep(&p, " \t"), "");
        CHECK_EQ_STR(rc_strsep(&p, " \t"), "b");
        CHECK(p == NULL);

        CHECK(rc_strsep(&null, " ") == NULL);
}

static int ku64(const char *s, uint64_t *v) {
        *v = 0xdeadbeef;
        return rc_kstrtou64(s, 0, v);
}

TEST(test_kstrtou64) {
        uint64_t v;

        CHECK_EQ_INT(ku64("5", &v), 0); CHECK_EQ_U64(v, 5);
        CHECK_EQ_INT(ku64("0", &v), 0); CHECK_EQ_U64(v, 0);
        CHECK_EQ_INT(ku64("0x10", &v), 0); CHECK_EQ_U64(v, 16);
        CHECK_EQ_INT(ku64("0XfF", &v), 0); CHECK_EQ_U64(v, 255);
        CHECK_EQ_INT(ku64("010", &v), 0); CHECK_EQ_U64(v, 8);
        CHECK_EQ_INT(ku64("+5", &v), 0); CHECK_EQ_U64(v, 5);
        CHECK_EQ_INT(ku64("+0x10", &v), 0); CHECK_EQ_U64(v, 16);
        CHECK_EQ_INT(ku64("5\n", &v), 0); CHECK_EQ_U64(v, 5);
        CHECK_EQ_INT(ku64("18446744073709551615", &v), 0); CHECK_EQ_U64(v, UINT64_MAX);
        CHECK_EQ_INT(ku64("18446744073709551614", &v), 0); CHECK_EQ_U64(v, UINT64_MAX - 1);
        CHECK_EQ_INT(ku64("0xffffffffffffffff", &v), 0); CHECK_EQ_U64(v, UINT64_MAX);
        CHECK_EQ_INT(ku64("01777777777777777777777", &v), 0); CHECK_EQ_U64(v, UINT64_MAX);

        CHECK_EQ_INT(ku64("18446744073709551616", &v), -ERANGE);
        CHECK_EQ_INT(ku64("99999999999999999999999", &v), -ERANGE);
        CHECK_EQ_INT(ku64("0x10000000000000000", &v), -ERANGE);
        CHECK_EQ_INT(ku64("02000000000000000000000", &v), -ERANGE);
        /* Overflow is reported before trailing garbage. */
        CHECK_EQ_INT(ku64("18446744073709551616x", &v), -ERANGE);
        /* Failures leave *ret alone. */
        CHECK_EQ_U64(v, 0xdeadbeef);

        CHECK_EQ_INT(ku64("08", &v), -EINVAL);
        CHECK_EQ_INT(ku64("0x", &v), -EINVAL);
        CHECK_EQ_INT(ku64("0xg", &v), -EINVAL);
        CHECK_EQ_INT(ku64("", &v), -EINVAL);
        CHECK_EQ_INT(ku64("\n", &v), -EINVAL);
        CHECK_EQ_INT(ku64("+", &v), -EINVAL);
        CHECK_EQ_INT(ku64("++5", &v), -EINVAL);
        CHECK_EQ_INT(ku64("-1", &v), -EINVAL);
        CHECK_EQ_INT(ku64("-0", &v), -EINVAL);
        CHECK_EQ_INT(ku64("max", &v), -EINVAL);
        CHECK_EQ_INT(ku64("MAX", &v), -EINVAL);
        CHECK_EQ_INT(ku64(" 5", &v), -EINVAL);
        CHECK_EQ_INT(ku64("5 ", &v), -EINVAL);
        CHECK_EQ_INT(ku64("5 6", &v), -EINVAL);
        CHECK_EQ_INT(ku64("5\n\n", &v), -EINVAL);
        CHECK_EQ_INT(ku64("5\r\n", &v), -EINVAL);
        CHECK_EQ_INT(ku64("5abc", &v), -EINVAL);
        CHECK_EQ_INT(ku64("1G", &v), -EINVAL);
        CHECK_EQ_U64(v, 0xdeadbeef);

        /* Explicit bases. */
        CHECK_EQ_INT(rc_kstrtou64("10", 10, &v), 0); CHECK_EQ_U64(v, 10);
        CHECK_EQ_INT(rc_kstrtou64("010", 10, &v), 0); CHECK_EQ_U64(v, 10);
        CHECK_EQ_INT(rc_kstrtou64("ff", 16, &v), 0); CHECK_EQ_U64(v, 255);
        CHECK_EQ_INT(rc_kstrtou64("0xff", 16, &v), 0); CHECK_EQ_U64(v, 255);
        CHECK_EQ_INT(rc_kstrtou64("0x", 16, &v), -EINVAL);
        CHECK_EQ_INT(rc_kstrtou64("17", 8, &v), 0); CHECK_EQ_U64(v, 15);
        CHECK_EQ_INT(rc_kstrtou64("8", 8, &v), -EINVAL);
        CHECK_EQ_INT(rc_kstrtou64("0x10", 10, &v), -EINVAL);
        CHECK_EQ_INT(rc_kstrtou64("5", 1, &v), -EINVAL);
        CHECK_EQ_INT(rc_kstrtou64("5", 17, &v), -EINVAL);
}

static int mi(const char *s, int *v) {
        *v = 0x5a5a;
        return rc_match_int(s, v);
}

TEST(test_match_int) {
        int v;

        CHECK_EQ_INT(mi("0", &v), 0); CHECK_EQ_INT(v, 0);
        CHECK_EQ_INT(mi("1", &v), 0); CHECK_EQ_INT(v, 1);
        CHECK_EQ_INT(mi("-1", &v), 0); CHECK_EQ_INT(v, -1);
        CHECK_EQ_INT(mi("-0", &v), 0); CHECK_EQ_INT(v, 0);
        CHECK_EQ_INT(mi("0x10", &v), 0); CHECK_EQ_INT(v, 16);
        CHECK_EQ_INT(mi("-0x10", &v), 0); CHECK_EQ_INT(v, -16);
        CHECK_EQ_INT(mi("010", &v), 0); CHECK_EQ_INT(v, 8);
        CHECK_EQ_INT(mi("2147483647", &v), 0); CHECK_EQ_INT(v, INT_MAX);
        CHECK_EQ_INT(mi("-2147483648", &v), 0); CHECK_EQ_INT(v, INT_MIN);
        CHECK_EQ_INT(mi("0x7fffffff", &v), 0); CHECK_EQ_INT(v, INT_MAX);

        /* Trailing garbage is ignored. */
        CHECK_EQ_INT(mi("5abc", &v), 0); CHECK_EQ_INT(v, 5);
        CHECK_EQ_INT(mi("1\nmlx4_0", &v), 0); CHECK_EQ_INT(v, 1);
        CHECK_EQ_INT(mi("08", &v), 0); CHECK_EQ_INT(v, 0);
        CHECK_EQ_INT(mi("0x", &v), 0); CHECK_EQ_INT(v, 0);
        CHECK_EQ_INT(mi("0xg", &v), 0); CHECK_EQ_INT(v, 0);
        CHECK_EQ_INT(mi("12 34", &v), 0); CHECK_EQ_INT(v, 12);
        CHECK_EQ_INT(mi("0x1fz", &v), 0); CHECK_EQ_INT(v, 31);

        /* simple_strtol() steps over '-' before it parses, so a lone '-'
         * counts as consumed and reads as 0. */
        CHECK_EQ_INT(mi("-", &v), 0); CHECK_EQ_INT(v, 0);
        CHECK_EQ_INT(mi("-x", &v), 0); CHECK_EQ_INT(v, 0);
        CHECK_EQ_INT(mi("--5", &v), 0); CHECK_EQ_INT(v, 0);

        /* simple_strtoull() wraps modulo 2^64, then the int range test. */
        CHECK_EQ_INT(mi("18446744073709551617", &v), 0); CHECK_EQ_INT(v, 1);
        CHECK_EQ_INT(mi("18446744073709551615", &v), 0); CHECK_EQ_INT(v, -1);
        CHECK_EQ_INT(mi("-18446744073709551615", &v), 0); CHECK_EQ_INT(v, 1);
        CHECK_EQ_INT(mi("0x10000000000000005", &v), 0); CHECK_EQ_INT(v, 5);
        CHECK_EQ_INT(mi("18446744073709551616000", &v), 0); CHECK_EQ_INT(v, 0);
        CHECK_EQ_INT(mi("18446744071562067968", &v), 0); CHECK_EQ_INT(v, INT_MIN);

        CHECK_EQ_INT(mi("2147483648", &v), -ERANGE);
        CHECK_EQ_INT(mi("-2147483649", &v), -ERANGE);
        CHECK_EQ_INT(mi("4294967295", &v), -ERANGE);
        CHECK_EQ_INT(mi("9223372036854775808", &v), -ERANGE);
        CHECK_EQ_INT(mi("18446744075857035264", &v), -ERANGE);
        CHECK_EQ_INT(mi("0x1ffffffff00000005", &v), -ERANGE);
        CHECK_EQ_INT(mi("", &v), -EINVAL);
        CHECK_EQ_INT(mi("abc", &v), -EINVAL);
        CHECK_EQ_INT(mi("+5", &v), -EINVAL);
        CHECK_EQ_INT(mi(" 5", &v), -EINVAL);
        CHECK_EQ_INT(mi("max", &v), -EINVAL);
        CHECK_EQ_INT(mi("MAX", &v), -EINVAL);
        CHECK_EQ_INT(mi("\n1", &v), -EINVAL);
        /* Failures leave *ret alone. */
        CHECK_EQ_INT(v, 0x5a5a);
}

static int mp(const char *s, uint64_t *v) {
        *v = 0xdeadbeef;
        return rc_memparse_strict(s, v);
}

TEST(test_memparse_strict) {
        uint64_t v;

        CHECK_EQ_INT(mp("1G", &v), 0); CHECK_EQ_U64(v, 1073741824);
        CHECK_EQ_INT(mp("512m", &v), 0); CHECK_EQ_U64(v, 536870912);
        CHECK_EQ_INT(mp("4096", &v), 0); CHECK_EQ_U64(v, 4096);
        CHECK_EQ_INT(mp("0x1000", &v), 0); CHECK_EQ_U64(v, 4096);
        CHECK_EQ_INT(mp("010", &v), 0); CHECK_EQ_U64(v, 8);
        CHECK_EQ_INT(mp("0", &v), 0); CHECK_EQ_U64(v, 0);
        CHECK_EQ_INT(mp("2251799813685246", &v), 0); CHECK_EQ_U64(v, 2251799813685246);
        CHECK_EQ_INT(mp("2251799813685247", &v), 0); CHECK_EQ_U64(v, 2251799813685247);
        CHECK_EQ_INT(mp("18446744073709551615", &v), 0); CHECK_EQ_U64(v, UINT64_MAX);
        CHECK_EQ_INT(mp("1k", &v), 0); CHECK_EQ_U64(v, 1024);
        CHECK_EQ_INT(mp("1K", &v), 0); CHECK_EQ_U64(v, 1024);
        CHECK_EQ_INT(mp("1M", &v), 0); CHECK_EQ_U64(v, 1048576);
        CHECK_EQ_INT(mp("1g", &v), 0); CHECK_EQ_U64(v, 1073741824);
        CHECK_EQ_INT(mp("1t", &v), 0); CHECK_EQ_U64(v, UINT64_C(1) << 40);
        CHECK_EQ_INT(mp("1T", &v), 0); CHECK_EQ_U64(v, UINT64_C(1) << 40);
        CHECK_EQ_INT(mp("2p", &v), 0); CHECK_EQ_U64(v, UINT64_C(2) << 50);
        CHECK_EQ_INT(mp("2P", &v), 0); CHECK_EQ_U64(v, UINT64_C(2) << 50);
        CHECK_EQ_INT(mp("1e", &v), 0); CHECK_EQ_U64(v, UINT64_C(1) << 60);
        CHECK_EQ_INT(mp("15E", &v), 0); CHECK_EQ_U64(v, UINT64_C(15) << 60);
        CHECK_EQ_INT(mp("16383P", &v), 0); CHECK_EQ_U64(v, UINT64_C(16383) << 50);
        CHECK_EQ_INT(mp("17179869183G", &v), 0); CHECK_EQ_U64(v, UINT64_C(17179869183) << 30);
        CHECK_EQ_INT(mp("0x10K", &v), 0); CHECK_EQ_U64(v, 16384);
        /* In hex, 'E' is a digit, not a suffix. */
        CHECK_EQ_INT(mp("0x1E", &v), 0); CHECK_EQ_U64(v, 30);
        /* Like the kernel, a bare suffix is zero of that unit, and '0'
         * followed by a suffix letter is octal 0. */
        CHECK_EQ_INT(mp("K", &v), 0); CHECK_EQ_U64(v, 0);
        CHECK_EQ_INT(mp("0e", &v), 0); CHECK_EQ_U64(v, 0);

        /* R12: overflow by suffix or by digits is -ERANGE, not a wrap. */
        CHECK_EQ_INT(mp("16E", &v), -ERANGE);
        CHECK_EQ_INT(mp("16384P", &v), -ERANGE);
        CHECK_EQ_INT(mp("17179869184P", &v), -ERANGE);
        CHECK_EQ_INT(mp("17179869184G", &v), -ERANGE);
        CHECK_EQ_INT(mp("18446744073709551616", &v), -ERANGE);
        CHECK_EQ_INT(mp("100000000000000000000K", &v), -ERANGE);
        CHECK_EQ_INT(mp("0x10000000000000000", &v), -ERANGE);

        CHECK_EQ_INT(mp("1.5G", &v), -EINVAL);
        CHECK_EQ_INT(mp("1GB", &v), -EINVAL);
        CHECK_EQ_INT(mp("1KK", &v), -EINVAL);
        CHECK_EQ_INT(mp("-1", &v), -EINVAL);
        CHECK_EQ_INT(mp("+1", &v), -EINVAL);
        CHECK_EQ_INT(mp(" 1", &v), -EINVAL);
        CHECK_EQ_INT(mp("1 ", &v), -EINVAL);
        CHECK_EQ_INT(mp("5 6", &v), -EINVAL);
        CHECK_EQ_INT(mp("1\n", &v), -EINVAL);
        CHECK_EQ_INT(mp("1G\nS 1M", &v), -EINVAL);
        CHECK_EQ_INT(mp("MAX", &v), -EINVAL);
        CHECK_EQ_INT(mp("max", &v), -EINVAL);
        CHECK_EQ_INT(mp("", &v), -EINVAL);
        CHECK_EQ_INT(mp("08", &v), -EINVAL);
        CHECK_EQ_INT(mp("0x", &v), -EINVAL);
        CHECK_EQ_INT(mp("1X", &v), -EINVAL);
        /* Garbage wins over overflow. */
        CHECK_EQ_INT(mp("18446744073709551616x", &v), -EINVAL);
        CHECK_EQ_U64(v, 0xdeadbeef);
}

static int su(const char *s, uint64_t *v) {
        *v = 0xdeadbeef;
        return rc_parse_size_unit(s, v);
}

TEST(test_parse_size_unit) {
        uint64_t v;

        CHECK_EQ_INT(su("0", &v), 0); CHECK_EQ_U64(v, 0);
        CHECK_EQ_INT(su("8", &v), 0); CHECK_EQ_U64(v, 8);
        CHECK_EQ_INT(su("010", &v), 0); CHECK_EQ_U64(v, 10);
        CHECK_EQ_INT(su("4G", &v), 0); CHECK_EQ_U64(v, UINT64_C(4) << 30);
        CHECK_EQ_INT(su("1g", &v), 0); CHECK_EQ_U64(v, UINT64_C(1) << 30);
        CHECK_EQ_INT(su("1K", &v), 0); CHECK_EQ_U64(v, 1024);
        CHECK_EQ_INT(su("1k", &v), 0); CHECK_EQ_U64(v, 1024);
        CHECK_EQ_INT(su("3M", &v), 0); CHECK_EQ_U64(v, UINT64_C(3) << 20);
        CHECK_EQ_INT(su("3m", &v), 0); CHECK_EQ_U64(v, UINT64_C(3) << 20);
        CHECK_EQ_INT(su("2T", &v), 0); CHECK_EQ_U64(v, UINT64_C(2) << 40);
        CHECK_EQ_INT(su("2t", &v), 0); CHECK_EQ_U64(v, UINT64_C(2) << 40);
        CHECK_EQ_INT(su("16777215T", &v), 0); CHECK_EQ_U64(v, UINT64_C(16777215) << 40);
        CHECK_EQ_INT(su("18446744073709551615", &v), 0); CHECK_EQ_U64(v, UINT64_MAX);
        CHECK_EQ_INT(su("max", &v), 0); CHECK_EQ_U64(v, UINT64_MAX);
        CHECK_EQ_INT(su("infinity", &v), 0); CHECK_EQ_U64(v, UINT64_MAX);

        CHECK_EQ_INT(su("16777216T", &v), -ERANGE);
        CHECK_EQ_INT(su("18446744073709551616", &v), -ERANGE);
        CHECK_EQ_INT(su("99999999999999999999G", &v), -ERANGE);

        CHECK_EQ_INT(su("", &v), -EINVAL);
        CHECK_EQ_INT(su("-1", &v), -EINVAL);
        CHECK_EQ_INT(su("+1", &v), -EINVAL);
        CHECK_EQ_INT(su(" 1", &v), -EINVAL);
        CHECK_EQ_INT(su("1 ", &v), -EINVAL);
        CHECK_EQ_INT(su("1 G", &v), -EINVAL);
        CHECK_EQ_INT(su("1.5G", &v), -EINVAL);
        CHECK_EQ_INT(su("1GB", &v), -EINVAL);
        CHECK_EQ_INT(su("1P", &v), -EINVAL);
        CHECK_EQ_INT(su("1E", &v), -EINVAL);
        CHECK_EQ_INT(su("G", &v), -EINVAL);
        CHECK_EQ_INT(su("0x10", &v), -EINVAL);
        CHECK_EQ_INT(su("MAX", &v), -EINVAL);
        CHECK_EQ_INT(su("Infinity", &v), -EINVAL);
        CHECK_EQ_INT(su("max ", &v), -EINVAL);
        CHECK_EQ_INT(su("1\n", &v), -EINVAL);
        CHECK_EQ_INT(su("99999999999999999999x", &v), -EINVAL);
        CHECK_EQ_U64(v, 0xdeadbeef);
}

/*
 * The three write paths, as the controllers chain these helpers (name lookup
 * left out), so that the spec's tables can be checked row by row.
 */

/* §1.3 steps 1-3 and 5. */
static int misc_write(const char *line, uint64_t *v) {
        BUF(buf, line);
        char *s = rc_strstrip(buf), *name;

        name = rc_strsep(&s, " ");
        if (!s || strcmp(name, "res_a") != 0)
                return -EINVAL;
        if (strcmp(s, "max") == 0) {
                *v = UINT64_MAX;
                return 0;
        }
        return rc_kstrtou64(s, 0, v);
}

TEST(test_misc_10) {
        uint64_t v;

        CHECK_EQ_INT(misc_write("res_a 5", &v), 0); CHECK_EQ_U64(v, 5);
        CHECK_EQ_INT(misc_write("res_a 5\n", &v), 0); CHECK_EQ_U64(v, 5);
        CHECK_EQ_INT(misc_write("res_a max", &v), 0); CHECK_EQ_U64(v, UINT64_MAX);
        CHECK_EQ_INT(misc_write("res_a 18446744073709551615", &v), 0); CHECK_EQ_U64(v, UINT64_MAX);
        CHECK_EQ_INT(misc_write("res_a 18446744073709551614", &v), 0);
        CHECK_EQ_U64(v, UINT64_C(18446744073709551614));
        CHECK_EQ_INT(misc_write("res_a 0", &v), 0); CHECK_EQ_U64(v, 0);
        CHECK_EQ_INT(misc_write("res_a 0x10", &v), 0); CHECK_EQ_U64(v, 16);
        CHECK_EQ_INT(misc_write("res_a 010", &v), 0); CHECK_EQ_U64(v, 8);

        CHECK_EQ_INT(misc_write("res_a 18446744073709551616", &v), -ERANGE);
        CHECK_EQ_INT(misc_write("res_a 08", &v), -EINVAL);
        CHECK_EQ_INT(misc_write("res_a 0x", &v), -EINVAL);
        CHECK_EQ_INT(misc_write("res_a MAX", &v), -EINVAL);
        CHECK_EQ_INT(misc_write("res_a  5", &v), -EINVAL);
        CHECK_EQ_INT(misc_write("res_a 5 6", &v), -EINVAL);
        CHECK_EQ_INT(misc_write("res_a\t5", &v), -EINVAL);
        CHECK_EQ_INT(misc_write("res_a", &v), -EINVAL);
        CHECK_EQ_INT(misc_write("res_a -1", &v), -EINVAL);
}

#define RDMA_MAX INT_MAX

/* §2.3 step 2 for one device line: returns the hca_handle limit. */
static int rdma_write(const char *line, int *handle) {
        BUF(buf, line);
        char *s = rc_strstrip(buf), *c;

        (void) rc_strsep(&s, " ");
        while ((c = rc_strsep(&s, " "))) {
                char *name = rc_strsep(&c, "="), *value = c;
                int v, r;

                if (!value)
                        return -EINVAL;
                if (strcmp(name, "hca_handle") != 0 && strcmp(name, "hca_object") != 0)
                        return -EINVAL;

                r = rc_match_int(value, &v);
                if (r >= 0 && v < 0)
                        return -EINVAL;
                if (r < 0) {
                        if (strncmp(value, "max", strlen(value)) != 0)
                                return -EINVAL;
                        v = RDMA_MAX;
                }
                if (strcmp(name, "hca_handle") == 0)
                        *handle = v;
        }
        return 0;
}

static int rdma_row(const char *line, int *handle) {
        *handle = 3;
        return rdma_write(line, handle);
}

TEST(test_rdma_07) {
        int h;

        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=-1", &h), -EINVAL);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle", &h), -EINVAL);
        CHECK_EQ_INT(rdma_row("mlx5_0 foo=1", &h), -EINVAL);
        CHECK_EQ_INT(rdma_row("mlx5_0  hca_handle=1", &h), -EINVAL);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=1  hca_object=1", &h), -EINVAL);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=maxx", &h), -EINVAL);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=MAX", &h), -EINVAL);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=+5", &h), -EINVAL);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=2147483648", &h), -EINVAL);
        CHECK_EQ_INT(rdma_row("mlx9 hca_handle=-1", &h), -EINVAL);

        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=5abc", &h), 0); CHECK_EQ_INT(h, 5);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=0x10", &h), 0); CHECK_EQ_INT(h, 16);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=010", &h), 0); CHECK_EQ_INT(h, 8);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=-0", &h), 0); CHECK_EQ_INT(h, 0);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=1 hca_handle=4", &h), 0); CHECK_EQ_INT(h, 4);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=", &h), 0); CHECK_EQ_INT(h, RDMA_MAX);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=m", &h), 0); CHECK_EQ_INT(h, RDMA_MAX);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=ma", &h), 0); CHECK_EQ_INT(h, RDMA_MAX);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=max", &h), 0); CHECK_EQ_INT(h, RDMA_MAX);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=2147483647", &h), 0); CHECK_EQ_INT(h, RDMA_MAX);
        CHECK_EQ_INT(rdma_row("mlx5_0", &h), 0); CHECK_EQ_INT(h, 3);
        /* Parses; the device lookup (-ENODEV) comes after, in the caller. */
        CHECK_EQ_INT(rdma_row("mlx9 hca_handle=1", &h), 0); CHECK_EQ_INT(h, 1);
        /* RDMA-11: lines are not split; the '\n' ends the first value as
         * garbage and the second line's token is one more for this device. */
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=1\nmlx4_0 hca_handle=2", &h), 0);
        CHECK_EQ_INT(h, 2);
        CHECK_EQ_INT(rdma_row("mlx5_0 hca_handle=1\nmlx4_0", &h), 0);
        CHECK_EQ_INT(h, 1);
}

#define PCM UINT64_C(2251799813685247)

/* §3.4 steps 1, 2 and 4 (R1, R12). */
static int dmem_write(const char *line, uint64_t *v) {
        BUF(buf, line);
        char *s = rc_strstrip(buf), *region;

        region = rc_strsep(&s, " \t");
        if (!s || region[0] == '\0')
                return -EINVAL;
        if (strcmp(region, "drm/0000:03:00.0/vram0") != 0)
                return -EINVAL;
        if (strcmp(s, "max") == 0) {
                *v = PCM;
                return 0;
        }
        return rc_memparse_strict(s, v);
}

TEST(test_dmem_02) {
        uint64_t v;

        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 1G", &v), 0); CHECK_EQ_U64(v, 1073741824);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 512m", &v), 0); CHECK_EQ_U64(v, 536870912);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0\t4096", &v), 0); CHECK_EQ_U64(v, 4096);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 0x1000", &v), 0); CHECK_EQ_U64(v, 4096);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 010", &v), 0); CHECK_EQ_U64(v, 8);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 2251799813685246", &v), 0);
        CHECK_EQ_U64(v, 2251799813685246);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 2251799813685247", &v), 0); CHECK_EQ_U64(v, PCM);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 max", &v), 0); CHECK_EQ_U64(v, PCM);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 1G\n", &v), 0); CHECK_EQ_U64(v, 1073741824);

        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 ", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram1 1G", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 1.5G", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 1GB", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 -1", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 +1", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0  1G", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 \t1G", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 MAX", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 5 6", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write(" 1G", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("", &v), -EINVAL);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 1G\ndrm/0000:03:00.0/stolen 1M", &v), -EINVAL);
        /* R12. */
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 16E", &v), -ERANGE);
        CHECK_EQ_INT(dmem_write("drm/0000:03:00.0/vram0 123456789012345678901", &v), -ERANGE);
}

/* Percentages of a capacity (unit settings): parsed exactly, applied rounding down. */
TEST(test_percent) {
        uint64_t v = 7;
        CHECK_EQ_INT(rc_parse_percent("0%", &v), 0);
        CHECK_EQ_U64(v, 0);
        CHECK_EQ_INT(rc_parse_percent("100%", &v), 0);
        CHECK_EQ_U64(v, RC_PERCENT_WHOLE);
        CHECK_EQ_INT(rc_parse_percent("100.0000000%", &v), 0);
        CHECK_EQ_U64(v, RC_PERCENT_WHOLE);
        CHECK_EQ_INT(rc_parse_percent("12.5%", &v), 0);
        CHECK_EQ_U64(v, 125000000);
        CHECK_EQ_INT(rc_parse_percent("0.0000001%", &v), 0);
        CHECK_EQ_U64(v, 1);
        CHECK_EQ_INT(rc_parse_percent("010%", &v), 0);        /* decimal, not octal */
        CHECK_EQ_U64(v, 100000000);

        v = 7;
        CHECK_EQ_INT(rc_parse_percent("100.0000001%", &v), -ERANGE);
        CHECK_EQ_INT(rc_parse_percent("101%", &v), -ERANGE);
        CHECK_EQ_INT(rc_parse_percent("99999999999999999999999%", &v), -ERANGE);
        CHECK_EQ_INT(rc_parse_percent("0.00000001%", &v), -EINVAL);  /* 8 decimals */
        CHECK_EQ_INT(rc_parse_percent("10", &v), -EINVAL);
        CHECK_EQ_INT(rc_parse_percent("%", &v), -EINVAL);
        CHECK_EQ_INT(rc_parse_percent("", &v), -EINVAL);
        CHECK_EQ_INT(rc_parse_percent("-5%", &v), -EINVAL);
        CHECK_EQ_INT(rc_parse_percent("+5%", &v), -EINVAL);
        CHECK_EQ_INT(rc_parse_percent("5.%", &v), -EINVAL);
        CHECK_EQ_INT(rc_parse_percent(".5%", &v), -EINVAL);
        CHECK_EQ_INT(rc_parse_percent("5 %", &v), -EINVAL);
        CHECK_EQ_INT(rc_parse_percent("5%%", &v), -EINVAL);
        CHECK_EQ_INT(rc_parse_percent("5G%", &v), -EINVAL);
        CHECK_EQ_U64(v, 7);                                     /* untouched on failure */

        /* Rounding down, exact for byte counts near 2^64. */
        CHECK_EQ_U64(rc_percent_of(400, 10 * (RC_PERCENT_WHOLE / 100)), 40);
        CHECK_EQ_U64(rc_percent_of(9, 10 * (RC_PERCENT_WHOLE / 100)), 0);     /* 0.9 -> 0 */
        CHECK_EQ_U64(rc_percent_of(99, 125000000), 12);                        /* 12.375 -> 12 */
        CHECK_EQ_U64(rc_percent_of(UINT64_C(17179869184), 800000000), UINT64_C(13743895347)); /* 80% of 16G */
        CHECK_EQ_U64(rc_percent_of(UINT64_MAX - 1, RC_PERCENT_WHOLE), UINT64_MAX - 1);
        CHECK_EQ_U64(rc_percent_of(UINT64_MAX, 500000000), UINT64_MAX / 2);
        CHECK_EQ_U64(rc_percent_of(12345, 0), 0);

        char buf[32];
        CHECK_EQ_STR(rc_percent_format(0, buf), "0%");
        CHECK_EQ_STR(rc_percent_format(RC_PERCENT_WHOLE, buf), "100%");
        CHECK_EQ_STR(rc_percent_format(125000000, buf), "12.5%");
        CHECK_EQ_STR(rc_percent_format(1, buf), "0.0000001%");
        const char *round_trip[] = { "33.3333333%", "7%", "0.5%", "99.99%" };
        for (size_t i = 0; i < sizeof(round_trip) / sizeof(round_trip[0]); i++) {
                CHECK_EQ_INT(rc_parse_percent(round_trip[i], &v), 0);
                CHECK_EQ_STR(rc_percent_format(v, buf), round_trip[i]);
        }
}

/* cgroup interface file text, as cgroupfs.c reads it. */
TEST(test_kline) {
        const char *misc = "sev 3\nsev_es max\n";
        const char *events = "sev.max 2\nsev_es.max 0\n";
        const char *rdma = "mlx5_0 hca_handle=2 hca_object=max\nmlx5_1 hca_handle=max hca_object=7\n";
        size_t l;
        const char *p;
        uint64_t v = 7;

        CHECK_EQ_U64(rc_kline_name("sev 3", 5, "misc.max"), 3);
        CHECK_EQ_U64(rc_kline_name("sev.max 2", 9, "misc.events"), 3);
        CHECK_EQ_U64(rc_kline_name("sev.max 2", 9, "misc.current"), 7);    /* only misc.events cuts .max */
        CHECK_EQ_U64(rc_kline_name(".max 2", 6, "misc.events"), 4);        /* nothing would be left */
        CHECK_EQ_U64(rc_kline_name("vram0\t4096", 10, "dmem.max"), 5);
        CHECK_EQ_U64(rc_kline_name("sev", 3, "misc.max"), 3);

        p = rc_ktext_line(misc, "misc.max", "sev_es", &l);
        CHECK(p == misc + 6);
        CHECK_EQ_U64(l, 10);
        CHECK(rc_ktext_line(misc, "misc.max", "se", &l) == NULL);            /* whole words */
        CHECK(rc_ktext_line(events, "misc.events", "sev", &l) == events);
        CHECK_EQ_U64(l, 9);
        CHECK(rc_ktext_line("", "misc.max", "sev", &l) == NULL);
        CHECK(rc_ktext_line("sev 1", "misc.max", "sev", &l) != NULL);       /* no final newline */
        CHECK_EQ_U64(l, 5);

        CHECK_EQ_U64(rc_kline_trim("sev 3 \t\n", 8), 5);
        CHECK_EQ_U64(rc_kline_trim(" \n", 2), 0);
        CHECK_EQ_U64(rc_kline_trim("sev 3", 5), 5);

        CHECK(rc_kline_value("sev 3", 5, NULL, &v));
        CHECK_EQ_U64(v, 3);
        CHECK(rc_kline_value("sev \t max", 9, NULL, &v));
        CHECK_EQ_U64(v, UINT64_MAX);
        CHECK(rc_kline_value("sev 42\nsev_es 1", 6, NULL, &v));           /* only len bytes */
        CHECK_EQ_U64(v, 42);
        v = 7;
        CHECK(!rc_kline_value("sev", 3, NULL, &v));
        CHECK(!rc_kline_value("sev x", 5, NULL, &v));
        CHECK(!rc_kline_value("sev 99999999999999999999", 24, NULL, &v)); /* ERANGE */
        CHECK_EQ_U64(v, 7);
        CHECK(rc_kline_value(rdma, 34, "hca_handle", &v));
        CHECK_EQ_U64(v, 2);
        CHECK(rc_kline_value(rdma, 34, "hca_object", &v));
        CHECK_EQ_U64(v, UINT64_MAX);
        CHECK(!rc_kline_value("mlx5_0 hca_handle=2", 19, "hca_object", &v));

        CHECK(rc_kline_is_default("misc.max", "sev max", 7));
        CHECK(!rc_kline_is_default("misc.max", "sev 3", 5));
        CHECK(rc_kline_is_default("dmem.min", "vram0 0", 7));
        CHECK(!rc_kline_is_default("dmem.low", "vram0 max", 9));
        CHECK(rc_kline_is_default("rdma.max", "mlx5_0 hca_handle=max hca_object=max", 36));
        CHECK(!rc_kline_is_default("rdma.max", "mlx5_0 hca_handle=max hca_object=7", 34));
        CHECK(rc_kline_is_default("misc.max", "sev", 3));                   /* no value at all */
        CHECK(rc_kline_is_default("misc.max", "sev max   ", 10));

        CHECK(rc_ktext_has_word("misc dmem rdma\n", "dmem"));
        CHECK(rc_ktext_has_word("+misc +dmem\n", "misc"));
        CHECK(!rc_ktext_has_word("misc dmem\n", "rdma"));
        CHECK(!rc_ktext_has_word("miscx\n", "misc"));
        CHECK(!rc_ktext_has_word("", "misc"));
}

TEST(test_kevents) {
        const char *a = "sev.max 2\nsev_es.max 0\n";
        CHECK_EQ_U64(rc_kevents_count(a, "sev"), 2);
        CHECK_EQ_U64(rc_kevents_count(a, "sev_es"), 0);
        CHECK_EQ_U64(rc_kevents_count(a, "tdx"), 0);
        CHECK_EQ_U64(rc_kevents_count(NULL, "sev"), 0);

        CHECK(rc_kevents_complete(NULL, a));
        CHECK(rc_kevents_complete("", a));
        CHECK(rc_kevents_complete(a, a));
        CHECK(rc_kevents_complete(a, "sev.max 3\nsev_es.max 0\n"));
        CHECK(rc_kevents_complete(a, "sev_es.max 1\nsev.max 2\ntdx.max 0\n"));
        CHECK(!rc_kevents_complete(a, "sev.max 1\nsev_es.max 0\n"));        /* smaller: half written */
        CHECK(!rc_kevents_complete(a, "sev.max 2\n"));                     /* a line missing */
        CHECK(!rc_kevents_complete(a, ""));
        CHECK(!rc_kevents_complete(a, NULL));
}

int main(void) {
        RUN(test_strstrip);
        RUN(test_strsep);
        RUN(test_kstrtou64);
        RUN(test_match_int);
        RUN(test_memparse_strict);
        RUN(test_parse_size_unit);
        RUN(test_misc_10);
        RUN(test_rdma_07);
        RUN(test_dmem_02);
        RUN(test_percent);
        RUN(test_kline);
        RUN(test_kevents);
        return TEST_EXIT();
}
