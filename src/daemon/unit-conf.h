/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The [X-Resctl] settings of one unit (api.md "Unit files"): the model, the
 * unit-file parser and the drop-in writer's text. Pure code: no I/O besides
 * log_warning() for lines that are skipped. unit-files.c reads the files,
 * unit-settings.c applies the result, dropin.c writes drop-ins.
 *
 * Functions return 0 or a negative errno.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

typedef enum UnitConfProperty {
        UNIT_CONF_MISC_MAX,
        UNIT_CONF_DMEM_MIN,
        UNIT_CONF_DMEM_LOW,
        UNIT_CONF_DMEM_MAX,
        UNIT_CONF_RDMA_MAX,
        UNIT_CONF_SLICE,
        _UNIT_CONF_PROPERTY_MAX,
        _UNIT_CONF_LIST_MAX = UNIT_CONF_SLICE,  /* the properties before Slice are lists */
        _UNIT_CONF_PROPERTY_INVALID = -EINVAL,
} UnitConfProperty;

/* One list entry. name is a misc resource ("sev"), a dmem region
 * ("drm/0000:03:00.0/vram0") or an rdma device ("mlx5_0"). misc and dmem
 * use value[0] (set[0] is always true); rdma uses one slot per
 * rc_rdma_kind, and an entry sets only the kinds it names. UINT64_MAX is
 * "max". */
typedef struct UnitConfEntry {
        char *name;
        uint64_t value[_RC_RDMA_KIND_MAX];
        bool set[_RC_RDMA_KIND_MAX];
        /* value is a share of the resource's capacity, in parts of
         * RC_PERCENT_WHOLE: the limit in force follows the capacity. */
        bool percent[_RC_RDMA_KIND_MAX];
} UnitConfEntry;

/* Insertion order; setting an existing name replaces its value in place. */
typedef struct UnitConfList {
        UnitConfEntry *entries;
        size_t n;
} UnitConfList;

typedef struct UnitConf {
        UnitConfList lists[_UNIT_CONF_LIST_MAX];
        char *slice;                    /* NULL: not set */
} UnitConf;

const char *unit_conf_property_to_string(UnitConfProperty p);
UnitConfProperty unit_conf_property_from_string(const char *s);
/* The controller a list property is about. */
rc_controller unit_conf_property_controller(UnitConfProperty p);
/* The interface file a list property writes ("misc.max", "dmem.low", ...). */
const char *unit_conf_property_file(UnitConfProperty p);
/* What a key goes back to when its setting is gone: 0 for DMemMin/DMemLow, else max. */
uint64_t unit_conf_property_default(UnitConfProperty p);

void unit_conf_done(UnitConf *c);
static inline void unit_conf_donep(UnitConf *c) {
        unit_conf_done(c);
}
int unit_conf_copy(UnitConf *dst, const UnitConf *src);
bool unit_conf_is_empty(const UnitConf *c);
/* Empties one property (a list, or Slice). */
void unit_conf_reset(UnitConf *c, UnitConfProperty p);

/* Parses a list key as a unit file or the bus gives it, without the
 * controller: a misc name, a dmem region, an rdma device or, from the bus,
 * "device/kind" (ret->kind stays -1 when no kind is given; callers decide
 * whether they want one). Fills err with a line that says what to fix. */
int unit_conf_parse_key(UnitConfProperty p, const char *key, rc_key *ret, rc_err *err);
/* rdma limits are ints in the kernel: at most RC_S32_MAX, or UINT64_MAX. */
int unit_conf_check_value(UnitConfProperty p, uint64_t value, rc_err *err);

/* Sets name's value (for rdma: of one kind) in a list property. No checks:
 * callers check with the two functions above. */
int unit_conf_set(UnitConf *c, UnitConfProperty p, const char *name, rc_rdma_kind kind, uint64_t value);
/* The same, for a value that may be a percentage (parts of RC_PERCENT_WHOLE). */
int unit_conf_set_full(UnitConf *c, UnitConfProperty p, const char *name, rc_rdma_kind kind, uint64_t value,
                       bool percent);
/* A value as unit files and the bus's text form give it: a size
 * ("4G", "max") or, except for RdmaMax (rdma has no capacity), a
 * percentage ("12.5%"). */
int unit_conf_parse_value(UnitConfProperty p, const char *s, uint64_t *ret, bool *ret_percent, rc_err *err);
/* The absolute value of an entry's kind k for a resource of that capacity
 * (percentages round down). */
uint64_t unit_conf_entry_absolute(const UnitConfEntry *e, int k, uint64_t capacity);
int unit_conf_set_slice(UnitConf *c, const char *slice);
/* NULL when the list has no entry of that name. */
const UnitConfEntry *unit_conf_find(const UnitConf *c, UnitConfProperty p, const char *name);

/* Applies one unit file or drop-in on top of c: call it once per file, in
 * systemd's order. Only [X-Resctl] counts. Bad lines are logged as
 * "filename:line: ..." (filename may be NULL), counted in *n_bad (may be
 * NULL) and skipped. Fails only on -ENOMEM. */
int unit_conf_parse(UnitConf *c, const char *text, const char *filename, unsigned *n_bad);

/* The text of the drop-in "resctl set-property" writes for one property
 * (by name, "MiscMax"): header, reset line, one line per entry. NULL for
 * an unknown property or when out of memory. */
char *unit_conf_format_dropin(const UnitConf *c, const char *property);
