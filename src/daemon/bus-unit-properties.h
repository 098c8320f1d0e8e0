/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

typedef struct Manager Manager;

/* SetUnitProperties: reads and checks the a(sv) properties of unit, then
 * has unit_settings_set() write and apply them. */
int bus_unit_properties_set(Manager *m, const char *unit, bool runtime, sd_bus_message *properties,
                            sd_bus_error *error);
