/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdlib.h>

#include "engine.h"
#include "group-internal.h"
#include "macro.h"

rc_engine *rc_engine_new(void) {
        rc_engine *e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        list_init(&e->resources);
        e->next_charge_id = 1;
        if (rc_group_get(e, RC_ROOT_GROUP, NULL, &e->root, NULL) < 0) {
                rc_engine_free(e);
                return NULL;
        }
        return e;
}

void rc_engine_free(rc_engine *e) {
        if (!e)
                return;
        /* Charges first: each is freed without touching counters. */
        for (size_t b = 0; b < e->charges.n_buckets; b++)
                for (HashNode *n = e->charges.buckets[b], *next; n; n = next) {
                        next = n->next;
                        free(container_of(n, rc_charge, node));
                }
        hashmap_done(&e->charges);
        charge_cache_free(e);
        hashmap_done(&e->counter_keys);
        for (size_t b = 0; b < e->groups.n_buckets; b++)
                for (HashNode *n = e->groups.buckets[b], *next; n; n = next) {
                        next = n->next;
                        group_free(container_of(n, rc_group, node));
                }
        hashmap_done(&e->groups);
        list_for_each_safe(l, &e->resources)
                resource_free(list_entry(l, rc_resource, link));
        free(e->slots);
        free(e);
}
