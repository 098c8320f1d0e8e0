/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Unit settings (api.md "Unit files", "SetUnitProperties"): the [X-Resctl]
 * sections of unit files and drop-ins, found with systemd's precedence,
 * applied to the engine through the interface files, and written as
 * drop-ins the way "systemctl set-property" writes its own.
 *
 * Without systemd the unit files are the only source: each unit's
 * effective settings are what its files say, and m->units holds them
 * (UnitSettings, keyed by unit name). Settings of resources that are not
 * registered yet stay there until unit_settings_apply_resource(). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "unit-conf.h"

#define DEFAULT_CONTROL_DIR "/etc/systemd/system.control"
#define DEFAULT_RUNTIME_CONTROL_DIR "/run/systemd/system.control"
#define DEFAULT_UNIT_PATH \
        "/etc/systemd/system:/run/systemd/system:/usr/local/lib/systemd/system:/usr/lib/systemd/system"
#define DROPIN_PREFIX "50-resctl-"
#define FILE_SIZE_MAX (4u * 1024u * 1024u)

/* The search path's first two directories hold set-property drop-ins only
 * (systemd's persistent and runtime "control" dirs); fragments are looked
 * up in the unit path after them. */
#define N_CONTROL_DIRS 2

typedef struct UnitSettings {
        HashNode node;
        char *name;
        UnitConf conf;                  /* effective settings, from the unit's files */
        unsigned generation;            /* last load that found files for it */
} UnitSettings;

/* ---- small helpers ---- */

static bool unit_settings_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, UnitSettings, node)->name, key);
}

static UnitSettings *unit_find(Manager *m, const char *unit) {
        HashNode *n = hashmap_get(&m->units, hash_string(unit), unit, unit_settings_eq);
        return n ? container_of(n, UnitSettings, node) : NULL;
}

static void unit_settings_free(UnitSettings *us) {
        if (!us)
                return;
        free(us->name);
        unit_conf_done(&us->conf);
        free(us);
}

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

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && streq(s + a - b, suffix);
}

static const char *control_dir(Manager *m, bool runtime) {
        if (runtime)
                return m->runtime_control_dir ? m->runtime_control_dir : DEFAULT_RUNTIME_CONTROL_DIR;
        return m->control_dir ? m->control_dir : DEFAULT_CONTROL_DIR;
}

typedef struct SearchPath {
        char **dirs;                    /* highest priority first */
        size_t n;
} SearchPath;

static void search_path_done(SearchPath *s) {
        strv_free_n(s->dirs, s->n);
        *s = (SearchPath) { 0 };
}

static int search_path_get(Manager *m, SearchPath *ret) {
        _cleanup_(search_path_done) SearchPath s = { 0 };
        int r = strv_push(&s.dirs, &s.n, strdup(control_dir(m, false)));
        if (r >= 0)
                r = strv_push(&s.dirs, &s.n, strdup(control_dir(m, true)));
        if (r < 0)
                return r;
        _cleanup_free_ char *path = strdup(m->unit_path ? m->unit_path : DEFAULT_UNIT_PATH);
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
        s = (SearchPath) { 0 };
        return 0;
}

const char *unit_settings_unit_path(Manager *m) {
        return m->unit_path ? m->unit_path : DEFAULT_UNIT_PATH;
}

static int read_full_file(const char *path, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (cap - len < 4096) {
                        if (cap >= FILE_SIZE_MAX)
                                return -EFBIG;
                        size_t ncap = cap ? cap * 2 : 8192;
                        char *nb = realloc(buf, ncap + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap = ncap;
                }
                ssize_t k = read(fd, buf + len, cap - len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        if (!buf && !(buf = malloc(1)))
                return -ENOMEM;
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* ---- reading one unit's files ---- */

static int parse_file(UnitConf *c, const char *path) {
        _cleanup_free_ char *text = NULL;
        int r = read_full_file(path, &text);
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
static char *template_name(const char *unit) {
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

/* Adds the *.conf files of one directory whose names no higher-priority
 * directory had: the same file name masks lower ones (systemd's
 * conf_files_list()). */
static int dropins_add_dir(DropIn **v, size_t *n, const char *dir) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        for (struct dirent *de; (errno = 0, de = readdir(d));) {
                if (de->d_name[0] == '.' || !endswith(de->d_name, ".conf"))
                        continue;
                bool seen = false;
                for (size_t i = 0; i < *n && !seen; i++)
                        seen = streq((*v)[i].name, de->d_name);
                if (seen)
                        continue;
                DropIn *nv = realloc(*v, (*n + 1) * sizeof(DropIn));
                if (!nv)
                        return -ENOMEM;
                *v = nv;
                DropIn *e = &nv[*n];
                e->name = strdup(de->d_name);
                e->path = NULL;
                if (!e->name || asprintf(&e->path, "%s/%s", dir, de->d_name) < 0) {
                        free(e->name);
                        return -ENOMEM;
                }
                (*n)++;
        }
        return -errno;
}

/* The unit's effective settings: its fragment from the highest-priority
 * unit directory that has one, then its drop-ins from all directories,
 * merged by file name and applied in file-name order. */
static int load_unit_conf(const SearchPath *sp, const char *unit, UnitConf *ret) {
        _cleanup_(unit_conf_donep) UnitConf c = { 0 };
        _cleanup_free_ char *template = template_name(unit);
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
                for (size_t i = 0; i < n_names && r >= 0; i++) {
                        _cleanup_free_ char *dir = NULL;
                        if (asprintf(&dir, "%s/%s.d", sp->dirs[k], names[i]) < 0)
                                r = -ENOMEM;
                        else {
                                r = dropins_add_dir(&v, &n, dir);
                                if (r < 0 && r != -ENOMEM) {
                                        log_warning_errno(r, "%s: cannot list, ignoring: %s", dir, strerror(-r));
                                        r = 0;
                                }
                        }
                }
        if (r >= 0 && n > 0)
                qsort(v, n, sizeof(DropIn), cmp_dropin);
        for (size_t i = 0; i < n && r >= 0; i++)
                r = parse_file(&c, v[i].path);
        dropins_free(v, n);
        if (r < 0)
                return r;
        *ret = c;
        c = (UnitConf) { 0 };
        return 0;
}

/* The unit's settings from the files systemd loaded it from: its fragment,
 * then its drop-ins in systemd's order. The control directories come first
 * in systemd's search path, and systemd reads what was written there only
 * at its next reload: their drop-ins are merged in now, masking reported
 * drop-ins of the same name as they will after that reload. A reported
 * file that is gone ("systemctl revert") is skipped. */
static int load_unit_conf_files(Manager *m, const char *unit, const char *fragment, char *const *dropins,
                                size_t n_dropins, UnitConf *ret) {
        _cleanup_(unit_conf_donep) UnitConf c = { 0 };
        int r = 0;
        if (!isempty(fragment))
                r = parse_file(&c, fragment);
        DropIn *v = NULL;
        size_t n = 0;
        for (int runtime = 0; runtime <= 1 && r >= 0; runtime++) {
                _cleanup_free_ char *dir = NULL;
                if (asprintf(&dir, "%s/%s.d", control_dir(m, runtime), unit) < 0)
                        r = -ENOMEM;
                else {
                        r = dropins_add_dir(&v, &n, dir);
                        if (r < 0 && r != -ENOMEM) {
                                log_warning_errno(r, "%s: cannot list, ignoring: %s", dir, strerror(-r));
                                r = 0;
                        }
                }
        }
        for (size_t i = 0; i < n_dropins && r >= 0; i++) {
                const char *base = strrchr(dropins[i], '/');
                base = base ? base + 1 : dropins[i];
                bool seen = false;
                for (size_t k = 0; k < n && !seen; k++)
                        seen = streq(v[k].name, base);
                if (seen)
                        continue;
                DropIn *nv = realloc(v, (n + 1) * sizeof(DropIn));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                v[n] = (DropIn) { strdup(base), strdup(dropins[i]) };
                if (!v[n].name || !v[n].path) {
                        free(v[n].name);
                        free(v[n].path);
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        /* systemd orders drop-ins by file name across all directories; a
         * stable sort keeps its order among equal names (none here). */
        if (r >= 0 && n > 0)
                qsort(v, n, sizeof(DropIn), cmp_dropin);
        for (size_t i = 0; i < n && r >= 0; i++)
                r = parse_file(&c, v[i].path);
        dropins_free(v, n);
        if (r < 0)
                return r;
        *ret = c;
        c = (UnitConf) { 0 };
        return 0;
}

/* What the kernel cannot take is dropped with a warning, as systemd drops
 * settings it cannot apply. */
static void sanitize_conf(const char *unit, UnitConf *c) {
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

/* ---- applying settings to the engine ---- */

static const char *value_to_string(UnitConfProperty p, uint64_t v, char buf[static 21]) {
        if (v == UINT64_MAX || (p == UNIT_CONF_RDMA_MAX && v >= RC_S32_MAX))
                return "max";
        snprintf(buf, 21, "%" PRIu64, v);
        return buf;
}

/* The resource a setting is about, when it can take a limit now; settings
 * of others wait for unit_settings_apply_resource(). */
static const rc_resource *resource_ready(Manager *m, UnitConfProperty p, const char *name) {
        const rc_resource *r = rc_resource_find(m->engine, unit_conf_property_controller(p), name);
        return r && !(r->controller == RC_MISC && r->capacity == 0) ? r : NULL;
}

static bool entry_has_percent(const UnitConfEntry *e) {
        for (int k = 0; e && k < _RC_RDMA_KIND_MAX; k++)
                if (e->set[k] && e->percent[k])
                        return true;
        return false;
}

/* Writes one key's value (for rdma: the kinds in `kinds`) as e says it,
 * or the default where e has none. A percentage becomes the share of the
 * capacity the resource has now. */
static void apply_key(Manager *m, const char *unit, UnitConfProperty p, const char *name, const UnitConfEntry *e,
                      const bool kinds[_RC_RDMA_KIND_MAX], bool forget) {
        const char *file = unit_conf_property_file(p);
        /* The unit setting is newer than any WriteFile of this key (rdma:
         * of these kinds): do not let the runtime record override it. */
        for (int k = 0; forget && k < (p == UNIT_CONF_RDMA_MAX ? _RC_RDMA_KIND_MAX : 1); k++) {
                _cleanup_free_ char *key = NULL;
                if (p != UNIT_CONF_RDMA_MAX)
                        manager_forget_runtime_limit(m, unit, file, name);
                else if (kinds[k] && asprintf(&key, "%s/%s", name, rc_rdma_kind_to_string((rc_rdma_kind) k)) >= 0)
                        manager_forget_runtime_limit(m, unit, file, key);
        }
        const rc_resource *res = resource_ready(m, p, name);
        if (!res) {
                log_debug("%s: %s of %s waits for the resource to be registered (misc: with a capacity).", unit,
                          unit_conf_property_to_string(p), name);
                return;
        }
        if (entry_has_percent(e) && (res->controller == RC_RDMA || res->capacity == RC_MAX)) {
                log_warning("%s: %s of %s is a percentage, but %s has no capacity; ignoring.", unit,
                            unit_conf_property_to_string(p), name, res->key);
                return;
        }
        char text[512], buf[21];
        uint64_t def = unit_conf_property_default(p);
        if (p == UNIT_CONF_RDMA_MAX) {
                int n = snprintf(text, sizeof(text), "%s", name);
                for (int k = 0; k < _RC_RDMA_KIND_MAX; k++)
                        if (kinds[k] && n > 0 && (size_t) n < sizeof(text))
                                n += snprintf(text + n, sizeof(text) - (size_t) n, " %s=%s",
                                              rc_rdma_kind_to_string((rc_rdma_kind) k),
                                              value_to_string(p, e && e->set[k] ? e->value[k] : def, buf));
        } else
                snprintf(text, sizeof(text), "%s %s", name,
                         value_to_string(p, e ? unit_conf_entry_absolute(e, 0, res->capacity) : def, buf));
        rc_err err = { { 0 } };
        int r = manager_write_file(m, unit, file, text, false, &err);
        if (r < 0) {
                log_warning_errno(r, "%s: cannot apply %s %s, ignoring: %s", unit, file, text,
                                  err.msg[0] ? err.msg : strerror(-r));
                return;
        }
        /* Max, Min and Low changed: announce them as WriteFile does. */
        rc_group *g = rc_group_find(m->engine, unit);
        if (g)
                manager_mark_dirty_path(m, g);
}

static uint64_t entry_value(const UnitConfEntry *e, UnitConfProperty p, int k) {
        return e && e->set[k] ? e->value[k] : unit_conf_property_default(p);
}

static bool entry_percent(const UnitConfEntry *e, int k) {
        return e && e->set[k] && e->percent[k];
}

/* One key of a list property: write it when its value changed between old
 * and new, or when force names it. */
static void apply_list_key(Manager *m, const char *unit, UnitConfProperty p, const char *name, const UnitConf *old,
                           const UnitConf *new, const UnitConf *force, bool forget) {
        const UnitConfEntry *o = unit_conf_find(old, p, name), *n = unit_conf_find(new, p, name),
                            *f = force ? unit_conf_find(force, p, name) : NULL;
        bool kinds[_RC_RDMA_KIND_MAX] = { false }, any = false;
        int n_kinds = p == UNIT_CONF_RDMA_MAX ? _RC_RDMA_KIND_MAX : 1;
        for (int k = 0; k < n_kinds; k++) {
                kinds[k] = (f && f->set[k]) || entry_value(o, p, k) != entry_value(n, p, k) ||
                           entry_percent(o, k) != entry_percent(n, k);
                any = any || kinds[k];
        }
        if (any)
                apply_key(m, unit, p, name, n, kinds, forget);
}

static bool listed_in(const UnitConf *c, UnitConfProperty p, const char *name) {
        return c && unit_conf_find(c, p, name);
}

/* Brings the engine from old to new for the properties in mask: every key
 * whose value changed, and every key force names (with forget: their
 * runtime WriteFile records are dropped). */
static void apply_changes(Manager *m, const char *unit, const UnitConf *old, const UnitConf *new,
                          const UnitConf *force, const bool mask[_UNIT_CONF_PROPERTY_MAX], bool forget) {
        if (mask[UNIT_CONF_SLICE] && !rc_unit_name_is_slice(unit)) {
                rc_group *g = rc_group_find(m->engine, unit);
                /* systemd's Slice, when it runs the unit, wins over Slice=. */
                const char *slice = systemd_unit_slice(m, unit);
                if (!slice)
                        slice = new->slice ? new->slice : RC_DEFAULT_SLICE;
                if (g && !streq(g->parent->name, slice)) {
                        rc_err err = { { 0 } };
                        int r = rc_group_set_slice(m->engine, g, slice, &err);
                        if (r < 0)
                                log_warning_errno(r, "%s: cannot move under %s: %s", unit, slice, err.msg);
                        else
                                manager_mark_dirty_path(m, g);
                }
        }
        for (int i = 0; i < _UNIT_CONF_LIST_MAX; i++) {
                UnitConfProperty p = (UnitConfProperty) i;
                if (!mask[p])
                        continue;
                const UnitConfList *lo = &old->lists[p], *ln = &new->lists[p];
                for (size_t k = 0; k < lo->n; k++)
                        apply_list_key(m, unit, p, lo->entries[k].name, old, new, force, forget);
                for (size_t k = 0; k < ln->n; k++)
                        if (!listed_in(old, p, ln->entries[k].name))
                                apply_list_key(m, unit, p, ln->entries[k].name, old, new, force, forget);
                if (!force)
                        continue;
                const UnitConfList *lf = &force->lists[p];
                for (size_t k = 0; k < lf->n; k++)
                        if (!listed_in(old, p, lf->entries[k].name) && !listed_in(new, p, lf->entries[k].name))
                                apply_list_key(m, unit, p, lf->entries[k].name, old, new, force, forget);
        }
}

/* Makes new the unit's settings (taking it) and brings the engine there. */
static int unit_update(Manager *m, const char *unit, UnitConf *new, const UnitConf *force,
                       const bool mask[_UNIT_CONF_PROPERTY_MAX], bool forget, unsigned generation) {
        UnitSettings *us = unit_find(m, unit);
        _cleanup_(unit_conf_donep) UnitConf old = { 0 };
        if (!us) {
                if (unit_conf_is_empty(new) && !force)
                        return 0;
                us = calloc(1, sizeof(*us));
                if (!us)
                        return -ENOMEM;
                us->name = strdup(unit);
                if (!us->name || hashmap_put(&m->units, &us->node, hash_string(unit)) < 0) {
                        unit_settings_free(us);
                        return -ENOMEM;
                }
        } else
                old = us->conf;
        /* Stored before applying: creating the group asks manager_unit_slice(). */
        us->conf = *new;
        *new = (UnitConf) { 0 };
        us->generation = generation;
        apply_changes(m, unit, &old, &us->conf, force, mask, forget);
        if (unit_conf_is_empty(&us->conf)) {
                hashmap_remove(&m->units, &us->node);
                unit_settings_free(us);
        }
        return 0;
}

/* ---- loading ---- */

/* Unit names that have a fragment (unit directories) or a drop-in
 * directory (all directories); sorted, each once. */
static int scan_unit_names(const SearchPath *sp, char ***ret, size_t *n_ret) {
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

int unit_settings_load(Manager *m) {
        static unsigned generation = 0;
        static const bool all[_UNIT_CONF_PROPERTY_MAX] = { true, true, true, true, true, true };
        /* Under systemd, the units it runs and the files it names. */
        if (systemd_active(m))
                return systemd_reload_settings(m);
        _cleanup_(search_path_done) SearchPath sp = { 0 };
        int r = search_path_get(m, &sp);
        if (r < 0)
                return log_oom();
        char **names = NULL;
        size_t n = 0;
        r = scan_unit_names(&sp, &names, &n);
        if (r < 0)
                return log_oom();
        generation++;
        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_(unit_conf_donep) UnitConf c = { 0 };
                r = load_unit_conf(&sp, names[i], &c);
                if (r < 0)
                        break;
                sanitize_conf(names[i], &c);
                r = unit_update(m, names[i], &c, NULL, all, false, generation);
        }
        strv_free_n(names, n);
        if (r < 0)
                return log_oom();

        /* Units whose files are gone since the last load lose their settings. */
        size_t n_gone = 0;
        _cleanup_free_ UnitSettings **gone = calloc(m->units.n_entries + 1, sizeof(*gone));
        if (!gone)
                return log_oom();
        hashmap_for_each(node, &m->units) {
                UnitSettings *us = container_of(node, UnitSettings, node);
                if (us->generation != generation)
                        gone[n_gone++] = us;
        }
        for (size_t i = 0; i < n_gone; i++) {
                _cleanup_free_ char *name = strdup(gone[i]->name);
                UnitConf empty = { 0 };
                if (!name || unit_update(m, name, &empty, NULL, all, false, generation) < 0)
                        return log_oom();
        }
        log_debug("Unit settings: %zu unit(s) with [X-Resctl] settings.", m->units.n_entries);
        return 0;
}

int unit_settings_load_unit(Manager *m, const char *unit, const char *fragment, char *const *dropins,
                            size_t n_dropins) {
        static const bool all[_UNIT_CONF_PROPERTY_MAX] = { true, true, true, true, true, true };
        _cleanup_(unit_conf_donep) UnitConf c = { 0 };
        int r = load_unit_conf_files(m, unit, fragment, dropins, n_dropins, &c);
        if (r < 0)
                return r;
        sanitize_conf(unit, &c);
        UnitSettings *us = unit_find(m, unit);
        return unit_update(m, unit, &c, NULL, all, false, us ? us->generation : 0);
}

/* A unit systemd has not reported running yet, whose cgroup just appeared:
 * its settings from the unit directories, as the scan at start reads them,
 * so that its limits go to the kernel now rather than after systemd has
 * answered for it (unit_settings_load_unit then reads the files systemd
 * names). */
int unit_settings_load_scanned(Manager *m, const char *unit) {
        static const bool all[_UNIT_CONF_PROPERTY_MAX] = { true, true, true, true, true, true };
        if (!rc_unit_name_is_valid(unit))
                return 0;
        _cleanup_(search_path_done) SearchPath sp = { 0 };
        int r = search_path_get(m, &sp);
        if (r < 0)
                return r;
        _cleanup_(unit_conf_donep) UnitConf c = { 0 };
        r = load_unit_conf(&sp, unit, &c);
        if (r < 0)
                return r;
        sanitize_conf(unit, &c);
        UnitSettings *us = unit_find(m, unit);
        if (!us && unit_conf_is_empty(&c))
                return 0;
        return unit_update(m, unit, &c, NULL, all, false, us ? us->generation : 0);
}

bool unit_settings_has_limit(Manager *m, const char *unit, const char *file, const char *resource) {
        UnitSettings *us = unit_find(m, unit);
        if (!us)
                return false;
        const char *slash = streq(file, "rdma.max") ? strchr(resource, '/') : NULL;
        size_t n = slash ? (size_t) (slash - resource) : strlen(resource);
        for (int p = 0; p < _UNIT_CONF_LIST_MAX; p++) {
                if (!streq(unit_conf_property_file((UnitConfProperty) p), file))
                        continue;
                const UnitConfList *l = &us->conf.lists[p];
                for (size_t i = 0; i < l->n; i++) {
                        const UnitConfEntry *e = &l->entries[i];
                        if (strlen(e->name) != n || !strneq(e->name, resource, n))
                                continue;
                        for (int k = 0; slash && k < _RC_RDMA_KIND_MAX; k++)
                                if (streq(slash + 1, rc_rdma_kind_to_string((rc_rdma_kind) k)))
                                        return e->set[k];
                        return !slash;
                }
        }
        return false;
}

void unit_settings_forget(Manager *m, const char *unit) {
        static const bool all[_UNIT_CONF_PROPERTY_MAX] = { true, true, true, true, true, true };
        UnitSettings *us = unit_find(m, unit);
        UnitConf empty = { 0 };
        if (us)
                (void) unit_update(m, unit, &empty, NULL, all, false, us->generation);
}

void unit_settings_retain(Manager *m, bool (*keep)(Manager *m, const char *unit)) {
        size_t n = 0;
        _cleanup_free_ char **drop = calloc(m->units.n_entries + 1, sizeof(*drop));
        if (!drop) {
                log_oom();
                return;
        }
        hashmap_for_each(node, &m->units) {
                UnitSettings *us = container_of(node, UnitSettings, node);
                if (!keep(m, us->name) && (drop[n] = strdup(us->name)))
                        n++;
        }
        for (size_t i = 0; i < n; i++) {
                unit_settings_forget(m, drop[i]);
                free(drop[i]);
        }
}

int unit_settings_apply_resource(Manager *m, const rc_resource *r) {
        if (r->controller == RC_MISC && r->capacity == 0)
                return 0;       /* misc limits wait for a capacity */
        hashmap_for_each(node, &m->units) {
                UnitSettings *us = container_of(node, UnitSettings, node);
                for (int i = 0; i < _UNIT_CONF_LIST_MAX; i++) {
                        UnitConfProperty p = (UnitConfProperty) i;
                        if (unit_conf_property_controller(p) != r->controller)
                                continue;
                        const UnitConfEntry *e = unit_conf_find(&us->conf, p, r->name);
                        if (e)
                                apply_key(m, us->name, p, r->name, e, e->set, false);
                }
        }
        return 0;
}

int unit_settings_capacity_changed(Manager *m, const rc_resource *r) {
        if (r->controller == RC_MISC && r->capacity == 0)
                return 0;
        hashmap_for_each(node, &m->units) {
                UnitSettings *us = container_of(node, UnitSettings, node);
                for (int i = 0; i < _UNIT_CONF_LIST_MAX; i++) {
                        UnitConfProperty p = (UnitConfProperty) i;
                        if (unit_conf_property_controller(p) != r->controller)
                                continue;
                        const UnitConfEntry *e = unit_conf_find(&us->conf, p, r->name);
                        if (entry_has_percent(e))
                                apply_key(m, us->name, p, r->name, e, e->percent, false);
                }
        }
        return 0;
}

const char *manager_unit_slice(Manager *m, const char *unit) {
        const char *slice = unit ? systemd_unit_slice(m, unit) : NULL;
        if (slice)
                return slice;
        UnitSettings *us = unit ? unit_find(m, unit) : NULL;
        return us ? us->conf.slice : NULL;
}

void unit_settings_free_all(Manager *m) {
        for (size_t b = 0; b < m->units.n_buckets; b++)
                for (HashNode *n = m->units.buckets[b], *next; n; n = next) {
                        next = n->next;
                        unit_settings_free(container_of(n, UnitSettings, node));
                }
        hashmap_done(&m->units);
}

/* ---- SetUnitProperties ---- */

/* One property of the call: its entries, or an empty list (reset). */
typedef struct Change {
        UnitConfProperty prop;
        UnitConf add;
} Change;

static void changes_free(Change *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                unit_conf_done(&v[i].add);
        free(v);
}

/* a(st), or a(ss) whose values are written as in unit files ("4G", "max",
 * "10%"): the only way to pass a percentage. */
static int read_list_property(Manager *m, const char *unit, sd_bus_message *msg, Change *c, bool text,
                              sd_bus_error *error) {
        const char *prop = unit_conf_property_to_string(c->prop);
        rc_controller controller = unit_conf_property_controller(c->prop);
        int r = sd_bus_message_enter_container(msg, 'a', text ? "(ss)" : "(st)");
        if (r < 0)
                return r;
        for (;;) {
                const char *key, *s = NULL;
                uint64_t value;
                bool percent = false;
                r = text ? sd_bus_message_read(msg, "(ss)", &key, &s) : sd_bus_message_read(msg, "(st)", &key, &value);
                if (r <= 0)
                        break;
                rc_key k;
                rc_err err = { { 0 } };
                r = unit_conf_parse_key(c->prop, key, &k, &err);
                if (r < 0)
                        return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT, "%s: %s", unit, err.msg);
                if (c->prop == UNIT_CONF_RDMA_MAX && k.kind < 0)
                        return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                                 "%s: RdmaMax key '%s' needs a kind: %s/hca_handle or %s/hca_object",
                                                 unit, key, k.name, k.name);
                r = s ? unit_conf_parse_value(c->prop, s, &value, &percent, &err)
                      : unit_conf_check_value(c->prop, value, &err);
                if (r < 0)
                        return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT, "%s: %s", unit, err.msg);
                const rc_resource *res = rc_resource_find(m->engine, controller, k.name);
                if (!res)
                        return sd_bus_error_setf(error, RESCTL_ERROR_NO_SUCH_RESOURCE,
                                                 "%s: %s %s/%s is not registered (see ListResources)", unit, prop,
                                                 rc_controller_to_string(controller), k.name);
                if (percent && res->capacity == RC_MAX)
                        return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                                 "%s: %s %s is a percentage, but %s has no capacity (max); give an "
                                                 "absolute value",
                                                 unit, prop, s, res->key);
                r = unit_conf_set_full(&c->add, c->prop, k.name, k.kind < 0 ? 0 : (rc_rdma_kind) k.kind, value,
                                       percent);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

/* Reads a(sv) and checks all of it; nothing changes here. */
static int read_changes(Manager *m, const char *unit, sd_bus_message *msg, Change **ret, size_t *n_ret,
                        sd_bus_error *error) {
        Change *v = NULL;
        size_t n = 0;
        int r = sd_bus_message_enter_container(msg, 'a', "(sv)");
        while (r >= 0 && (r = sd_bus_message_enter_container(msg, 'r', "sv")) > 0) {
                const char *name, *contents;
                r = sd_bus_message_read(msg, "s", &name);
                if (r < 0)
                        break;
                UnitConfProperty p = unit_conf_property_from_string(name);
                if (p < 0) {
                        r = sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                              "%s: unknown property '%s': use MiscMax, DMemMin, DMemLow, DMemMax, "
                                              "RdmaMax or Slice",
                                              unit, name);
                        break;
                }
                const char *want = p == UNIT_CONF_SLICE ? "s" : "a(st)";
                r = sd_bus_message_peek_type(msg, NULL, &contents);
                if (r < 0)
                        break;
                bool text = p != UNIT_CONF_SLICE && contents && streq(contents, "a(ss)");
                if (text)
                        want = "a(ss)";
                if (!contents || !streq(contents, want)) {
                        r = sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                              "%s: %s takes a variant of type %s, not %s", unit, name, want,
                                              contents ? contents : "?");
                        break;
                }
                if (p != UNIT_CONF_SLICE && streq(unit, RC_ROOT_GROUP)) {
                        r = sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                              "%s takes no %s: the root cgroup has no limits or protection; "
                                              "set it on a slice below",
                                              unit, name);
                        break;
                }
                if (p == UNIT_CONF_SLICE && rc_unit_name_is_slice(unit)) {
                        r = sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                              "%s: a slice's parent follows from its name; Slice is for other units",
                                              unit);
                        break;
                }
                Change *nv = realloc(v, (n + 1) * sizeof(Change));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                Change *c = &v[n++];
                *c = (Change) { .prop = p };
                r = sd_bus_message_enter_container(msg, 'v', want);
                if (r < 0)
                        break;
                if (p == UNIT_CONF_SLICE) {
                        const char *slice;
                        r = sd_bus_message_read(msg, "s", &slice);
                        if (r < 0)
                                break;
                        /* "" resets, as an empty Slice= line does. */
                        if (*slice && !rc_slice_name_is_valid(slice)) {
                                r = sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                                      "%s: '%s' is not a valid slice name (e.g. tenant-a.slice)",
                                                      unit, slice);
                                break;
                        }
                        r = unit_conf_set_slice(&c->add, *slice ? slice : NULL);
                } else
                        r = read_list_property(m, unit, msg, c, text, error);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r < 0) {
                changes_free(v, n);
                return r;
        }
        *ret = v;
        *n_ret = n;
        return 0;
}

static int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != 0)
                        continue;
                char c = *s;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = c;
                if (!c)
                        return 0;
        }
}

static int fsync_path(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

/* A temporary file next to the target, written and synced, so that the
 * rename makes the whole new text appear at once. */
static int write_temp(const char *dir, const char *name, const char *text, char **ret) {
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s/.#%sXXXXXX", dir, name) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = 0;
        if (fchmod(fd, 0644) < 0)
                r = -errno;
        for (size_t len = strlen(text), off = 0; r >= 0 && off < len;) {
                ssize_t k = write(fd, text + off, len - off);
                if (k < 0 && errno != EINTR)
                        r = -errno;
                else if (k > 0)
                        off += (size_t) k;
        }
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        *ret = TAKE_PTR(tmp);
        return 0;
}

/* Temporaries of drop-ins a crash left behind (".#50-resctl-*.conf*"):
 * called at start, once the logs no longer name any of them, so that
 * none is left whatever moment the crash chose. */
void unit_settings_clean_temporaries(Manager *m) {
        for (int runtime = 0; runtime < 2; runtime++) {
                const char *top = control_dir(m, runtime);
                _cleanup_(closedirp) DIR *d = top ? opendir(top) : NULL;
                if (!d)
                        continue;
                for (struct dirent *de; (de = readdir(d));) {
                        if (de->d_name[0] == '.' || !endswith(de->d_name, ".d"))
                                continue;
                        int dfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        if (dfd < 0)
                                continue;
                        _cleanup_(closedirp) DIR *u = fdopendir(dfd);
                        if (!u) {
                                close(dfd);
                                continue;
                        }
                        for (struct dirent *e; (e = readdir(u));) {
                                if (!strneq(e->d_name, ".#" DROPIN_PREFIX, strlen(".#" DROPIN_PREFIX)))
                                        continue;
                                if (unlinkat(dirfd(u), e->d_name, 0) < 0)
                                        log_warning_errno(-errno, "Cannot remove %s/%s/%s: %s", top, de->d_name,
                                                          e->d_name, strerror(errno));
                                else
                                        log_info("Removed %s/%s/%s, left by a crash during SetUnitProperties.", top,
                                                 de->d_name, e->d_name);
                        }
                }
        }
}

typedef struct PendingFile {
        UnitConfProperty prop;
        char *tmp;
        char *path;
} PendingFile;

/* The runtime limits the call's unit settings take over are forgotten
 * before any drop-in appears, each on the condition that its drop-in's
 * temporary file was renamed (persist.c: a w record naming a file that is
 * still there is void): a crash between the two changes neither. */
typedef struct Forgotten {
        char *file, *name;
} Forgotten;

static int forget_taken_over(Manager *m, const char *unit, const UnitConf *force, const PendingFile *files,
                             size_t n) {
        /* What this call forgets is put back if its records cannot be
         * written: earlier calls of the batch still wait in the buffer. */
        size_t state_mark = m->state_store ? store_mark(m->state_store) : 0;
        size_t runtime_mark = m->runtime_store ? store_mark(m->runtime_store) : 0;
        Forgotten *forgotten = NULL;
        size_t n_forgotten = 0;
        int r = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                UnitConfProperty p = files[i].prop;
                if (p == UNIT_CONF_SLICE)
                        continue;
                const UnitConfList *l = &force->lists[p];
                for (size_t k = 0; k < l->n && r >= 0; k++)
                        for (int kind = 0; kind < (p == UNIT_CONF_RDMA_MAX ? _RC_RDMA_KIND_MAX : 1) && r >= 0;
                             kind++) {
                                _cleanup_free_ char *key = NULL;
                                const char *name = l->entries[k].name, *file = unit_conf_property_file(p);
                                if (p == UNIT_CONF_RDMA_MAX) {
                                        if (!l->entries[k].set[kind] ||
                                            asprintf(&key, "%s/%s", name,
                                                     rc_rdma_kind_to_string((rc_rdma_kind) kind)) < 0)
                                                continue;
                                        name = key;
                                }
                                if (manager_runtime_limit_known(m, unit, file, name)) {
                                        Forgotten *v = realloc(forgotten, (n_forgotten + 1) * sizeof(*v));
                                        if (!v) {
                                                r = -ENOMEM;
                                                break;
                                        }
                                        forgotten = v;
                                        forgotten[n_forgotten].file = (char *) file;
                                        forgotten[n_forgotten].name = strdup(name);
                                        if (!forgotten[n_forgotten++].name)
                                                r = -ENOMEM;
                                }
                                if (r >= 0)
                                        manager_forget_runtime_limit_unless(m, unit, file, name, files[i].tmp);
                        }
        }
        /* Both logs, in manager_commit()'s order (earlier calls of the
         * batch may have records in either), but no compaction: that would
         * drop the conditional w records before the renames. */
        if (r >= 0 && m->state_store && store_has_pending(m->state_store))
                r = store_commit(m->state_store);
        if (r >= 0 && m->runtime_store && store_has_pending(m->runtime_store))
                r = store_commit(m->runtime_store);
        if (r < 0) {
                if (m->state_store)
                        store_rollback(m->state_store, state_mark);
                if (m->runtime_store)
                        store_rollback(m->runtime_store, runtime_mark);
                for (size_t i = 0; i < n_forgotten; i++)
                        if (forgotten[i].name)
                                manager_remember_runtime_limit(m, unit, forgotten[i].file, forgotten[i].name);
        }
        for (size_t i = 0; i < n_forgotten; i++)
                free(forgotten[i].name);
        free(forgotten);
        return r;
}

/* The renames of one call are redone at start if a crash cut them short
 * (persist.c, record N): all of a call's drop-ins appear, or none. */
static int record_renames(Manager *m, const PendingFile *files, size_t n) {
        if (!m->state_store || n < 2)
                return 0;
        size_t mark = store_mark(m->state_store);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *tmp = hex_encode(files[i].tmp), *path = hex_encode(files[i].path);
                if (!tmp || !path) {
                        store_rollback(m->state_store, mark);
                        return -ENOMEM;
                }
                store_append(m->state_store, "N %s %s", tmp, path);
        }
        int r = store_commit(m->state_store);
        if (r < 0)
                store_rollback(m->state_store, mark);
        return r;
}

/* A drop-in or a log that cannot be written (full disk, I/O error)
 * refuses the call with StorageFailed. */
static int storage_error(sd_bus_error *error, int r, const char *what) {
        if (r == -ENOMEM)
                return r;
        sd_bus_error_setf(error, RESCTL_ERROR_STORAGE_FAILED, "Cannot write %s: %s; nothing was changed", what,
                          strerror(-r));
        return r;
}

/* All drop-ins are written and synced before the first rename, so that a
 * failed write changes none of them. */
static int write_dropins(Manager *m, const char *top, const char *unit, const UnitConf *work, const UnitConf *force,
                         const bool touched[_UNIT_CONF_PROPERTY_MAX], bool *renamed, sd_bus_error *error) {
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s/%s.d", top, unit) < 0)
                return -ENOMEM;
        int r = mkdir_p(dir, 0755);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot create %s: %s", dir, strerror(-r));

        PendingFile files[_UNIT_CONF_PROPERTY_MAX] = { { 0 } };
        size_t n = 0;
        for (int i = 0; i < _UNIT_CONF_PROPERTY_MAX && r >= 0; i++) {
                if (!touched[i])
                        continue;
                const char *prop = unit_conf_property_to_string((UnitConfProperty) i);
                _cleanup_free_ char *text = unit_conf_format_dropin(work, prop);
                _cleanup_free_ char *name = NULL;
                if (!text || asprintf(&name, DROPIN_PREFIX "%s.conf", prop) < 0) {
                        r = -ENOMEM;
                        break;
                }
                PendingFile *f = &files[n];
                f->prop = (UnitConfProperty) i;
                if (asprintf(&f->path, "%s/%s", dir, name) < 0) {
                        f->path = NULL;
                        r = -ENOMEM;
                        break;
                }
                n++;
                r = write_temp(dir, name, text, &f->tmp);
                if (r < 0)
                        r = storage_error(error, r, f->path);
        }
        if (r >= 0) {
                r = forget_taken_over(m, unit, force, files, n);
                if (r >= 0)
                        r = record_renames(m, files, n);
                if (r < 0)
                        r = storage_error(error, r, "the state logs");
        }
        for (size_t i = 0; i < n; i++) {
                if (r >= 0 && rename(files[i].tmp, files[i].path) < 0) {
                        r = -errno;
                        r = sd_bus_error_set_errnof(error, r, "Cannot write %s: %s", files[i].path, strerror(-r));
                } else if (r >= 0) {
                        *renamed = true;
                        log_info("%s: wrote %s.", unit, files[i].path);
                }
                if (r < 0 && files[i].tmp)
                        (void) unlink(files[i].tmp);
                free(files[i].tmp);
                free(files[i].path);
        }
        /* The new names, and the directory itself if it is new, must be on
         * disk before the reply says they are. */
        int q = fsync_path(dir);
        if (q >= 0)
                q = fsync_path(top);
        if (r >= 0 && q < 0)
                r = sd_bus_error_set_errnof(error, q, "Cannot sync %s: %s", dir, strerror(-q));
        return r;
}

typedef struct Changes {
        Change *v;
        size_t n;
} Changes;

/* Whether a change touches a resource the kernel charges: a reset touches
 * every resource of its controller. */
static bool change_is_kernel_backed(Manager *m, const Change *c) {
        rc_controller controller = unit_conf_property_controller(c->prop);
        const UnitConfList *l = &c->add.lists[c->prop];
        if (l->n > 0) {
                for (size_t i = 0; i < l->n; i++)
                        if (cgroupfs_backs(rc_resource_find(m->engine, controller, l->entries[i].name)))
                                return true;
                return false;
        }
        list_for_each_entry(res, &m->engine->resources, rc_resource, link)
                if (res->controller == controller && cgroupfs_backs(res))
                        return true;
        return false;
}

/* A limit for the kernel that cannot be written (cgroup gone, read-only)
 * is refused before any drop-in changes. */
static int check_kernel_writable(Manager *m, const char *unit, const Changes *changes, sd_bus_error *error) {
        for (size_t i = 0; i < changes->n; i++) {
                const Change *c = &changes->v[i];
                rc_err err = { { 0 } };
                if (c->prop == UNIT_CONF_SLICE || !change_is_kernel_backed(m, c))
                        continue;
                int r = cgroupfs_check_writable(m, unit, unit_conf_property_file(c->prop), &err);
                if (r < 0)
                        return bus_error_from_rc(error, r, &err);
        }
        return 0;
}

static void changes_done(Changes *c) {
        changes_free(c->v, c->n);
}

static int set_changes(Manager *m, const char *unit, bool runtime, Changes changes, sd_bus_error *error);

int unit_settings_set(Manager *m, const char *unit, bool runtime, sd_bus_message *properties, sd_bus_error *error) {
        if (!rc_unit_name_is_valid(unit))
                return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                         "'%.255s' is not a valid unit name (e.g. tenant-a.slice, vm42.scope)", unit);
        _cleanup_(changes_done) Changes changes = { 0 };
        int r = read_changes(m, unit, properties, &changes.v, &changes.n, error);
        if (r < 0 || changes.n == 0)
                return r;       /* an empty call changes nothing, and creates no directory */
        return set_changes(m, unit, runtime, changes, error);
}

int unit_settings_set_value(Manager *m, const char *unit, bool runtime, int property, const char *name,
                            uint64_t value, sd_bus_error *error) {
        _cleanup_(changes_done) Changes changes = { .v = calloc(1, sizeof(Change)), .n = 1 };
        if (!changes.v)
                return -ENOMEM;
        UnitConfProperty p = (UnitConfProperty) property;
        changes.v[0].prop = p;
        int r = unit_conf_set(&changes.v[0].add, p, name, 0, value);
        if (r < 0)
                return r;
        return set_changes(m, unit, runtime, changes, error);
}

/* The changes of one call, checked: drop-ins, then the engine. */
static int set_changes(Manager *m, const char *unit, bool runtime, Changes changes, sd_bus_error *error) {
        int r;
        bool touched[_UNIT_CONF_PROPERTY_MAX] = { false };
        for (size_t i = 0; i < changes.n; i++)
                touched[changes.v[i].prop] = true;

        /* A persistent drop-in of the same name masks the runtime one
         * (system.control comes before /run/systemd/system.control): the
         * setting would not take effect, so refuse it. */
        for (int i = 0; runtime && i < _UNIT_CONF_PROPERTY_MAX; i++) {
                if (!touched[i])
                        continue;
                _cleanup_free_ char *path = NULL;
                const char *prop = unit_conf_property_to_string((UnitConfProperty) i);
                if (asprintf(&path, "%s/%s.d/" DROPIN_PREFIX "%s.conf", control_dir(m, false), unit, prop) < 0)
                        return -ENOMEM;
                if (access(path, F_OK) >= 0)
                        return sd_bus_error_setf(error, RESCTL_ERROR_INVALID_ARGUMENT,
                                                 "%s: %s is set persistently in %s, which masks runtime settings; "
                                                 "make the change persistent instead",
                                                 unit, prop, path);
        }

        /* Like systemd, the drop-in says the unit's whole list as it is now
         * plus the change, so that entries from the unit's other files
         * survive the reset line the drop-in starts with. */
        UnitSettings *us = unit_find(m, unit);
        unsigned generation = us ? us->generation : 0;
        _cleanup_(unit_conf_donep) UnitConf work = { 0 }, force = { 0 }, new = { 0 };
        if (us) {
                r = unit_conf_copy(&work, &us->conf);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < changes.n; i++) {
                const Change *c = &changes.v[i];
                if (c->prop == UNIT_CONF_SLICE) {
                        r = unit_conf_set_slice(&work, c->add.slice);
                        if (r < 0)
                                return r;
                        continue;
                }
                const UnitConfList *l = &c->add.lists[c->prop];
                /* A reset touches every key the list had; new entries touch
                 * theirs: those are applied and their WriteFile records
                 * forgotten even where the value stays the same. */
                const UnitConfList *touched_keys = l->n == 0 ? &work.lists[c->prop] : l;
                for (size_t k = 0; k < touched_keys->n; k++)
                        for (int kind = 0; kind < _RC_RDMA_KIND_MAX; kind++) {
                                const UnitConfEntry *e = &touched_keys->entries[k];
                                if (!e->set[kind])
                                        continue;
                                r = unit_conf_set_full(&force, c->prop, e->name, (rc_rdma_kind) kind,
                                                       e->value[kind], e->percent[kind]);
                                if (r >= 0 && l->n > 0)
                                        r = unit_conf_set_full(&work, c->prop, e->name, (rc_rdma_kind) kind,
                                                               e->value[kind], e->percent[kind]);
                                if (r < 0)
                                        return r;
                        }
                if (l->n == 0)
                        unit_conf_reset(&work, c->prop);
        }

        r = check_kernel_writable(m, unit, &changes, error);
        if (r < 0)
                return r;

        bool renamed = false;
        int w = write_dropins(m, control_dir(m, runtime), unit, &work, &force, touched, &renamed, error);
        if (w < 0 && !renamed)
                return w;

        /* What was renamed into place is now the unit's setting: reload its
         * files (a later drop-in may still override ours) and apply. */
        const char *fragment;
        char *const *dropins;
        size_t n_dropins;
        int s = systemd_unit_files(m, unit, &fragment, &dropins, &n_dropins);
        /* A unit systemd has not (yet) told us about is read from the unit
         * directories: the caller asked for the setting now, and systemd's
         * own list replaces it once the unit is announced. */
        if (s > 0)
                r = load_unit_conf_files(m, unit, fragment, dropins, n_dropins, &new);
        else {
                _cleanup_(search_path_done) SearchPath sp = { 0 };
                r = search_path_get(m, &sp);
                if (r >= 0)
                        r = load_unit_conf(&sp, unit, &new);
        }
        if (r < 0)
                return r;
        sanitize_conf(unit, &new);
        m->collect_kernel_errors = true;
        m->kernel_error = 0;
        r = unit_update(m, unit, &new, &force, touched, true, generation);
        m->collect_kernel_errors = false;
        if (w >= 0 && r >= 0 && m->kernel_error < 0)
                return bus_error_from_rc(error, m->kernel_error, &m->kernel_err);
        return w < 0 ? w : r;
}
