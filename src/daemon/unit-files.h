/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Finding and reading unit files: the [X-Resctl] settings of a unit, from
 * its fragment and drop-ins in systemd's search path. */

#include <stdbool.h>
#include <stddef.h>

#include "unit-conf.h"

/* Where unit files are; NULL members mean systemd's defaults. */
typedef struct UnitDirs {
        const char *control_dir;                /* persistent set-property drop-ins */
        const char *runtime_control_dir;        /* runtime set-property drop-ins */
        const char *unit_path;                  /* colon-separated, highest priority first */
} UnitDirs;

/* The control directories, then the unit path. */
typedef struct UnitSearchPath {
        char **dirs;                    /* highest priority first */
        size_t n;
} UnitSearchPath;

const char *unit_files_control_dir(const UnitDirs *d, bool runtime);
/* The unit search path (colon-separated), highest priority first. */
const char *unit_files_unit_path(const UnitDirs *d);

int unit_search_path_get(const UnitDirs *d, UnitSearchPath *ret);
void unit_search_path_done(UnitSearchPath *s);

/* "foo@bar.service" -> "foo@.service"; NULL if not an instance (or no memory). */
char *unit_files_template_name(const char *unit);

/* The unit's effective settings from the search path: its fragment, then
 * its drop-ins, with its template's. */
int unit_files_load(const UnitSearchPath *sp, const char *unit, UnitConf *ret);
/* The unit's settings from the files systemd reports (fragment, then
 * drop-ins in systemd's order), merged with the set-property drop-ins in
 * the control directories. */
int unit_files_load_reported(const UnitDirs *d, const char *unit, const char *fragment, char *const *dropins,
                             size_t n_dropins, UnitConf *ret);
/* Drops, with a warning, what the unit cannot take. */
void unit_files_sanitize(const char *unit, UnitConf *c);

/* Unit names with a fragment or a drop-in directory: sorted, each once;
 * free with unit_files_names_free(). */
int unit_files_scan_names(const UnitSearchPath *sp, char ***ret, size_t *n_ret);
void unit_files_names_free(char **v, size_t n);
