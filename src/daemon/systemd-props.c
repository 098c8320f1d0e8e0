/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The systemd client's (systemd.c) reading of unit properties. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "systemd-props.h"

static int read_strv(sd_bus_message *msg, char ***ret, size_t *n_ret) {
        char **v = NULL;
        size_t n = 0;
        int r = sd_bus_message_enter_container(msg, 'a', "s");
        const char *p;
        while (r >= 0 && (r = sd_bus_message_read(msg, "s", &p)) > 0) {
                char **nv = realloc(v, (n + 1) * sizeof(char *));
                if (!nv || !(nv[n] = strdup(p))) {
                        v = nv ? nv : v;
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                n++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(v[i]);
                free(v);
                return r;
        }
        *ret = v;
        *n_ret = n;
        return 0;
}


void unit_props_done(UnitProps *p) {
        free(p->active_state);
        free(p->load_state);
        free(p->slice);
        free(p->fragment);
        for (size_t i = 0; i < p->n_dropins; i++)
                free(p->dropins[i]);
        free(p->dropins);
}

static int read_string_into(sd_bus_message *msg, char **dst) {
        const char *s;
        int r = sd_bus_message_read(msg, "s", &s);
        if (r < 0)
                return r;
        free(*dst);
        *dst = strdup(s);
        return *dst ? 0 : -ENOMEM;
}

int unit_props_read(sd_bus_message *msg, UnitProps *p) {
        int r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *name;
                r = sd_bus_message_read(msg, "s", &name);
                if (r < 0)
                        break;
                char **dst = streq(name, "ActiveState")    ? &p->active_state
                             : streq(name, "LoadState")    ? &p->load_state
                             : streq(name, "Slice")        ? &p->slice
                             : streq(name, "FragmentPath") ? &p->fragment
                                                           : NULL;
                if (dst)
                        r = sd_bus_message_enter_container(msg, 'v', "s") < 0 ? -EBADMSG : read_string_into(msg, dst);
                else if (streq(name, "DropInPaths")) {
                        r = sd_bus_message_enter_container(msg, 'v', "as");
                        if (r >= 0)
                                r = read_strv(msg, &p->dropins, &p->n_dropins);
                } else if (streq(name, "InvocationID")) {
                        const void *id;
                        size_t n;
                        r = sd_bus_message_enter_container(msg, 'v', "ay");
                        if (r >= 0)
                                r = sd_bus_message_read_array(msg, 'y', &id, &n);
                        if (r >= 0) {
                                p->invocation = SD_ID128_NULL;
                                if (n == sizeof(p->invocation.bytes))
                                        memcpy(p->invocation.bytes, id, n);
                                p->has_invocation = true;
                        }
                } else {
                        r = sd_bus_message_skip(msg, "v");
                        if (r >= 0)
                                r = sd_bus_message_exit_container(msg);
                        continue;
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);   /* v */
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);   /* e */
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        return r;
}
