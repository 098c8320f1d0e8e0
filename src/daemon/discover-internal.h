/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What discover.c and discover-sev.c keep to themselves, declared for the
 * fuzz target that drives their parsers (tests/fuzz/fuzz-sysfs.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "discover.h"

#define REGIONS_MAX 16

typedef struct Region {
        char name[64];                  /* vram, vram0, ... */
        char key[300];                  /* dmem/drm/<unique>/<name>, rdma/<dev>, misc/sev */
        uint64_t capacity;
} Region;

typedef struct Origin {
        struct Origin *next;
        char *id;
        char **keys;
        size_t n_keys;
} Origin;

struct Discovery {
        DiscoveryCallbacks cb;
        void *userdata;
        char *cgroup_root;
        struct udev *udev;
        struct udev_monitor *monitor;
        const char *monitor_kind;       /* "udev" or "kernel" */
        const char *monitor_reason;     /* why that one */
        sd_event_source *source;
        Origin *origins;
};

typedef struct Gpu {
        const char *card;               /* card0 */
        const char *unique;             /* the parent's name: a PCI address */
        const char *driver;             /* "" when none */
        const char *dir;                /* the parent's syspath (= cardN/device) */
        const char *card_dir;
} Gpu;

/* Makes id own exactly the keys of regions (n == 0: forget it). Returns how
 * many keys it owns now. */
size_t origin_set(Discovery *d, const char *id, const Region *regions, size_t n);
void origin_drop(Discovery *d, const char *id);
bool region_name_ok(const char *s);
/* A size attribute: 1 found, 0 absent, <0 unusable (warned). */
int gpu_read_size(const Gpu *g, const char *dir, const char *rel, uint64_t *ret);
int gpu_regions_from_property(const Gpu *g, const char *value, Region *regions);
int gpu_regions_from_dmem_capacity(const char *cgroup_root, const Gpu *g, Region *regions);

/* discover-sev.c: misc.capacity's sev and sev_es lines. */
int parse_misc_capacity(char *text, uint64_t *sev, uint64_t *sev_es);
