/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* systemd's unit naming rules, as far as groups need them: which names are
 * units, which are slices, and a slice's parent by name. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "macro.h"

#define UNIT_NAME_MAX 255

static const char *const unit_suffixes[] = {
        ".service", ".socket", ".target", ".device", ".mount", ".automount",
        ".swap", ".timer", ".path", ".slice", ".scope",
};

static bool unit_char_ok(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr(":-_.\\", c);
}

/* Length of the name without its unit type suffix, or 0 when it has none. */
static size_t unit_prefix_len(const char *name) {
        const char *dot = strrchr(name, '.');
        if (!dot || dot == name)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(unit_suffixes); i++)
                if (streq(dot, unit_suffixes[i]))
                        return (size_t) (dot - name);
        return 0;
}

bool rc_unit_name_is_valid(const char *name) {
        if (!name)
                return false;
        size_t len = strnlen(name, UNIT_NAME_MAX + 1);
        if (len == 0 || len > UNIT_NAME_MAX)
                return false;
        size_t plen = unit_prefix_len(name);
        if (plen == 0)
                return false;

        /* "prefix" or "prefix@instance"; a template ("foo@.service") names no
         * running unit, so it cannot hold charges. */
        const char *at = memchr(name, '@', plen);
        if (at == name)
                return false;
        if (at && (size_t) (at - name) == plen - 1)
                return false;
        for (size_t i = 0; i < plen; i++) {
                if (name + i == at)
                        continue;
                if (name[i] == '@' && at && name + i > at)
                        continue;       /* instances may contain '@' */
                if (!unit_char_ok(name[i]))
                        return false;
        }
        /* A slice's name spells its parents: "a--b", "-a", "a-" and
         * instances spell none, so they name no unit (api.md "Names"). */
        if (streq(name + plen, ".slice") && !streq(name, RC_ROOT_GROUP)) {
                if (at || name[0] == '-' || name[plen - 1] == '-')
                        return false;
                for (size_t i = 0; i + 1 < plen; i++)
                        if (name[i] == '-' && name[i + 1] == '-')
                                return false;
        }
        return true;
}

bool rc_unit_name_is_slice(const char *name) {
        size_t len = strlen(name);
        return len > 6 && streq(name + len - 6, ".slice");
}

bool rc_slice_name_is_valid(const char *name) {
        if (!rc_unit_name_is_valid(name) || !rc_unit_name_is_slice(name))
                return false;
        if (streq(name, RC_ROOT_GROUP))
                return true;
        size_t plen = strlen(name) - 6;
        if (memchr(name, '@', plen))
                return false;
        if (name[0] == '-' || name[plen - 1] == '-')
                return false;
        for (size_t i = 0; i + 1 < plen; i++)
                if (name[i] == '-' && name[i + 1] == '-')
                        return false;
        return true;
}

int rc_slice_parent(const char *slice, char **ret) {
        if (!rc_slice_name_is_valid(slice))
                return -EINVAL;
        if (streq(slice, RC_ROOT_GROUP)) {
                *ret = NULL;
                return 0;
        }
        size_t plen = strlen(slice) - 6;
        const char *dash = memrchr(slice, '-', plen);
        char *p = dash ? strndup(slice, (size_t) (dash - slice)) : strdup("-");
        if (!p)
                return -ENOMEM;
        char *full = malloc(strlen(p) + 7);
        if (!full) {
                free(p);
                return -ENOMEM;
        }
        strcpy(full, p);
        strcat(full, ".slice");
        free(p);
        *ret = full;
        return 0;
}
