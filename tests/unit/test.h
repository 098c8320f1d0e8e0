/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A tiny test harness: each check prints the failing expression and its
 * location; main() returns non-zero when any failed. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern unsigned test_failures;
unsigned test_failures;

#define CHECK(expr)                                                                   \
        do {                                                                          \
                if (!(expr)) {                                                        \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
                        test_failures++;                                              \
                }                                                                     \
        } while (0)

/* a == b as type, printed with printf format fmt. */
#define CHECK_EQ_AS(type, fmt, a, b)                                                  \
        do {                                                                          \
                type _a = (a), _b = (b);                                              \
                if (_a != _b) {                                                       \
                        fprintf(stderr, "%s:%d: %s == %" fmt ", expected %s == %" fmt "\n", \
                                __FILE__, __LINE__, #a, _a, #b, _b);                  \
                        test_failures++;                                              \
                }                                                                     \
        } while (0)
#define CHECK_EQ_U64(a, b) CHECK_EQ_AS(uint64_t, PRIu64, a, b)
#define CHECK_EQ_INT(a, b) CHECK_EQ_AS(long long, "lld", a, b)

#define CHECK_EQ_STR(a, b)                                                            \
        do {                                                                          \
                const char *_a = (a), *_b = (b);                                      \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                              \
                        fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n",     \
                                __FILE__, __LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)"); \
                        test_failures++;                                              \
                }                                                                     \
        } while (0)

#define TEST(name) static void name(void)
#define RUN(name)                                                                     \
        do {                                                                          \
                unsigned _before = test_failures;                                     \
                name();                                                               \
                printf("%s %s\n", test_failures == _before ? "ok" : "FAIL", #name);  \
        } while (0)

#define TEST_EXIT() (test_failures ? EXIT_FAILURE : EXIT_SUCCESS)
