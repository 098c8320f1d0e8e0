/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --hardware=auto: resources found on the machine, at start and while it
 * runs (../shared/spec/hardware.md says where each fact is read).
 *
 *   discover.c       udev enumeration and monitor, the sd-event wiring, and
 *                    the bookkeeping of which device produced which keys
 *   discover-sev.c   SEV / SEV-ES ASID counts: misc.capacity, else CPUID
 *                    leaf 0x8000001F with kvm_amd's module parameters
 *   discover-rdma.c  RDMA netlink (nldev): a pure parser of GET / RES_GET
 *                    replies, and the live libnl3 socket
 *
 * The SEV and RDMA parts know nothing about the manager, so that unit tests
 * link them alone.
 *
 * Environment:
 *   RESCTL_UDEV_MONITOR=udev|kernel  the uevent source to listen to. Default:
 *                    "udev" when udevd runs (/run/udev/control exists), else
 *                    "kernel" (containers, initrds). The udev source also
 *                    filters on the tag "resctl" (udev/70-resctl.rules).
 *
 * udev properties on a device (set by rules, see udev/70-resctl.rules):
 *   RESCTL_IGNORE=1                       hide the device
 *   RESCTL_DMEM_REGIONS="vram=17179869184 vram1=8G"
 *                    the GPU's regions and sizes, replacing what sysfs says;
 *                    a bare region name ("vram0") takes its size from sysfs,
 *                    which is how an i915 card's lmem is opted in. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct sd_event;
typedef struct Discovery Discovery;

/* What was found goes to the manager (manager-hardware.c). */
typedef struct DiscoveryCallbacks {
        /* key was found with this capacity (new, or its capacity now):
         * <0 when it could not be registered (warned). */
        int (*added)(void *userdata, const char *key, uint64_t capacity);
        /* key is gone (its device went, or no longer lists it). */
        void (*removed)(void *userdata, const char *key);
} DiscoveryCallbacks;

/* cgroup_root: where dmem.capacity and misc.capacity are read. */
int discovery_new(const char *cgroup_root, const DiscoveryCallbacks *cb, void *userdata, Discovery **ret);
/* Start-up enumeration, called by manager_load_state() while loading (so
 * nothing is signalled): SEV, udev drm/infiniband, RDMA netlink. Opens the
 * uevent monitor first, so that nothing plugged in meanwhile is lost. */
int discovery_enumerate(Discovery *d);
/* After the bus is connected: dispatch uevents from the event loop. */
int discovery_start(Discovery *d, struct sd_event *event);
/* Stop listening and forget the bookkeeping (resources stay registered). */
Discovery *discovery_free(Discovery *d);

/* --hardware=demo (hardware-demo.c): hands each demo resource to add
 * (the manager registers it). */
int hardware_demo_register(int (*add)(void *userdata, const char *key, uint64_t capacity, rc_err *err),
                           void *userdata);

/* Reads a small (sysfs, cgroupfs) file whole into buf, NUL-terminated:
 * 0, -errno, -EFBIG when it does not fit, -EINVAL when it holds a NUL. */
int discovery_read_file(const char *path, char *buf, size_t size);

/* ---- SEV (discover-sev.c) ---- */

typedef struct SevCpuid {
        uint32_t eax, ebx, ecx, edx;
} SevCpuid;

/* Reads CPUID leaf 0x8000001F; false when the CPU has no such leaf. Tests
 * replace it. */
typedef bool (*SevCpuidFunc)(SevCpuid *ret);
extern SevCpuidFunc sev_cpuid;
bool sev_cpuid_native(SevCpuid *ret);

#define SEV_CPUID_EAX_SEV (UINT32_C(1) << 1)
#define SEV_CPUID_EAX_SEV_ES (UINT32_C(1) << 3)

/* KVM's split of the ASID space: sev = ECX - EDX + 1 and sev_es = EDX - 1,
 * each only when the CPU and the module enable it and the count is positive
 * (SEV-ES needs SEV). */
void sev_split(const SevCpuid *c, bool sev_enabled, bool sev_es_enabled, uint64_t *ret_sev, uint64_t *ret_sev_es);

typedef enum SevSource {
        SEV_SOURCE_NONE,                /* kvm_amd not loaded, or no usable source */
        SEV_SOURCE_MISC_CAPACITY,       /* <cgroup root>/misc.capacity */
        SEV_SOURCE_CPUID,               /* CPUID + kvm_amd parameters */
} SevSource;

typedef struct SevProbe {
        SevSource source;
        uint64_t sev, sev_es;
        char detail[256];               /* for the log: why, from where */
} SevProbe;

/* cgroup_root: where misc.capacity is looked for; sysfs_root: where
 * module/kvm_amd/parameters/ is ("/sys"). Never fails: what cannot be read
 * counts as absent, and ret->detail says so. */
void sev_probe(const char *cgroup_root, const char *sysfs_root, SevProbe *ret);
/* "Y", "1" -> 1; "N", "0" -> 0 (trailing newline allowed); else -EINVAL. */
int sev_parse_bool(const char *s);

/* ---- RDMA netlink (discover-rdma.c) ---- */

#define RDMA_DEV_NAME_MAX 64            /* IB_DEVICE_NAME_MAX, NUL included */
#define RDMA_RES_NAME_MAX 32
#define RDMA_RES_ENTRIES_MAX 32

typedef struct RdmaDevInfo {
        uint32_t index;
        char name[RDMA_DEV_NAME_MAX];
} RdmaDevInfo;

typedef struct RdmaResEntry {
        char name[RDMA_RES_NAME_MAX];   /* "qp", "cq", "mr", "pd", ... */
        uint64_t current;
} RdmaResEntry;

typedef struct RdmaResInfo {
        uint32_t index;
        char name[RDMA_DEV_NAME_MAX];
        size_t n_entries;
        RdmaResEntry entries[RDMA_RES_ENTRIES_MAX];
} RdmaResInfo;

/* Parse one netlink message (nlmsghdr included) of at most len bytes, a
 * reply to RDMA_NLDEV_CMD_GET or RDMA_NLDEV_CMD_RES_GET. Unknown attributes
 * are skipped. Errors: -EBADMSG truncated or malformed (bad lengths, string
 * without NUL, wrong payload size, bad name), -EMSGSIZE a value larger than
 * its field, -ENODATA a required attribute missing, -ENOMSG another message
 * type (NLMSG_DONE, another command); an NLMSG_ERROR gives its error. */
int rdma_nl_parse_dev(const void *buf, size_t len, RdmaDevInfo *ret);
int rdma_nl_parse_res(const void *buf, size_t len, RdmaResInfo *ret);

typedef void (*RdmaDevCallback)(const RdmaDevInfo *dev, void *userdata);
typedef void (*RdmaResCallback)(const RdmaResInfo *res, void *userdata);

/* Live socket (libnl3): dump devices / resource summaries. -EPROTONOSUPPORT
 * when the kernel has no RDMA netlink (normal). */
int rdma_nl_dump_devices(RdmaDevCallback cb, void *userdata);
int rdma_nl_dump_resources(RdmaResCallback cb, void *userdata);
