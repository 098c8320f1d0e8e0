/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Does systemd know a unit? api.md: under a running systemd, Charge on a
 * unit that is neither loaded nor has a unit file is refused unless the
 * caller sets CREATE, so that a typo ("vml.service" for "vm1.service")
 * does not put a charge under system.slice, outside the limits meant for
 * it. "Loaded" is what the signals of systemd told systemd.c (the units
 * that run); "a unit file" is a fragment, or its template's, in the unit
 * search path. PID 1 is never asked: asking would load the unit. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "manager.h"
#include "unit-files.h"
#include "unit-lookup.h"
#include "unit-settings.h"

/* Directories systemd also loads units from that the [X-Resctl] search
 * path does not read (generated and transient units). */
static const char *const extra_dirs[] = {
        "/run/systemd/transient",
        "/run/systemd/generator.early",
        "/run/systemd/generator",
        "/run/systemd/generator.late",
};

static bool dir_has(const char *dir, const char *name) {
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, name) < 0)
                return false;
        return access(p, F_OK) >= 0;
}

/* Calls f for every directory of the unit search path; stops at true. */
static bool search_path_any(Manager *m, bool (*f)(const char *dir, void *userdata), void *userdata) {
        _cleanup_free_ char *path = strdup(unit_settings_unit_path(m));
        if (!path)
                return false;
        for (char *p = path, *d; (d = strsep(&p, ":"));)
                if (*d && f(d, userdata))
                        return true;
        for (size_t i = 0; !m->unit_path && i < ELEMENTSOF(extra_dirs); i++)
                if (f(extra_dirs[i], userdata))
                        return true;
        return false;
}

static bool dir_has_unit(const char *dir, void *userdata) {
        const char *const *names = userdata;
        return dir_has(dir, names[0]) || (names[1] && dir_has(dir, names[1]));
}

/* Damerau-Levenshtein distance (an adjacent swap counts one), over three
 * rows of the table: the one two back is what a swap looks at. */
static unsigned distance(const char *a, const char *b) {
        size_t n = strlen(a), k = strlen(b);
        if (n > 255 || k > 255)
                return UINT32_MAX;
        unsigned rows[3][256], *two = rows[0], *one = rows[1], *cur = rows[2];
        for (size_t j = 0; j <= k; j++)
                one[j] = (unsigned) j;
        for (size_t i = 1; i <= n; i++) {
                cur[0] = (unsigned) i;
                for (size_t j = 1; j <= k; j++) {
                        unsigned v = MIN(one[j] + 1, cur[j - 1] + 1);
                        v = MIN(v, one[j - 1] + (a[i - 1] != b[j - 1]));
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                                v = MIN(v, two[j - 2] + 1);
                        cur[j] = v;
                }
                unsigned *t = two;
                two = one;
                one = cur;
                cur = t;
        }
        return one[k];
}

#define N_SUGGESTIONS 3
#define SUGGEST_DISTANCE 2

typedef struct Suggestions {
        const char *unit;
        char *names[N_SUGGESTIONS];
        unsigned dist[N_SUGGESTIONS];
} Suggestions;

static void suggest(Suggestions *s, const char *name) {
        if (streq(name, s->unit) || strchr(name, '@') != NULL)
                return;
        unsigned d = distance(s->unit, name);
        if (d > SUGGEST_DISTANCE)
                return;
        for (size_t i = 0; i < N_SUGGESTIONS; i++)
                if (s->names[i] && streq(s->names[i], name))
                        return;
        /* Keep the closest, in order; ties keep the first found. */
        size_t at = N_SUGGESTIONS;
        for (size_t i = 0; i < N_SUGGESTIONS && at == N_SUGGESTIONS; i++)
                if (!s->names[i] || d < s->dist[i])
                        at = i;
        if (at == N_SUGGESTIONS)
                return;
        char *copy = strdup(name);
        if (!copy)
                return;
        free(s->names[N_SUGGESTIONS - 1]);
        memmove(&s->names[at + 1], &s->names[at], (N_SUGGESTIONS - 1 - at) * sizeof(char *));
        memmove(&s->dist[at + 1], &s->dist[at], (N_SUGGESTIONS - 1 - at) * sizeof(unsigned));
        s->names[at] = copy;
        s->dist[at] = d;
}

static bool dir_suggest(const char *dir, void *userdata) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        if (!d)
                return false;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.')
                        suggest(userdata, de->d_name);
        return false;
}

int unit_lookup_known(Manager *m, const char *unit, char **ret_suggestions) {
        *ret_suggestions = NULL;
        if (!systemd_active(m->systemd) || streq(unit, RC_ROOT_GROUP) || systemd_unit_is_live(m->systemd, unit))
                return 1;
        _cleanup_free_ char *template = unit_files_template_name(unit);
        const char *names[2] = { unit, template };
        if (search_path_any(m, dir_has_unit, names))
                return 1;

        /* Close names among the groups (running units among them) and unit files. */
        Suggestions s = { .unit = unit };
        hashmap_for_each(node, &m->engine->groups)
                suggest(&s, container_of(node, rc_group, node)->name);
        (void) search_path_any(m, dir_suggest, &s);
        int r = 0;
        if (s.names[0] && asprintf(ret_suggestions, "%s%s%s%s%s", s.names[0], s.names[1] ? ", " : "",
                                   s.names[1] ? s.names[1] : "", s.names[2] ? ", " : "",
                                   s.names[2] ? s.names[2] : "") < 0) {
                *ret_suggestions = NULL;
                r = -ENOMEM;
        }
        for (size_t i = 0; i < N_SUGGESTIONS; i++)
                free(s.names[i]);
        return r;
}
