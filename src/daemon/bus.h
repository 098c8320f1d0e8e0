/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>

/* The bus layer: org.resctl.Manager (bus-manager.c, bus-charges.c) and
 * org.resctl.Group (bus-group.c). A handler reads its arguments, asks
 * caller_authorize() (caller.h), makes one manager_* call and queues its
 * reply; manager_commit() sends it once the effect is durable. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "engine.h"

struct Manager;

/* polkit actions (org.resctl.policy) */
#define ACTION_CHARGE "org.resctl.charge"
#define ACTION_EVICT "org.resctl.evict"
#define ACTION_MANAGE_LIMITS "org.resctl.manage-limits"
#define ACTION_MANAGE_RESOURCES "org.resctl.manage-resources"

int bus_manager_register(struct Manager *m);
int bus_group_register(struct Manager *m);
/* org.freedesktop.MemoryAllocation1 (bus-memory.c) */
int bus_memory_register(struct Manager *m);
int bus_group_path(const char *name, char **ret);

/* Reply size bound (ReplySizeMax=): what a group's ListGroups entry may
 * take, and the LimitsExceeded error of a reply over the bound. */
uint64_t bus_group_entry_size(const rc_group *g);
int bus_reply_too_large(struct Manager *m, sd_bus_error *error, size_t n, const char *what, uint64_t size,
                        const char *instead);

/* For the files of the bus layer. Upper bounds of what an entry adds to a
 * message: a string is its length, a NUL, 4 bytes of length and up to 3 of
 * padding; a struct starts on 8 bytes. */
#define BUS_REPLY_OVERHEAD 1024
uint64_t bus_size_str(const char *s);

/* ListGroups and ListCharges, whole or by pages (ReplySizeMax=). */
typedef struct BusListKind {
        const char *entry;                      /* the signature of one entry: "(sso)" */
        const char *what, *paged;               /* "groups", "ListGroupsPaged": for the error of a list too large */
        uint64_t (*size)(const void *e);        /* the most an entry adds to a message */
        int (*append)(sd_bus_message *reply, const void *e);
} BusListKind;
/* Replies with all k entries of v, or fails with LimitsExceeded naming the paged method. */
int bus_list_reply(struct Manager *m, sd_bus_message *msg, sd_bus_error *error, const BusListKind *kind,
                   void *const *v, size_t k);
/* The index of the first entry of v (sorted) that not_after() says comes after `after`. */
size_t bus_list_first_after(void *const *v, size_t k, bool (*not_after)(const void *e, const void *after),
                            const void *after);
/* A page: entries from lo on, at most max_count (0: no count), as many as
 * fit in ReplySizeMax= counted from size; *ret_last is the last entry in
 * the page when more follow (the cursor), else NULL. The caller appends
 * the cursor and sends *ret_reply. */
int bus_list_page(struct Manager *m, sd_bus_message *msg, const BusListKind *kind, void *const *v, size_t k,
                  size_t lo, uint32_t max_count, uint64_t size, sd_bus_message **ret_reply, const void **ret_last);

/* A reply to call that opens an array of contents ("(sso)"); *ret is set
 * (to be unreferenced) even when opening the array fails. */
int bus_reply_open_array(sd_bus_message *call, const char *contents, sd_bus_message **ret);

/* Queues the reply to call (types: its arguments, or NULL); 1 on success. */
/* Unless r (creating msg) failed: appends the arguments (none if types is
 * NULL) and queues msg for the next commit. */
int bus_queue_appendv(struct Manager *m, int r, sd_bus_message *msg, const char *types, va_list ap);
int bus_reply_queue(struct Manager *m, sd_bus_message *call, const char *types, ...);

/* Handlers run again when a parked call comes back (caller.c rewinds it).
 * Every method that authorizes changes something: it is refused before it
 * does while the logs cannot be written (manager_check_storage()). */
#define BUS_AUTHORIZE(m, msg, action, caller, error)                                    \
        do {                                                                            \
                int _r = caller_authorize((m), (msg), (action), (caller), (error));     \
                if (_r <= 0)                                                            \
                        return _r < 0 ? _r : 1;                                         \
                _r = manager_check_storage((m), (error));                               \
                if (_r < 0)                                                             \
                        return _r;                                                      \
        } while (0)

/* bus-charges.c: the charge methods, in bus-manager.c's vtable. */
int bus_method_charge(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_uncharge(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_list_charges(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_list_charges_paged(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_migrate_charges(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_migrate_group(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_evict(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_evict_valuable(sd_bus_message *msg, void *userdata, sd_bus_error *error);
