/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* [X-Resctl] settings (api.md "Unit files"): every spelling the parser
 * takes or skips, empty assignments across files, systemd's line syntax,
 * and the drop-in text byte for byte. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unit-conf.h"
#include "test.h"

#define REGION "drm/0000:03:00.0/vram0"
#define HEADER                                                                      \
        "# This is a drop-in unit file extension, created via \"resctl set-property\".\n" \
        "# Do not edit.\n"                                                          \
        "[X-Resctl]\n"

static uint64_t get(const UnitConf *c, UnitConfProperty p, const char *name) {
        const UnitConfEntry *e = unit_conf_find(c, p, name);
        return e && e->set[0] ? e->value[0] : 12345;    /* 12345: no such entry */
}

static uint64_t get_rdma(const UnitConf *c, const char *dev, rc_rdma_kind k) {
        const UnitConfEntry *e = unit_conf_find(c, UNIT_CONF_RDMA_MAX, dev);
        return e && e->set[k] ? e->value[k] : 12345;
}

/* Parses text into a fresh conf; returns the number of bad lines. */
static unsigned parse(UnitConf *c, const char *text) {
        unsigned bad = 0;
        CHECK_EQ_INT(unit_conf_parse(c, text, "test.conf", &bad), 0);
        return bad;
}

/* Each [X-Resctl] line, alone, is one bad line. */
#define CHECK_BAD(c, ...)                                                       \
        do {                                                                    \
                const char *const _lines[] = { __VA_ARGS__ };                   \
                for (size_t _i = 0; _i < sizeof(_lines) / sizeof(_lines[0]); _i++) \
                        CHECK_EQ_INT(parse_one((c), _lines[_i]), 1);            \
        } while (0)

/* One [X-Resctl] line alone: how many bad lines it gave. */
static unsigned parse_one(UnitConf *c, const char *line) {
        char *text;
        if (asprintf(&text, "[X-Resctl]\n%s\n", line) < 0)
                abort();
        unsigned bad = parse(c, text);
        free(text);
        return bad;
}

/* The drop-in of c for one property reads exactly `expected`. */
static void check_dropin(const UnitConf *c, const char *property, const char *expected) {
        char *s = unit_conf_format_dropin(c, property);
        CHECK_EQ_STR(s, expected);
        free(s);
}

TEST(test_all_properties) {
        UnitConf c = { 0 };
        CHECK(unit_conf_is_empty(&c));
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\n"
                               "MiscMax=sev:8\n"
                               "DMemMax=" REGION ":4G\n"
                               "DMemLow=" REGION ":1G\n"
                               "DMemMin=" REGION ":512M\n"
                               "RdmaMax=mlx5_0 hca_handle=2 hca_object=2000\n"
                               "Slice=tenant-a.slice\n"),
                     0);
        CHECK(!unit_conf_is_empty(&c));
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev"), 8);
        CHECK_EQ_U64(get(&c, UNIT_CONF_DMEM_MAX, REGION), UINT64_C(4) << 30);
        CHECK_EQ_U64(get(&c, UNIT_CONF_DMEM_LOW, REGION), UINT64_C(1) << 30);
        CHECK_EQ_U64(get(&c, UNIT_CONF_DMEM_MIN, REGION), UINT64_C(512) << 20);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_0", RC_RDMA_HCA_HANDLE), 2);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_0", RC_RDMA_HCA_OBJECT), 2000);
        CHECK_EQ_STR(c.slice, "tenant-a.slice");
        CHECK_EQ_U64(c.lists[UNIT_CONF_MISC_MAX].n, 1);
        CHECK_EQ_U64(c.lists[UNIT_CONF_RDMA_MAX].n, 1);
        unit_conf_done(&c);
        CHECK(unit_conf_is_empty(&c));
}

TEST(test_key_value_spellings) {
        UnitConf c = { 0 };
        /* The last ':' splits: region names hold ':' themselves. */
        CHECK_EQ_INT(parse_one(&c, "DMemMax=" REGION ":4096"), 0);
        CHECK_EQ_U64(get(&c, UNIT_CONF_DMEM_MAX, REGION), 4096);
        CHECK(!unit_conf_find(&c, UNIT_CONF_DMEM_MAX, "drm/0000"));
        /* "KEY VALUE", with any blanks, and "KEY: VALUE". */
        CHECK_EQ_INT(parse_one(&c, "DMemMax=" REGION " 8K"), 0);
        CHECK_EQ_U64(get(&c, UNIT_CONF_DMEM_MAX, REGION), 8192);
        CHECK_EQ_INT(parse_one(&c, "DMemMax=" REGION " \t 9K"), 0);
        CHECK_EQ_U64(get(&c, UNIT_CONF_DMEM_MAX, REGION), 9216);
        CHECK_EQ_INT(parse_one(&c, "DMemMax=" REGION ": 10K"), 0);
        CHECK_EQ_U64(get(&c, UNIT_CONF_DMEM_MAX, REGION), 10240);
        CHECK_EQ_INT(parse_one(&c, "MiscMax=sev 8"), 0);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev"), 8);
        CHECK_EQ_INT(parse_one(&c, "MiscMax=sev_es: 9"), 0);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev_es"), 9);
        /* Blanks around '=' and at both ends, as systemd strips them. */
        CHECK_EQ_INT(parse_one(&c, "  MiscMax \t=  tdx:3  "), 0);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "tdx"), 3);
        /* Names stay names: misc/ prefix is not a misc name here. */
        CHECK_EQ_INT(parse_one(&c, "MiscMax=misc/sev:8"), 1);
        /* Neither form. */
        CHECK_BAD(&c, "MiscMax=sev", "MiscMax=sev:", "MiscMax=:8", "MiscMax=sev 8 9",
                  "MiscMax=sev:8 # no inline comments",
                  "DMemMax=" REGION); /* "...:00.0/vram0" is no number */
        unit_conf_done(&c);
}

TEST(test_values) {
        static const struct { const char *text; uint64_t value; } ok[] = {
                { "0", 0 },
                { "8", 8 },
                { "007", 7 },                           /* decimal, not octal */
                { "1k", 1024 },
                { "1K", 1024 },
                { "2m", UINT64_C(2) << 20 },
                { "2M", UINT64_C(2) << 20 },
                { "3g", UINT64_C(3) << 30 },
                { "3G", UINT64_C(3) << 30 },
                { "4t", UINT64_C(4) << 40 },
                { "4T", UINT64_C(4) << 40 },
                { "max", UINT64_MAX },
                { "infinity", UINT64_MAX },
                { "18446744073709551614", UINT64_MAX - 1 },
                { "18446744073709551615", UINT64_MAX },
                { "16777215T", UINT64_C(16777215) << 40 },
        };
        static const char *const bad[] = {
                "", "-1", "+1", "1.5G", "0x10", "1P", "1KB", "1 K", "K", "MAX", "Infinity", "inf",
                "18446744073709551616", "16777216T", "8x",
        };
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                UnitConf c = { 0 };
                char *line;
                if (asprintf(&line, "MiscMax=sev:%s", ok[i].text) < 0)
                        abort();
                if (parse_one(&c, line) != 0)
                        fprintf(stderr, "rejected: %s\n", line);
                CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev"), ok[i].value);
                free(line);
                unit_conf_done(&c);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                UnitConf c = { 0 };
                char *line;
                if (asprintf(&line, "MiscMax=sev:%s", bad[i]) < 0)
                        abort();
                if (parse_one(&c, line) != 1)
                        fprintf(stderr, "accepted: %s\n", line);
                CHECK(unit_conf_is_empty(&c));
                free(line);
                unit_conf_done(&c);
        }
}

TEST(test_names) {
        UnitConf c = { 0 };
        CHECK_EQ_INT(parse_one(&c, "MiscMax=a:1"), 0);
        CHECK_EQ_INT(parse_one(&c, "MiscMax=a0_9:1"), 0);
        CHECK_EQ_INT(parse_one(&c, "MiscMax=abcdefghijklmnopqrstuvwxyz012345:1"), 0);    /* 32 */
        CHECK_BAD(&c, "MiscMax=abcdefghijklmnopqrstuvwxyz0123456:1", /* 33 */
                  "MiscMax=Sev:1", "MiscMax=1sev:1", "MiscMax=_sev:1", "MiscMax=se-v:1");
        CHECK_EQ_U64(c.lists[UNIT_CONF_MISC_MAX].n, 3);
        CHECK_BAD(&c, "DMemMax=/drm/x:1", "DMemMax=drm/x/:1");
        CHECK_EQ_INT(parse_one(&c, "DMemMax=drm/x:1"), 0);
        CHECK_EQ_U64(c.lists[UNIT_CONF_DMEM_MAX].n, 1);
        unit_conf_done(&c);
}

TEST(test_rdma) {
        UnitConf c = { 0 };
        CHECK_EQ_INT(parse_one(&c, "RdmaMax=mlx5_0 hca_handle=2"), 0);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_0", RC_RDMA_HCA_HANDLE), 2);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_0", RC_RDMA_HCA_OBJECT), 12345);   /* not set */
        /* A later line sets the other kind and keeps the first. */
        CHECK_EQ_INT(parse_one(&c, "RdmaMax=mlx5_0   hca_object=max"), 0);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_0", RC_RDMA_HCA_HANDLE), 2);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_0", RC_RDMA_HCA_OBJECT), UINT64_MAX);
        /* Order of kinds is free; the last of a kind wins. */
        CHECK_EQ_INT(parse_one(&c, "RdmaMax=mlx5_1 hca_object=7 hca_handle=1 hca_handle=3"), 0);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_1", RC_RDMA_HCA_HANDLE), 3);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_1", RC_RDMA_HCA_OBJECT), 7);
        CHECK_EQ_INT(parse_one(&c, "RdmaMax=mlx5_2 hca_handle=2147483647 hca_object=infinity"), 0);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_2", RC_RDMA_HCA_HANDLE), 2147483647);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_2", RC_RDMA_HCA_OBJECT), UINT64_MAX);
        CHECK_EQ_U64(c.lists[UNIT_CONF_RDMA_MAX].n, 3);

        /* All of a line parses before any of it applies. */
        CHECK_EQ_INT(parse_one(&c, "RdmaMax=mlx5_0 hca_handle=5 hca_object=x"), 1);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_0", RC_RDMA_HCA_HANDLE), 2);
        CHECK_BAD(&c, "RdmaMax=mlx5_0 hca_handle=2147483648", /* the kernel's int */
                  "RdmaMax=mlx5_0", "RdmaMax=mlx5_0 hca_handle", "RdmaMax=mlx5_0 hca_handle=",
                  "RdmaMax=mlx5_0 hca_foo=1", "RdmaMax=mlx5_0 hca_handle=-1", "RdmaMax=mlx5_0/hca_handle 1",
                  "RdmaMax=mlx5_0:hca_handle=1");
        CHECK_EQ_U64(get_rdma(&c, "mlx5_0", RC_RDMA_HCA_HANDLE), 2);
        CHECK_EQ_U64(c.lists[UNIT_CONF_RDMA_MAX].n, 3);
        unit_conf_done(&c);
}

TEST(test_slice) {
        UnitConf c = { 0 };
        CHECK_EQ_INT(parse_one(&c, "Slice=tenant-a.slice"), 0);
        CHECK_EQ_STR(c.slice, "tenant-a.slice");
        CHECK_EQ_INT(parse_one(&c, "Slice=-.slice"), 0);
        CHECK_EQ_STR(c.slice, "-.slice");
        static const char *const bad[] = {
                "Slice=a--b.slice", "Slice=-a.slice", "Slice=a-.slice", "Slice=foo.service",
                "Slice=foo@bar.slice", "Slice=foo", "Slice=a b.slice",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (parse_one(&c, bad[i]) != 1)
                        fprintf(stderr, "accepted: %s\n", bad[i]);
                CHECK_EQ_STR(c.slice, "-.slice");
        }
        CHECK_EQ_INT(parse_one(&c, "Slice="), 0);
        CHECK(!c.slice);
        CHECK(unit_conf_is_empty(&c));
        unit_conf_done(&c);
}

TEST(test_order_and_replace) {
        UnitConf c = { 0 };
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\n"
                               "MiscMax=sev:8\n"
                               "MiscMax=tdx:4\n"
                               "MiscMax=sev_es:2\n"
                               "MiscMax=sev:16\n"),
                     0);
        const UnitConfList *l = &c.lists[UNIT_CONF_MISC_MAX];
        CHECK_EQ_U64(l->n, 3);
        CHECK_EQ_STR(l->entries[0].name, "sev");
        CHECK_EQ_U64(l->entries[0].value[0], 16);
        CHECK_EQ_STR(l->entries[1].name, "tdx");
        CHECK_EQ_STR(l->entries[2].name, "sev_es");
        unit_conf_done(&c);
}

TEST(test_reset) {
        UnitConf c = { 0 };
        /* Files are parsed one after another on the same conf: an empty
         * assignment in a later one resets what earlier ones set. */
        CHECK_EQ_INT(parse(&c, "[Unit]\nDescription=x\n[X-Resctl]\n"
                               "MiscMax=sev:8\nMiscMax=tdx:4\nDMemMax=" REGION ":1G\n"
                               "RdmaMax=mlx5_0 hca_handle=1\nSlice=a.slice\n"),
                     0);
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\nMiscMax=\nMiscMax=sev_es:1\n"), 0);
        CHECK_EQ_U64(c.lists[UNIT_CONF_MISC_MAX].n, 1);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev_es"), 1);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev"), 12345);
        CHECK_EQ_U64(get(&c, UNIT_CONF_DMEM_MAX, REGION), UINT64_C(1) << 30);      /* other lists stay */
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\nDMemMax=\nRdmaMax=\n"), 0);
        CHECK_EQ_U64(c.lists[UNIT_CONF_DMEM_MAX].n, 0);
        CHECK_EQ_U64(c.lists[UNIT_CONF_RDMA_MAX].n, 0);
        CHECK_EQ_STR(c.slice, "a.slice");
        /* Blanks around an empty value still reset. */
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\nMiscMax =  \nSlice=\n"), 0);
        CHECK(unit_conf_is_empty(&c));
        /* A reset in another section is not ours. */
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\nMiscMax=sev:1\n[Service]\nMiscMax=\n"), 0);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev"), 1);
        unit_conf_done(&c);
}

TEST(test_sections_and_comments) {
        UnitConf c = { 0 };
        CHECK_EQ_INT(parse(&c, "MiscMax=a:1\n"                 /* before any section: systemd's problem */
                               "[Unit]\n"
                               "MiscMax=b:1\n"
                               "Description=no = ours\n"
                               "[Service]\n"
                               "MiscMax=c:1\n"
                               "Garbage without equals\n"
                               "[x-resctl]\n"                  /* section names are case-sensitive */
                               "MiscMax=d:1\n"
                               "[X-Resctl]\n"
                               "# MiscMax=e:1\n"
                               "; MiscMax=f:1\n"
                               "   # MiscMax=g:1\n"
                               "\n"
                               "   \t\n"
                               "MiscMax=h:1\n"
                               "[Install]\n"
                               "MiscMax=i:1\n"
                               "  [X-Resctl]  \n"
                               "MiscMax=j:1\r\n"),
                     0);
        CHECK_EQ_U64(c.lists[UNIT_CONF_MISC_MAX].n, 2);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "h"), 1);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "j"), 1);
        unit_conf_done(&c);

        /* A broken section header: its lines are skipped up to the next one. */
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\nMiscMax=a:1\n[X-Resctl\nMiscMax=b:1\n[X-Resctl]\nMiscMax=c:1\n"), 1);
        CHECK_EQ_U64(c.lists[UNIT_CONF_MISC_MAX].n, 2);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "b"), 12345);
        unit_conf_done(&c);

        /* A byte order mark, and text without a final newline. */
        CHECK_EQ_INT(parse(&c, "\xef\xbb\xbf[X-Resctl]\nMiscMax=a:1"), 0);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "a"), 1);
        unit_conf_done(&c);

        CHECK_EQ_INT(parse(&c, ""), 0);
        CHECK_EQ_INT(unit_conf_parse(&c, NULL, NULL, NULL), 0);
        CHECK(unit_conf_is_empty(&c));
}

TEST(test_continuation) {
        UnitConf c = { 0 };
        /* A trailing backslash joins the next line as a blank; comment lines
         * inside are dropped; an escaped backslash does not continue. */
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\n"
                               "RdmaMax=mlx5_0 \\\n"
                               "# a comment\n"
                               "  hca_handle=2 \\\n"
                               "  hca_object=3\n"
                               "MiscMax=sev\\\n"
                               "8\n"
                               "MiscMax=tdx:1\\\\\n"
                               "MiscMax=sev_es:2\\"),
                     1);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_0", RC_RDMA_HCA_HANDLE), 2);
        CHECK_EQ_U64(get_rdma(&c, "mlx5_0", RC_RDMA_HCA_OBJECT), 3);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev"), 8);           /* "sev 8" */
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "tdx"), 12345);       /* "1\\" is no number */
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev_es"), 2);        /* at the end of the text */
        unit_conf_done(&c);
}

TEST(test_bad_lines_skipped) {
        UnitConf c = { 0 };
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\n"
                               "MiscMax=sev:8\n"
                               "MiscMax sev:9\n"               /* no '=' */
                               "=sev:9\n"                      /* no name */
                               "MiscMaxx=sev:9\n"              /* unknown */
                               "miscmax=sev:9\n"               /* names are case-sensitive */
                               "MemoryMax=1G\n"                /* not ours in this section */
                               "MiscMax=sev:lots\n"
                               "DMemMax=" REGION ":4G\n"
                               "Slice=bad--name.slice\n"
                               "Slice=a.slice\n"),
                     7);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev"), 8);
        CHECK_EQ_U64(get(&c, UNIT_CONF_DMEM_MAX, REGION), UINT64_C(4) << 30);
        CHECK_EQ_STR(c.slice, "a.slice");
        /* n_bad may be NULL. */
        CHECK_EQ_INT(unit_conf_parse(&c, "[X-Resctl]\nFoo=1\n", "x.conf", NULL), 0);
        unit_conf_done(&c);
}

/* Runs a parse with stderr captured, returns what it logged. */
static char *parse_logged(const char *text, const char *filename) {
        fflush(stderr);
        FILE *tmp = tmpfile();
        if (!tmp)
                abort();
        int saved = dup(STDERR_FILENO);
        dup2(fileno(tmp), STDERR_FILENO);
        UnitConf c = { 0 };
        unsigned bad = 0;
        CHECK_EQ_INT(unit_conf_parse(&c, text, filename, &bad), 0);
        unit_conf_done(&c);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        static char buf[4096];
        rewind(tmp);
        size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
        buf[n] = 0;
        fclose(tmp);
        return buf;
}

TEST(test_warnings_name_file_and_line) {
        const char *out = parse_logged("[Unit]\n\n[X-Resctl]\n# c\nMiscMax=sev:x\nFoo=1\n"
                                       "RdmaMax=mlx5_0 \\\n hca_handle=x\n",
                                       "/etc/systemd/system/a.service.d/x.conf");
        CHECK(strstr(out, "/etc/systemd/system/a.service.d/x.conf:5: "));
        CHECK(strstr(out, "'x' is not a number"));
        CHECK(strstr(out, "/etc/systemd/system/a.service.d/x.conf:6: Unknown setting 'Foo'"));
        CHECK(strstr(out, "/etc/systemd/system/a.service.d/x.conf:7: "));   /* where the line starts */
        out = parse_logged("[X-Resctl]\nMiscMax=Sev:1\n", NULL);
        CHECK(strstr(out, ":2: MiscMax: misc resource name 'Sev' is invalid"));
}

TEST(test_format_dropin) {
        UnitConf c = { 0 };
        char *s;

        /* Empty lists: just the reset line. */
        check_dropin(&c, "MiscMax", HEADER "MiscMax=\n");
        check_dropin(&c, "RdmaMax", HEADER "RdmaMax=\n");
        check_dropin(&c, "Slice", HEADER "Slice=\n");
        CHECK(!unit_conf_format_dropin(&c, "MemoryMax"));
        CHECK(!unit_conf_format_dropin(&c, "miscmax"));

        CHECK_EQ_INT(unit_conf_set(&c, UNIT_CONF_MISC_MAX, "sev", 0, 8), 0);
        CHECK_EQ_INT(unit_conf_set(&c, UNIT_CONF_MISC_MAX, "tdx", 0, UINT64_MAX), 0);
        CHECK_EQ_INT(unit_conf_set(&c, UNIT_CONF_DMEM_MAX, REGION, 0, UINT64_C(4294967296)), 0);
        CHECK_EQ_INT(unit_conf_set(&c, UNIT_CONF_DMEM_MAX, "drm/0000:04:00.0/vram0", 0, UINT64_MAX), 0);
        CHECK_EQ_INT(unit_conf_set(&c, UNIT_CONF_DMEM_MIN, REGION, 0, 0), 0);
        CHECK_EQ_INT(unit_conf_set(&c, UNIT_CONF_DMEM_LOW, REGION, 0, 1024), 0);
        CHECK_EQ_INT(unit_conf_set(&c, UNIT_CONF_RDMA_MAX, "mlx5_0", RC_RDMA_HCA_HANDLE, 2), 0);
        CHECK_EQ_INT(unit_conf_set(&c, UNIT_CONF_RDMA_MAX, "mlx5_0", RC_RDMA_HCA_OBJECT, UINT64_MAX), 0);
        CHECK_EQ_INT(unit_conf_set(&c, UNIT_CONF_RDMA_MAX, "mlx5_1", RC_RDMA_HCA_OBJECT, 5), 0);
        CHECK_EQ_INT(unit_conf_set_slice(&c, "tenant-a.slice"), 0);
        CHECK_EQ_INT(unit_conf_set(&c, UNIT_CONF_SLICE, "x", 0, 1), -EINVAL);

        check_dropin(&c, "MiscMax", HEADER "MiscMax=\nMiscMax=sev:8\nMiscMax=tdx:max\n");
        check_dropin(&c, "DMemMax", HEADER "DMemMax=\nDMemMax=" REGION ":4294967296\nDMemMax=drm/0000:04:00.0/vram0:max\n");
        check_dropin(&c, "DMemMin", HEADER "DMemMin=\nDMemMin=" REGION ":0\n");
        check_dropin(&c, "DMemLow", HEADER "DMemLow=\nDMemLow=" REGION ":1024\n");
        check_dropin(&c, "RdmaMax", HEADER "RdmaMax=\nRdmaMax=mlx5_0 hca_handle=2 hca_object=max\nRdmaMax=mlx5_1 hca_object=5\n");
        check_dropin(&c, "Slice", HEADER "Slice=tenant-a.slice\n");

        /* What is written reads back the same, on top of anything. */
        UnitConf back = { 0 };
        CHECK_EQ_INT(parse(&back, "[X-Resctl]\nMiscMax=old:1\nRdmaMax=mlx5_9 hca_handle=1\n"), 0);
        for (int p = 0; p < _UNIT_CONF_PROPERTY_MAX; p++) {
                s = unit_conf_format_dropin(&c, unit_conf_property_to_string((UnitConfProperty) p));
                CHECK_EQ_INT(parse(&back, s), 0);
                free(s);
        }
        for (int p = 0; p < _UNIT_CONF_PROPERTY_MAX; p++) {
                const char *name = unit_conf_property_to_string((UnitConfProperty) p);
                char *a = unit_conf_format_dropin(&c, name), *b = unit_conf_format_dropin(&back, name);
                CHECK_EQ_STR(b, a);
                free(a);
                free(b);
        }
        unit_conf_done(&back);
        unit_conf_done(&c);
}

TEST(test_copy_and_reset) {
        UnitConf c = { 0 }, d = { 0 };
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\nMiscMax=sev:8\nRdmaMax=mlx5_0 hca_object=3\nSlice=a.slice\n"), 0);
        CHECK_EQ_INT(unit_conf_copy(&d, &c), 0);
        unit_conf_done(&c);
        CHECK_EQ_U64(get(&d, UNIT_CONF_MISC_MAX, "sev"), 8);
        CHECK_EQ_U64(get_rdma(&d, "mlx5_0", RC_RDMA_HCA_OBJECT), 3);
        CHECK_EQ_U64(get_rdma(&d, "mlx5_0", RC_RDMA_HCA_HANDLE), 12345);
        CHECK_EQ_STR(d.slice, "a.slice");
        unit_conf_reset(&d, UNIT_CONF_SLICE);
        CHECK(!d.slice);
        unit_conf_reset(&d, UNIT_CONF_MISC_MAX);
        CHECK_EQ_U64(d.lists[UNIT_CONF_MISC_MAX].n, 0);
        CHECK(!unit_conf_is_empty(&d));
        unit_conf_reset(&d, UNIT_CONF_RDMA_MAX);
        CHECK(unit_conf_is_empty(&d));
        CHECK_EQ_INT(unit_conf_copy(&c, &d), 0);
        CHECK(unit_conf_is_empty(&c));
        unit_conf_done(&c);
        unit_conf_done(&d);
}

TEST(test_property_helpers) {
        CHECK_EQ_INT(unit_conf_property_from_string("MiscMax"), UNIT_CONF_MISC_MAX);
        CHECK_EQ_INT(unit_conf_property_from_string("DMemMin"), UNIT_CONF_DMEM_MIN);
        CHECK_EQ_INT(unit_conf_property_from_string("DMemLow"), UNIT_CONF_DMEM_LOW);
        CHECK_EQ_INT(unit_conf_property_from_string("DMemMax"), UNIT_CONF_DMEM_MAX);
        CHECK_EQ_INT(unit_conf_property_from_string("RdmaMax"), UNIT_CONF_RDMA_MAX);
        CHECK_EQ_INT(unit_conf_property_from_string("Slice"), UNIT_CONF_SLICE);
        CHECK_EQ_INT(unit_conf_property_from_string("DmemMax"), -EINVAL);
        CHECK_EQ_INT(unit_conf_property_from_string(NULL), -EINVAL);
        CHECK(!unit_conf_property_to_string(_UNIT_CONF_PROPERTY_MAX));
        CHECK_EQ_STR(unit_conf_property_file(UNIT_CONF_MISC_MAX), "misc.max");
        CHECK_EQ_STR(unit_conf_property_file(UNIT_CONF_DMEM_MIN), "dmem.min");
        CHECK_EQ_STR(unit_conf_property_file(UNIT_CONF_DMEM_LOW), "dmem.low");
        CHECK_EQ_STR(unit_conf_property_file(UNIT_CONF_DMEM_MAX), "dmem.max");
        CHECK_EQ_STR(unit_conf_property_file(UNIT_CONF_RDMA_MAX), "rdma.max");
        CHECK(!unit_conf_property_file(UNIT_CONF_SLICE));
        CHECK_EQ_U64(unit_conf_property_default(UNIT_CONF_MISC_MAX), UINT64_MAX);
        CHECK_EQ_U64(unit_conf_property_default(UNIT_CONF_DMEM_MIN), 0);
        CHECK_EQ_U64(unit_conf_property_default(UNIT_CONF_DMEM_LOW), 0);
        CHECK_EQ_U64(unit_conf_property_default(UNIT_CONF_DMEM_MAX), UINT64_MAX);
        CHECK_EQ_U64(unit_conf_property_default(UNIT_CONF_RDMA_MAX), UINT64_MAX);
        CHECK_EQ_INT(unit_conf_property_controller(UNIT_CONF_DMEM_LOW), RC_DMEM);
        CHECK_EQ_INT(unit_conf_property_controller(UNIT_CONF_RDMA_MAX), RC_RDMA);

        /* Keys as the bus gives them. */
        rc_key k;
        rc_err err = { { 0 } };
        CHECK_EQ_INT(unit_conf_parse_key(UNIT_CONF_MISC_MAX, "sev", &k, &err), 0);
        CHECK_EQ_STR(k.name, "sev");
        CHECK_EQ_INT(unit_conf_parse_key(UNIT_CONF_DMEM_MAX, REGION, &k, &err), 0);
        CHECK_EQ_STR(k.name, REGION);
        CHECK_EQ_INT(unit_conf_parse_key(UNIT_CONF_RDMA_MAX, "mlx5_0/hca_object", &k, &err), 0);
        CHECK_EQ_STR(k.name, "mlx5_0");
        CHECK_EQ_INT(k.kind, RC_RDMA_HCA_OBJECT);
        CHECK_EQ_INT(unit_conf_parse_key(UNIT_CONF_RDMA_MAX, "mlx5_0", &k, &err), 0);
        CHECK_EQ_INT(k.kind, -1);
        CHECK_EQ_INT(unit_conf_parse_key(UNIT_CONF_RDMA_MAX, "mlx5_0/foo", &k, &err), -EINVAL);
        CHECK(strstr(err.msg, "RdmaMax: "));
        CHECK_EQ_INT(unit_conf_parse_key(UNIT_CONF_MISC_MAX, "", &k, &err), -EINVAL);
        CHECK_EQ_INT(unit_conf_parse_key(UNIT_CONF_MISC_MAX, NULL, &k, &err), -EINVAL);
        CHECK_EQ_INT(unit_conf_parse_key(UNIT_CONF_MISC_MAX, "misc/sev", &k, &err), -EINVAL);
        CHECK_EQ_INT(unit_conf_parse_key(UNIT_CONF_SLICE, "sev", &k, &err), -EINVAL);

        CHECK_EQ_INT(unit_conf_check_value(UNIT_CONF_RDMA_MAX, 2147483647, &err), 0);
        CHECK_EQ_INT(unit_conf_check_value(UNIT_CONF_RDMA_MAX, UINT64_MAX, &err), 0);
        CHECK_EQ_INT(unit_conf_check_value(UNIT_CONF_RDMA_MAX, 2147483648, &err), -ERANGE);
        CHECK_EQ_INT(unit_conf_check_value(UNIT_CONF_MISC_MAX, UINT64_MAX - 1, &err), 0);
}

/* Percentages stay percentages in the model and in drop-ins; only RdmaMax
 * (no capacity) and values over 100% are skipped. */
TEST(test_percent) {
        UnitConf c = { 0 };
        CHECK_EQ_INT(parse(&c, "[X-Resctl]\n"
                               "MiscMax=sev:10%\n"
                               "DMemMax=" REGION ":80%\n"
                               "DMemLow=" REGION " 12.5%\n"
                               "DMemMin=" REGION ":0%\n"
                               "MiscMax=tdx:100%\n"),
                     0);
        const UnitConfEntry *e = unit_conf_find(&c, UNIT_CONF_MISC_MAX, "sev");
        CHECK(e && e->percent[0]);
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev"), 100000000);
        CHECK_EQ_U64(unit_conf_entry_absolute(e, 0, 400), 40);
        CHECK_EQ_U64(unit_conf_entry_absolute(e, 0, 9), 0);
        e = unit_conf_find(&c, UNIT_CONF_DMEM_LOW, REGION);
        CHECK_EQ_U64(unit_conf_entry_absolute(e, 0, 99), 12);
        e = unit_conf_find(&c, UNIT_CONF_DMEM_MIN, REGION);
        CHECK(e && e->percent[0]);
        CHECK_EQ_U64(unit_conf_entry_absolute(e, 0, 1000), 0);
        e = unit_conf_find(&c, UNIT_CONF_MISC_MAX, "tdx");
        CHECK_EQ_U64(unit_conf_entry_absolute(e, 0, 1000), 1000);

        char *s = unit_conf_format_dropin(&c, "MiscMax");
        CHECK_EQ_STR(s, HEADER "MiscMax=\nMiscMax=sev:10%\nMiscMax=tdx:100%\n");
        free(s);
        check_dropin(&c, "DMemLow", HEADER "DMemLow=\nDMemLow=" REGION ":12.5%\n");

        /* An absolute value replaces a percentage and back. */
        CHECK_EQ_INT(parse_one(&c, "MiscMax=sev:8"), 0);
        e = unit_conf_find(&c, UNIT_CONF_MISC_MAX, "sev");
        CHECK(e && !e->percent[0]);
        CHECK_EQ_U64(unit_conf_entry_absolute(e, 0, 400), 8);

        CHECK_BAD(&c, "MiscMax=sev:101%", "MiscMax=sev:12.55555555%", "MiscMax=sev:-1%", "MiscMax=sev:10%%",
                  "RdmaMax=mlx5_0 hca_handle=50%");
        CHECK_EQ_U64(get(&c, UNIT_CONF_MISC_MAX, "sev"), 8);
        CHECK(!unit_conf_find(&c, UNIT_CONF_RDMA_MAX, "mlx5_0"));

        uint64_t v;
        bool percent;
        rc_err err = { { 0 } };
        CHECK_EQ_INT(unit_conf_parse_value(UNIT_CONF_DMEM_MAX, "12.5%", &v, &percent, &err), 0);
        CHECK(percent);
        CHECK_EQ_U64(v, 125000000);
        CHECK_EQ_INT(unit_conf_parse_value(UNIT_CONF_DMEM_MAX, "4G", &v, &percent, &err), 0);
        CHECK(!percent);
        CHECK_EQ_U64(v, UINT64_C(4294967296));
        CHECK_EQ_INT(unit_conf_parse_value(UNIT_CONF_MISC_MAX, "150%", &v, &percent, &err), -ERANGE);
        CHECK_EQ_STR(err.msg, "MiscMax: '150%' is more than 100%");
        CHECK_EQ_INT(unit_conf_parse_value(UNIT_CONF_RDMA_MAX, "5%", &v, &percent, &err), -EINVAL);
        unit_conf_done(&c);
}

int main(void) {
        log_set_max_level(LOG_WARNING);
        RUN(test_all_properties);
        RUN(test_key_value_spellings);
        RUN(test_values);
        RUN(test_names);
        RUN(test_rdma);
        RUN(test_slice);
        RUN(test_order_and_replace);
        RUN(test_reset);
        RUN(test_sections_and_comments);
        RUN(test_continuation);
        RUN(test_bad_lines_skipped);
        RUN(test_warnings_name_file_and_line);
        RUN(test_format_dropin);
        RUN(test_copy_and_reset);
        RUN(test_property_helpers);
        RUN(test_percent);
        return TEST_EXIT();
}
