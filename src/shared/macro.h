/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The few helpers every file wants: cleanup attributes, array sizes,
 * and a checked allocation. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* Hand a cleanup-owned pointer to the caller. */
#define TAKE_PTR(p)                             \
        __extension__ ({                                      \
                __typeof__(p) _p = (p);         \
                (p) = NULL;                     \
                _p;                             \
        })
#define TAKE_FD(fd)                             \
        __extension__ ({                                      \
                int _fd = (fd);                 \
                (fd) = -EBADF;                  \
                _fd;                            \
        })

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define isempty(s) (!(s) || !*(s))

/* Room for one more element at index n of an array that holds *allocated:
 * doubles it (starting at initial). 0, or -ENOMEM with the array unchanged. */
static inline int grow_array(void **array, size_t size, size_t n, size_t *allocated, size_t initial) {
        if (n < *allocated)
                return 0;
        size_t a = *allocated ? *allocated * 2 : initial;
        void *v = realloc(*array, a * size);
        if (!v)
                return -ENOMEM;
        *array = v;
        *allocated = a;
        return 0;
}
#define GROW_ARRAY(array, n, allocated, initial) \
        grow_array((void **) &(array), sizeof(*(array)), (n), &(allocated), (initial))
