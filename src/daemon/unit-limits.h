/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Unit settings becoming limits in the engine (unit-limits.c). */

#include <stdbool.h>

#include "unit-conf.h"
#include "unit-settings.h"

/* Writes one key's value (for rdma: the kinds in `kinds`) as e says it, or
 * the default where e has none; with forget, drops the key's runtime
 * WriteFile records first. Waits (does nothing) while the resource cannot
 * take a limit. */
void unit_limits_apply_key(Manager *m, const char *unit, UnitConfProperty p, const char *name, const UnitConfEntry *e,
                           const bool kinds[_RC_RDMA_KIND_MAX], bool forget);
/* Whether e has a percentage. */
bool unit_limits_has_percent(const UnitConfEntry *e);
/* Brings the engine from old to new for the properties in mask: every key
 * whose value changed, and every key force (may be NULL) names. */
void unit_limits_apply(Manager *m, const char *unit, const UnitConf *old, const UnitConf *new, const UnitConf *force,
                       const bool mask[_UNIT_CONF_PROPERTY_MAX], bool forget);
/* Refuses changes whose limits the kernel cannot take now (cgroup gone,
 * read-only), before any drop-in changes. */
int unit_limits_check_writable(Manager *m, const char *unit, const UnitChanges *changes, sd_bus_error *error);
