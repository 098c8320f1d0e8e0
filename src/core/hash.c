/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

static inline uint64_t mix(uint64_t h) {
        h ^= h >> 32;
        h *= UINT64_C(0xd6e8feb86659fd93);
        h ^= h >> 32;
        return h;
}

uint64_t hash_string(const char *s) {
        /* Eight bytes a step (names are 10-40 bytes: FNV-1a's multiply per
         * byte was most of a lookup), then a final mix so that the low bits
         * that pick the bucket depend on every byte. Not a keyed hash: the
         * table is not exposed to hostile collision attacks beyond what
         * polkit-checked callers can create. */
        size_t n = strlen(s);
        uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ ((uint64_t) n * UINT64_C(0xff51afd7ed558ccd)), w;
        if (n < 8) {
                w = 0;
                for (size_t i = 0; i < n; i++)
                        w |= (uint64_t) (unsigned char) s[i] << (8 * i);
                return mix((h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53));
        }
        const char *last = s + n - 8;
        for (; s < last; s += 8) {
                memcpy(&w, s, 8);
                h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
                h ^= h >> 29;
        }
        /* The last 8 bytes, overlapping the previous word if need be. */
        memcpy(&w, last, 8);
        return mix((h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53));
}

uint64_t hash_u64(uint64_t v) {
        /* splitmix64 finaliser: sequential ids spread over all buckets. */
        v ^= v >> 30;
        v *= UINT64_C(0xbf58476d1ce4e5b9);
        v ^= v >> 27;
        v *= UINT64_C(0x94d049bb133111eb);
        v ^= v >> 31;
        return v;
}

static int hashmap_resize(Hashmap *h, size_t n_buckets) {
        HashNode **b = calloc(n_buckets, sizeof(HashNode *));
        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < h->n_buckets; i++)
                for (HashNode *n = h->buckets[i], *next; n; n = next) {
                        next = n->next;
                        size_t j = n->hash & (n_buckets - 1);
                        n->next = b[j];
                        b[j] = n;
                }
        free(h->buckets);
        h->buckets = b;
        h->n_buckets = n_buckets;
        return 0;
}

int hashmap_grow(Hashmap *h) {
        return hashmap_resize(h, h->n_buckets ? h->n_buckets * 2 : 16);
}

void hashmap_done(Hashmap *h) {
        free(h->buckets);
        *h = (Hashmap) {0};
}

typedef struct StrEntry {
        HashNode node;
        char s[];
} StrEntry;

static bool str_entry_eq(const HashNode *n, const void *key) {
        return strcmp(((const StrEntry *) n)->s, key) == 0;
}

const char *strset_string(const HashNode *n) {
        return ((const StrEntry *) n)->s;
}

int strset_add(Hashmap *h, const char *s) {
        uint64_t hash = hash_string(s);
        if (hashmap_get(h, hash, s, str_entry_eq))
                return 0;
        size_t len = strlen(s);
        StrEntry *e = malloc(sizeof(*e) + len + 1);
        if (!e)
                return -ENOMEM;
        memcpy(e->s, s, len + 1);
        if (hashmap_put(h, &e->node, hash) < 0) {
                free(e);
                return -ENOMEM;
        }
        return 1;
}

bool strset_contains(const Hashmap *h, const char *s) {
        return hashmap_get(h, hash_string(s), s, str_entry_eq);
}

bool strset_remove(Hashmap *h, const char *s) {
        HashNode *n = hashmap_get(h, hash_string(s), s, str_entry_eq);
        if (!n)
                return false;
        hashmap_remove(h, n);
        free(n);
        return true;
}

void strset_free(Hashmap *h) {
        for (size_t b = 0; b < h->n_buckets; b++)
                for (HashNode *n = h->buckets[b], *next; n; n = next) {
                        next = n->next;
                        free(n);
                }
        hashmap_done(h);
}
