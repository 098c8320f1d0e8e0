/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Resources and their counters. Registration order is the order in which
 * every file lists them, as the kernel's resource table and region/device
 * lists are. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "group-internal.h"
#include "macro.h"

rc_resource *rc_resource_find(rc_engine *e, rc_controller c, const char *name) {
        list_for_each(l, &e->resources) {
                rc_resource *r = list_entry(l, rc_resource, link);
                if (r->controller == c && streq(r->name, name))
                        return r;
        }
        return NULL;
}

int rc_resource_lookup(rc_engine *e, const char *key, rc_resource **ret, rc_err *err) {
        rc_key k;
        int r = rc_key_parse(key, &k, err);
        if (r < 0)
                return r;
        if (k.controller == RC_RDMA && k.kind >= 0)
                return rc_errf(err, EINVAL, "'%s' names a kind of a device: use rdma/%s", key, k.name);
        rc_resource *res = rc_resource_find(e, k.controller, k.name);
        if (!res)
                return rc_errf(err, ENODEV, "resource %s/%s is not registered", rc_controller_to_string(k.controller), k.name);
        *ret = res;
        return 0;
}

static bool counter_key_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, rc_counter, key_node)->key, key);
}

int rc_counter_find(rc_engine *e, const char *key, rc_counter **ret, rc_err *err) {
        /* Callers name counters by their full key: one hash lookup. Other
         * spellings ("sev") and errors take the parser's way. */
        HashNode *n = key ? hashmap_get(&e->counter_keys, hash_string(key), key, counter_key_eq) : NULL;
        if (n) {
                *ret = container_of(n, rc_counter, key_node);
                return 0;
        }
        rc_key k;
        int r = rc_key_parse(key, &k, err);
        if (r < 0)
                return r;
        if (k.controller == RC_RDMA && k.kind < 0)
                return rc_errf(err, EINVAL, "'%s' needs a kind: rdma/%s/hca_handle or rdma/%s/hca_object", key, k.name, k.name);
        rc_resource *res = rc_resource_find(e, k.controller, k.name);
        if (!res)
                return rc_errf(err, ENODEV, "resource %s/%s is not registered", rc_controller_to_string(k.controller), k.name);
        *ret = &res->counters[k.controller == RC_RDMA ? k.kind : 0];
        return 0;
}

static int slot_alloc(rc_engine *e, rc_counter *c) {
        for (unsigned i = 0; i < e->n_slots; i++)
                if (!e->slots[i]) {
                        e->slots[i] = c;
                        c->slot = i;
                        return 0;
                }
        rc_counter **s = realloc(e->slots, (e->n_slots + 1) * sizeof(*s));
        if (!s)
                return -ENOMEM;
        e->slots = s;
        c->slot = e->n_slots;
        e->slots[e->n_slots++] = c;
        return 0;
}

static int check_capacity(const rc_key *k, uint64_t capacity, rc_err *err) {
        if (k->controller == RC_DMEM && capacity == 0)
                return rc_errf(err, EINVAL, "dmem region %s: size must be greater than 0", k->name);
        return 0;
}

void resource_free(rc_resource *r) {
        for (unsigned i = 0; i < r->n_counters; i++)
                free(r->counters[i].key);
        free(r->name);
        free(r->key);
        free(r);
}

static rc_resource *resource_new(const rc_key *k) {
        _cleanup_free_ rc_resource *r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        r->controller = k->controller;
        r->n_counters = k->controller == RC_RDMA ? _RC_RDMA_KIND_MAX : 1;
        r->name = strdup(k->name);
        if (asprintf(&r->key, "%s/%s", rc_controller_to_string(k->controller), k->name) < 0)
                r->key = NULL;
        bool ok = r->name && r->key;
        for (unsigned i = 0; i < r->n_counters; i++) {
                rc_counter *c = &r->counters[i];
                c->resource = r;
                c->kind = (rc_rdma_kind) i;
                list_init(&c->charges);
                if (k->controller == RC_RDMA) {
                        if (asprintf(&c->key, "%s/%s", r->key, rc_rdma_kind_to_string(c->kind)) < 0)
                                c->key = NULL;
                } else
                        c->key = r->key ? strdup(r->key) : NULL;
                ok = ok && c->key;
        }
        if (!ok) {
                resource_free(TAKE_PTR(r));
                return NULL;
        }
        return TAKE_PTR(r);
}

int rc_resource_register(rc_engine *e, const char *key, uint64_t capacity, rc_resource **ret,
                         bool *created, rc_err *err) {
        rc_key k;
        int r = rc_key_parse(key, &k, err);
        if (r < 0)
                return r;
        if (k.controller == RC_RDMA && k.kind >= 0)
                return rc_errf(err, EINVAL, "register the device rdma/%s, not one of its kinds", k.name);
        r = check_capacity(&k, capacity, err);
        if (r < 0)
                return r;

        rc_resource *res = rc_resource_find(e, k.controller, k.name);
        if (res) {
                if (created)
                        *created = false;
                if (ret)
                        *ret = res;
                return rc_resource_set_capacity(e, res, capacity, err);
        }

        res = resource_new(&k);
        if (!res)
                return rc_errf(err, ENOMEM, "out of memory");
        res->capacity = k.controller == RC_RDMA ? RC_MAX : capacity;
        for (unsigned i = 0; i < res->n_counters; i++)
                if (slot_alloc(e, &res->counters[i]) < 0) {
                        for (unsigned j = 0; j < i; j++)
                                e->slots[res->counters[j].slot] = NULL;
                        resource_free(res);
                        return rc_errf(err, ENOMEM, "out of memory");
                }
        for (unsigned i = 0; i < res->n_counters; i++)
                if (hashmap_put(&e->counter_keys, &res->counters[i].key_node, hash_string(res->counters[i].key)) < 0) {
                        for (unsigned j = 0; j < i; j++)
                                hashmap_remove(&e->counter_keys, &res->counters[j].key_node);
                        for (unsigned j = 0; j < res->n_counters; j++)
                                e->slots[res->counters[j].slot] = NULL;
                        resource_free(res);
                        return rc_errf(err, ENOMEM, "out of memory");
                }
        list_add_tail(&res->link, &e->resources);
        e->n_resources++;
        if (created)
                *created = true;
        if (ret)
                *ret = res;
        return 0;
}

int rc_resource_set_capacity(rc_engine *e, rc_resource *res, uint64_t capacity, rc_err *err) {
        (void) e;
        if (res->controller == RC_RDMA)
                return capacity == RC_MAX ? 0 : rc_errf(err, EINVAL, "%s: rdma devices have no capacity (only max)", res->key);
        if (res->controller == RC_DMEM && capacity == 0)
                return rc_errf(err, EINVAL, "%s: a region size must be greater than 0 (unregister it instead)", res->key);
        /* misc: 0 keeps the resource and its limits, but makes it unavailable (1.8). */
        res->capacity = capacity;
        return 0;
}

void rc_resource_unregister(rc_engine *e, rc_resource *res, rc_release_fn release, void *userdata) {
        for (unsigned i = 0; i < res->n_counters; i++) {
                rc_counter *c = &res->counters[i];
                list_for_each_safe(l, &c->charges) {
                        rc_charge *ch = list_entry(l, rc_charge, counter_link);
                        if (release)
                                release(ch, userdata);
                        rc_charge_uncharge(e, ch, 0);
                }
        }
        /* Every pool of the resource goes: a later registration starts from
         * defaults (DMEM-08), as the kernel's fresh region/device does. */
        hashmap_for_each(n, &e->groups) {
                rc_group *g = container_of(n, rc_group, node);
                for (unsigned i = 0; i < res->n_counters; i++) {
                        unsigned s = res->counters[i].slot;
                        if (s < g->n_pools) {
                                free(g->pools[s]);
                                g->pools[s] = NULL;
                        }
                }
        }
        for (unsigned i = 0; i < res->n_counters; i++) {
                e->slots[res->counters[i].slot] = NULL;
                hashmap_remove(&e->counter_keys, &res->counters[i].key_node);
        }
        list_del(&res->link);
        e->n_resources--;
        resource_free(res);
        /* Groups held only by limits on this resource are gone now. Collect
         * first: gc frees groups while the table is being walked. */
        size_t n = 0, cap = e->groups.n_entries;
        _cleanup_free_ rc_group **gs = calloc(cap ? cap : 1, sizeof(*gs));
        if (!gs)
                return;
        hashmap_for_each(node, &e->groups) {
                rc_group *g = container_of(node, rc_group, node);
                if (g->n_children == 0 && n < cap)
                        gs[n++] = g;
        }
        for (size_t i = 0; i < n; i++)
                rc_group_gc(e, gs[i]);
}
