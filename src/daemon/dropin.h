/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Writing drop-ins atomically: temporaries, then renames (dropin.c). */

#include <stdbool.h>
#include <stddef.h>

#include "unit-conf.h"

#define DROPIN_PREFIX "50-resctl-"

typedef struct DropInFile {
        UnitConfProperty prop;
        char *tmp;                      /* the synced temporary; NULL once renamed or removed */
        char *path;                     /* the drop-in it becomes */
} DropInFile;

/* The drop-ins of one call, in top/unit.d. */
typedef struct DropInBatch {
        char *top;
        char *dir;
        DropInFile files[_UNIT_CONF_PROPERTY_MAX];
        size_t n;
} DropInBatch;

/* Creates top/unit.d; -errno, with *ret_failed the directory when it
 * cannot be created (NULL: no memory). */
int dropin_batch_open(DropInBatch *b, const char *top, const char *unit, const char **ret_failed);
/* A synced temporary for the drop-in of each touched property, with the
 * text work gives it; -errno, with *ret_failed the drop-in whose temporary
 * could not be written (NULL: no memory). */
int dropin_batch_write(DropInBatch *b, const UnitConf *work, const bool touched[_UNIT_CONF_PROPERTY_MAX],
                       const char **ret_failed);
/* With r >= 0 (what came before succeeded), renames the temporaries into
 * place in order, *renamed once one is; stops at the first that fails
 * (-errno, *ret_failed its drop-in). Every temporary not renamed is
 * removed. Returns r otherwise. */
int dropin_batch_rename(DropInBatch *b, int r, const char *unit, bool *renamed, const char **ret_failed);
/* Syncs the directory and top, so that new names and a new directory are
 * on disk. */
int dropin_batch_sync(DropInBatch *b);
/* Removes what temporaries are left, frees. */
void dropin_batch_done(DropInBatch *b);

/* Removes the temporaries (".#50-resctl-*") a crash left in the unit
 * directories below tops[0] and tops[1]. */
void dropin_clean_temporaries(const char *const tops[static 2]);
