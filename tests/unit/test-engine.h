/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers shared by the engine tests. */

#include <stdlib.h>

#include "engine.h"
#include "test.h"

/* A file of g reads exactly `expected`. */
#define CHECK_FILE(e, g, file, expected)                                \
        do {                                                            \
                char *_s = NULL;                                        \
                CHECK_EQ_INT(rc_file_read((e), (g), (file), &_s, NULL), 0); \
                CHECK_EQ_STR(_s, (expected));                           \
                free(_s);                                               \
        } while (0)

/* A group pinned like a live unit, so that it is never collected under a test. */
static inline rc_group *group(rc_engine *e, const char *name) {
        rc_group *g = NULL;
        CHECK_EQ_INT(rc_group_get(e, name, NULL, &g, NULL), 0);
        if (g)
                rc_group_pin(e, g, true);
        return g;
}
