/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* RDMA netlink, the nldev client (uapi <rdma/rdma_netlink.h>).
 *
 * The parsers take one message as bytes, exactly as the kernel sends it: a
 * struct nlmsghdr, then attributes (RDMA netlink has no family header).
 * They trust nothing: every length is checked against what contains it,
 * fixed-size values must have their exact size, strings must end in NUL
 * within their attribute and fit their field. Unknown attributes (newer
 * kernels add many) are skipped; the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits
 * are ignored, as the kernel sets NESTED only on some nests.
 *
 * The live part (libnl3) only sends the dump requests and hands each reply
 * to the parsers. */

#include <errno.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <rdma/rdma_netlink.h>
#include <stdio.h>
#include <string.h>

#include "discover.h"
#include "log.h"
#include "macro.h"

typedef struct Attr {
        uint16_t type;                  /* flags masked off */
        const uint8_t *data;
        size_t len;                     /* payload, without the header or padding */
} Attr;

typedef struct AttrIter {
        const uint8_t *p;
        size_t left;
} AttrIter;

/* 1: *a filled, 0: end, -EBADMSG: a header or length that does not fit. */
static int attr_next(AttrIter *it, Attr *a) {
        if (it->left == 0)
                return 0;
        if (it->left < NLA_HDRLEN)
                return -EBADMSG;        /* a partial attribute header */
        struct nlattr h;
        memcpy(&h, it->p, sizeof(h));
        if (h.nla_len < NLA_HDRLEN || h.nla_len > it->left)
                return -EBADMSG;        /* truncated, or claims more than its container */
        a->type = h.nla_type & NLA_TYPE_MASK;
        a->data = it->p + NLA_HDRLEN;
        a->len = h.nla_len - NLA_HDRLEN;
        /* The last attribute of a container may lack its padding. */
        size_t step = MIN((size_t) NLA_ALIGN(h.nla_len), it->left);
        it->p += step;
        it->left -= step;
        return 1;
}

static int attr_u32(const Attr *a, uint32_t *ret) {
        if (a->len < sizeof(uint32_t))
                return -EBADMSG;
        if (a->len > sizeof(uint32_t))
                return -EMSGSIZE;
        memcpy(ret, a->data, sizeof(*ret));
        return 0;
}

static int attr_u64(const Attr *a, uint64_t *ret) {
        if (a->len < sizeof(uint64_t))
                return -EBADMSG;
        if (a->len > sizeof(uint64_t))
                return -EMSGSIZE;
        memcpy(ret, a->data, sizeof(*ret));   /* may be unaligned */
        return 0;
}

/* A NUL-terminated string (NLA_NUL_STRING) that must fit buf with its NUL. */
static int attr_string(const Attr *a, char *buf, size_t size) {
        const uint8_t *nul = memchr(a->data, 0, a->len);
        if (!nul)
                return -EBADMSG;
        size_t n = (size_t) (nul - a->data);
        if (n >= size)
                return -EMSGSIZE;
        memcpy(buf, a->data, n + 1);
        return 0;
}

/* Names become resource keys and log text: printable, no blank, no '/'. */
static bool name_ok(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= ' ' || (unsigned char) *s >= 0x7f || *s == '/')
                        return false;
        return true;
}

/* Checks the header; on success the attributes are in *it. */
static int msg_open(const void *buf, size_t len, uint16_t cmd, AttrIter *it) {
        if (!buf || len < NLMSG_HDRLEN)
                return -EBADMSG;
        struct nlmsghdr h;
        memcpy(&h, buf, sizeof(h));
        if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
                return -EBADMSG;
        if (h.nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr e;
                if (h.nlmsg_len < NLMSG_HDRLEN + sizeof(e.error))
                        return -EBADMSG;
                memcpy(&e.error, (const uint8_t *) buf + NLMSG_HDRLEN, sizeof(e.error));
                return e.error < 0 ? e.error : -ENOMSG;    /* 0 is an ACK */
        }
        if (h.nlmsg_type != RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd))
                return -ENOMSG;
        it->p = (const uint8_t *) buf + NLMSG_HDRLEN;
        it->left = h.nlmsg_len - NLMSG_HDRLEN;
        return 0;
}

/* DEV_INDEX and DEV_NAME, common to both replies. 1: consumed, 0: not one of them. */
static int parse_dev_attr(const Attr *a, uint32_t *index, char *name, unsigned *seen) {
        int r;
        switch (a->type) {
        case RDMA_NLDEV_ATTR_DEV_INDEX:
                r = attr_u32(a, index);
                if (r < 0)
                        return r;
                *seen |= 1;
                return 1;
        case RDMA_NLDEV_ATTR_DEV_NAME:
                r = attr_string(a, name, RDMA_DEV_NAME_MAX);
                if (r < 0)
                        return r;
                if (!name_ok(name))
                        return -EBADMSG;
                *seen |= 2;
                return 1;
        default:
                return 0;
        }
}

int rdma_nl_parse_dev(const void *buf, size_t len, RdmaDevInfo *ret) {
        AttrIter it;
        int r = msg_open(buf, len, RDMA_NLDEV_CMD_GET, &it);
        if (r < 0)
                return r;
        RdmaDevInfo d = { 0 };
        unsigned seen = 0;
        Attr a;
        while ((r = attr_next(&it, &a)) > 0) {
                r = parse_dev_attr(&a, &d.index, d.name, &seen);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (seen != 3)
                return -ENODATA;
        *ret = d;
        return 0;
}

static int parse_summary_entry(const Attr *nest, RdmaResEntry *e) {
        AttrIter it = { nest->data, nest->len };
        unsigned seen = 0;
        Attr a;
        int r;
        while ((r = attr_next(&it, &a)) > 0)
                switch (a.type) {
                case RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY_NAME:
                        r = attr_string(&a, e->name, sizeof(e->name));
                        if (r < 0)
                                return r;
                        if (!name_ok(e->name))
                                return -EBADMSG;
                        seen |= 1;
                        break;
                case RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY_CURR:
                        r = attr_u64(&a, &e->current);
                        if (r < 0)
                                return r;
                        seen |= 2;
                        break;
                default:        /* RDMA_NLDEV_ATTR_PAD before the u64, or newer attributes */
                        break;
                }
        if (r < 0)
                return r;
        return seen == 3 ? 0 : -ENODATA;
}

static int parse_summary(const Attr *nest, RdmaResInfo *res) {
        AttrIter it = { nest->data, nest->len };
        Attr a;
        int r;
        while ((r = attr_next(&it, &a)) > 0) {
                if (a.type != RDMA_NLDEV_ATTR_RES_SUMMARY_ENTRY)
                        continue;
                if (res->n_entries >= RDMA_RES_ENTRIES_MAX)
                        return -EMSGSIZE;
                r = parse_summary_entry(&a, &res->entries[res->n_entries]);
                if (r < 0)
                        return r;
                res->n_entries++;
        }
        return r;
}

int rdma_nl_parse_res(const void *buf, size_t len, RdmaResInfo *ret) {
        AttrIter it;
        int r = msg_open(buf, len, RDMA_NLDEV_CMD_RES_GET, &it);
        if (r < 0)
                return r;
        RdmaResInfo res = { 0 };
        unsigned seen = 0;
        Attr a;
        while ((r = attr_next(&it, &a)) > 0) {
                r = parse_dev_attr(&a, &res.index, res.name, &seen);
                if (r == 0 && a.type == RDMA_NLDEV_ATTR_RES_SUMMARY) {
                        res.n_entries = 0;      /* a repeated table replaces the first */
                        r = parse_summary(&a, &res);
                        seen |= 4;
                }
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (seen != 7)
                return -ENODATA;
        *ret = res;
        return 0;
}

/* ---- the live socket ---- */

typedef struct DumpContext {
        uint16_t cmd;
        RdmaDevCallback dev_cb;
        RdmaResCallback res_cb;
        void *userdata;
} DumpContext;

static int on_valid(struct nl_msg *msg, void *arg) {
        DumpContext *c = arg;
        struct nlmsghdr *h = nlmsg_hdr(msg);
        int r;
        if (c->cmd == RDMA_NLDEV_CMD_GET) {
                RdmaDevInfo d;
                r = rdma_nl_parse_dev(h, h->nlmsg_len, &d);
                if (r >= 0)
                        c->dev_cb(&d, c->userdata);
        } else {
                RdmaResInfo res;
                r = rdma_nl_parse_res(h, h->nlmsg_len, &res);
                if (r >= 0)
                        c->res_cb(&res, c->userdata);
        }
        if (r < 0 && r != -ENOMSG)
                log_warning_errno(r, "RDMA netlink: skipping a malformed %s reply: %s",
                                  c->cmd == RDMA_NLDEV_CMD_GET ? "RDMA_NLDEV_CMD_GET" : "RDMA_NLDEV_CMD_RES_GET",
                                  strerror(-r));
        return NL_SKIP;
}

static int nl_to_errno(int nlerr) {
        switch (-nlerr) {
        case NLE_PROTO_MISMATCH:
                return -EPROTONOSUPPORT;
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_PERM:
                return -EPERM;
        case NLE_OPNOTSUPP:
                return -EOPNOTSUPP;
        default:
                return -EIO;
        }
}

static int dump(DumpContext *c) {
        struct nl_sock *sk = nl_socket_alloc();
        if (!sk)
                return -ENOMEM;
        int r = nl_connect(sk, NETLINK_RDMA);
        if (r < 0) {
                /* EPROTONOSUPPORT: this kernel has no RDMA netlink, which is normal. */
                if (r != -NLE_PROTO_MISMATCH)
                        log_debug("RDMA netlink: cannot connect: %s", nl_geterror(r));
                r = nl_to_errno(r);
                goto out;
        }
        r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_valid, c);
        if (r >= 0)
                r = nl_send_simple(sk, RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, c->cmd), NLM_F_DUMP, NULL, 0);
        if (r >= 0)
                r = nl_recvmsgs_default(sk);
        if (r < 0) {
                log_debug("RDMA netlink: dump of command %u failed: %s", c->cmd, nl_geterror(r));
                r = nl_to_errno(r);
        } else
                r = 0;
out:
        nl_socket_free(sk);
        return r;
}

int rdma_nl_dump_devices(RdmaDevCallback cb, void *userdata) {
        DumpContext c = { .cmd = RDMA_NLDEV_CMD_GET, .dev_cb = cb, .userdata = userdata };
        return dump(&c);
}

int rdma_nl_dump_resources(RdmaResCallback cb, void *userdata) {
        DumpContext c = { .cmd = RDMA_NLDEV_CMD_RES_GET, .res_cb = cb, .userdata = userdata };
        return dump(&c);
}
