/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* --hardware=auto: udev enumeration at start, then a uevent monitor on the
 * event loop (hardware.md). Every source of resources is an "origin" (a
 * device's syspath, "sev", or "netlink:<name>") that owns a set of keys;
 * each time an origin is looked at again its new set replaces the old one:
 * new keys are registered (ResourceAdded), changed sizes set
 * (CapacityChanged), vanished keys unregistered (ResourceRemoved, live
 * charges released with reason resource-removed). A key registered by hand
 * is never touched: the manager sees to that (DiscoveryCallbacks, in
 * manager-hardware.c: manager_discovered_add/_remove).
 *
 * GPU regions, in order of authority:
 *   1. <cgroup root>/dmem.capacity lines "drm/<unique>/<region> <bytes>"
 *      (a kernel with the dmem controller registered them);
 *   2. the udev property RESCTL_DMEM_REGIONS;
 *   3. the driver's sysfs attributes (amdgpu, xe; i915 only by opt-in).
 * RESCTL_IGNORE=1 hides a device whatever the source. */

#include <errno.h>
#include <inttypes.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "discover-internal.h"
#include "discover.h"
#include "kparse.h"
#include "log.h"
#include "macro.h"

#define SYSFS_ROOT "/sys"
#define UDEV_CONTROL "/run/udev/control"
#define RESCTL_TAG "resctl"
#define UEVENTS_PER_DISPATCH 64

static void origin_free(Origin *o) {
        if (!o)
                return;
        for (size_t i = 0; i < o->n_keys; i++)
                free(o->keys[i]);
        free(o->keys);
        free(o->id);
        free(o);
}

static Origin **origin_find(Discovery *d, const char *id) {
        Origin **p = &d->origins;
        while (*p && !streq((*p)->id, id))
                p = &(*p)->next;
        return p;
}

static bool origin_has(const Origin *o, const char *key) {
        for (size_t i = 0; o && i < o->n_keys; i++)
                if (streq(o->keys[i], key))
                        return true;
        return false;
}

/* Which other origin holds key, if any. */
static const Origin *key_owner(Discovery *d, const char *key, const char *except_id) {
        for (const Origin *o = d->origins; o; o = o->next)
                if (!streq(o->id, except_id) && origin_has(o, key))
                        return o;
        return NULL;
}

/* Makes id own exactly the keys of regions (n == 0: forget it). Returns how
 * many keys it owns now. */
size_t origin_set(Discovery *d, const char *id, const Region *regions, size_t n) {
        Origin **p = origin_find(d, id), *old = *p;
        Origin *o = calloc(1, sizeof(*o));
        if (o) {
                o->id = strdup(id);
                o->keys = calloc(n ? n : 1, sizeof(char *));
        }
        if (!o || !o->id || !o->keys) {
                origin_free(o);
                log_oom();
                return old ? old->n_keys : 0;
        }
        for (size_t i = 0; i < n; i++) {
                const Origin *other = key_owner(d, regions[i].key, id);
                if (other) {
                        log_debug("%s: %s is already provided by %s.", id, regions[i].key, other->id);
                        continue;
                }
                /* On failure (warned), keep what was registered before, if anything. */
                if (d->cb.added(d->userdata, regions[i].key, regions[i].capacity) < 0 && !origin_has(old, regions[i].key))
                        continue;
                o->keys[o->n_keys] = strdup(regions[i].key);
                if (o->keys[o->n_keys])
                        o->n_keys++;
        }
        for (size_t i = 0; old && i < old->n_keys; i++)
                if (!origin_has(o, old->keys[i]))
                        d->cb.removed(d->userdata, old->keys[i]);
        size_t n_keys = o->n_keys;
        if (old) {
                *p = old->next;
                origin_free(old);
        }
        if (n_keys > 0) {
                o->next = d->origins;
                d->origins = o;
        } else
                origin_free(o);
        return n_keys;
}

void origin_drop(Discovery *d, const char *id) {
        (void) origin_set(d, id, NULL, 0);
}

/* Shows untrusted file content in a log line. */
static const char *shown(const char *s, char *buf, size_t size) {
        size_t i = 0;
        for (; s[i] && !(s[i] == '\n' && !s[i + 1]) && i + 1 < size && i < 32; i++)
                buf[i] = (unsigned char) s[i] >= ' ' && (unsigned char) s[i] < 0x7f ? s[i] : '?';
        buf[i] = 0;
        return buf;
}

static bool truthy(const char *v) {
        return v && (streq(v, "1") || streq(v, "yes") || streq(v, "true") || streq(v, "y"));
}

static bool is_card_name(const char *s) {
        if (!s || !strneq(s, "card", 4) || !s[4])
                return false;
        for (s += 4; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

bool region_name_ok(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n >= sizeof(((Region *) NULL)->name))
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= ' ' || (unsigned char) *s >= 0x7f || *s == '/' || *s == '=')
                        return false;
        return true;
}

/* Region sizes, wherever they come from (sysfs, RESCTL_DMEM_REGIONS, the
 * kernel's dmem.capacity): bytes, or with a unit suffix. "max", and any
 * size the dmem controller would read as no limit (PAGE_COUNTER_MAX and
 * up, 2 PiB), is not a size: a region is never unlimited by accident. */
static int region_size_parse(const char *text, uint64_t *ret) {
        char buf[64];
        if (strlen(text) >= sizeof(buf))
                return -ERANGE;
        strcpy(buf, text);
        uint64_t v;
        int r = rc_parse_size_unit(rc_strstrip(buf), &v);
        if (r < 0)
                return r;
        if (v >= RC_PCM)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* ---- GPUs ---- */

/* A size attribute: 1 found, 0 absent, <0 unusable (warned). */
int gpu_read_size(const Gpu *g, const char *dir, const char *rel, uint64_t *ret) {
        char path[4096], buf[64], s[40];
        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        int r = discovery_read_file(path, buf, sizeof(buf));
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return log_warning_errno(r, "GPU %s (%s, %s): cannot read %s: %s; skipping the device.", g->card,
                                         g->unique, g->driver, rel, strerror(-r));
        uint64_t v;
        r = region_size_parse(buf, &v);
        if (r < 0)
                return log_warning_errno(r, "GPU %s (%s, %s): %s holds \"%s\", not a size in bytes; skipping the device.",
                                         g->card, g->unique, g->driver, rel, shown(buf, s, sizeof(s)));
        *ret = v;
        return 1;
}

/* xe: tile<T>/physical_vram_size_bytes, or tile<T>/memory/... on newer kernels. */
static int xe_tile_size(const Gpu *g, unsigned tile, uint64_t *ret) {
        char rel[64];
        snprintf(rel, sizeof(rel), "tile%u/physical_vram_size_bytes", tile);
        int r = gpu_read_size(g, g->dir, rel, ret);
        if (r != 0)
                return r;
        snprintf(rel, sizeof(rel), "tile%u/memory/physical_vram_size_bytes", tile);
        return gpu_read_size(g, g->dir, rel, ret);
}

/* The sysfs size of one named region for this driver: 1, 0 no such region, <0 warned. */
static int gpu_region_size(const Gpu *g, const char *region, uint64_t *ret) {
        if (streq(g->driver, "amdgpu"))
                return streq(region, "vram") ? gpu_read_size(g, g->dir, "mem_info_vram_total", ret) : 0;
        if (streq(g->driver, "xe")) {
                unsigned t;
                int n = -1;
                if (sscanf(region, "vram%u%n", &t, &n) != 1 || n != (int) strlen(region) || t > 63)
                        return 0;
                return xe_tile_size(g, t, ret);
        }
        if (streq(g->driver, "i915")) {
                if (!streq(region, "vram0"))
                        return 0;
                int r = gpu_read_size(g, g->dir, "lmem_total_bytes", ret);
                return r != 0 ? r : gpu_read_size(g, g->card_dir, "lmem_total_bytes", ret);
        }
        return 0;
}

/* What the driver's sysfs says: number of regions, or <0 (warned). */
static int gpu_regions_from_sysfs(const Gpu *g, Region *regions) {
        uint64_t v;
        int r;
        if (streq(g->driver, "amdgpu")) {
                r = gpu_region_size(g, "vram", &v);
                if (r == 0)
                        return log_warning_errno(ENOENT, "GPU %s (%s, amdgpu): no mem_info_vram_total; skipping the device.",
                                                 g->card, g->unique);
                if (r < 0)
                        return r;
                if (v == 0)
                        return 0;       /* integrated, no dedicated VRAM */
                regions[0] = (Region) { .name = "vram", .capacity = v };
                return 1;
        }
        if (streq(g->driver, "xe")) {
                int n = 0;
                for (unsigned t = 0; t < REGIONS_MAX; t++) {
                        r = xe_tile_size(g, t, &v);
                        if (r < 0)
                                return r;
                        if (r == 0 || v == 0)
                                continue;       /* no such tile, or no VRAM on it (integrated) */
                        regions[n] = (Region) { .capacity = v };
                        snprintf(regions[n].name, sizeof(regions[n].name), "vram%u", t);
                        n++;
                }
                return n;
        }
        if (streq(g->driver, "i915"))
                log_debug("GPU %s (%s, i915): no dmem regions in mainline; RESCTL_DMEM_REGIONS=vram0 opts in.", g->card,
                          g->unique);
        return 0;
}

/* RESCTL_DMEM_REGIONS="vram=17179869184 vram1=8G vram0": number of regions, or <0 (warned). */
int gpu_regions_from_property(const Gpu *g, const char *value, Region *regions) {
        _cleanup_free_ char *copy = strdup(value);
        if (!copy)
                return log_oom();
        int n = 0;
        for (char *p = copy, *tok; (tok = strtok_r(p, " \t\n", &p));) {
                if (n >= REGIONS_MAX)
                        return log_warning_errno(E2BIG, "GPU %s (%s): RESCTL_DMEM_REGIONS lists more than %d regions; "
                                                 "skipping the device.", g->card, g->unique, REGIONS_MAX);
                char *eq = strchr(tok, '=');
                if (eq)
                        *eq = 0;
                Region *rg = &regions[n];
                *rg = (Region) { 0 };
                bool dup = false;
                for (int i = 0; i < n; i++)
                        dup = dup || streq(regions[i].name, tok);
                if (!region_name_ok(tok) || dup)
                        return log_warning_errno(EINVAL, "GPU %s (%s): RESCTL_DMEM_REGIONS: bad or repeated region name "
                                                 "\"%.64s\"; skipping the device.", g->card, g->unique, tok);
                strcpy(rg->name, tok);
                if (eq) {
                        uint64_t v;
                        int r = region_size_parse(eq + 1, &v);
                        if (r < 0 || v == 0)
                                return log_warning_errno(r < 0 ? r : -EINVAL, "GPU %s (%s): RESCTL_DMEM_REGIONS: "
                                                         "\"%.64s\" is not a size for %s; skipping the device.",
                                                         g->card, g->unique, eq + 1, tok);
                        rg->capacity = v;
                } else {
                        int r = gpu_region_size(g, tok, &rg->capacity);
                        if (r == 0)
                                return log_warning_errno(ENOENT, "GPU %s (%s, %s): RESCTL_DMEM_REGIONS names %s without a "
                                                         "size and sysfs has none; skipping the device.",
                                                         g->card, g->unique, *g->driver ? g->driver : "no driver", tok);
                        if (r < 0)
                                return r;
                        if (rg->capacity == 0)
                                continue;
                }
                n++;
        }
        return n;
}

/* Regions the kernel's dmem controller knows for this device: count, or 0
 * when it has none (or no dmem controller). */
int gpu_regions_from_dmem_capacity(const char *cgroup_root, const Gpu *g, Region *regions) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/dmem.capacity", cgroup_root);
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        if (!f)
                return 0;
        char prefix[128];
        snprintf(prefix, sizeof(prefix), "drm/%s/", g->unique);
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        int n = 0;
        while (getline(&line, &size, f) >= 0 && n < REGIONS_MAX) {
                char *p = rc_strstrip(line);
                char *name = rc_strsep(&p, " ");
                if (!p || !strneq(name, prefix, strlen(prefix)))
                        continue;
                name += strlen(prefix);
                uint64_t v;
                if (!region_name_ok(name) || region_size_parse(p, &v) < 0 || v == 0)
                        continue;
                regions[n] = (Region) { .capacity = v };
                strcpy(regions[n].name, name);
                n++;
        }
        return n;
}

static void drm_card_update(Discovery *d, struct udev_device *card) {
        const char *id = udev_device_get_syspath(card);
        Gpu g = { .card = udev_device_get_sysname(card), .card_dir = id };
        if (!id || !is_card_name(g.card))
                return;
        if (truthy(udev_device_get_property_value(card, "RESCTL_IGNORE"))) {
                log_info("GPU %s: RESCTL_IGNORE is set, ignoring it.", g.card);
                origin_drop(d, id);
                return;
        }
        struct udev_device *parent = udev_device_get_parent(card);
        if (!parent) {
                log_warning("GPU %s: no parent device, so no name for its regions; skipping it.", g.card);
                return;
        }
        g.unique = udev_device_get_sysname(parent);
        g.dir = udev_device_get_syspath(parent);
        g.driver = udev_device_get_driver(parent);
        if (!g.driver)
                g.driver = "";

        Region regions[REGIONS_MAX];
        const char *from = "dmem.capacity";
        int n = gpu_regions_from_dmem_capacity(d->cgroup_root, &g, regions);
        if (n == 0) {
                const char *prop = udev_device_get_property_value(card, "RESCTL_DMEM_REGIONS");
                if (!isempty(prop)) {
                        from = "RESCTL_DMEM_REGIONS";
                        n = gpu_regions_from_property(&g, prop, regions);
                } else {
                        from = "sysfs";
                        n = gpu_regions_from_sysfs(&g, regions);
                }
        }
        if (n < 0)
                return;         /* warned; what was registered before stays */
        if (n == 0)
                log_debug("GPU %s (%s, %s): no device-memory regions.", g.card, g.unique,
                          *g.driver ? g.driver : "no driver");
        for (int i = 0; i < n; i++) {
                snprintf(regions[i].key, sizeof(regions[i].key), "dmem/drm/%s/%s", g.unique, regions[i].name);
                log_debug("GPU %s (%s, %s): %s %" PRIu64 " bytes (%s).", g.card, g.unique, g.driver, regions[i].name,
                          regions[i].capacity, from);
        }
        (void) origin_set(d, id, regions, (size_t) n);
}

/* ---- RDMA ---- */

static void rdma_device_update(Discovery *d, struct udev_device *dev) {
        const char *id = udev_device_get_syspath(dev), *name = udev_device_get_sysname(dev);
        if (!id || !name)
                return;
        if (truthy(udev_device_get_property_value(dev, "RESCTL_IGNORE"))) {
                log_info("RDMA device %s: RESCTL_IGNORE is set, ignoring it.", name);
                origin_drop(d, id);
                return;
        }
        Region r = { .capacity = RC_MAX };
        snprintf(r.key, sizeof(r.key), "rdma/%s", name);
        (void) origin_set(d, id, &r, 1);
}

static bool rdma_name_known(Discovery *d, const char *name) {
        char key[300];
        snprintf(key, sizeof(key), "rdma/%s", name);
        return key_owner(d, key, "") != NULL;
}

typedef struct NetlinkScan {
        Discovery *d;
        unsigned seen, added;
} NetlinkScan;

static void on_rdma_dev(const RdmaDevInfo *dev, void *userdata) {
        NetlinkScan *s = userdata;
        s->seen++;
        if (rdma_name_known(s->d, dev->name))
                return;
        /* A device udev does not show (no udevd, no sysfs class entry yet). */
        char id[128];
        snprintf(id, sizeof(id), "netlink:%s", dev->name);
        Region r = { .capacity = RC_MAX };
        snprintf(r.key, sizeof(r.key), "rdma/%s", dev->name);
        s->added += origin_set(s->d, id, &r, 1) > 0;
}

static void on_rdma_res(const RdmaResInfo *res, void *userdata) {
        char text[512] = "";
        size_t off = 0;
        for (size_t i = 0; i < res->n_entries && off < sizeof(text); i++)
                off += (size_t) snprintf(text + off, sizeof(text) - off, " %s=%" PRIu64, res->entries[i].name,
                                         res->entries[i].current);
        log_debug("RDMA device %s (index %" PRIu32 "): objects in use:%s", res->name, res->index, text);
}

static void rdma_netlink_probe(Discovery *d) {
        if (access(SYSFS_ROOT "/class/infiniband", F_OK) < 0) {
                log_info("RDMA netlink: not probed (" SYSFS_ROOT "/class/infiniband absent).");
                return;
        }
        NetlinkScan s = { .d = d };
        int r = rdma_nl_dump_devices(on_rdma_dev, &s);
        if (r == -EPROTONOSUPPORT) {
                log_debug("RDMA netlink: the kernel has no NETLINK_RDMA (EPROTONOSUPPORT); relying on udev.");
                return;
        }
        if (r < 0) {
                log_warning_errno(r, "RDMA netlink: device dump failed: %s; relying on udev.", strerror(-r));
                return;
        }
        log_info("RDMA netlink: %u device(s), %u not seen by udev.", s.seen, s.added);
        (void) rdma_nl_dump_resources(on_rdma_res, d);
}

/* ---- SEV ---- */

static void sev_update(Discovery *d) {
        SevProbe p;
        sev_probe(d->cgroup_root, SYSFS_ROOT, &p);
        Region regions[2];
        size_t n = 0;
        if (p.sev > 0)
                regions[n++] = (Region) { .key = "misc/sev", .capacity = p.sev };
        if (p.sev_es > 0)
                regions[n++] = (Region) { .key = "misc/sev_es", .capacity = p.sev_es };
        if (p.source == SEV_SOURCE_NONE)
                log_info("SEV: no ASIDs (%s).", p.detail);
        else
                log_info("SEV: %" PRIu64 " SEV and %" PRIu64 " SEV-ES ASIDs %s.", p.sev, p.sev_es, p.detail);
        (void) origin_set(d, "sev", regions, n);
}

/* ---- udev ---- */

static void handle_device(Discovery *d, struct udev_device *dev, const char *action) {
        const char *subsystem = udev_device_get_subsystem(dev), *name = udev_device_get_sysname(dev);
        const char *id = udev_device_get_syspath(dev);
        if (!subsystem || !name || !id)
                return;
        bool remove = streq(action, "remove");
        if (streq(action, "move")) {
                /* Renamed (e.g. "rdma dev set ... name"): forget the old name first. */
                const char *old = udev_device_get_property_value(dev, "DEVPATH_OLD");
                if (old) {
                        _cleanup_free_ char *old_id = NULL;
                        if (asprintf(&old_id, SYSFS_ROOT "%s", old) >= 0)
                                origin_drop(d, old_id);
                }
        }
        if (streq(subsystem, "drm")) {
                if (!is_card_name(name))
                        return;
                if (remove)
                        origin_drop(d, id);
                else
                        drm_card_update(d, dev);
        } else if (streq(subsystem, "infiniband")) {
                if (remove)
                        origin_drop(d, id);
                else
                        rdma_device_update(d, dev);
        } else if (streq(subsystem, "module") && streq(name, "kvm_amd")) {
                if (remove) {
                        log_info("SEV: kvm_amd was unloaded.");
                        origin_drop(d, "sev");
                } else
                        sev_update(d);
        } else if (streq(subsystem, "module") && udev_device_has_tag(dev, RESCTL_TAG)) {
                /* Another module the rules say sets misc capacities: ask
                 * misc.capacity again, whether it came or went. */
                log_info("Module %s was %s: reading the SEV capacities again.", name, remove ? "unloaded" : "loaded");
                sev_update(d);
        }
}

static int on_uevent(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Discovery *d = userdata;
        for (unsigned i = 0; i < UEVENTS_PER_DISPATCH; i++) {
                struct udev_device *dev = udev_monitor_receive_device(d->monitor);
                if (!dev)
                        break;
                const char *action = udev_device_get_action(dev);
                log_debug("uevent: %s %s (%s).", action ? action : "?", udev_device_get_syspath(dev),
                          udev_device_get_subsystem(dev));
                if (action)
                        handle_device(d, dev, action);
                udev_device_unref(dev);
        }
        return 0;
}

static void monitor_choose(Discovery *d) {
        const char *e = getenv("RESCTL_UDEV_MONITOR");
        if (!isempty(e)) {
                if (streq(e, "udev") || streq(e, "kernel")) {
                        d->monitor_kind = streq(e, "udev") ? "udev" : "kernel";
                        d->monitor_reason = "RESCTL_UDEV_MONITOR";
                        return;
                }
                log_warning("RESCTL_UDEV_MONITOR=%s: expected udev or kernel; choosing by " UDEV_CONTROL ".", e);
        }
        bool udevd = access(UDEV_CONTROL, F_OK) >= 0;
        d->monitor_kind = udevd ? "udev" : "kernel";
        d->monitor_reason = udevd ? UDEV_CONTROL " exists" : UDEV_CONTROL " absent";
}

static int monitor_open(Discovery *d) {
        monitor_choose(d);
        d->monitor = udev_monitor_new_from_netlink(d->udev, d->monitor_kind);
        if (!d->monitor)
                return -errno ? -errno : -EIO;
        static const char *const subsystems[] = { "drm", "infiniband", "module" };
        int r = 0;
        for (size_t i = 0; i < ELEMENTSOF(subsystems) && r >= 0; i++)
                r = udev_monitor_filter_add_match_subsystem_devtype(d->monitor, subsystems[i], NULL);
        /* Only udevd's messages carry tags; the kernel's have none. */
        if (r >= 0 && streq(d->monitor_kind, "udev"))
                r = udev_monitor_filter_add_match_tag(d->monitor, RESCTL_TAG);
        if (r >= 0)
                r = udev_monitor_enable_receiving(d->monitor);
        if (r < 0) {
                d->monitor = udev_monitor_unref(d->monitor);
                return r;
        }
        return 0;
}

/* Enumerates one subsystem: how many devices were looked at. */
static unsigned enumerate(Discovery *d, const char *subsystem, const char *sysname) {
        struct udev_enumerate *e = udev_enumerate_new(d->udev);
        if (!e)
                return 0;
        unsigned n = 0;
        int r = udev_enumerate_add_match_subsystem(e, subsystem);
        if (r >= 0 && sysname)
                r = udev_enumerate_add_match_sysname(e, sysname);
        if (r >= 0)
                r = udev_enumerate_scan_devices(e);
        if (r < 0)
                log_warning_errno(r, "udev: cannot enumerate %s devices: %s", subsystem, strerror(-r));
        struct udev_list_entry *entry;
        udev_list_entry_foreach(entry, r >= 0 ? udev_enumerate_get_list_entry(e) : NULL) {
                struct udev_device *dev = udev_device_new_from_syspath(d->udev, udev_list_entry_get_name(entry));
                if (!dev)
                        continue;
                if (!streq(subsystem, "drm") || is_card_name(udev_device_get_sysname(dev))) {
                        n++;
                        handle_device(d, dev, "add");
                }
                udev_device_unref(dev);
        }
        udev_enumerate_unref(e);
        return n;
}

static size_t count_keys(Discovery *d, const char *prefix) {
        size_t n = 0;
        for (const Origin *o = d->origins; o; o = o->next)
                for (size_t i = 0; i < o->n_keys; i++)
                        n += strneq(o->keys[i], prefix, strlen(prefix));
        return n;
}

int discovery_new(const char *cgroup_root, const DiscoveryCallbacks *cb, void *userdata, Discovery **ret) {
        Discovery *d = calloc(1, sizeof(*d));
        if (!d || !(d->cgroup_root = strdup(cgroup_root))) {
                free(d);
                return -ENOMEM;
        }
        d->cb = *cb;
        d->userdata = userdata;
        *ret = d;
        return 0;
}

int discovery_enumerate(Discovery *d) {
        sev_update(d);

        d->udev = udev_new();
        if (!d->udev) {
                log_warning_errno(errno, "udev: unavailable (%s); no GPU or RDMA discovery, no hotplug.", strerror(errno));
                rdma_netlink_probe(d);
                return 0;
        }
        /* The monitor first, so that nothing plugged in during enumeration is
         * lost; what it queues meanwhile is applied again, harmlessly. */
        int r = monitor_open(d);
        if (r < 0)
                log_warning_errno(r, "udev: cannot listen to %s uevents (%s); no hotplug.", d->monitor_kind,
                                  strerror(-r));

        unsigned cards = enumerate(d, "drm", "card[0-9]*");
        log_info("GPU (udev drm): %u card(s), %zu device-memory region(s).", cards, count_keys(d, "dmem/"));
        unsigned hcas = enumerate(d, "infiniband", NULL);
        log_info("RDMA (udev infiniband): %u device(s), %zu registered.", hcas, count_keys(d, "rdma/"));
        rdma_netlink_probe(d);
        return 0;
}

int discovery_start(Discovery *d, sd_event *event) {
        if (!d || !d->monitor || d->source)
                return 0;
        int r = sd_event_add_io(event, &d->source, udev_monitor_get_fd(d->monitor), EPOLLIN, on_uevent, d);
        if (r < 0)
                return log_warning_errno(r, "udev: cannot watch uevents: %s; no hotplug.", strerror(-r));
        (void) sd_event_source_set_description(d->source, "udev-monitor");
        bool udev = streq(d->monitor_kind, "udev");
        log_info("udev monitor: %s source%s (%s), for drm, infiniband and module uevents.", d->monitor_kind,
                 udev ? ", tag " RESCTL_TAG : "", d->monitor_reason);
        return 0;
}

Discovery *discovery_free(Discovery *d) {
        if (!d)
                return NULL;
        sd_event_source_disable_unref(d->source);
        udev_monitor_unref(d->monitor);
        udev_unref(d->udev);
        while (d->origins) {
                Origin *o = d->origins;
                d->origins = o->next;
                origin_free(o);
        }
        free(d->cgroup_root);
        free(d);
        return NULL;
}
