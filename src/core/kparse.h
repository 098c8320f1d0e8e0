/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The kernel's string and number parsers, as the misc, rdma and dmem
 * controllers use them to read what is written to their files
 * (../shared/spec/kernel-semantics.md §1.3, §2.3, §3.4, R12), plus the
 * size parser for unit-file values (api.md "Unit files").
 *
 * Pure functions: no allocation, no locale, no errno. The int-returning
 * ones return 0 or a negative errno and leave *ret untouched on failure.
 */

#include <stdint.h>

/* lib/string.c strim(): strips leading and trailing whitespace (space \t \n
 * \v \f \r) in place; returns a pointer into s. */
char *rc_strstrip(char *s);

/* strsep(3): each delimiter character splits on its own; returns the token
 * and advances *s past the delimiter, or sets *s = NULL when there is none.
 * Returns NULL if *s is NULL. */
char *rc_strsep(char **s, const char *delim);

/* lib/kstrtox.c kstrtoull(): optional leading '+', base 0 auto-detects
 * (0x + hex digit -> 16, leading 0 -> 8, else 10), the whole string must be
 * consumed except one trailing '\n'. -EINVAL on syntax, -ERANGE when the
 * value does not fit in 64 bits. */
int rc_kstrtou64(const char *s, unsigned base, uint64_t *ret);

/* lib/parser.c match_int() = simple_strtol(s, &end, 0) plus an int range
 * check: optional '-', no '+', base auto-detected, trailing garbage ignored,
 * digits wrap modulo 2^64 before the range check. -EINVAL when nothing was
 * consumed, -ERANGE outside INT_MIN..INT_MAX. */
int rc_match_int(const char *s, int *ret);

/* dmem's limit value: lib/cmdline.c memparse() (number in base 0, then one
 * optional K k M m G g T t P p E e suffix, powers of 1024), and nothing may
 * follow. Per R12 a value that does not fit in 64 bits is -ERANGE instead of
 * wrapping; every other failure, including the empty string, is -EINVAL. */
int rc_memparse_strict(const char *s, uint64_t *ret);

/* Unit-file sizes: decimal digits with an optional K M G T suffix (either
 * case, base 1024), or "max"/"infinity" for UINT64_MAX. -ERANGE on overflow,
 * -EINVAL for anything else (empty, sign, blank, fraction, other suffix). */
int rc_parse_size_unit(const char *s, uint64_t *ret);

/* Percentages of a capacity ("10%", "12.5%"), held as parts of
 * RC_PERCENT_WHOLE (= 100%), so up to 7 decimals are exact. 0% to 100%;
 * -ERANGE above 100%, -EINVAL for anything else (no '%', sign, blank,
 * more than 7 decimals). */
#define RC_PERCENT_WHOLE UINT64_C(1000000000)
int rc_parse_percent(const char *s, uint64_t *ret);
/* That share of total, rounded down (exact: 128-bit intermediate). */
uint64_t rc_percent_of(uint64_t total, uint64_t parts);
/* "12.5%": the shortest text that parses back to parts. buf: 32 bytes. */
const char *rc_percent_format(uint64_t parts, char buf[static 32]);

/* ---- cgroup interface files as the kernel prints them ----
 * misc and dmem "name value" lines, rdma "dev hca_handle=V hca_object=V",
 * misc.events "name.max count". A text is lines ending in '\n'; a line is
 * (pointer, length) into it, without its newline. Numbers are read with
 * strtoull(3) in base 10, as the kernel prints them. */

#include <stdbool.h>
#include <stddef.h>

/* The length of the resource name a line is about: its first word, with
 * misc.events' ".max" cut. */
size_t rc_kline_name(const char *line, size_t len, const char *file);
/* The line of `name` in text (*len: without its newline), or NULL. */
const char *rc_ktext_line(const char *text, const char *file, const char *name, size_t *len);
/* len without trailing blanks (space, tab, newline). */
size_t rc_kline_trim(const char *s, size_t len);
/* The value of a line: after the first blank, or for rdma (kind non-NULL,
 * "hca_handle") after " kind="; "max" is UINT64_MAX. False: none. */
bool rc_kline_value(const char *line, size_t len, const char *kind, uint64_t *ret);
/* Every value of a limit line at the kernel's default: "max", or 0 for
 * the .min and .low files. */
bool rc_kline_is_default(const char *file, const char *line, size_t len);
/* Whether word is one of text's words ("+" counts as a blank, as in
 * cgroup.subtree_control's "+misc"). */
bool rc_ktext_has_word(const char *text, const char *word);
/* misc.events counts only grow: false when a count of old is missing or
 * smaller in new (a write seen half done). */
bool rc_kevents_complete(const char *old, const char *new);
/* The count of `name` ("sev") in a misc.events text; 0 if not listed. */
uint64_t rc_kevents_count(const char *text, const char *name);
