/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "macro.h"

static int max_level = LOG_INFO;
static bool to_journal;

static const char *const level_names[] = {
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void log_setup(void) {
        /* JOURNAL_STREAM says our stderr is the journal: log there natively,
         * so that fields survive. */
        to_journal = getenv("JOURNAL_STREAM") != NULL;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_set_max_level_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (streq(s, level_names[i])) {
                        max_level = (int) i;
                        return 0;
                }
        if (streq(s, "error"))
                return max_level = LOG_ERR, 0;
        if (streq(s, "warn"))
                return max_level = LOG_WARNING, 0;
        return -EINVAL;
}

int log_fields(int level, int error, const char *const *fields, const char *fmt, ...) {
        int ret = -abs(error);
        if (level > max_level)
                return ret;

        int saved = errno;
        char msg[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (to_journal) {
                struct iovec iov[16];
                char prio[32], msgf[sizeof(msg) + 8], errf[32];
                size_t n = 0;
                snprintf(prio, sizeof(prio), "PRIORITY=%d", level);
                snprintf(msgf, sizeof(msgf), "MESSAGE=%s", msg);
                iov[n++] = (struct iovec) { prio, strlen(prio) };
                iov[n++] = (struct iovec) { msgf, strlen(msgf) };
                iov[n++] = (struct iovec) { (char *) "SYSLOG_IDENTIFIER=resctld", strlen("SYSLOG_IDENTIFIER=resctld") };
                if (error) {
                        snprintf(errf, sizeof(errf), "ERRNO=%d", abs(error));
                        iov[n++] = (struct iovec) { errf, strlen(errf) };
                }
                for (size_t i = 0; fields && fields[i] && n < ELEMENTSOF(iov); i++)
                        iov[n++] = (struct iovec) { (char *) fields[i], strlen(fields[i]) };
                if (sd_journal_sendv(iov, (int) n) >= 0) {
                        errno = saved;
                        return ret;
                }
        }
        fprintf(stderr, "%s\n", msg);
        errno = saved;
        return ret;
}
