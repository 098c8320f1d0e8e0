/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* An intrusive chained hash table. Entries embed a HashNode; the table
 * never allocates per entry, so a lookup is one hash and a short chain. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct HashNode {
        struct HashNode *next;
        uint64_t hash;
} HashNode;

typedef struct Hashmap {
        HashNode **buckets;
        size_t n_buckets;       /* a power of two, or 0 */
        size_t n_entries;
} Hashmap;

typedef bool (*hash_eq_fn)(const HashNode *n, const void *key);

uint64_t hash_string(const char *s);
uint64_t hash_u64(uint64_t v);

int hashmap_put(Hashmap *h, HashNode *n, uint64_t hash);
void hashmap_remove(Hashmap *h, HashNode *n);
HashNode *hashmap_get(const Hashmap *h, uint64_t hash, const void *key, hash_eq_fn eq);
void hashmap_done(Hashmap *h);

/* Iteration in bucket order; the callback may not change the table. */
#define hashmap_for_each(node, h)                                                       \
        for (size_t _b = 0; _b < (h)->n_buckets; _b++)                                  \
                for (HashNode *node = (h)->buckets[_b]; node; node = node->next)
