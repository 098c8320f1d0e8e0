/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Charges that belong to a unit (Charge flag 0x4 UNIT): unit-charges.c. */

#include "engine.h"

typedef struct Manager Manager;

/* systemd reports the unit inactive, failed or gone: its unit charges go. */
void unit_charges_stopped(Manager *m, const char *unit);
/* A unit charge was taken: if the unit is not known to run, ask systemd. */
void unit_charges_taken(Manager *m, const rc_charge *ch);
/* After a synchronization: ask about units that hold unit charges but do not run. */
void unit_charges_retain(Manager *m);
