/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Logging to the journal (with structured fields) under systemd, to
 * stderr otherwise. The *_errno() forms return -abs(error) so that a caller
 * can "return log_error_errno(r, ...)". */

#include <stdarg.h>
#include <stdint.h>
#include <syslog.h>

void log_setup(void);
int log_set_max_level_from_string(const char *s);
int log_get_max_level(void);
void log_set_max_level(int level);

/* fields: NULL-terminated list of "KEY=value" strings, or NULL. */
int log_fields(int level, int error, const char *const *fields, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#define log_full_errno(level, error, ...) log_fields((level), (error), NULL, __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)
#define log_oom() log_error_errno(ENOMEM, "Out of memory.")
