/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* An intrusive circular doubly linked list, as the kernel's list.h: a head
 * is an entry that points at itself when empty. */

#include <stdbool.h>
#include <stddef.h>

typedef struct ListHead {
        struct ListHead *next, *prev;
} ListHead;

#define LIST_HEAD_INIT(h) { &(h), &(h) }

static inline void list_init(ListHead *h) {
        h->next = h->prev = h;
}

static inline bool list_empty(const ListHead *h) {
        return h->next == h;
}

static inline void list_add_tail(ListHead *n, ListHead *h) {
        n->prev = h->prev;
        n->next = h;
        h->prev->next = n;
        h->prev = n;
}

static inline void list_del(ListHead *n) {
        n->prev->next = n->next;
        n->next->prev = n->prev;
        n->next = n->prev = n;
}

#define container_of(ptr, type, member) ((type *) ((char *) (ptr) - offsetof(type, member)))
#define list_entry(ptr, type, member) container_of(ptr, type, member)

#define list_for_each(pos, head) for (ListHead *pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_entry(pos, head, type, member)                                    \
        for (type *pos = list_entry((head)->next, type, member); &pos->member != (head); \
             pos = list_entry(pos->member.next, type, member))
/* Safe against removal of pos. */
#define list_for_each_safe(pos, head)                                                   \
        for (ListHead *pos = (head)->next, *pos##_next = pos->next; pos != (head);      \
             pos = pos##_next, pos##_next = pos->next)
