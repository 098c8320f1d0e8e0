/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* src/core/hash.c: the string set on the hash table. */

#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "test.h"

TEST(test_strset) {
        Hashmap h = {0};
        CHECK_EQ_INT(strset_add(&h, "a.slice"), 1);
        CHECK_EQ_INT(strset_add(&h, "a.slice"), 0);
        CHECK_EQ_INT(strset_add(&h, "b.slice"), 1);
        CHECK(strset_contains(&h, "a.slice"));
        CHECK(!strset_contains(&h, "c.slice"));
        CHECK(h.n_entries == 2);
        CHECK(strset_remove(&h, "a.slice"));
        CHECK(!strset_remove(&h, "a.slice"));
        CHECK(!strset_contains(&h, "a.slice"));
        size_t seen = 0;
        hashmap_for_each(n, &h)
                seen += strcmp(strset_string(n), "b.slice") == 0;
        CHECK(seen == 1);
        /* Past the table's first growth (16 buckets). */
        char name[32];
        for (int i = 0; i < 100; i++) {
                snprintf(name, sizeof(name), "u%d.scope", i);
                CHECK_EQ_INT(strset_add(&h, name), 1);
        }
        CHECK(h.n_entries == 101 && strset_contains(&h, "u99.scope") && strset_contains(&h, "b.slice"));
        strset_free(&h);
        CHECK(h.n_entries == 0 && h.n_buckets == 0 && !strset_contains(&h, "b.slice"));
}

int main(void) {
        RUN(test_strset);
        return TEST_EXIT();
}
