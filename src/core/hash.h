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

/* Inline: they are on every charge's path (by id) and every lookup by name. */
int hashmap_grow(Hashmap *h);

static inline int hashmap_put(Hashmap *h, HashNode *n, uint64_t hash) {
        if (h->n_entries >= h->n_buckets) {
                int r = hashmap_grow(h);
                if (r < 0)
                        return r;
        }
        n->hash = hash;
        size_t i = hash & (h->n_buckets - 1);
        n->next = h->buckets[i];
        h->buckets[i] = n;
        h->n_entries++;
        return 0;
}

static inline void hashmap_remove(Hashmap *h, HashNode *n) {
        if (h->n_buckets == 0)
                return;
        for (HashNode **p = &h->buckets[n->hash & (h->n_buckets - 1)]; *p; p = &(*p)->next)
                if (*p == n) {
                        *p = n->next;
                        n->next = NULL;
                        h->n_entries--;
                        return;
                }
}

static inline HashNode *hashmap_get(const Hashmap *h, uint64_t hash, const void *key, hash_eq_fn eq) {
        if (h->n_buckets == 0)
                return NULL;
        for (HashNode *n = h->buckets[hash & (h->n_buckets - 1)]; n; n = n->next)
                if (n->hash == hash && eq(n, key))
                        return n;
        return NULL;
}

void hashmap_done(Hashmap *h);

/* Iteration in bucket order; the callback may not change the table. */
#define hashmap_for_each(node, h)                                                       \
        for (size_t _b = 0; _b < (h)->n_buckets; _b++)                                  \
                for (HashNode *node = (h)->buckets[_b]; node; node = node->next)

/* A set of strings on a Hashmap, each entry one allocation (names of
 * groups, keys): what would otherwise be written out for each such set. */
/* 1: added, 0: it was there, -ENOMEM. */
int strset_add(Hashmap *h, const char *s);
bool strset_contains(const Hashmap *h, const char *s);
/* Whether it was there. */
bool strset_remove(Hashmap *h, const char *s);
/* The string of one of the set's nodes (hashmap_for_each). */
const char *strset_string(const HashNode *n);
/* Frees every entry and the table. */
void strset_free(Hashmap *h);
