/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* SEV / SEV-ES ASID counts: KVM's split of CPUID leaf 0x8000001F, the
 * module-parameter spellings, and which source the probe believes, on
 * fake cgroupfs and sysfs trees with an injected CPUID. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover.h"
#include "macro.h"
#include "test.h"

/* An EPYC 7003 (Milan): EAX with SME, SEV, page flush MSR, SEV-ES (bits
 * 0-3) and more; ECX = 509 encrypted guests; EDX = 100 as the minimum SEV
 * ASID (a BIOS setting). */
static const SevCpuid milan = { .eax = 0x0001b0ff, .ebx = 0x0000b3f4 /* C-bit 51 */, .ecx = 509, .edx = 100 };

static SevCpuid fake;
static bool fake_present;

static bool fake_cpuid(SevCpuid *ret) {
        if (!fake_present)
                return false;
        *ret = fake;
        return true;
}

TEST(test_split_epyc_7003) {
        uint64_t sev, es;
        sev_split(&milan, true, true, &sev, &es);
        CHECK_EQ_U64(sev, 410);         /* ECX - EDX + 1 */
        CHECK_EQ_U64(es, 99);           /* EDX - 1 */
}

TEST(test_split_rules) {
        uint64_t sev, es;
        SevCpuid c = milan;

        sev_split(&c, true, false, &sev, &es);          /* sev_es=N */
        CHECK_EQ_U64(sev, 410);
        CHECK_EQ_U64(es, 0);
        sev_split(&c, false, true, &sev, &es);          /* sev=N: SEV-ES needs SEV */
        CHECK_EQ_U64(sev, 0);
        CHECK_EQ_U64(es, 0);

        c.eax &= ~SEV_CPUID_EAX_SEV_ES;                 /* a CPU without SEV-ES */
        sev_split(&c, true, true, &sev, &es);
        CHECK_EQ_U64(sev, 410);
        CHECK_EQ_U64(es, 0);
        c.eax = milan.eax & ~SEV_CPUID_EAX_SEV;         /* SEV-ES bit alone is nothing */
        sev_split(&c, true, true, &sev, &es);
        CHECK_EQ_U64(sev, 0);
        CHECK_EQ_U64(es, 0);

        c = milan;
        c.edx = 1;                                      /* minimum SEV ASID 1: KVM skips SEV-ES */
        sev_split(&c, true, true, &sev, &es);
        CHECK_EQ_U64(sev, 509);
        CHECK_EQ_U64(es, 0);

        c.edx = 509;                                    /* one SEV ASID, 508 SEV-ES */
        sev_split(&c, true, true, &sev, &es);
        CHECK_EQ_U64(sev, 1);
        CHECK_EQ_U64(es, 508);

        c.edx = 510;                                    /* empty SEV range: nothing, ES included */
        sev_split(&c, true, true, &sev, &es);
        CHECK_EQ_U64(sev, 0);
        CHECK_EQ_U64(es, 0);

        c.edx = 0;                                      /* ASID 0 is never a guest's */
        sev_split(&c, true, true, &sev, &es);
        CHECK_EQ_U64(sev, 0);
        CHECK_EQ_U64(es, 0);

        c = (SevCpuid) { .eax = 0xffffffff, .ecx = UINT32_MAX, .edx = 1 };      /* no overflow */
        sev_split(&c, true, true, &sev, &es);
        CHECK_EQ_U64(sev, UINT32_MAX);
}

TEST(test_parse_bool) {
        CHECK_EQ_INT(sev_parse_bool("Y\n"), 1);
        CHECK_EQ_INT(sev_parse_bool("Y"), 1);
        CHECK_EQ_INT(sev_parse_bool("1\n"), 1);
        CHECK_EQ_INT(sev_parse_bool("N\n"), 0);
        CHECK_EQ_INT(sev_parse_bool("0"), 0);
        static const char *const bad[] = { "", "\n", "y", "yes", "YY", "2", "Y\n\n", " Y" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK_EQ_INT(sev_parse_bool(bad[i]), -EINVAL);
}

static char root[] = "/tmp/test-sev.XXXXXX";
static char cg[512], sys[512];

static void write_file(const char *dir, const char *name, const char *text) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "we");
        CHECK(f != NULL);
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

static void rm(const char *dir, const char *name) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        (void) unlink(path);
}

static void load_kvm_amd(const char *sev, const char *sev_es) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/module/kvm_amd", sys);
        (void) mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/module/kvm_amd/parameters", sys);
        (void) mkdir(path, 0755);
        write_file(path, "sev", sev);
        write_file(path, "sev_es", sev_es);
}

static void unload_kvm_amd(void) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/module/kvm_amd/parameters", sys);
        rm(path, "sev");
        rm(path, "sev_es");
        (void) rmdir(path);
        snprintf(path, sizeof(path), "%s/module/kvm_amd", sys);
        (void) rmdir(path);
}

/* What sev_probe() finds now: its source, the counts (ANY: not checked)
 * and a word of its detail (NULL: not checked). */
#define ANY UINT64_MAX
static void probe(SevSource source, uint64_t sev, uint64_t sev_es, const char *detail) {
        SevProbe p;
        sev_probe(cg, sys, &p);
        CHECK_EQ_INT(p.source, source);
        if (sev != ANY)
                CHECK_EQ_U64(p.sev, sev);
        if (sev_es != ANY)
                CHECK_EQ_U64(p.sev_es, sev_es);
        if (detail)
                CHECK(strstr(p.detail, detail) != NULL);
}

TEST(test_probe_sources) {
        sev_cpuid = fake_cpuid;
        fake = milan;
        fake_present = true;

        /* Nothing at all: no kvm_amd, no misc controller. */
        probe(SEV_SOURCE_NONE, 0, ANY, "kvm_amd is not loaded");

        /* CPUID and the module parameters, both spellings. */
        load_kvm_amd("Y\n", "Y\n");
        probe(SEV_SOURCE_CPUID, 410, 99, "CPUID");
        load_kvm_amd("1\n", "0\n");
        probe(SEV_SOURCE_CPUID, 410, 0, NULL);
        load_kvm_amd("N\n", "Y\n");
        probe(SEV_SOURCE_NONE, ANY, ANY, "sev is off");
        load_kvm_amd("maybe\n", "Y\n");
        probe(SEV_SOURCE_NONE, ANY, ANY, NULL);

        /* A CPU without the leaf. */
        load_kvm_amd("Y\n", "Y\n");
        fake_present = false;
        probe(SEV_SOURCE_NONE, ANY, ANY, "0x8000001F");
        fake_present = true;

        /* misc.capacity is authoritative, CPUID or not. */
        write_file(cg, "misc.capacity", "sev 400\nsev_es 20\n");
        probe(SEV_SOURCE_MISC_CAPACITY, 400, 20, "misc.capacity");
        /* Zero capacities are not listed: no line, no SEV. */
        write_file(cg, "misc.capacity", "sev_es 20\n");
        probe(SEV_SOURCE_MISC_CAPACITY, 0, 20, NULL);
        write_file(cg, "misc.capacity", "");
        probe(SEV_SOURCE_MISC_CAPACITY, 0, 0, NULL);
        /* Even without kvm_amd loaded (built in, or a capacity the kernel still shows). */
        unload_kvm_amd();
        write_file(cg, "misc.capacity", "sev 7\n");
        probe(SEV_SOURCE_MISC_CAPACITY, 7, ANY, NULL);

        /* A malformed misc.capacity falls back to CPUID, and says so. */
        load_kvm_amd("Y\n", "Y\n");
        write_file(cg, "misc.capacity", "sev lots\n");
        probe(SEV_SOURCE_CPUID, 410, ANY, "malformed");
        write_file(cg, "misc.capacity", "sev\n");
        probe(SEV_SOURCE_CPUID, ANY, ANY, NULL);

        rm(cg, "misc.capacity");
        unload_kvm_amd();
        sev_cpuid = sev_cpuid_native;
}

TEST(test_native_cpuid) {
        /* Whatever this machine is, the native reader must not crash, and on
         * x86 the split of what it reports stays within the ECX range. */
        SevCpuid c;
        if (sev_cpuid_native(&c)) {
                uint64_t sev, es;
                sev_split(&c, true, true, &sev, &es);
                CHECK(sev + es <= (uint64_t) c.ecx);
        }
}

int main(void) {
        if (!mkdtemp(root))
                return perror("mkdtemp"), EXIT_FAILURE;
        snprintf(cg, sizeof(cg), "%s/cgroup", root);
        snprintf(sys, sizeof(sys), "%s/sys", root);
        char module[600];
        snprintf(module, sizeof(module), "%s/module", sys);
        if (mkdir(cg, 0755) < 0 || mkdir(sys, 0755) < 0 || mkdir(module, 0755) < 0)
                return perror("mkdir"), EXIT_FAILURE;

        RUN(test_split_epyc_7003);
        RUN(test_split_rules);
        RUN(test_parse_bool);
        RUN(test_probe_sources);
        RUN(test_native_cpuid);

        (void) rmdir(module);
        (void) rmdir(sys);
        (void) rmdir(cg);
        (void) rmdir(root);
        return TEST_EXIT();
}
