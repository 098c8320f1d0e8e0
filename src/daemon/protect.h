/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* protect.c: Protect/Unprotect (flags 0x1 RUNTIME, 0x2 MIN): one unit's
 * dmem protection in one step, remembered per unit, key and kind so that
 * Unprotect takes back exactly what Protect added. Its records (T, t) are
 * written and read by journal.c. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

struct Manager;

/* What one level of a protection got from Protect. */
typedef struct ProtectLevel {
        char *group;
        uint64_t delta;
} ProtectLevel;

int protect(struct Manager *m, const char *unit, const char *key, uint64_t amount, uint64_t flags, uint64_t *ret,
            sd_bus_error *error);
int unprotect(struct Manager *m, const char *unit, const char *key, uint64_t flags, sd_bus_error *error);
void protect_free_all(struct Manager *m);

/* Replay: the protection of (unit, key, kind) is gone (a t record, or
 * before a T record says it anew)... */
void protect_restore_removed(struct Manager *m, const char *unit, const char *key, bool min);
/* ... and is these levels (a T record). */
int protect_restore(struct Manager *m, const char *unit, const char *key, bool min, bool runtime,
                    const ProtectLevel *levels, size_t n_levels);
/* Compaction: calls fn for every protection of the runtime (or state) log. */
void protect_foreach(struct Manager *m, bool runtime,
                     void (*fn)(void *userdata, bool runtime, const char *id, const ProtectLevel *levels,
                                size_t n_levels),
                     void *userdata);
