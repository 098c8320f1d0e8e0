/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd.c's question about one unit it does not follow as running:
 * does it run? (systemd-check.c) */

#include <systemd/sd-bus.h>

#include "list.h"

/* Asks PID 1 with ListUnitsByPatterns, which lists loaded units only and
 * never loads one (an unloaded unit does not run). If the unit does not
 * run, stopped(userdata, unit) is called; no answer is no news. The
 * pending question is linked into `pending` until its answer. */
int unit_check_start(sd_bus *bus, ListHead *pending, const char *unit, void (*stopped)(void *userdata, const char *unit),
                     void *userdata);
/* Drops every pending question of `pending` (their answers are ignored). */
void unit_checks_cancel(ListHead *pending);
