/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

typedef struct Manager Manager;

/* unit-lookup.c: 1 if systemd knows unit (it runs, or has a unit file) or
 * systemd does not run; 0 if not, with *ret_suggestions the closest names
 * ("a, b", NULL if none; free it). */
int unit_lookup_known(Manager *m, const char *unit, char **ret_suggestions);
