/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* caller.c: sender credentials and polkit, parking the call while asking. */

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-bus.h>

struct Manager;
struct Caller;

/* 1: go on (*ret filled), 0: parked (the handler returns 1), <0: denied/failed (error set).
 * A parked call is rewound before it is handed back to its handler. */
int caller_authorize(struct Manager *m, sd_bus_message *msg, const char *action, struct Caller **ret,
                     sd_bus_error *error);
void caller_free(struct Caller *c);
void caller_forget(struct Manager *m, const char *sender);
/* The call was answered (or dropped): its polkit answer, if any, goes too. */
void caller_call_done(struct Manager *m, sd_bus_message *msg);
/* Whether the process that opened the caller's connection still runs. */
bool caller_alive(struct Caller *c);
size_t auth_queries_count(struct Manager *m);
void auth_queries_free(struct Manager *m);
