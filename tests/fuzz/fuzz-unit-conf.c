/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The [X-Resctl] settings of unit files and drop-ins (src/daemon/unit-conf.c).
 *
 * Input: the text of one unit file; NUL bytes split it into several files
 * applied in order, as systemd's fragment and drop-ins are.
 *
 * Checked, beyond memory safety:
 *   - every accepted setting satisfies the model's rules (names parse as
 *     resource keys, rdma values are ints or max, a Slice is a slice);
 *   - the drop-ins SetUnitProperties would write for every property
 *     (unit_conf_format_dropin) parse back without a bad line into exactly
 *     the same settings, and applying them again on top changes nothing;
 *   - unit_conf_copy() gives an equal copy. */

#include <inttypes.h>
#include <stdbool.h>

#include "engine.h"
#include "fuzz.h"
#include "log.h"
#include "macro.h"
#include "unit-conf.h"

static void conf_print(FILE *f, const UnitConf *c) {
        for (int p = 0; p < _UNIT_CONF_LIST_MAX; p++) {
                const UnitConfList *l = &c->lists[p];
                for (size_t i = 0; i < l->n; i++) {
                        const UnitConfEntry *e = &l->entries[i];
                        fprintf(f, "%s %s", unit_conf_property_to_string(p), e->name);
                        for (int k = 0; k < _RC_RDMA_KIND_MAX; k++)
                                if (e->set[k])
                                        fprintf(f, " [%d]=%" PRIu64, k, e->value[k]);
                        fputc('\n', f);
                }
        }
        fprintf(f, "Slice %s\n", c->slice ? c->slice : "(unset)");
}

static char *conf_text(const UnitConf *c) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        FUZZ_ASSERT(f, "out of memory");
        conf_print(f, c);
        FUZZ_ASSERT(fclose(f) == 0, "out of memory");
        return text;
}

static void check_model(const UnitConf *c) {
        for (int p = 0; p < _UNIT_CONF_LIST_MAX; p++) {
                const UnitConfList *l = &c->lists[p];
                for (size_t i = 0; i < l->n; i++) {
                        const UnitConfEntry *e = &l->entries[i];
                        rc_key key;
                        FUZZ_ASSERT(unit_conf_parse_key(p, e->name, &key, NULL) == 0 && streq(key.name, e->name),
                                    "%s entry '%s' is not a resource name", unit_conf_property_to_string(p), e->name);
                        FUZZ_ASSERT(key.kind < 0, "entry '%s' names a kind", e->name);
                        for (size_t j = 0; j < i; j++)
                                FUZZ_ASSERT(!streq(l->entries[j].name, e->name), "'%s' listed twice", e->name);
                        bool any = false;
                        for (int k = 0; k < _RC_RDMA_KIND_MAX; k++) {
                                if (!e->set[k])
                                        continue;
                                any = true;
                                FUZZ_ASSERT(p == UNIT_CONF_RDMA_MAX || k == 0, "kind %d set outside RdmaMax", k);
                                FUZZ_ASSERT(unit_conf_check_value(p, e->value[k], NULL) == 0, "%s %s = %" PRIu64,
                                            unit_conf_property_to_string(p), e->name, e->value[k]);
                        }
                        FUZZ_ASSERT(any, "entry '%s' sets nothing", e->name);
                }
        }
        FUZZ_ASSERT(!c->slice || rc_slice_name_is_valid(c->slice), "Slice '%s'", c->slice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static bool quiet = false;
        if (!quiet) {
                /* every bad line is logged: keep the fuzzer's output readable */
                log_set_max_level(LOG_CRIT);
                quiet = true;
        }
        if (size > 16384)
                return 0;
        char *buf = malloc(size + 1);
        FUZZ_ASSERT(buf, "out of memory");
        if (size)
                memcpy(buf, data, size);
        buf[size] = 0;

        UnitConf c = { 0 };
        for (size_t off = 0; off <= size;) {
                const char *text = buf + off;
                off += strlen(text) + 1;
                unsigned n_bad = 0;
                FUZZ_ASSERT(unit_conf_parse(&c, text, "fuzz.service", &n_bad) == 0, "parse failed");
        }
        check_model(&c);
        char *want = conf_text(&c);

        /* What SetUnitProperties writes, one drop-in per property. */
        UnitConf back = { 0 }, again = { 0 };
        FUZZ_ASSERT(unit_conf_copy(&again, &c) == 0, "copy");
        char *copied = conf_text(&again);
        FUZZ_ASSERT(streq(copied, want), "copy differs:\n%s---\n%s", want, copied);
        free(copied);
        for (int p = 0; p < _UNIT_CONF_PROPERTY_MAX; p++) {
                char *dropin = unit_conf_format_dropin(&c, unit_conf_property_to_string(p));
                FUZZ_ASSERT(dropin, "no drop-in for %s", unit_conf_property_to_string(p));
                unsigned n_bad = 0;
                FUZZ_ASSERT(unit_conf_parse(&back, dropin, "50-resctl.conf", &n_bad) == 0, "parse failed");
                FUZZ_ASSERT(n_bad == 0, "the drop-in written for %s has %u bad line(s):\n%s", unit_conf_property_to_string(p),
                            n_bad, dropin);
                n_bad = 0;
                FUZZ_ASSERT(unit_conf_parse(&again, dropin, "50-resctl.conf", &n_bad) == 0 && n_bad == 0, "parse failed");
                free(dropin);
        }
        char *got = conf_text(&back);
        FUZZ_ASSERT(streq(got, want), "settings written as drop-ins read back as\n%s---instead of\n%s", got, want);
        free(got);
        got = conf_text(&again);
        FUZZ_ASSERT(streq(got, want), "the drop-ins applied on top changed\n%s---into\n%s", want, got);
        free(got);

        free(want);
        unit_conf_done(&back);
        unit_conf_done(&again);
        unit_conf_done(&c);
        free(buf);
        return 0;
}
