/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd.c's reading of a unit's properties, from a GetAll reply or a
 * PropertiesChanged signal of org.freedesktop.systemd1.Unit. */

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>

typedef struct UnitProps {
        sd_id128_t invocation;
        bool has_invocation;
        char *active_state;
        char *load_state;
        char *slice;
        char *fragment;
        char **dropins;
        size_t n_dropins;
} UnitProps;

void unit_props_done(UnitProps *p);
/* Reads an a{sv} of properties into p (what it has of them). */
int unit_props_read(sd_bus_message *msg, UnitProps *p);
