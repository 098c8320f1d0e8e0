/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A unit's [X-Resctl] settings, kept by the manager and applied to the
 * engine (unit-settings.c): loaded from unit files, changed by
 * SetUnitProperties through drop-ins. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "engine.h"
#include "unit-conf.h"

typedef struct Manager Manager;

/* One property of a SetUnitProperties call: its entries, or an empty list
 * (reset). */
typedef struct UnitChange {
        UnitConfProperty prop;
        UnitConf add;
} UnitChange;

typedef struct UnitChanges {
        UnitChange *v;
        size_t n;
} UnitChanges;

void unit_changes_free(UnitChange *v, size_t n);
void unit_changes_done(UnitChanges *c);

int unit_settings_load(Manager *m);
int unit_settings_apply_resource(Manager *m, const rc_resource *r);
/* The capacity of r changed: percentage settings are applied again. */
int unit_settings_capacity_changed(Manager *m, const rc_resource *r);
/* The checked changes of one SetUnitProperties call (bus-unit-properties.c):
 * drop-ins, then the engine. */
int unit_settings_set(Manager *m, const char *unit, bool runtime, const UnitChanges *changes, sd_bus_error *error);
/* The same for one key of a list property (misc, dmem), as if
 * SetUnitProperties had been called with it (UnitConfProperty values). */
int unit_settings_set_value(Manager *m, const char *unit, bool runtime, int property, const char *name,
                            uint64_t value, sd_bus_error *error);
void unit_settings_free_all(Manager *m);
/* Removes the temporaries of drop-ins a crash left behind. */
void unit_settings_clean_temporaries(Manager *m);

/* The unit search path (colon-separated), highest priority first. */
const char *unit_settings_unit_path(Manager *m);

/* For systemd.c: one unit's settings from the files systemd reports
 * (fragment, then drop-ins in systemd's order), merged with the
 * set-property drop-ins in the control directories; applies what changed. */
int unit_settings_load_unit(Manager *m, const char *unit, const char *fragment, char *const *dropins,
                            size_t n_dropins);
/* Its cgroup appeared before systemd said it runs: its settings from the
 * unit directories. */
int unit_settings_load_scanned(Manager *m, const char *unit);
/* The unit stopped: its settings are dropped (limits back to defaults). */
void unit_settings_forget(Manager *m, const char *unit);
/* Whether the unit's settings have `resource` ("dev/kind" for rdma) of `file`. */
bool unit_settings_has_limit(Manager *m, const char *unit, const char *file, const char *resource);
/* Drops the settings of every unit keep() refuses. */
void unit_settings_retain(Manager *m, bool (*keep)(Manager *m, const char *unit));
