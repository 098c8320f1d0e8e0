/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "log.h"
#include "log-unit.h"
#include "macro.h"

void log_unit_event(int level, const char *message_id, const char *unit, const char *key, uint64_t charge_id,
                    const char *fmt, ...) {
        if (level > log_get_max_level())
                return;
        char msg[1024], idf[64], ouf[300], uf[300], gf[300], kf[300], cf[64];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        const char *fields[8];
        size_t n = 0;
        if (message_id) {
                snprintf(idf, sizeof(idf), "MESSAGE_ID=%s", message_id);
                fields[n++] = idf;
        }
        /* OBJECT_SYSTEMD_UNIT= is what journalctl -u matches in entries of
         * root's daemons; UNIT= as PID 1 writes it, for the catalog. */
        snprintf(ouf, sizeof(ouf), "OBJECT_SYSTEMD_UNIT=%s", unit);
        snprintf(uf, sizeof(uf), "UNIT=%s", unit);
        snprintf(gf, sizeof(gf), "RESCTL_GROUP=%s", unit);
        fields[n++] = ouf;
        fields[n++] = uf;
        fields[n++] = gf;
        if (key) {
                snprintf(kf, sizeof(kf), "RESCTL_KEY=%s", key);
                fields[n++] = kf;
        }
        if (charge_id) {
                snprintf(cf, sizeof(cf), "RESCTL_CHARGE_ID=%" PRIu64, charge_id);
                fields[n++] = cf;
        }
        fields[n] = NULL;
        log_fields(level, 0, fields, "%s", msg);
}
