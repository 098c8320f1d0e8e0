/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* SEV and SEV-ES ASID counts (hardware.md "AMD SEV / SEV-ES ASIDs"):
 *
 *  1. <cgroup root>/misc.capacity, when the kernel has the misc controller:
 *     authoritative. The kernel lists only non-zero capacities, so a missing
 *     "sev" line means no SEV.
 *  2. Otherwise (no misc controller, or a cgroup namespace hides the root):
 *     kvm_amd's parameters say whether SEV / SEV-ES are enabled, and CPUID
 *     leaf 0x8000001F gives the ASID range, split the way KVM splits it.
 *
 * No kvm_amd module means no SEV in either case. Nothing here knows the
 * manager: discover.c turns the result into resources. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "discover-internal.h"
#include "discover.h"
#include "kparse.h"
#include "macro.h"

#define SEV_CPUID_LEAF 0x8000001FU

bool sev_cpuid_native(SevCpuid *ret) {
#if defined(__x86_64__) || defined(__i386__)
        unsigned a, b, c, d;
        /* __get_cpuid() checks the highest extended leaf first. */
        if (!__get_cpuid(SEV_CPUID_LEAF, &a, &b, &c, &d))
                return false;
        *ret = (SevCpuid) { a, b, c, d };
        return true;
#else
        (void) ret;
        return false;
#endif
}

SevCpuidFunc sev_cpuid = sev_cpuid_native;

void sev_split(const SevCpuid *c, bool sev_enabled, bool sev_es_enabled, uint64_t *ret_sev, uint64_t *ret_sev_es) {
        /* arch/x86/kvm/svm/sev.c sev_hardware_setup(): max_sev_asid = ECX,
         * min_sev_asid = EDX; SEV gets [min, max], SEV-ES gets [1, min - 1]
         * and only when SEV itself is usable. */
        uint64_t max_asid = c->ecx, min_asid = c->edx;
        uint64_t sev = 0, es = 0;
        bool sev_ok = sev_enabled && (c->eax & SEV_CPUID_EAX_SEV) && min_asid >= 1 && max_asid >= min_asid;
        if (sev_ok) {
                sev = max_asid - min_asid + 1;
                if (sev_es_enabled && (c->eax & SEV_CPUID_EAX_SEV_ES) && min_asid > 1)
                        es = min_asid - 1;
        }
        *ret_sev = sev;
        *ret_sev_es = es;
}

int sev_parse_bool(const char *s) {
        size_t n = strlen(s);
        if (n == 2 && s[1] == '\n')
                n = 1;
        if (n != 1)
                return -EINVAL;
        switch (s[0]) {
        case 'Y':
        case '1':
                return 1;
        case 'N':
        case '0':
                return 0;
        default:
                return -EINVAL;
        }
}

int discovery_read_file(const char *path, char *buf, size_t size) {
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        size_t n = fread(buf, 1, size - 1, f);
        if (ferror(f))
                return -EIO;
        if (n == size - 1 && fgetc(f) != EOF)
                return -EFBIG;
        buf[n] = 0;
        if (memchr(buf, 0, n))
                return -EINVAL;
        return 0;
}

/* misc.capacity lines: "<name> <value>". Returns 0 and fills what it found,
 * or a negative errno if the file is unreadable or malformed. */
int parse_misc_capacity(char *text, uint64_t *sev, uint64_t *sev_es) {
        *sev = *sev_es = 0;
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                char *p = rc_strstrip(line);
                if (!*p)
                        continue;
                char *name = rc_strsep(&p, " ");
                if (!p)
                        return -EINVAL;
                uint64_t v;
                if (rc_kstrtou64(rc_strstrip(p), 10, &v) < 0)
                        return -EINVAL;
                if (streq(name, "sev"))
                        *sev = v;
                else if (streq(name, "sev_es"))
                        *sev_es = v;
        }
        return 0;
}

static int read_param(const char *sysfs_root, const char *name) {
        char path[4096], buf[16];
        snprintf(path, sizeof(path), "%s/module/kvm_amd/parameters/%s", sysfs_root, name);
        int r = discovery_read_file(path, buf, sizeof(buf));
        return r < 0 ? r : sev_parse_bool(buf);
}

void sev_probe(const char *cgroup_root, const char *sysfs_root, SevProbe *ret) {
        *ret = (SevProbe) { .source = SEV_SOURCE_NONE };
        char path[4096], text[4096];

        snprintf(path, sizeof(path), "%s/misc.capacity", cgroup_root);
        int r = discovery_read_file(path, text, sizeof(text));
        if (r >= 0) {
                r = parse_misc_capacity(text, &ret->sev, &ret->sev_es);
                if (r >= 0) {
                        ret->source = SEV_SOURCE_MISC_CAPACITY;
                        snprintf(ret->detail, sizeof(ret->detail), "from %.200s", path);
                        return;
                }
                /* Unparseable: go on as if it were absent, but say so. */
                snprintf(ret->detail, sizeof(ret->detail), "%.200s is malformed; ", path);
        } else if (r == -ENOENT)
                snprintf(ret->detail, sizeof(ret->detail), "no misc.capacity at %.200s; ", cgroup_root);
        else
                snprintf(ret->detail, sizeof(ret->detail), "%.160s unreadable (%.40s); ", path, strerror(-r));

        size_t off = strlen(ret->detail);
        char *d = ret->detail + off;
        size_t dn = sizeof(ret->detail) - off;

        snprintf(path, sizeof(path), "%s/module/kvm_amd", sysfs_root);
        if (access(path, F_OK) < 0) {
                snprintf(d, dn, "kvm_amd is not loaded");
                return;
        }
        int sev = read_param(sysfs_root, "sev");
        int es = read_param(sysfs_root, "sev_es");
        if (sev <= 0) {
                snprintf(d, dn, "kvm_amd parameter sev is %s", sev == 0 ? "off" : "unreadable");
                return;
        }
        SevCpuid c;
        if (!sev_cpuid(&c)) {
                snprintf(d, dn, "kvm_amd enables SEV but the CPU has no CPUID leaf 0x8000001F");
                return;
        }
        sev_split(&c, true, es > 0, &ret->sev, &ret->sev_es);
        ret->source = SEV_SOURCE_CPUID;
        snprintf(d, dn, "from CPUID 0x8000001F (EAX=%#" PRIx32 " ECX=%" PRIu32 " EDX=%" PRIu32 "), kvm_amd sev=1 sev_es=%d",
                 c.eax, c.ecx, c.edx, es > 0);
}
