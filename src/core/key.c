/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Resource keys: "<controller>/<name>", "sev" meaning "misc/sev". */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "macro.h"

static const char *const controller_names[_RC_CONTROLLER_MAX] = {
        [RC_MISC] = "misc",
        [RC_DMEM] = "dmem",
        [RC_RDMA] = "rdma",
};

static const char *const rdma_kind_names[_RC_RDMA_KIND_MAX] = {
        [RC_RDMA_HCA_HANDLE] = "hca_handle",
        [RC_RDMA_HCA_OBJECT] = "hca_object",
};

const char *rc_controller_to_string(rc_controller c) {
        return c < _RC_CONTROLLER_MAX ? controller_names[c] : NULL;
}

const char *rc_rdma_kind_to_string(rc_rdma_kind k) {
        return k < _RC_RDMA_KIND_MAX ? rdma_kind_names[k] : NULL;
}

int rc_errf(rc_err *err, int error, const char *fmt, ...) {
        if (err) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
                /* one line, whatever text it quotes (a written "5\n6") */
                for (char *s = err->msg; *s; s++)
                        if ((unsigned char) *s < ' ' || *s == 0x7f)
                                *s = ' ';
        }
        return -error;
}

/* The kernel's misc_res_name[] entries are C identifiers in lower case. */
static bool misc_name_ok(const char *s) {
        size_t n = strlen(s);
        if (n < 1 || n > 32 || !(s[0] >= 'a' && s[0] <= 'z'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
                        return false;
        return true;
}

/* Names appear in files as "<name> <value>": no blanks, nothing unprintable. */
static bool printable_name_ok(const char *s, size_t max, bool slash_ok) {
        size_t n = strlen(s);
        if (n < 1 || n > max)
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c <= ' ' || c >= 0x7f || (!slash_ok && c == '/'))
                        return false;
        }
        return true;
}

static int parse_misc(const char *name, rc_key *ret, rc_err *err) {
        if (!misc_name_ok(name))
                return rc_errf(err, EINVAL, "misc resource name '%.64s' is invalid: use [a-z][a-z0-9_]{0,31}", name);
        ret->controller = RC_MISC;
        strcpy(ret->name, name);
        return 0;
}

static int parse_dmem(const char *name, rc_key *ret, rc_err *err) {
        if (!printable_name_ok(name, 200, true) || name[0] == '/' || name[strlen(name) - 1] == '/')
                return rc_errf(err, EINVAL, "dmem region name '%.64s' is invalid: expected e.g. drm/0000:03:00.0/vram0", name);
        ret->controller = RC_DMEM;
        strcpy(ret->name, name);
        return 0;
}

static int parse_rdma(const char *rest, rc_key *ret, rc_err *err) {
        const char *slash = strchr(rest, '/');
        size_t dlen = slash ? (size_t) (slash - rest) : strlen(rest);
        char dev[64];
        if (dlen == 0 || dlen >= sizeof(dev))
                return rc_errf(err, EINVAL, "rdma device name in '%.64s' is invalid: expected e.g. rdma/mlx5_0/hca_handle", rest);
        memcpy(dev, rest, dlen);
        dev[dlen] = 0;
        if (!printable_name_ok(dev, 63, false))
                return rc_errf(err, EINVAL, "rdma device name '%s' is invalid", dev);
        ret->controller = RC_RDMA;
        strcpy(ret->name, dev);
        ret->kind = -1;
        if (!slash)
                return 0;
        for (int k = 0; k < _RC_RDMA_KIND_MAX; k++)
                if (streq(slash + 1, rdma_kind_names[k])) {
                        ret->kind = k;
                        return 0;
                }
        return rc_errf(err, EINVAL, "rdma kind '%.32s' is unknown: use hca_handle or hca_object", slash + 1);
}

int rc_key_parse(const char *key, rc_key *ret, rc_err *err) {
        *ret = (rc_key) { .kind = -1 };
        if (!key || !*key)
                return rc_errf(err, EINVAL, "empty resource key: expected e.g. misc/sev");
        if (strnlen(key, 300) >= 300)
                return rc_errf(err, EINVAL, "resource key too long (%zu bytes)", strlen(key));
        const char *slash = strchr(key, '/');
        if (!slash)
                return parse_misc(key, ret, err);
        size_t clen = (size_t) (slash - key);
        for (int c = 0; c < _RC_CONTROLLER_MAX; c++) {
                if (strlen(controller_names[c]) != clen || !strneq(key, controller_names[c], clen))
                        continue;
                switch (c) {
                case RC_MISC:
                        return parse_misc(slash + 1, ret, err);
                case RC_DMEM:
                        return parse_dmem(slash + 1, ret, err);
                default:
                        return parse_rdma(slash + 1, ret, err);
                }
        }
        return rc_errf(err, EINVAL, "unknown controller in key '%.64s': use misc/, dmem/ or rdma/", key);
}
