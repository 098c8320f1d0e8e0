/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* "PROPERTY=VALUE" as [X-Resctl] lines say it (resctl.unit(5)), turned
 * into one (sv) of SetUnitProperties:
 *
 *   MiscMax=sev:8                           ("MiscMax", a(st) [("sev", 8)])
 *   DMemMax=drm/0000:03:00.0/vram0:4G       KEY:VALUE splits at the last ':'
 *   DMemLow=drm/0000:03:00.0/vram0 1G       KEY VALUE works too
 *   RdmaMax=mlx5_0 hca_handle=2 hca_object=max
 *                                           [("mlx5_0/hca_handle", 2), ("mlx5_0/hca_object", UINT64_MAX)]
 *   MiscMax=                                an empty list: resets the property
 *   Slice=tenant-a.slice                    ("Slice", s "tenant-a.slice"); "" resets
 *   MiscMax=sev:10%                         ("MiscMax", a(ss) [("sev", "10%")]): a percentage
 *                                           travels as text, the daemon parses it
 *
 * Only the syntax is checked here; whether the resource exists and the
 * value fits is the daemon's to say. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "resctl.h"

#define WHITESPACE " \t\n\r"

static const struct {
        const char *name;
        const char *example;
} properties[] = {
        { "MiscMax", "MiscMax=sev:8" },
        { "DMemMin", "DMemMin=drm/0000:03:00.0/vram0:1G" },
        { "DMemLow", "DMemLow=drm/0000:03:00.0/vram0:1G" },
        { "DMemMax", "DMemMax=drm/0000:03:00.0/vram0:4G" },
        { "RdmaMax", "RdmaMax=mlx5_0 hca_handle=2 hca_object=2000" },
        { "Slice", "Slice=tenant-a.slice" },
};

static int why_set(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int why_set(char **why, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(why, fmt, ap) < 0)
                *why = NULL;
        va_end(ap);
        return *why ? -EINVAL : -ENOMEM;
}

static char *strstrip(char *s) {
        s += strspn(s, WHITESPACE);
        size_t n = strlen(s);
        while (n > 0 && strchr(WHITESPACE, s[n - 1]))
                s[--n] = 0;
        return s;
}

/* Entries go as (ss) when the assignment holds a percentage. */
static int value_append(sd_bus_message *m, const char *assignment, const char *key, const char *v, bool text,
                        char **why);

static int value_parse(const char *assignment, const char *v, uint64_t *ret, char **why) {
        int r = parse_size(v, ret);
        if (r == -ERANGE)
                return why_set(why, "Invalid assignment '%s': '%s' does not fit in 64 bits.", assignment, v);
        if (r < 0)
                return why_set(why, "Invalid assignment '%s': '%s' is not a number (optional K, M, G, T suffix) or max.",
                               assignment, v);
        return 0;
}

static int value_append(sd_bus_message *m, const char *assignment, const char *key, const char *v, bool text,
                        char **why) {
        if (text)
                return sd_bus_message_append(m, "(ss)", key, v);
        uint64_t x;
        int r = value_parse(assignment, v, &x, why);
        if (r < 0)
                return r;
        return sd_bus_message_append(m, "(st)", key, x);
}

/* KEY:VALUE (split at the last ':', dmem region names hold ':'), or KEY VALUE. */
static int append_entry(sd_bus_message *m, const char *assignment, const char *example, char *s, bool text,
                        char **why) {
        char *key = s, *value;
        size_t n = strcspn(s, WHITESPACE);
        if (s[n]) {
                s[n] = 0;
                value = strstrip(s + n + 1);
                if (n > 0 && key[n - 1] == ':')
                        key[n - 1] = 0;
        } else {
                char *colon = strrchr(s, ':');
                if (!colon)
                        return why_set(why, "Invalid assignment '%s': expected RESOURCE:VALUE (e.g. %s).", assignment,
                                       example);
                *colon = 0;
                value = colon + 1;
        }
        if (!*key || !*value)
                return why_set(why, "Invalid assignment '%s': expected RESOURCE:VALUE (e.g. %s).", assignment,
                               example);
        return value_append(m, assignment, key, value, text, why);
}

/* "mlx5_0 hca_handle=2 hca_object=max": one entry per kind, "dev/kind". */
static int append_rdma(sd_bus_message *m, const char *assignment, const char *example, char *s, bool text,
                       char **why) {
        if (!strchr(s, '='))
                /* The bus's own form, "mlx5_0/hca_handle:2", is fine too. */
                return append_entry(m, assignment, example, s, text, why);
        char *dev = strsep(&s, WHITESPACE);
        if (!*dev || strchr(dev, '=') || strchr(dev, '/'))
                return why_set(why, "Invalid assignment '%s': name the device, then its limits (e.g. %s).", assignment,
                               example);
        bool any = false;
        for (char *tok; (tok = strsep(&s, WHITESPACE));) {
                if (!*tok)
                        continue;
                char *eq = strchr(tok, '=');
                if (!eq || eq == tok || !eq[1])
                        return why_set(why, "Invalid assignment '%s': '%s' is not hca_handle=N or hca_object=N.",
                                       assignment, tok);
                *eq = 0;
                if (!streq(tok, "hca_handle") && !streq(tok, "hca_object"))
                        return why_set(why, "Invalid assignment '%s': unknown kind '%s', use hca_handle or hca_object.",
                                       assignment, tok);
                _cleanup_free_ char *key = NULL;
                if (asprintf(&key, "%s/%s", dev, tok) < 0)
                        return -ENOMEM;
                int r = value_append(m, assignment, key, eq + 1, text, why);
                if (r < 0)
                        return r;
                any = true;
        }
        if (!any)
                return why_set(why, "Invalid assignment '%s': no limit given (e.g. %s).", assignment, example);
        return 0;
}

int property_append(sd_bus_message *m, const char *assignment, char **why) {
        *why = NULL;
        const char *eq = strchr(assignment, '=');
        if (!eq)
                return why_set(why, "Invalid assignment '%s': expected PROPERTY=VALUE (e.g. MiscMax=sev:8).",
                               assignment);
        _cleanup_free_ char *name = strndup(assignment, (size_t) (eq - assignment));
        _cleanup_free_ char *buf = strdup(eq + 1);
        if (!name || !buf)
                return -ENOMEM;
        size_t p;
        for (p = 0; p < ELEMENTSOF(properties); p++)
                if (streq(properties[p].name, strstrip(name)))
                        break;
        if (p == ELEMENTSOF(properties))
                return why_set(why, "Unknown property '%s': use MiscMax, DMemMin, DMemLow, DMemMax, RdmaMax or Slice.",
                               name);
        const char *prop = properties[p].name;
        char *value = strstrip(buf);

        if (streq(prop, "Slice"))
                return sd_bus_message_append(m, "(sv)", prop, "s", value);

        bool text = strchr(value, '%');
        int r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", prop);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', text ? "a(ss)" : "a(st)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', text ? "(ss)" : "(st)");
        if (r < 0)
                return r;
        /* An empty value is an empty list: the reset. */
        if (*value) {
                if (streq(prop, "RdmaMax"))
                        r = append_rdma(m, assignment, properties[p].example, value, text, why);
                else
                        r = append_entry(m, assignment, properties[p].example, value, text, why);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}
