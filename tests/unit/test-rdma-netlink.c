/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The RDMA netlink (nldev) reply parsers, fed messages built byte by byte in
 * the layout of the uapi <rdma/rdma_netlink.h>: struct nlmsghdr, then
 * attributes (struct nlattr + payload, padded to 4 bytes), host byte order. */

#include <errno.h>
#include <linux/netlink.h>
#include <rdma/rdma_netlink.h>
#include <stdint.h>
#include <string.h>

#include "discover.h"
#include "macro.h"
#include "test.h"

#define GET_TYPE RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_GET)
#define RES_TYPE RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_RES_GET)

typedef struct Msg {
        uint8_t b[16384];
        size_t len;
} Msg;

static void put(Msg *m, const void *p, size_t n) {
        if (n > 0)
                memcpy(m->b + m->len, p, n);
        m->len += n;
}

static void put16(Msg *m, uint16_t v) {
        put(m, &v, 2);
}

static void put32(Msg *m, uint32_t v) {
        put(m, &v, 4);
}

static void pad(Msg *m) {
        while (m->len % 4)
                m->b[m->len++] = 0;
}

static void set16(Msg *m, size_t off, uint16_t v) {
        memcpy(m->b + off, &v, 2);
}

static void set32(Msg *m, size_t off, uint32_t v) {
        memcpy(m->b + off, &v, 4);
}

/* struct nlmsghdr: len, type, flags, seq, pid */
static void msg_begin(Msg *m, uint16_t type) {
        m->len = 0;
        put32(m, 0);
        put16(m, type);
        put16(m, NLM_F_MULTI);
        put32(m, 42);
        put32(m, 0);
}

static size_t msg_end(Msg *m) {
        set32(m, 0, (uint32_t) m->len);
        return m->len;
}

/* struct nlattr: len (header + payload, no padding), type */
static void attr(Msg *m, uint16_t type, const void *data, size_t n) {
        put16(m, (uint16_t) (NLA_HDRLEN + n));
        put16(m, type);
        put(m, data, n);
        pad(m);
}

static void attr_u32(Msg *m, uint16_t type, uint32_t v) {
        attr(m, type, &v, 4);
}

static void attr_u64(Msg *m, uint16_t type, uint64_t v) {
        attr(m, type, &v, 8);
}

static void attr_str(Msg *m, uint16_t type, const char *s) {
        attr(m, type, s, strlen(s) + 1);
}

static size_t nest_begin(Msg *m, uint16_t type) {
        size_t off = m->len;
        put16(m, 0);
        put16(m, type);
        return off;
}

static void nest_end(Msg *m, size_t off) {
        set16(m, off, (uint16_t) (m->len - off));
}

static void dev_msg(Msg *m, uint32_t index, const char *name) {
        msg_begin(m, GET_TYPE);
        attr_u32(m, RDMA_NLDEV_ATTR_DEV_INDEX, index);
        attr_str(m, RDMA_NLDEV_ATTR_DEV_NAME, name);
        attr_u32(m, RDMA_NLDEV_ATTR_PORT_INDEX, 1);
        attr_u64(m, RDMA_NLDEV_ATTR_CAP_FLAGS, 0x1234);
        attr_str(m, RDMA_NLDEV_ATTR_FW_VERSION, "16.35.2000");
        attr_u64(m, RDMA_NLDEV_ATTR_NODE_GUID, UINT64_C(0x0c42a10300a1b2c3));
        msg_end(m);
}

static void entry(Msg *m, const char *name, uint64_t curr, bool with_pad) {
        size_t e = nest_begin(m, RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY);
        attr_str(m, RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY_NAME, name);
        if (with_pad)   /* nla_put_u64_64bit() aligning the u64 */
                attr(m, RDMA_NLDEV_ATTR_PAD, NULL, 0);
        attr_u64(m, RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY_CURR, curr);
        nest_end(m, e);
}

static void res_msg(Msg *m, uint32_t index, const char *name) {
        msg_begin(m, RES_TYPE);
        attr_u32(m, RDMA_NLDEV_ATTR_DEV_INDEX, index);
        attr_str(m, RDMA_NLDEV_ATTR_DEV_NAME, name);
        size_t t = nest_begin(m, RDMA_NLDEV_ATTR_RES_SUMMARY | NLA_F_NESTED);
        entry(m, "pd", 3, false);
        entry(m, "cq", 5, true);
        entry(m, "qp", 8, false);
        entry(m, "cm_id", 0, false);
        entry(m, "mr", UINT64_C(1) << 40, false);
        entry(m, "ctx", 2, false);
        entry(m, "srq", 1, false);
        nest_end(m, t);
        msg_end(m);
}

/* The message parses as the device index, name. */
static void check_dev(const void *msg, size_t len, RdmaDevInfo *d, uint64_t index, const char *name) {
        CHECK_EQ_INT(rdma_nl_parse_dev(msg, len, d), 0);
        CHECK_EQ_U64(d->index, index);
        CHECK_EQ_STR(d->name, name);
}

TEST(test_literal_get) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* A GET dump reply for mlx5_0, index 1, as the bytes go on an x86 wire. */
        static const uint8_t msg[] = {
                0x2c, 0x00, 0x00, 0x00,                         /* nlmsg_len 44 */
                0x01, 0x14,                                     /* type: client 5 (NLDEV) << 10 | cmd 1 (GET) */
                0x02, 0x00,                                     /* NLM_F_MULTI */
                0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq, pid */
                0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, /* DEV_INDEX = 1 */
                0x0b, 0x00, 0x02, 0x00, 'm', 'l', 'x', '5', '_', '0', 0x00, 0x00, /* DEV_NAME "mlx5_0" + pad */
                0x08, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, /* PORT_INDEX = 1 (not ours) */
        };
        CHECK_EQ_INT(GET_TYPE, 0x1401);
        RdmaDevInfo d;
        check_dev(msg, sizeof(msg), &d, 1, "mlx5_0");
#endif
}

TEST(test_get) {
        Msg m;
        dev_msg(&m, 7, "rxe0");
        RdmaDevInfo d;
        check_dev(m.b, m.len, &d, 7, "rxe0");

        /* Bytes after nlmsg_len belong to the next message of the dump. */
        Msg next;
        dev_msg(&next, 8, "rxe1");
        memcpy(m.b + m.len, next.b, next.len);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len + next.len, &d), 0);
        CHECK_EQ_STR(d.name, "rxe0");
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b + m.len, next.len, &d), 0);
        CHECK_EQ_STR(d.name, "rxe1");

        /* Longest name the kernel allows: IB_DEVICE_NAME_MAX - 1. */
        char name[RDMA_DEV_NAME_MAX];
        memset(name, 'a', sizeof(name) - 1);
        name[sizeof(name) - 1] = 0;
        dev_msg(&m, 1, name);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), 0);
        CHECK_EQ_STR(d.name, name);
}

TEST(test_unknown_attributes) {
        Msg m;
        msg_begin(&m, GET_TYPE);
        attr_u32(&m, 0x7ff0, 99);                                       /* from a kernel of the future */
        attr(&m, RDMA_NLDEV_ATTR_PAD, NULL, 0);                         /* empty */
        size_t n = nest_begin(&m, RDMA_NLDEV_ATTR_RES_QP | NLA_F_NESTED); /* a nest we do not read */
        attr_u32(&m, RDMA_NLDEV_ATTR_RES_LQPN, 5);
        nest_end(&m, n);
        attr_str(&m, RDMA_NLDEV_ATTR_DEV_NAME | NLA_F_NET_BYTEORDER, "mlx5_1");
        uint8_t odd[3] = { 1, 2, 3 };                                   /* payload not a multiple of 4 */
        attr(&m, RDMA_NLDEV_ATTR_MAX + 5, odd, sizeof(odd));
        attr_u32(&m, RDMA_NLDEV_ATTR_DEV_INDEX, 2);
        msg_end(&m);
        RdmaDevInfo d;
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), 0);
        CHECK_EQ_U64(d.index, 2);
        CHECK_EQ_STR(d.name, "mlx5_1");

        /* The last attribute may come without its padding. */
        msg_begin(&m, GET_TYPE);
        attr_u32(&m, RDMA_NLDEV_ATTR_DEV_INDEX, 3);
        attr(&m, RDMA_NLDEV_ATTR_DEV_NAME, "ib0", 4);
        attr(&m, 0x300, odd, 1);
        m.len -= 3;     /* drop the pad bytes of the 1-byte payload */
        msg_end(&m);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), 0);
        CHECK_EQ_STR(d.name, "ib0");
}

TEST(test_truncated) {
        Msg m;
        dev_msg(&m, 1, "mlx5_0");
        RdmaDevInfo d = { .index = 77 };
        /* Every shorter buffer (nlmsg_len still says the whole) is refused. */
        for (size_t n = 0; n < m.len; n++)
                CHECK_EQ_INT(rdma_nl_parse_dev(m.b, n, &d), -EBADMSG);
        CHECK_EQ_U64(d.index, 77);      /* untouched */
        CHECK_EQ_INT(rdma_nl_parse_dev(NULL, 100, &d), -EBADMSG);

        /* Cut anywhere, nlmsg_len agreeing with the cut: refused unless the
         * cut falls after DEV_NAME's payload (later attributes are optional;
         * the last one may lack its padding). */
        size_t name_end = NLMSG_HDRLEN + 8 + NLA_HDRLEN + sizeof("mlx5_0");
        for (size_t n = NLMSG_HDRLEN; n < m.len; n++) {
                Msg c = m;
                set32(&c, 0, (uint32_t) n);
                int r = rdma_nl_parse_dev(c.b, n, &d);
                CHECK(r == -EBADMSG || r == -ENODATA || (r == 0 && n >= name_end));
        }

        /* nlmsg_len below the header size */
        Msg c = m;
        set32(&c, 0, 8);
        CHECK_EQ_INT(rdma_nl_parse_dev(c.b, c.len, &d), -EBADMSG);

        /* An attribute claiming more than the message holds. */
        c = m;
        set16(&c, NLMSG_HDRLEN, 200);
        CHECK_EQ_INT(rdma_nl_parse_dev(c.b, c.len, &d), -EBADMSG);

        /* An attribute length below its own header. */
        c = m;
        set16(&c, NLMSG_HDRLEN, 2);
        CHECK_EQ_INT(rdma_nl_parse_dev(c.b, c.len, &d), -EBADMSG);
        set16(&c, NLMSG_HDRLEN, 0);
        CHECK_EQ_INT(rdma_nl_parse_dev(c.b, c.len, &d), -EBADMSG);

        /* Two stray bytes after the last attribute: a partial header. */
        c = m;
        c.b[c.len++] = 0;
        c.b[c.len++] = 0;
        msg_end(&c);
        CHECK_EQ_INT(rdma_nl_parse_dev(c.b, c.len, &d), -EBADMSG);
}

TEST(test_bad_values) {
        Msg m;
        RdmaDevInfo d;
        uint64_t big = 1;
        uint16_t small = 1;

        /* DEV_INDEX is a u32: 8 bytes is oversized, 2 bytes truncated. */
        msg_begin(&m, GET_TYPE);
        attr(&m, RDMA_NLDEV_ATTR_DEV_INDEX, &big, sizeof(big));
        attr_str(&m, RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_0");
        msg_end(&m);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -EMSGSIZE);
        msg_begin(&m, GET_TYPE);
        attr(&m, RDMA_NLDEV_ATTR_DEV_INDEX, &small, sizeof(small));
        attr_str(&m, RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_0");
        msg_end(&m);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -EBADMSG);

        /* DEV_NAME: no NUL, too long, empty, not a name. */
        msg_begin(&m, GET_TYPE);
        attr_u32(&m, RDMA_NLDEV_ATTR_DEV_INDEX, 1);
        attr(&m, RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_0", 6);
        msg_end(&m);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -EBADMSG);

        char name[RDMA_DEV_NAME_MAX + 1];
        memset(name, 'a', sizeof(name) - 1);
        name[sizeof(name) - 1] = 0;
        dev_msg(&m, 1, name);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -EMSGSIZE);

        static const char *const bad[] = { "", "mlx5 0", "../x", "a\tb", "\x7f" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                dev_msg(&m, 1, bad[i]);
                CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -EBADMSG);
        }

        /* Required attributes */
        msg_begin(&m, GET_TYPE);
        attr_u32(&m, RDMA_NLDEV_ATTR_DEV_INDEX, 1);
        msg_end(&m);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -ENODATA);
        msg_begin(&m, GET_TYPE);
        attr_str(&m, RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_0");
        msg_end(&m);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -ENODATA);
}

TEST(test_message_types) {
        Msg m;
        RdmaDevInfo d;
        RdmaResInfo r;

        dev_msg(&m, 1, "mlx5_0");
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), -ENOMSG);       /* a GET reply is not a RES_GET one */
        res_msg(&m, 1, "mlx5_0");
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -ENOMSG);

        msg_begin(&m, NLMSG_DONE);
        put32(&m, 0);
        msg_end(&m);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -ENOMSG);

        /* struct nlmsgerr: error, then the offending request's header */
        msg_begin(&m, NLMSG_ERROR);
        put32(&m, (uint32_t) -EOPNOTSUPP);
        put32(&m, 16);
        put16(&m, GET_TYPE);
        put16(&m, NLM_F_DUMP | NLM_F_REQUEST);
        put32(&m, 1);
        put32(&m, 0);
        msg_end(&m);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -EOPNOTSUPP);
        set32(&m, NLMSG_HDRLEN, 0);                     /* an ACK */
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), -ENOMSG);
        msg_begin(&m, NLMSG_ERROR);                     /* too short to hold the error */
        put16(&m, 1);
        msg_end(&m);
        CHECK_EQ_INT(rdma_nl_parse_dev(m.b, m.len, &d), -EBADMSG);
}

TEST(test_res_get) {
        Msg m;
        res_msg(&m, 4, "mlx5_2");
        RdmaResInfo r;
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), 0);
        CHECK_EQ_U64(r.index, 4);
        CHECK_EQ_STR(r.name, "mlx5_2");
        CHECK_EQ_U64(r.n_entries, 7);
        CHECK_EQ_STR(r.entries[0].name, "pd");
        CHECK_EQ_U64(r.entries[0].current, 3);
        CHECK_EQ_STR(r.entries[1].name, "cq");          /* after a PAD attribute */
        CHECK_EQ_U64(r.entries[1].current, 5);
        CHECK_EQ_STR(r.entries[4].name, "mr");
        CHECK_EQ_U64(r.entries[4].current, UINT64_C(1) << 40);
        CHECK_EQ_STR(r.entries[6].name, "srq");

        /* Every truncation is refused. */
        for (size_t n = 0; n < m.len; n++)
                CHECK_EQ_INT(rdma_nl_parse_res(m.b, n, &r), -EBADMSG);
        for (size_t n = NLMSG_HDRLEN; n < m.len; n++) {
                Msg c = m;
                set32(&c, 0, (uint32_t) n);
                int e = rdma_nl_parse_res(c.b, n, &r);
                CHECK(e == -EBADMSG || e == -ENODATA);
        }
}

static void res_with_entry(Msg *m, const void *curr, size_t curr_len, const char *name, bool unknown) {
        msg_begin(m, RES_TYPE);
        attr_u32(m, RDMA_NLDEV_ATTR_DEV_INDEX, 1);
        attr_str(m, RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_0");
        size_t t = nest_begin(m, RDMA_NLDEV_ATTR_RES_SUMMARY);
        size_t e = nest_begin(m, RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY);
        if (name)
                attr_str(m, RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY_NAME, name);
        if (unknown)
                attr_u32(m, 0x7777, 1);
        if (curr)
                attr(m, RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY_CURR, curr, curr_len);
        nest_end(m, e);
        nest_end(m, t);
        msg_end(m);
}

TEST(test_res_bad) {
        Msg m;
        RdmaResInfo r;
        uint64_t v[2] = { 9, 9 };

        res_with_entry(&m, v, 8, "qp", true);           /* unknown attribute inside an entry: skipped */
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), 0);
        CHECK_EQ_U64(r.entries[0].current, 9);

        res_with_entry(&m, v, 4, "qp", false);          /* u64 in 4 bytes */
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), -EBADMSG);
        res_with_entry(&m, v, 12, "qp", false);         /* u64 in 12 bytes */
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), -EMSGSIZE);
        res_with_entry(&m, NULL, 0, "qp", false);       /* no count */
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), -ENODATA);
        res_with_entry(&m, v, 8, NULL, false);          /* no name */
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), -ENODATA);
        char longname[RDMA_RES_NAME_MAX + 1];
        memset(longname, 'q', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        res_with_entry(&m, v, 8, longname, false);
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), -EMSGSIZE);

        /* The entry's nest claims more than the table holds. */
        res_with_entry(&m, v, 8, "qp", false);
        size_t table = NLMSG_HDRLEN + 8 + 12;           /* after DEV_INDEX and DEV_NAME "mlx5_0" */
        uint16_t tlen;
        memcpy(&tlen, m.b + table, 2);
        set16(&m, table + NLA_HDRLEN, (uint16_t) (tlen + 8));
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), -EBADMSG);

        /* The summary table is required. */
        msg_begin(&m, RES_TYPE);
        attr_u32(&m, RDMA_NLDEV_ATTR_DEV_INDEX, 1);
        attr_str(&m, RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_0");
        msg_end(&m);
        CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), -ENODATA);

        /* At most RDMA_RES_ENTRIES_MAX entries. */
        for (int n = RDMA_RES_ENTRIES_MAX; n <= RDMA_RES_ENTRIES_MAX + 1; n++) {
                msg_begin(&m, RES_TYPE);
                attr_u32(&m, RDMA_NLDEV_ATTR_DEV_INDEX, 1);
                attr_str(&m, RDMA_NLDEV_ATTR_DEV_NAME, "mlx5_0");
                size_t t = nest_begin(&m, RDMA_NLDEV_ATTR_RES_SUMMARY);
                for (int i = 0; i < n; i++) {
                        char name[16];
                        snprintf(name, sizeof(name), "r%d", i);
                        entry(&m, name, (uint64_t) i, false);
                }
                nest_end(&m, t);
                msg_end(&m);
                CHECK_EQ_INT(rdma_nl_parse_res(m.b, m.len, &r), n <= RDMA_RES_ENTRIES_MAX ? 0 : -EMSGSIZE);
        }
        CHECK_EQ_U64(r.n_entries, RDMA_RES_ENTRIES_MAX);
}

int main(void) {
        RUN(test_literal_get);
        RUN(test_get);
        RUN(test_unknown_attributes);
        RUN(test_truncated);
        RUN(test_bad_values);
        RUN(test_message_types);
        RUN(test_res_get);
        RUN(test_res_bad);
        return TEST_EXIT();
}
