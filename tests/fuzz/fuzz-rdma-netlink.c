/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The RDMA netlink (nldev) reply parsers (src/daemon/discover-rdma.c).
 *
 * Input: one netlink message as the kernel sends it (struct nlmsghdr, then
 * attributes), given to both parsers.
 *
 * Checked, beyond memory safety:
 *   - a parser either fails with one of its documented errors or fills a
 *     result whose names are valid resource-key parts;
 *   - that result, encoded again as the kernel would send it, parses to
 *     the same result (and with unknown attributes, padding attributes and
 *     NLA_F_NESTED added, too). */

#include <errno.h>
#include <linux/netlink.h>
#include <rdma/rdma_netlink.h>
#include <stdbool.h>

#include "discover.h"
#include "fuzz.h"
#include "log.h"
#include "macro.h"

typedef struct Msg {
        uint8_t b[8192];
        size_t len;
} Msg;

static void put(Msg *m, const void *p, size_t n) {
        FUZZ_ASSERT(m->len + n <= sizeof(m->b), "message too long");
        if (n)
                memcpy(m->b + m->len, p, n);
        m->len += n;
}

static void put16(Msg *m, uint16_t v) {
        put(m, &v, 2);
}

static void put32(Msg *m, uint32_t v) {
        put(m, &v, 4);
}

static void attr(Msg *m, uint16_t type, const void *data, size_t n) {
        put16(m, (uint16_t) (NLA_HDRLEN + n));
        put16(m, type);
        put(m, data, n);
        while (m->len % 4)
                m->b[m->len++] = 0;
}

static size_t nest_begin(Msg *m, uint16_t type) {
        size_t off = m->len;
        put16(m, 0);
        put16(m, type);
        return off;
}

static void nest_end(Msg *m, size_t off) {
        uint16_t n = (uint16_t) (m->len - off);
        memcpy(m->b + off, &n, 2);
}

static void msg_begin(Msg *m, uint16_t cmd) {
        m->len = 0;
        put32(m, 0);
        put16(m, RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd));
        put16(m, NLM_F_MULTI);
        put32(m, 1);
        put32(m, 0);
}

static void msg_end(Msg *m) {
        uint32_t n = (uint32_t) m->len;
        memcpy(m->b, &n, 4);
}

static void dev_attrs(Msg *m, uint32_t index, const char *name, bool extra) {
        if (extra)
                attr(m, RDMA_NLDEV_ATTR_FW_VERSION, "1.2.3", 6);
        attr(m, RDMA_NLDEV_ATTR_DEV_INDEX, &index, 4);
        attr(m, RDMA_NLDEV_ATTR_DEV_NAME, name, strlen(name) + 1);
        if (extra) {
                uint64_t guid = UINT64_C(0x0c42a10300a1b2c3);
                attr(m, RDMA_NLDEV_ATTR_NODE_GUID, &guid, 8);
        }
}

static void encode_dev(Msg *m, const RdmaDevInfo *d, bool extra) {
        msg_begin(m, RDMA_NLDEV_CMD_GET);
        dev_attrs(m, d->index, d->name, extra);
        msg_end(m);
}

static void encode_res(Msg *m, const RdmaResInfo *r, bool extra) {
        msg_begin(m, RDMA_NLDEV_CMD_RES_GET);
        dev_attrs(m, r->index, r->name, extra);
        size_t t = nest_begin(m, RDMA_NLDEV_ATTR_RES_SUMMARY | (extra ? NLA_F_NESTED : 0));
        for (size_t i = 0; i < r->n_entries; i++) {
                size_t e = nest_begin(m, RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY | (extra ? NLA_F_NESTED : 0));
                attr(m, RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY_NAME, r->entries[i].name, strlen(r->entries[i].name) + 1);
                if (extra)
                        attr(m, RDMA_NLDEV_ATTR_PAD, NULL, 0);
                attr(m, RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY_CURR, &r->entries[i].current, 8);
                nest_end(m, e);
        }
        nest_end(m, t);
        msg_end(m);
}

static void check_name(const char *s, size_t size) {
        size_t n = strnlen(s, size);
        FUZZ_ASSERT(n > 0 && n < size, "name of length %zu", n);
        for (size_t i = 0; i < n; i++)
                FUZZ_ASSERT((unsigned char) s[i] > ' ' && (unsigned char) s[i] < 0x7f && s[i] != '/',
                            "name '%s' has byte 0x%02x", s, (unsigned char) s[i]);
}

static bool res_equal(const RdmaResInfo *a, const RdmaResInfo *b) {
        if (a->index != b->index || !streq(a->name, b->name) || a->n_entries != b->n_entries)
                return false;
        for (size_t i = 0; i < a->n_entries; i++)
                if (!streq(a->entries[i].name, b->entries[i].name) || a->entries[i].current != b->entries[i].current)
                        return false;
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static bool quiet = false;
        if (!quiet) {
                log_set_max_level(LOG_CRIT);
                quiet = true;
        }
        /* Both parsers read only inside [data, data + size). */
        RdmaDevInfo d;
        int r = rdma_nl_parse_dev(data, size, &d);
        FUZZ_ASSERT(r <= 0, "parse_dev: %d", r);      /* any errno: an NLMSG_ERROR carries one */
        if (r == 0) {
                check_name(d.name, sizeof(d.name));
                for (int extra = 0; extra < 2; extra++) {
                        Msg m;
                        RdmaDevInfo d2;
                        encode_dev(&m, &d, extra);
                        FUZZ_ASSERT(rdma_nl_parse_dev(m.b, m.len, &d2) == 0, "re-encoded GET reply refused");
                        FUZZ_ASSERT(d2.index == d.index && streq(d2.name, d.name), "GET reply %u %s read back as %u %s",
                                    d.index, d.name, d2.index, d2.name);
                        /* and it is not a RES_GET reply */
                        RdmaResInfo x;
                        FUZZ_ASSERT(rdma_nl_parse_res(m.b, m.len, &x) == -ENOMSG, "GET reply taken as RES_GET");
                }
        }

        RdmaResInfo *res = malloc(sizeof(*res)), *res2 = malloc(sizeof(*res2));
        FUZZ_ASSERT(res && res2, "out of memory");
        r = rdma_nl_parse_res(data, size, res);
        FUZZ_ASSERT(r <= 0, "parse_res: %d", r);
        if (r == 0) {
                check_name(res->name, sizeof(res->name));
                FUZZ_ASSERT(res->n_entries <= RDMA_RES_ENTRIES_MAX, "%zu entries", res->n_entries);
                for (size_t i = 0; i < res->n_entries; i++)
                        check_name(res->entries[i].name, sizeof(res->entries[i].name));
                for (int extra = 0; extra < 2; extra++) {
                        Msg *m = malloc(sizeof(*m));
                        FUZZ_ASSERT(m, "out of memory");
                        encode_res(m, res, extra);
                        FUZZ_ASSERT(rdma_nl_parse_res(m->b, m->len, res2) == 0, "re-encoded RES_GET reply refused");
                        FUZZ_ASSERT(res_equal(res, res2), "RES_GET reply of %s read back differently", res->name);
                        free(m);
                }
        }
        free(res);
        free(res2);
        return 0;
}
