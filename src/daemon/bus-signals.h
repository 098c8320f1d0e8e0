/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* bus-signals.c: the bus sink of the manager's events (manager-events.h),
 * the one file that spells resctld's signals: those of
 * org.resctl.Manager and the PropertiesChanged of the groups. Signals
 * are queued (manager_queue()) and sent after the next commit. */

#include "manager-events.h"

struct Manager;

ManagerSink bus_signals_sink(struct Manager *m);
