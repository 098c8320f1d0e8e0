/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Finding and reading unit files (api.md "Unit files"): the [X-Resctl]
 * sections of a unit's fragment and drop-ins, found with systemd's
 * precedence and parsed by unit-conf.c. A backend: it knows directories,
 * not the manager; unit-settings.c decides what the settings do. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "fileio.h"
#include "macro.h"
#include "unit-files.h"

#define DEFAULT_CONTROL_DIR "/etc/systemd/system.control"
#define DEFAULT_RUNTIME_CONTROL_DIR "/run/systemd/system.control"
#define DEFAULT_UNIT_PATH \
        "/etc/systemd/system:/run/systemd/system:/usr/local/lib/systemd/system:/usr/lib/systemd/system"
#define FILE_SIZE_MAX (4u * 1024u * 1024u)

/* The search path's first two directories hold set-property drop-ins only
 * (systemd's persistent and runtime "control" dirs); fragments are looked
 * up in the unit path after them. */
#define N_CONTROL_DIRS 2

/* ---- small helpers ---- */

static void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* Takes s, also on failure. */
static int strv_push(char ***v, size_t *n, char *s) {
        if (!s)
                return -ENOMEM;
        char **nv = realloc(*v, (*n + 1) * sizeof(char *));
        if (!nv) {
                free(s);
                return -ENOMEM;
        }
        nv[(*n)++] = s;
        *v = nv;
        return 0;
}

void unit_files_names_free(char **v, size_t n) {
        strv_free_n(v, n);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

const char *unit_files_control_dir(const UnitDirs *d, bool runtime) {
        if (runtime)
                return d->runtime_control_dir ? d->runtime_control_dir : DEFAULT_RUNTIME_CONTROL_DIR;
        return d->control_dir ? d->control_dir : DEFAULT_CONTROL_DIR;
}

void unit_search_path_done(UnitSearchPath *s) {
        strv_free_n(s->dirs, s->n);
        *s = (UnitSearchPath) { 0 };
}

int unit_search_path_get(const UnitDirs *dirs, UnitSearchPath *ret) {
        _cleanup_(unit_search_path_done) UnitSearchPath s = { 0 };
        int r = strv_push(&s.dirs, &s.n, strdup(unit_files_control_dir(dirs, false)));
        if (r >= 0)
                r = strv_push(&s.dirs, &s.n, strdup(unit_files_control_dir(dirs, true)));
        if (r < 0)
                return r;
        _cleanup_free_ char *path = strdup(unit_files_unit_path(dirs));
        if (!path)
                return -ENOMEM;
        for (char *p = path, *d; (d = strsep(&p, ":"));) {
                if (!*d)
                        continue;
                r = strv_push(&s.dirs, &s.n, strdup(d));
                if (r < 0)
                        return r;
        }
        *ret = s;
        s = (UnitSearchPath) { 0 };
        return 0;
}

const char *unit_files_unit_path(const UnitDirs *d) {
        return d->unit_path ? d->unit_path : DEFAULT_UNIT_PATH;
}

/* ---- reading one unit's files ---- */

static int parse_file(UnitConf *c, const char *path) {
        _cleanup_free_ char *text = NULL;
        int r = read_full_file(path, FILE_SIZE_MAX, &text);
        if (r == -ENOENT)
                return 0;       /* a dangling symlink: nothing there */
        if (r < 0) {
                log_warning_errno(r, "%s: cannot read, ignoring: %s", path, strerror(-r));
                return 0;
        }
        return unit_conf_parse(c, text, path, NULL);
}

/* "foo@bar.service" -> "foo@.service": an instance also takes its
 * template's fragment and drop-ins, as systemd does. */
char *unit_files_template_name(const char *unit) {
        const char *at = strchr(unit, '@'), *dot = strrchr(unit, '.');
        if (!at || !dot || dot < at || dot == at + 1)
                return NULL;
        char *t = malloc(strlen(unit) + 1);
        if (!t)
                return NULL;
        memcpy(t, unit, (size_t) (at - unit) + 1);
        strcpy(t + (at - unit) + 1, dot);
        return t;
}

typedef struct DropIn {
        char *name;
        char *path;
} DropIn;

static int cmp_dropin(const void *a, const void *b) {
        return strcmp(((const DropIn *) a)->name, ((const DropIn *) b)->name);
}

static void dropins_free(DropIn *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(v[i].name);
                free(v[i].path);
        }
        free(v);
}

/* Adds the drop-in name (dir/file, or file without dir) unless one of the
 * same name came first: the same file name masks lower ones (systemd's
 * conf_files_list()). */
static int dropins_add(DropIn **v, size_t *n, const char *name, const char *dir, const char *file) {
        for (size_t i = 0; i < *n; i++)
                if (streq((*v)[i].name, name))
                        return 0;
        DropIn *nv = realloc(*v, (*n + 1) * sizeof(DropIn));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        DropIn e = { strdup(name), NULL };
        if (!e.name || (dir ? asprintf(&e.path, "%s/%s", dir, file) < 0 : !(e.path = strdup(file)))) {
                free(e.name);
                return -ENOMEM;
        }
        nv[(*n)++] = e;
        return 0;
}

/* Adds the *.conf files of one directory whose names no higher-priority
 * directory had. */
static int dropins_add_dir(DropIn **v, size_t *n, const char *dir) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        for (struct dirent *de; (errno = 0, de = readdir(d));) {
                if (de->d_name[0] == '.' || !endswith(de->d_name, ".conf"))
                        continue;
                if (dropins_add(v, n, de->d_name, dir, de->d_name) < 0)
                        return -ENOMEM;
        }
        return -errno;
}

/* top/unit.d's drop-ins; a directory that cannot be listed is skipped. */
static int dropins_add_unit_dir(DropIn **v, size_t *n, const char *top, const char *unit) {
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s/%s.d", top, unit) < 0)
                return -ENOMEM;
        int r = dropins_add_dir(v, n, dir);
        if (r < 0 && r != -ENOMEM) {
                log_warning_errno(r, "%s: cannot list, ignoring: %s", dir, strerror(-r));
                r = 0;
        }
        return r;
}

/* Parses the drop-ins into c, unless r (the listing's result) is an
 * error; takes v, and c into *ret on success. systemd orders drop-ins by
 * file name across all directories; a stable sort keeps its order among
 * equal names (none here). */
static int parse_dropins(UnitConf *c, DropIn *v, size_t n, int r, UnitConf *ret) {
        if (r >= 0 && n > 0)
                qsort(v, n, sizeof(DropIn), cmp_dropin);
        for (size_t i = 0; i < n && r >= 0; i++)
                r = parse_file(c, v[i].path);
        dropins_free(v, n);
        if (r < 0)
                return r;
        *ret = *c;
        *c = (UnitConf) { 0 };
        return 0;
}

/* The unit's effective settings: its fragment from the highest-priority
 * unit directory that has one, then its drop-ins from all directories,
 * merged by file name and applied in file-name order. */
int unit_files_load(const UnitSearchPath *sp, const char *unit, UnitConf *ret) {
        _cleanup_(unit_conf_donep) UnitConf c = { 0 };
        _cleanup_free_ char *template = unit_files_template_name(unit);
        const char *names[] = { unit, template };
        size_t n_names = template ? 2 : 1;
        int r;

        bool found = false;
        for (size_t i = 0; i < n_names && !found; i++)
                for (size_t k = N_CONTROL_DIRS; k < sp->n && !found; k++) {
                        _cleanup_free_ char *path = NULL;
                        if (asprintf(&path, "%s/%s", sp->dirs[k], names[i]) < 0)
                                return -ENOMEM;
                        if (access(path, F_OK) < 0)
                                continue;
                        found = true;
                        r = parse_file(&c, path);
                        if (r < 0)
                                return r;
                }

        DropIn *v = NULL;
        size_t n = 0;
        r = 0;
        for (size_t k = 0; k < sp->n && r >= 0; k++)
                for (size_t i = 0; i < n_names && r >= 0; i++)
                        r = dropins_add_unit_dir(&v, &n, sp->dirs[k], names[i]);
        return parse_dropins(&c, v, n, r, ret);
}

/* The unit's settings from the files systemd loaded it from: its fragment,
 * then its drop-ins in systemd's order. The control directories come first
 * in systemd's search path, and systemd reads what was written there only
 * at its next reload: their drop-ins are merged in now, masking reported
 * drop-ins of the same name as they will after that reload. A reported
 * file that is gone ("systemctl revert") is skipped. */
int unit_files_load_reported(const UnitDirs *d, const char *unit, const char *fragment, char *const *dropins,
                             size_t n_dropins, UnitConf *ret) {
        _cleanup_(unit_conf_donep) UnitConf c = { 0 };
        int r = 0;
        if (!isempty(fragment))
                r = parse_file(&c, fragment);
        DropIn *v = NULL;
        size_t n = 0;
        for (int runtime = 0; runtime <= 1 && r >= 0; runtime++)
                r = dropins_add_unit_dir(&v, &n, unit_files_control_dir(d, runtime), unit);
        for (size_t i = 0; i < n_dropins && r >= 0; i++) {
                const char *base = strrchr(dropins[i], '/');
                r = dropins_add(&v, &n, base ? base + 1 : dropins[i], NULL, dropins[i]);
        }
        return parse_dropins(&c, v, n, r, ret);
}

/* What the kernel cannot take is dropped with a warning, as systemd drops
 * settings it cannot apply. */
void unit_files_sanitize(const char *unit, UnitConf *c) {
        if (streq(unit, RC_ROOT_GROUP))
                for (int p = 0; p < _UNIT_CONF_LIST_MAX; p++)
                        if (c->lists[p].n > 0) {
                                log_warning("%s: %s= is ignored: the root cgroup has no limits or protection; "
                                            "set it on a slice below.",
                                            unit, unit_conf_property_to_string((UnitConfProperty) p));
                                unit_conf_reset(c, (UnitConfProperty) p);
                        }
        if (c->slice && rc_unit_name_is_slice(unit)) {
                log_warning("%s: Slice=%s is ignored: a slice's parent follows from its name.", unit, c->slice);
                unit_conf_reset(c, UNIT_CONF_SLICE);
        }
}


/* Unit names that have a fragment (unit directories) or a drop-in
 * directory (all directories); sorted, each once. */
int unit_files_scan_names(const UnitSearchPath *sp, char ***ret, size_t *n_ret) {
        char **v = NULL;
        size_t n = 0;
        int r = 0;
        for (size_t k = 0; k < sp->n && r >= 0; k++) {
                _cleanup_(closedirp) DIR *d = opendir(sp->dirs[k]);
                if (!d) {
                        if (errno != ENOENT && errno != ENOTDIR)
                                log_warning_errno(errno, "%s: cannot list, ignoring: %s", sp->dirs[k],
                                                  strerror(errno));
                        continue;
                }
                for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                        if (de->d_name[0] == '.')
                                continue;
                        _cleanup_free_ char *name = NULL;
                        if (endswith(de->d_name, ".d"))
                                name = strndup(de->d_name, strlen(de->d_name) - 2);
                        else if (k >= N_CONTROL_DIRS)
                                name = strdup(de->d_name);
                        else
                                continue;
                        if (!name) {
                                r = -ENOMEM;
                                break;
                        }
                        /* Templates ("foo@.service") are not valid unit names:
                         * they apply through their instances. */
                        if (rc_unit_name_is_valid(name))
                                r = strv_push(&v, &n, TAKE_PTR(name));
                }
        }
        if (r < 0) {
                strv_free_n(v, n);
                return r;
        }
        if (n > 0)
                qsort(v, n, sizeof(char *), cmp_str);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                if (k > 0 && streq(v[k - 1], v[i]))
                        free(v[i]);
                else
                        v[k++] = v[i];
        }
        *ret = v;
        *n_ret = k;
        return 0;
}
