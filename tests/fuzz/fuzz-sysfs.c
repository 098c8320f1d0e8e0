/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What hardware discovery reads from udev, sysfs and cgroupfs
 * (src/daemon/discover.c, src/daemon/discover-sev.c): the udev property
 * RESCTL_DMEM_REGIONS, a GPU's sysfs size attributes, the kernel's
 * dmem.capacity and misc.capacity, kvm_amd's boolean parameters. Their
 * parsers and types are declared in discover-internal.h; the daemon is
 * linked as it is.
 *
 * Input: the first byte picks what the rest is:
 *   'R' RESCTL_DMEM_REGIONS; the next byte picks the driver whose sysfs
 *       attributes bare region names fall back to: 'a' amdgpu, 'x' xe,
 *       'i' i915, anything else none
 *   'D' <cgroup root>/dmem.capacity, for the GPU 0000:03:00.0
 *   'S' a sysfs size attribute (mem_info_vram_total)
 *   'C' <cgroup root>/misc.capacity, read by the SEV probe
 *   'B' a kvm_amd boolean parameter (sev, sev_es)
 *   any other byte: its value modulo 5 picks one of the above.
 *
 * Checked, beyond memory safety: what is accepted is a valid region
 * (a name usable in a resource key, a size that is neither 0 nor one the
 * dmem controller reads as max, no name twice), printing the result in the source's own format parses back
 * to the same result, and the GPU's regions handed to the discovery
 * bookkeeping (origin_set() with a real manager) become exactly those
 * resources and go again when the GPU does. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover-internal.h"
#include "fuzz.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

/* The fixed sysfs of a GPU for bare region names in RESCTL_DMEM_REGIONS. */
static const char *gpu_dir(void) {
        static char dir[512];
        if (dir[0])
                return dir;
        snprintf(dir, sizeof(dir), "%s/device", fuzz_tmpdir());
        fuzz_mkdir(dir);
        char path[1024];
        snprintf(path, sizeof(path), "%s/mem_info_vram_total", dir);
        fuzz_write_file(path, "17163091968\n", 12);
        snprintf(path, sizeof(path), "%s/lmem_total_bytes", dir);
        fuzz_write_file(path, "4294967296\n", 11);
        snprintf(path, sizeof(path), "%s/tile0", dir);
        fuzz_mkdir(path);
        snprintf(path, sizeof(path), "%s/tile0/physical_vram_size_bytes", dir);
        fuzz_write_file(path, "8589934592\n", 11);
        snprintf(path, sizeof(path), "%s/tile1", dir);
        fuzz_mkdir(path);
        snprintf(path, sizeof(path), "%s/tile1/memory", dir);
        fuzz_mkdir(path);
        snprintf(path, sizeof(path), "%s/tile1/memory/physical_vram_size_bytes", dir);
        fuzz_write_file(path, "0\n", 2);
        return dir;
}

static const char *cgroup_dir(void) {
        static char dir[512];
        if (!dir[0]) {
                snprintf(dir, sizeof(dir), "%s/cgroup", fuzz_tmpdir());
                fuzz_mkdir(dir);
        }
        return dir;
}

/* strict: the rule RESCTL_DMEM_REGIONS enforces on top (a name is not
 * given twice); dmem.capacity is the kernel's word for the rest. */
static void check_regions(const Region *regions, int n, bool strict) {
        FUZZ_ASSERT(n <= REGIONS_MAX, "%d regions", n);
        for (int i = 0; i < n; i++) {
                FUZZ_ASSERT(region_name_ok(regions[i].name), "region name '%s'", regions[i].name);
                FUZZ_ASSERT(regions[i].capacity > 0, "region %s size 0", regions[i].name);
                /* One rule for sizes from anywhere: never one dmem reads as max. */
                FUZZ_ASSERT(regions[i].capacity < RC_PCM, "region %s size %" PRIu64 " (no limit)", regions[i].name,
                            regions[i].capacity);
                if (!strict)
                        continue;
                for (int j = 0; j < i; j++)
                        FUZZ_ASSERT(!streq(regions[i].name, regions[j].name), "region %s twice", regions[i].name);
        }
}

static void check_same(const Region *a, int n, const Region *b, int m, const char *what) {
        FUZZ_ASSERT(n == m, "%s: %d regions read back as %d", what, n, m);
        for (int i = 0; i < n; i++)
                FUZZ_ASSERT(streq(a[i].name, b[i].name) && a[i].capacity == b[i].capacity,
                            "%s: %s %" PRIu64 " read back as %s %" PRIu64, what, a[i].name, a[i].capacity, b[i].name,
                            b[i].capacity);
}

/* One discovery with a real manager (empty cgroup root: no kernel
 * controllers), reused by every input. */
static Discovery *discovery(void) {
        static Manager *m = NULL;
        static Discovery d;
        if (m)
                return &d;
        FUZZ_ASSERT(manager_new(&m) >= 0, "manager_new");
        m->hardware = HARDWARE_NONE;
        m->cgroup_root = strdup(cgroup_dir());
        FUZZ_ASSERT(m->cgroup_root, "out of memory");
        d.cb = manager_discovery_callbacks;
        d.userdata = m;
        d.cgroup_root = m->cgroup_root;
        m->discovery = &d;
        return &d;
}

/* The GPU's regions become resources, exactly those, and go again. */
static void check_origin(const Region *parsed, int n) {
        Discovery *d = discovery();
        rc_engine *e = ((Manager *) d->userdata)->engine;
        Region regions[REGIONS_MAX];
        for (int i = 0; i < n; i++) {
                regions[i] = parsed[i];
                snprintf(regions[i].key, sizeof(regions[i].key), "dmem/drm/0000:03:00.0/%.63s", regions[i].name);
        }
        size_t distinct = 0;
        for (int i = 0; i < n; i++) {
                bool seen = false;
                for (int j = 0; j < i; j++)
                        seen = seen || streq(regions[j].name, regions[i].name);
                distinct += !seen;
        }
        /* (a name listed twice in dmem.capacity is owned twice: harmless) */
        size_t owned = origin_set(d, "/sys/devices/pci0000:00/0000:03:00.0/drm/card0", regions, (size_t) n);
        FUZZ_ASSERT(owned == (size_t) n && e->n_resources == distinct,
                    "%d regions (%zu names): the origin owns %zu keys, the engine has %u resources", n, distinct, owned,
                    e->n_resources);
        for (int i = 0; i < n; i++) {
                rc_resource *r;
                FUZZ_ASSERT(rc_resource_lookup(e, regions[i].key, &r, NULL) == 0, "%s not registered", regions[i].key);
                /* a name listed twice: the last size counts */
                uint64_t want = regions[i].capacity;
                for (int j = i + 1; j < n; j++)
                        if (streq(regions[j].name, regions[i].name))
                                want = regions[j].capacity;
                FUZZ_ASSERT(r->capacity == want, "%s capacity %" PRIu64 ", listed as %" PRIu64, regions[i].key,
                            r->capacity, want);
        }
        origin_drop(d, "/sys/devices/pci0000:00/0000:03:00.0/drm/card0");
        FUZZ_ASSERT(e->n_resources == 0 && !d->origins, "%u resources left after the GPU went", e->n_resources);
}

static void fuzz_property(const char *value) {
        static const char *const drivers[] = { "amdgpu", "xe", "i915", "" };
        int d = *value == 'a' ? 0 : *value == 'x' ? 1 : *value == 'i' ? 2 : 3;
        if (*value)
                value++;
        Gpu g = { .card = "card0", .unique = "0000:03:00.0", .driver = drivers[d], .dir = gpu_dir(),
                  .card_dir = gpu_dir() };
        Region regions[REGIONS_MAX], back[REGIONS_MAX];
        int n = gpu_regions_from_property(&g, value, regions);
        if (n < 0)
                return;
        check_regions(regions, n, true);
        check_origin(regions, n);
        /* Every region with its size, as an administrator would write them. */
        char text[REGIONS_MAX * 96] = "";
        size_t off = 0;
        for (int i = 0; i < n; i++)
                off += (size_t) snprintf(text + off, sizeof(text) - off, "%s%s=%" PRIu64, i ? " " : "", regions[i].name,
                                         regions[i].capacity);
        Gpu none = g;
        none.driver = "";
        check_same(regions, n, back, gpu_regions_from_property(&none, text, back), "RESCTL_DMEM_REGIONS");
}

static void fuzz_dmem_capacity(const uint8_t *data, size_t size) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/dmem.capacity", cgroup_dir());
        fuzz_write_file(path, data, size);
        Gpu g = { .card = "card0", .unique = "0000:03:00.0", .driver = "amdgpu", .dir = gpu_dir(), .card_dir = gpu_dir() };
        Region regions[REGIONS_MAX], back[REGIONS_MAX];
        int n = gpu_regions_from_dmem_capacity(cgroup_dir(), &g, regions);
        FUZZ_ASSERT(n >= 0, "dmem.capacity: %d", n);
        check_regions(regions, n, false);
        check_origin(regions, n);
        /* What a kernel with these regions shows, another GPU's line among them. */
        FILE *f = fopen(path, "we");
        FUZZ_ASSERT(f, "%s", path);
        fprintf(f, "drm/0000:04:00.0/vram0 1024\n");
        for (int i = 0; i < n; i++)
                fprintf(f, "drm/%s/%s %" PRIu64 "\n", g.unique, regions[i].name, regions[i].capacity);
        FUZZ_ASSERT(fclose(f) == 0, "%s", path);
        check_same(regions, n, back, gpu_regions_from_dmem_capacity(cgroup_dir(), &g, back), "dmem.capacity");
}

static void fuzz_size_attribute(const uint8_t *data, size_t size) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/mem_info_vram_total", cgroup_dir());
        fuzz_write_file(path, data, size);
        Gpu g = { .card = "card0", .unique = "0000:03:00.0", .driver = "amdgpu", .dir = cgroup_dir(),
                  .card_dir = cgroup_dir() };
        uint64_t v, w;
        int r = gpu_read_size(&g, g.dir, "mem_info_vram_total", &v);
        FUZZ_ASSERT(r <= 1, "gpu_read_size: %d", r);
        if (r <= 0)
                return;
        FUZZ_ASSERT(v < RC_PCM, "a size attribute of %" PRIu64 " taken (no limit)", v);
        char text[32];
        int n = snprintf(text, sizeof(text), "%" PRIu64 "\n", v);
        fuzz_write_file(path, text, (size_t) n);
        FUZZ_ASSERT(gpu_read_size(&g, g.dir, "mem_info_vram_total", &w) == 1 && v == w, "size %" PRIu64, v);
}

static void fuzz_misc_capacity(const uint8_t *data, size_t size) {
        char *text = fuzz_string(data, size);
        uint64_t sev, es;
        int r = parse_misc_capacity(text, &sev, &es);
        free(text);
        /* the probe reads the file itself; sysfs has no kvm_amd here */
        char path[1024];
        snprintf(path, sizeof(path), "%s/misc.capacity", cgroup_dir());
        fuzz_write_file(path, data, size);
        SevProbe p;
        sev_probe(cgroup_dir(), cgroup_dir(), &p);
        FUZZ_ASSERT(strlen(p.detail) < sizeof(p.detail), "detail");
        bool nul = memchr(data, 0, size) != NULL;
        if (!nul && size < 4095) {
                FUZZ_ASSERT((r >= 0) == (p.source == SEV_SOURCE_MISC_CAPACITY), "probe and parser disagree (%d, %d)",
                            r, (int) p.source);
                if (r >= 0)
                        FUZZ_ASSERT(p.sev == sev && p.sev_es == es, "probe %" PRIu64 "/%" PRIu64 ", parser %" PRIu64
                                    "/%" PRIu64, p.sev, p.sev_es, sev, es);
        }
        if (r < 0)
                return;
        char again[128];
        snprintf(again, sizeof(again), "sev %" PRIu64 "\nsev_es %" PRIu64 "\ntdx 7\n", sev, es);
        uint64_t sev2, es2;
        FUZZ_ASSERT(parse_misc_capacity(again, &sev2, &es2) == 0 && sev2 == sev && es2 == es,
                    "misc.capacity sev %" PRIu64 " sev_es %" PRIu64 " read back differently", sev, es);
}

static void fuzz_bool(const char *s) {
        int r = sev_parse_bool(s);
        FUZZ_ASSERT(r == 0 || r == 1 || r == -EINVAL, "sev_parse_bool: %d", r);
        if (r >= 0)
                FUZZ_ASSERT(sev_parse_bool(r ? "Y\n" : "N\n") == r && sev_parse_bool(r ? "1" : "0") == r, "bool");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char kinds[] = "RDSCB";
        static bool quiet = false;
        if (!quiet) {
                log_set_max_level(LOG_CRIT);
                quiet = true;
        }
        if (size == 0 || size > 8192)
                return 0;
        char kind = data[0] && strchr(kinds, data[0]) ? (char) data[0] : kinds[data[0] % (sizeof(kinds) - 1)];
        data++;
        size--;
        char *text = fuzz_string(data, size);
        switch (kind) {
        case 'R':
                fuzz_property(text);
                break;
        case 'D':
                fuzz_dmem_capacity(data, size);
                break;
        case 'S':
                fuzz_size_attribute(data, size);
                break;
        case 'C':
                fuzz_misc_capacity(data, size);
                break;
        default:
                fuzz_bool(text);
                break;
        }
        free(text);
        return 0;
}
