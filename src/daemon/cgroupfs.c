/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Enforcement through the kernel's own controllers.
 *
 * When the cgroup2 root (--cgroup-root) lists misc, dmem or rdma in
 * cgroup.controllers, the kernel charges those resources itself (KVM an
 * SEV ASID per guest, TTM VRAM as it allocates, the RDMA core HCA handles
 * and objects). resctld then manages instead of duplicating:
 *   - the engine keeps the limits as the wanted state (checks, the Max,
 *     Min and Low properties, persistence, unit settings all as before),
 *     and each limit line of a kernel-backed resource is also written to
 *     the unit's own cgroup directory in systemd's layout,
 *     <root>/<slice path>/<unit>, after enabling the controller in
 *     cgroup.subtree_control of every directory above it;
 *   - usage, peak and events are read from the kernel's files;
 *   - misc.events(.local), which the kernel notifies, are watched with
 *     inotify and become LimitHit and PropertiesChanged.
 * A unit whose directory does not exist yet (not started) gets its limits
 * when the directory appears: inotify IN_CREATE on its parent, or systemd
 * announcing the unit. A directory that existed and is gone is an error. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

/* What an inotify watch is on: the directory (children, removal) or one of
 * the event files. The kernel notifies a cgroup file's watchers only
 * through an inode it has in memory: a watch on the directory alone misses
 * a file that nobody opened since it appeared, a watch on the file pins it. */
typedef enum WatchKind {
        WATCH_DIR,
        WATCH_EVENTS,
        WATCH_EVENTS_LOCAL,
        _WATCH_MAX,
} WatchKind;

typedef struct CgroupDir CgroupDir;

typedef struct Watch {
        HashNode node;                  /* Cgroupfs.wds, by watch descriptor */
        int wd;                         /* -1: not watched */
        WatchKind kind;
        CgroupDir *dir;
} Watch;

/* Kernels before 6.11 have misc.events but no misc.events.local: the local
 * count is worked out as misc.events minus what the children's misc.events
 * count (misc.events counts the refusals of a level and of every level
 * below it). */
typedef struct DerivedLocal {
        char name[32];                  /* "sev.max" */
        uint64_t local;                 /* the count shown; only grows */
        int64_t removed;                /* counted by children that are gone */
} DerivedLocal;

#define DERIVED_MAX 8

struct CgroupDir {
        HashNode node;                  /* Cgroupfs.dirs, by group name */
        Watch watches[_WATCH_MAX];
        bool gone;                      /* it was there and was removed */
        char *events, *events_local;    /* last complete texts: the baselines */
        char *children;                 /* derived: "<child> <name> <count>\n", as last read */
        DerivedLocal derived[DERIVED_MAX];
        unsigned n_derived;
        char name[];
};

typedef struct Cgroupfs {
        Manager *manager;
        unsigned controllers;           /* 1 << rc_controller the kernel has */
        int inotify_fd;
        sd_event_source *io;
        Hashmap dirs;
        Hashmap wds;
} Cgroupfs;

static const char *const controller_names[] = { [RC_MISC] = "misc", [RC_DMEM] = "dmem", [RC_RDMA] = "rdma" };

/* ---- small file helpers ---- */

static int read_text(const char *path, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t len = 0, cap = 4096;
        _cleanup_free_ char *s = malloc(cap);
        if (!s)
                return -ENOMEM;
        for (;;) {
                if (cap - len < 2) {
                        char *n = cap < (1u << 20) ? realloc(s, cap * 2) : NULL;
                        if (!n)
                                return -EFBIG;
                        s = n;
                        cap *= 2;
                }
                ssize_t k = read(fd, s + len, cap - len - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        s[len] = 0;
        *ret = TAKE_PTR(s);
        return 0;
}

/* One write(2), as the kernel wants a limit: one line per write. */
static int write_text(const char *path, const char *text) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t len = strlen(text);
        ssize_t k = write(fd, text, len);
        if (k < 0)
                return -errno;
        return (size_t) k == len ? 0 : -EIO;
}

/* The resource a line is about: its first word, misc.events' ".max" cut. */
static size_t line_name(const char *line, size_t len, const char *file) {
        size_t n = 0;
        while (n < len && line[n] != ' ' && line[n] != '\t')
                n++;
        if (strneq(file, "misc.events", 11) && n > 4 && strneq(line + n - 4, ".max", 4))
                n -= 4;
        return n;
}

/* The line of `name` in text (without its newline), or NULL. */
static const char *find_line(const char *text, const char *file, const char *name, size_t *len) {
        size_t nl = strlen(name);
        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t) (e - p) : strlen(p);
                if (line_name(p, l, file) == nl && strneq(p, name, nl)) {
                        *len = l;
                        return p;
                }
                p = e ? e + 1 : NULL;
        }
        return NULL;
}

static size_t trim_end(const char *s, size_t len) {
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
                len--;
        return len;
}

/* A value from a kernel line: misc and dmem "name value", rdma
 * "dev hca_handle=V hca_object=V"; "max" is UINT64_MAX. */
static bool line_value(const char *line, size_t len, const rc_counter *c, uint64_t *ret) {
        char buf[512];
        snprintf(buf, sizeof(buf), "%.*s", (int) MIN(len, sizeof(buf) - 1), line);
        const char *v = strpbrk(buf, " \t");
        if (!v)
                return false;
        if (c->resource->controller == RC_RDMA) {
                char want[32];
                snprintf(want, sizeof(want), " %s=", rc_rdma_kind_to_string(c->kind));
                v = strstr(buf, want);
                if (!v)
                        return false;
                v += strlen(want);
        } else
                v += strspn(v, " \t");
        if (strneq(v, "max", 3)) {
                *ret = UINT64_MAX;
                return true;
        }
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        if (errno || end == v)
                return false;
        *ret = x;
        return true;
}

/* Every value of a limit line at the kernel's default: "max", or 0 for min/low. */
static bool line_is_default(const char *file, const char *line, size_t len) {
        const char *want = strstr(file, ".min") || strstr(file, ".low") ? "0" : "max";
        size_t n = strlen(want);
        const char *p = memchr(line, ' ', len), *end = line + len;
        if (!p)
                return true;
        while (p < end) {
                p += strspn(p, " ");
                if (p >= end)
                        break;
                const char *v = memchr(p, '=', (size_t) (end - p));
                const char *tok_end = memchr(p, ' ', (size_t) (end - p));
                if (!tok_end)
                        tok_end = end;
                if (v && v < tok_end)
                        p = v + 1;
                if ((size_t) (tok_end - p) != n || !strneq(p, want, n))
                        return false;
                p = tok_end;
        }
        return true;
}

static bool has_word(const char *text, const char *word) {
        size_t n = strlen(word);
        for (const char *p = text; *p;) {
                p += strspn(p, " \t\n+");
                size_t l = strcspn(p, " \t\n");
                if (l == n && strneq(p, word, n))
                        return true;
                p += l;
        }
        return false;
}

/* ---- where a group lives ---- */

static Cgroupfs *backend(Manager *m) {
        return m->cgroupfs;
}

static bool file_controller(const char *file, rc_controller *ret) {
        for (int c = 0; c < (int) ELEMENTSOF(controller_names); c++) {
                size_t n = strlen(controller_names[c]);
                if (strneq(file, controller_names[c], n) && file[n] == '.') {
                        *ret = (rc_controller) c;
                        return true;
                }
        }
        return false;
}

/* systemd's layout: a-b.slice is a.slice/a-b.slice, -.slice the root. */
static int slice_path(const char *slice, char **ret) {
        if (streq(slice, RC_ROOT_GROUP))
                return (*ret = strdup("")) ? 0 : -ENOMEM;
        _cleanup_free_ char *parent = NULL, *up = NULL;
        int r = rc_slice_parent(slice, &parent);
        if (r < 0)
                return r;
        r = slice_path(parent, &up);
        if (r < 0)
                return r;
        return asprintf(ret, "%s%s/", up, slice) < 0 ? -ENOMEM : 0;
}

static int group_dir(Manager *m, const char *name, char **ret) {
        _cleanup_free_ char *rel = NULL;
        int r;
        if (rc_unit_name_is_slice(name))
                r = slice_path(name, &rel);
        else {
                const rc_group *g = rc_group_find(m->engine, name);
                const char *slice = g && g->parent ? g->parent->name : manager_unit_slice(m, name);
                _cleanup_free_ char *up = NULL;
                r = slice_path(slice ? slice : RC_DEFAULT_SLICE, &up);
                if (r >= 0 && asprintf(&rel, "%s%s", up, name) < 0)
                        r = -ENOMEM;
        }
        if (r < 0)
                return r;
        size_t n = strlen(rel);
        if (n > 0 && rel[n - 1] == '/')
                rel[n - 1] = 0;
        return asprintf(ret, "%s%s%s", m->cgroup_root, *rel ? "/" : "", rel) < 0 ? -ENOMEM : 0;
}

/* ---- directories and their watches ---- */

static bool dir_name_eq(const HashNode *n, const void *key) {
        return streq(container_of(n, CgroupDir, node)->name, key);
}

static bool watch_wd_eq(const HashNode *n, const void *key) {
        return container_of(n, Watch, node)->wd == *(const int *) key;
}

static Watch *watch_find(Cgroupfs *k, int wd) {
        HashNode *n = hashmap_get(&k->wds, hash_u64((uint64_t) wd), &wd, watch_wd_eq);
        return n ? container_of(n, Watch, node) : NULL;
}

static CgroupDir *dir_find(Cgroupfs *k, const char *name) {
        HashNode *n = hashmap_get(&k->dirs, hash_string(name), name, dir_name_eq);
        return n ? container_of(n, CgroupDir, node) : NULL;
}

static CgroupDir *dir_get(Cgroupfs *k, const char *name) {
        CgroupDir *d = dir_find(k, name);
        if (d)
                return d;
        d = calloc(1, sizeof(*d) + strlen(name) + 1);
        if (!d)
                return NULL;
        for (WatchKind w = 0; w < _WATCH_MAX; w++)
                d->watches[w] = (Watch) { .wd = -1, .kind = w, .dir = d };
        strcpy(d->name, name);
        if (hashmap_put(&k->dirs, &d->node, hash_string(name)) < 0) {
                free(d);
                return NULL;
        }
        return d;
}

static void watch_drop(Cgroupfs *k, Watch *w) {
        if (w->wd < 0)
                return;
        hashmap_remove(&k->wds, &w->node);
        w->wd = -1;
}

static bool dir_watched(const CgroupDir *d) {
        return d && d->watches[WATCH_DIR].wd >= 0;
}

/* 1: watching now, 0: already was, <0: cannot (ENOENT: not there). */
static int watch_add(Cgroupfs *k, Watch *w, const char *path, uint32_t mask) {
        if (w->wd >= 0)
                return 0;
        int wd = inotify_add_watch(k->inotify_fd, path, mask);
        if (wd < 0)
                return -errno;
        Watch *old = watch_find(k, wd);
        if (old)        /* the same inode under an old name (a unit moved) */
                watch_drop(k, old);
        w->wd = wd;
        if (hashmap_put(&k->wds, &w->node, hash_u64((uint64_t) wd)) < 0) {
                w->wd = -1;
                return -ENOMEM;
        }
        return 1;
}

static const char *const event_files[_WATCH_MAX] = {
        [WATCH_EVENTS] = "misc.events",
        [WATCH_EVENTS_LOCAL] = "misc.events.local",
};

static void derive_local(CgroupDir *d, const char *dir, const char *events, char **ret, bool reset);

/* Reads the event files: the texts that the next change is compared with. */
static void read_events(CgroupDir *d, const char *dir, bool reset) {
        _cleanup_free_ char *p = NULL, *q = NULL;
        if (asprintf(&p, "%s/misc.events", dir) < 0 || asprintf(&q, "%s/misc.events.local", dir) < 0)
                return;
        free(d->events);
        free(d->events_local);
        d->events = d->events_local = NULL;
        (void) read_text(p, &d->events);
        if (read_text(q, &d->events_local) == -ENOENT && d->events)
                derive_local(d, dir, d->events, &d->events_local, reset);
}

/* Watches the event files that exist now; they appear when +misc is
 * enabled above the directory, which can be long after it was made. */
static void events_arm(Cgroupfs *k, CgroupDir *d, const char *dir) {
        if (!(k->controllers & (1u << RC_MISC)) || !dir_watched(d))
                return;
        bool armed = false;
        for (WatchKind w = WATCH_EVENTS; w < _WATCH_MAX; w++) {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", dir, event_files[w]) < 0)
                        return;
                int r = watch_add(k, &d->watches[w], path, IN_MODIFY);
                if (r > 0)
                        armed = true;
                else if (r < 0 && r != -ENOENT)
                        log_warning_errno(r, "Cannot watch %s: %s", path, strerror(-r));
        }
        if (armed)
                read_events(d, dir, true);
}

/* Watches the directory of a group that exists: events, children, removal. */
static void dir_watch(Cgroupfs *k, const char *name, const char *path) {
        CgroupDir *d = dir_get(k, name);
        if (!d)
                return;
        if (!dir_watched(d)) {
                int r = watch_add(k, &d->watches[WATCH_DIR], path,
                                  IN_MODIFY | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR);
                if (r < 0) {
                        if (r != -ENOENT)
                                log_warning_errno(r, "Cannot watch %s: %s", path, strerror(-r));
                        return;
                }
                d->gone = false;
        }
        events_arm(k, d, path);
}

/* After a controller was enabled somewhere: files appeared below it. */
static void events_arm_all(Cgroupfs *k) {
        for (size_t b = 0; b < k->dirs.n_buckets; b++)
                for (HashNode *n = k->dirs.buckets[b]; n; n = n->next) {
                        CgroupDir *d = container_of(n, CgroupDir, node);
                        _cleanup_free_ char *dir = NULL;
                        if (dir_watched(d) && group_dir(k->manager, d->name, &dir) >= 0)
                                events_arm(k, d, dir);
                }
}

/* The group's directory and those above it: their events and children. */
static void watch_path(Manager *m, const rc_group *g) {
        for (; g; g = g->parent) {
                _cleanup_free_ char *dir = NULL;
                if (group_dir(m, g->name, &dir) >= 0)
                        dir_watch(backend(m), g->name, dir);
        }
}

/* Whether a missing directory is an error: the unit runs (systemd says
 * so), or without systemd, the directory was there and was removed. */
static bool dir_expected(Manager *m, const char *name) {
        if (streq(name, RC_ROOT_GROUP))
                return true;
        if (systemd_active(m))
                return systemd_unit_is_live(m, name);
        CgroupDir *d = dir_find(backend(m), name);
        return d && (d->gone || dir_watched(d));   /* watched: its removal is not read yet */
}

/* ---- writing limits ---- */

/* The controller must be on in cgroup.subtree_control of every directory
 * above the unit's for its files to exist there. systemd writes only the
 * controllers it knows, with "+x"/"-x", so it leaves these alone. */
static int enable_controller(Manager *m, const char *dir, rc_controller c, rc_err *err) {
        const char *ctl = controller_names[c];
        size_t root_len = strlen(m->cgroup_root);
        _cleanup_free_ char *p = strdup(dir);
        if (!p)
                return rc_errf(err, ENOMEM, "out of memory");
        for (char *s = p + root_len; s; s = strchr(s + 1, '/')) {
                char saved = *s;
                *s = 0;
                _cleanup_free_ char *path = NULL, *text = NULL;
                if (asprintf(&path, "%s/cgroup.subtree_control", p) < 0)
                        return rc_errf(err, ENOMEM, "out of memory");
                *s = saved;
                if (!*s)
                        break;          /* the unit's own directory: nothing below it is ours */
                int r = read_text(path, &text);
                if (r >= 0 && has_word(text, ctl))
                        continue;
                char line[16];
                snprintf(line, sizeof(line), "+%s\n", ctl);
                if (r >= 0)
                        r = write_text(path, line);
                if (r < 0)
                        return rc_errf(err, RC_E_KERNEL_REFUSED, "cannot enable the %s controller in %s: %s", ctl,
                                       path, strerror(-r));
                log_info("Enabled the %s controller in %s.", ctl, path);
                if (c == RC_MISC)
                        events_arm_all(backend(m));
        }
        return 0;
}

static int write_line(Manager *m, const char *group, const char *dir, const char *file, const char *line,
                      size_t len, rc_err *err) {
        rc_controller c;
        if (!file_controller(file, &c))
                return rc_errf(err, ENOENT, "'%s' is not a misc, rdma or dmem interface file", file);
        int r = enable_controller(m, dir, c, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *path = NULL, *text = NULL;
        if (asprintf(&path, "%s/%s", dir, file) < 0 || asprintf(&text, "%.*s\n", (int) len, line) < 0)
                return rc_errf(err, ENOMEM, "out of memory");
        r = write_text(path, text);
        if (r == -ENOENT && access(dir, F_OK) < 0)
                return rc_errf(err, RC_E_CGROUP_GONE, "%s: its cgroup %s is gone; %.*s not applied", group, dir,
                               (int) len, line);
        if (r == -EINVAL || r == -ERANGE)
                return rc_errf(err, EINVAL, "%s: the kernel rejected '%.*s' in %s", group, (int) len, line, path);
        if (r == -ENODEV)
                return rc_errf(err, ENODEV, "%s: the kernel does not know the resource of '%.*s' (%s)", group,
                               (int) len, line, path);
        if (r < 0)
                return rc_errf(err, RC_E_KERNEL_REFUSED, "%s: cannot write '%.*s' to %s: %s", group, (int) len, line,
                               path, strerror(-r));
        log_debug("%s: wrote '%.*s' to %s.", group, (int) len, line, path);
        return 0;
}

bool cgroupfs_backs_limit(Manager *m, const char *file, const char *text) {
        rc_controller c;
        if (!backend(m) || !file_controller(file, &c))
                return false;
        const char *p = text + strspn(text, " \t\n");
        size_t n = strcspn(p, " \t\n");
        list_for_each_entry(res, &m->engine->resources, rc_resource, link)
                if (res->controller == c && strlen(res->name) == n && strneq(res->name, p, n))
                        return cgroupfs_backs(res);
        return false;
}

int cgroupfs_check_writable(Manager *m, const char *group, const char *file, rc_err *err) {
        Cgroupfs *k = backend(m);
        rc_controller c;
        if (!k || !file_controller(file, &c) || !(k->controllers & (1u << c)))
                return 0;
        _cleanup_free_ char *dir = NULL, *path = NULL;
        if (group_dir(m, group, &dir) < 0 || asprintf(&path, "%s/%s", dir, file) < 0)
                return rc_errf(err, ENOMEM, "out of memory");
        if (access(dir, F_OK) < 0)
                return dir_expected(m, group)
                               ? rc_errf(err, RC_E_CGROUP_GONE, "%s: its cgroup %s is gone", group, dir)
                               : 0;
        if (access(path, W_OK) < 0 && errno != ENOENT)
                return rc_errf(err, RC_E_KERNEL_REFUSED, "%s: cannot write %s: %s", group, path, strerror(errno));
        return 0;
}

int cgroupfs_write_limit(Manager *m, const char *group, const char *file, const char *resource, rc_err *err) {
        Cgroupfs *k = backend(m);
        if (!k || m->loading)
                return 0;
        rc_group *g = rc_group_find(m->engine, group);
        _cleanup_free_ char *want = NULL, *dir = NULL;
        int r = rc_file_read(m->engine, g, file, &want, err);
        if (r < 0)
                return r;
        size_t len;
        const char *line = find_line(want, file, resource, &len);
        if (!line)
                return 0;
        if (group_dir(m, group, &dir) < 0)
                return rc_errf(err, ENOMEM, "out of memory");
        if (access(dir, F_OK) < 0) {
                if (dir_expected(m, group))
                        return rc_errf(err, RC_E_CGROUP_GONE, "%s: its cgroup %s is gone; %.*s not applied", group,
                                       dir, (int) trim_end(line, len), line);
                log_debug("%s: %s '%.*s' is written to %s when the unit starts.", group, file,
                         (int) trim_end(line, len), line, dir);
                /* Its parent tells when it appears. */
                if (g && g->parent)
                        cgroupfs_sync_group(m, g->parent->name);
                return 0;
        }
        r = write_line(m, group, dir, file, line, trim_end(line, len), err);
        if (r >= 0)
                watch_path(m, g);
        return r;
}

static const char *const limit_files[] = { "misc.max", "dmem.min", "dmem.low", "dmem.max", "rdma.max" };

/* Writes the limit lines the kernel does not have yet. */
static void sync_limits(Manager *m, rc_group *g, const char *dir) {
        for (size_t i = 0; i < ELEMENTSOF(limit_files); i++) {
                const char *file = limit_files[i];
                rc_controller c;
                if (!file_controller(file, &c) || !(backend(m)->controllers & (1u << c)))
                        continue;
                _cleanup_free_ char *want = NULL, *have = NULL, *path = NULL;
                if (rc_file_read(m->engine, g, file, &want, NULL) < 0 || asprintf(&path, "%s/%s", dir, file) < 0)
                        continue;
                (void) read_text(path, &have);
                list_for_each_entry(res, &m->engine->resources, rc_resource, link) {
                        size_t wl, hl = 0;
                        const char *w, *h;
                        if (res->controller != c || !cgroupfs_backs(res) || !(w = find_line(want, file, res->name, &wl)))
                                continue;
                        wl = trim_end(w, wl);
                        h = have ? find_line(have, file, res->name, &hl) : NULL;
                        if (h ? trim_end(h, hl) == wl && strneq(h, w, wl) : line_is_default(file, w, wl))
                                continue;       /* the kernel has it (a line it lacks is at its default) */
                        rc_err err = { { 0 } };
                        if (write_line(m, g->name, dir, file, w, wl, &err) < 0)
                                log_warning("%s", err.msg);
                        else
                                log_info("%s: applied '%.*s' to %s.", g->name, (int) wl, w, path);
                }
        }
}

void cgroupfs_sync_group(Manager *m, const char *group) {
        Cgroupfs *k = backend(m);
        _cleanup_free_ char *dir = NULL;
        if (!k || group_dir(m, group, &dir) < 0 || access(dir, F_OK) < 0)
                return;
        CgroupDir *d = dir_find(k, group);
        bool was_watched = dir_watched(d);
        rc_group *g = rc_group_find(m->engine, group);
        if (g)
                watch_path(m, g);
        else
                dir_watch(k, group, dir);
        if (g && g != m->engine->root)
                sync_limits(m, g, dir);
        if (was_watched || !g)
                return;
        /* Children made before the watch was (mkdir -p) sent no IN_CREATE. */
        _cleanup_free_ rc_group **children = calloc(g->n_children + 1, sizeof(rc_group *));
        size_t n = 0;
        hashmap_for_each(node, &m->engine->groups) {
                rc_group *c = container_of(node, rc_group, node);
                if (children && c->parent == g && n < g->n_children)
                        children[n++] = c;
        }
        for (size_t i = 0; i < n; i++)
                cgroupfs_sync_group(m, children[i]->name);
}

/* ---- reading the kernel's figures ---- */

static uint64_t sum_children(const char *root, const char *file, const rc_counter *c);

/* misc.current of the root as newer kernels than 6.1 show it: what the
 * top-level cgroups use. */
static char *root_usage_text(Manager *m) {
        char *out = strdup("");
        list_for_each_entry(res, &m->engine->resources, rc_resource, link) {
                char *n = NULL;
                if (!out || res->controller != RC_MISC || !cgroupfs_backs(res))
                        continue;
                if (asprintf(&n, "%s%s %" PRIu64 "\n", out, res->name,
                             sum_children(m->cgroup_root, "misc.current", &res->counters[0])) < 0)
                        continue;
                free(out);
                out = n;
        }
        return out;
}

int cgroupfs_read_file(Manager *m, const char *group, const char *file, char **text) {
        rc_controller c;
        Cgroupfs *k = backend(m);
        if (!k || !file_controller(file, &c) || !(k->controllers & (1u << c)))
                return 0;
        _cleanup_free_ char *dir = NULL, *path = NULL, *have = NULL;
        if (group_dir(m, group, &dir) < 0 || asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        if (read_text(path, &have) < 0) {
                /* Older kernels: the local counts worked out from misc.events
                 * (before 6.11), the root's usage from its children (6.1). */
                const CgroupDir *d = streq(file, "misc.events.local") ? dir_find(k, group) : NULL;
                if (d && d->events_local)
                        have = strdup(d->events_local);
                else if (streq(group, RC_ROOT_GROUP) && streq(file, "misc.current"))
                        have = root_usage_text(m);
                if (!have)
                        return 0;       /* not started: the engine's (wanted) view */
        }
        size_t cap = strlen(*text) + strlen(have) + 1, len = 0;
        _cleanup_free_ char *out = malloc(cap);
        if (!out)
                return -ENOMEM;
        for (const char *p = *text; *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t) (e - p) + 1 : strlen(p), hl;
                const char *h = NULL;
                size_t n = line_name(p, l, file);
                list_for_each_entry(res, &m->engine->resources, rc_resource, link)
                        if (res->controller == c && cgroupfs_backs(res) && strlen(res->name) == n &&
                            strneq(res->name, p, n)) {
                                h = find_line(have, file, res->name, &hl);
                                break;
                        }
                if (h && h[hl] == '\n')
                        hl++;
                if (len + (h ? hl : l) >= cap)
                        break;  /* cannot happen: every kernel line is used once */
                memcpy(out + len, h ? h : p, h ? hl : l);
                len += h ? hl : l;
                p += l;
        }
        out[len] = 0;
        free(*text);
        *text = TAKE_PTR(out);
        return 0;
}

static const char *stat_file(rc_controller c, CgroupStat s) {
        static const char *const files[][7] = {
                [RC_MISC] = { "misc.current", "misc.peak", "misc.max", NULL, NULL, "misc.events",
                              "misc.events.local" },
                [RC_DMEM] = { "dmem.current", "dmem.peak", "dmem.max", "dmem.min", "dmem.low", NULL, NULL },
                [RC_RDMA] = { "rdma.current", NULL, "rdma.max", NULL, NULL, NULL, NULL },
        };
        return files[c][s];
}

static bool dir_value(const char *dir, const char *file, const rc_counter *c, uint64_t *ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t len;
        const char *line;
        if (asprintf(&path, "%s/%s", dir, file) < 0 || read_text(path, &text) < 0 ||
            !(line = find_line(text, file, c->resource->name, &len)))
                return false;
        return line_value(line, len, c, ret);
}

/* rdma has no files on the root: its usage is what its children use. */
static uint64_t sum_children(const char *root, const char *file, const rc_counter *c) {
        _cleanup_(closedirp) DIR *d = opendir(root);
        uint64_t sum = 0;
        for (struct dirent *de; d && (de = readdir(d));) {
                _cleanup_free_ char *sub = NULL;
                uint64_t v;
                if (de->d_type != DT_DIR || de->d_name[0] == '.' || asprintf(&sub, "%s/%s", root, de->d_name) < 0)
                        continue;
                if (dir_value(sub, file, c, &v) && v != UINT64_MAX)
                        sum += v;
        }
        return sum;
}

int cgroupfs_stat(Manager *m, const rc_group *g, const rc_counter *c, CgroupStat s, uint64_t *ret) {
        if (!backend(m) || !cgroupfs_backs(c->resource))
                return 0;
        const char *file = stat_file(c->resource->controller, s);
        bool root = g == m->engine->root;
        _cleanup_free_ char *dir = NULL;
        *ret = s == CGROUP_MAX ? UINT64_MAX : 0;
        if (!file || group_dir(m, g->name, &dir) < 0)
                return 1;
        if (root && c->resource->controller == RC_RDMA && s == CGROUP_USAGE)
                *ret = sum_children(dir, file, c);
        else if (root && s == CGROUP_USAGE && !dir_value(dir, file, c, ret))
                *ret = sum_children(dir, file, c);      /* 6.1 has no misc.current on the root */
        else if (!dir_value(dir, file, c, ret)) {
                /* Before 6.11: the count worked out from misc.events. */
                const CgroupDir *d = s == CGROUP_EVENTS_LOCAL ? dir_find(backend(m), g->name) : NULL;
                size_t l;
                const char *line = d && d->events_local ? find_line(d->events_local, file, c->resource->name, &l)
                                                        : NULL;
                if (!line || !line_value(line, l, c, ret))
                        return 0;       /* not started, or the kernel does not list it: the engine's view */
        }
        return 1;
}

uint64_t cgroupfs_refused(Manager *m, const rc_counter *c) {
        if (!backend(m) || c->resource->controller != RC_MISC)
                return 0;
        return sum_children(m->cgroup_root, "misc.events", c);
}

/* ---- events ---- */

/* Counters only grow: a count below the baseline, or a line missing, is a
 * write seen half done (truncated, not yet written); wait for the rest. */
static bool events_complete(const char *old, const char *new) {
        for (const char *p = old; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t) (e - p) : strlen(p), nl;
                size_t n = line_name(p, l, "misc.events");
                char name[64];
                snprintf(name, sizeof(name), "%.*s", (int) MIN(n, sizeof(name) - 1), p);
                const char *q = find_line(new, "misc.events", name, &nl);
                unsigned long long a = strtoull(p + MIN(n + 5, l), NULL, 10);
                if (!q || strtoull(q + MIN(n + 5, nl), NULL, 10) < a)
                        return false;
                p = e ? e + 1 : NULL;
        }
        return true;
}

static uint64_t events_count(const char *text, const char *name) {
        size_t l;
        const char *p = text ? find_line(text, "misc.events", name, &l) : NULL;
        return p ? strtoull(p + MIN(strlen(name) + 5, l), NULL, 10) : 0;
}

/* A refusal at this level: the kernel does not say the amount asked for;
 * every in-tree user of misc (KVM's SEV ASIDs, TDX keys) charges 1. */
static void emit_limit_hits(Manager *m, CgroupDir *d, const char *dir, const char *old, const char *new) {
        const rc_group *g = rc_group_find(m->engine, d->name);
        bool refreshed = false;
        for (const char *p = new; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t) (e - p) : strlen(p);
                char name[64], key[80];
                snprintf(name, sizeof(name), "%.*s", (int) MIN(line_name(p, l, "misc.events"), sizeof(name) - 1), p);
                p = e ? e + 1 : NULL;
                uint64_t before = events_count(old, name), now = events_count(new, name);
                if (now <= before)
                        continue;
                if (!refreshed)
                        cgroupfs_refresh_capacities(m);         /* the limit named may be the capacity */
                refreshed = true;
                snprintf(key, sizeof(key), "misc/%s", name);
                rc_counter *c = NULL;
                uint64_t limit = UINT64_MAX;
                if (rc_counter_find(m->engine, key, &c, NULL) >= 0) {
                        const rc_pool *pool = g ? rc_group_pool_peek(g, c) : NULL;
                        if (!dir_value(dir, "misc.max", c, &limit))
                                limit = pool ? pool->max : UINT64_MAX;
                        limit = MIN(limit, c->resource->capacity);
                }
                log_info("%s: the kernel refused %" PRIu64 " charge(s) of %s at this level (limit %" PRIu64 ").",
                         d->name, now - before, key, limit);
                for (uint64_t i = 0; i < MIN(now - before, 64u); i++)
                        manager_emit(m, limit_hit, d->name, key, (uint64_t) 1, d->name, limit);
        }
}

static DerivedLocal *derived_get(CgroupDir *d, const char *name, size_t n) {
        for (unsigned i = 0; i < d->n_derived; i++)
                if (strlen(d->derived[i].name) == n && strneq(d->derived[i].name, name, n))
                        return &d->derived[i];
        if (d->n_derived == DERIVED_MAX || n >= sizeof(d->derived[0].name))
                return NULL;
        DerivedLocal *l = &d->derived[d->n_derived++];
        *l = (DerivedLocal) { .local = 0 };
        memcpy(l->name, name, n);
        return l;
}

/* "<child> <name> <count>\n" for the misc.events of every child directory. */
static char *children_events(const char *dir) {
        _cleanup_(closedirp) DIR *dd = opendir(dir);
        _cleanup_free_ char *out = strdup("");
        for (struct dirent *de; out && dd && (de = readdir(dd));) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
                    asprintf(&path, "%s/%s/misc.events", dir, de->d_name) < 0 || read_text(path, &text) < 0)
                        continue;
                for (char *p = text, *e; p && *p; p = e ? e + 1 : NULL) {
                        e = strchr(p, '\n');
                        if (e)
                                *e = 0;
                        char *n = NULL;
                        if (*p && asprintf(&n, "%s%s %s\n", out, de->d_name, p) >= 0) {
                                free(out);
                                out = n;
                        }
                }
        }
        return TAKE_PTR(out);
}

/* The count of `name` ("sev.max") in children text, of one child or all. */
static int64_t children_count(const char *text, const char *child, const char *name) {
        int64_t sum = 0;
        char c[256], nm[64];
        unsigned long long v;
        for (const char *p = text; p && *p;) {
                if (sscanf(p, "%255s %63s %llu", c, nm, &v) == 3 && streq(nm, name) && (!child || streq(c, child)))
                        sum += (int64_t) v;
                p = strchr(p, '\n');
                p = p ? p + 1 : NULL;
        }
        return sum;
}

/* misc.events.local as a kernel before 6.11 would have it: per resource,
 * misc.events minus the children's misc.events (read after it, so that a
 * refusal in between makes the difference smaller, never larger), minus
 * what children that are gone had counted when last read. The count shown only grows:
 * a smaller difference is a refusal seen in a child and not yet in the
 * parent. A refusal in a child that is removed before it is read here
 * would count as the parent's. `reset`: a new baseline (first read). */
static void derive_local(CgroupDir *d, const char *dir, const char *events, char **ret, bool reset) {
        _cleanup_free_ char *children = children_events(dir), *out = strdup("");
        if (!children || !out)
                return;
        if (reset)
                d->n_derived = 0;
        /* Children that were there at the last read. */
        for (const char *p = d->children; !reset && p && *p;) {
                char c[256], nm[64];
                unsigned long long v;
                /* Gone, or gone and made again (its counts start at 0). */
                if (sscanf(p, "%255s %63s %llu", c, nm, &v) == 3 &&
                    children_count(children, c, nm) < (int64_t) v) {
                        DerivedLocal *l = derived_get(d, nm, strlen(nm));
                        if (l)
                                l->removed += (int64_t) v;
                }
                p = strchr(p, '\n');
                p = p ? p + 1 : NULL;
        }
        for (const char *p = events; p && *p;) {
                char nm[64], *n = NULL;
                unsigned long long v;
                if (sscanf(p, "%63s %llu", nm, &v) == 2) {
                        DerivedLocal *l = derived_get(d, nm, strlen(nm));
                        if (l) {
                                int64_t cur = (int64_t) v - children_count(children, NULL, nm) - l->removed;
                                if (reset || cur > (int64_t) l->local)
                                        l->local = cur > 0 ? (uint64_t) cur : 0;
                                if (asprintf(&n, "%s%s %" PRIu64 "\n", out, nm, l->local) >= 0) {
                                        free(out);
                                        out = n;
                                }
                        }
                }
                p = strchr(p, '\n');
                p = p ? p + 1 : NULL;
        }
        free(d->children);
        d->children = TAKE_PTR(children);
        free(*ret);
        *ret = TAKE_PTR(out);
}

static void events_changed(Manager *m, CgroupDir *d) {
        _cleanup_free_ char *dir = NULL, *events = NULL, *events_local = NULL, *p = NULL, *q = NULL;
        if (group_dir(m, d->name, &dir) < 0 || asprintf(&p, "%s/misc.events", dir) < 0 ||
            asprintf(&q, "%s/misc.events.local", dir) < 0)
                return;
        (void) read_text(p, &events);
        if (!events_complete(d->events, events))
                return;
        if (read_text(q, &events_local) == -ENOENT && events) {
                events_local = strdup(d->events_local ? d->events_local : "");
                derive_local(d, dir, events, &events_local, false);
        }
        if (!events_complete(d->events_local, events_local))
                return;
        bool changed = !streq(d->events ? d->events : "", events ? events : "") ||
                       !streq(d->events_local ? d->events_local : "", events_local ? events_local : "");
        emit_limit_hits(m, d, dir, d->events_local, events_local);
        free(d->events);
        free(d->events_local);
        d->events = TAKE_PTR(events);
        d->events_local = TAKE_PTR(events_local);
        rc_group *g = rc_group_find(m->engine, d->name);
        if (changed && g)
                manager_emit(m, events_changed, g);
}

static void child_appeared(Manager *m, CgroupDir *parent, const char *name) {
        /* Under systemd a unit's settings are those of the files systemd
         * names, asked for once it runs; until that answer comes (after the
         * unit's first process ran), a unit that was not running has none.
         * Its cgroup appearing is the earlier sign: read its files now
         * (units hang under slices; below a unit is its delegatee's). */
        if (systemd_active(m) && rc_unit_name_is_slice(parent->name) && !systemd_unit_is_live(m, name)) {
                int r = unit_settings_load_scanned(m, name);
                if (r < 0)
                        log_warning_errno(r, "%s: cannot read its settings: %s", name, strerror(-r));
        }
        rc_group *g = rc_group_find(m->engine, name);
        if (!g || !g->parent || !streq(g->parent->name, parent->name))
                return;
        log_debug("%s: its cgroup appeared.", name);
        cgroupfs_sync_group(m, name);
}

static void handle_event(Cgroupfs *k, const struct inotify_event *e) {
        Watch *w = watch_find(k, e->wd);
        if (!w)
                return;
        CgroupDir *d = w->dir;
        if (e->mask & IN_IGNORED) {
                watch_drop(k, w);
                if (w->kind != WATCH_DIR)
                        return;         /* the controller was disabled above it, or the directory went */
                for (WatchKind i = WATCH_EVENTS; i < _WATCH_MAX; i++)
                        watch_drop(k, &d->watches[i]);
                d->gone = true;
                log_debug("%s: its cgroup was removed.", d->name);
                return;
        }
        if (w->kind != WATCH_DIR) {
                if (e->mask & IN_MODIFY)
                        events_changed(k->manager, d);
                return;
        }
        if (e->len == 0 || !(e->mask & IN_ISDIR))
                return;
        if (e->mask & (IN_CREATE | IN_MOVED_TO))
                child_appeared(k->manager, d, e->name);
        else if (e->mask & IN_DELETE)
                /* On a kernel without misc.events.local the child's counts
                 * stay in this directory's: take them over now. */
                events_changed(k->manager, d);
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Cgroupfs *k = userdata;
        union {
                struct inotify_event ev;
                uint8_t raw[8192];
        } buf;
        for (;;) {
                ssize_t n = read(fd, &buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                for (uint8_t *p = buf.raw; p < buf.raw + n;) {
                        const struct inotify_event *e = (const struct inotify_event *) (void *) p;
                        handle_event(k, e);
                        p += sizeof(*e) + e->len;
                }
        }
        return 0;
}

/* ---- which resources the kernel accounts ---- */

static bool listed_in(const char *path, const char *file, const char *name) {
        _cleanup_free_ char *text = NULL;
        size_t l;
        return read_text(path, &text) >= 0 && find_line(text, file, name, &l);
}

/* rdma has no root files; every non-root cgroup lists every device. */
static bool rdma_listed(Manager *m, const char *dev) {
        _cleanup_(closedirp) DIR *d = opendir(m->cgroup_root);
        for (struct dirent *de; d && (de = readdir(d));) {
                _cleanup_free_ char *path = NULL;
                if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
                    asprintf(&path, "%s/%s/rdma.current", m->cgroup_root, de->d_name) < 0)
                        continue;
                if (access(path, F_OK) >= 0)
                        return listed_in(path, "rdma.current", dev);
        }
        return false;
}

static bool kernel_accounts(Manager *m, const rc_resource *r) {
        Cgroupfs *k = backend(m);
        if (!k || !(k->controllers & (1u << r->controller)))
                return false;
        _cleanup_free_ char *path = NULL;
        switch (r->controller) {
        case RC_MISC:
        case RC_DMEM: {
                const char *file = r->controller == RC_MISC ? "misc.capacity" : "dmem.capacity";
                return asprintf(&path, "%s/%s", m->cgroup_root, file) >= 0 && listed_in(path, file, r->name);
        }
        default:
                /* Hardware discovery finds real devices: the RDMA core registers each. */
                return !(r->tag & RESOURCE_MANUAL) || rdma_listed(m, r->name);
        }
}

void cgroupfs_classify(Manager *m, rc_resource *r) {
        if (!kernel_accounts(m, r) || cgroupfs_backs(r))
                return;
        r->tag |= RESOURCE_KERNEL;
        log_info("%s is charged by the kernel: resctld writes its limits to the cgroup tree under %s.", r->key,
                 m->cgroup_root);
}

int cgroupfs_refuse_brokering(const rc_resource *r, const char *what, rc_err *err) {
        if (!cgroupfs_backs(r))
                return 0;
        const char *who = r->controller == RC_DMEM ? "the GPU driver's memory manager (TTM) charges it as it allocates"
                          : r->controller == RC_RDMA ? "the RDMA core charges it as processes create HCA objects"
                          : streq(r->name, "tdx")   ? "KVM charges a key for each TDX guest"
                          : strneq(r->name, "sev", 3) ? "KVM charges an ASID for each SEV guest"
                                                      : "the driver that registered it charges it";
        return rc_errf(err, RC_E_KERNEL_MANAGED,
                       "%s is managed by the kernel (%s); %s is not possible, set limits with SetUnitProperties or "
                       "WriteFile",
                       r->key, who, what);
}

static void capacity_set(Manager *m, rc_resource *r, uint64_t cap) {
        rc_err err = { { 0 } };
        uint64_t old = r->capacity;
        if (old == cap)
                return;
        if (rc_resource_set_capacity(m->engine, r, cap, &err) < 0) {
                log_warning("%s: %s", r->key, err.msg);
                return;
        }
        log_info("%s: the kernel's capacity is %" PRIu64 " now (was %" PRIu64 ").", r->key, cap, old);
        manager_emit(m, capacity_changed, r);
        if (old == 0 && r->capacity != 0)
                (void) unit_settings_apply_resource(m, r);
        else
                (void) unit_settings_capacity_changed(m, r);
}

/* The kernel's capacity file is the one source of truth of a kernel-backed
 * resource's capacity: drivers change it whenever they like (a module
 * loaded, a device reset) and tell nobody, so it is read again whenever
 * the capacity is shown. A resource it no longer lists has capacity 0. */
void cgroupfs_refresh_capacities(Manager *m) {
        Cgroupfs *k = backend(m);
        if (!k)
                return;
        for (rc_controller c = RC_MISC; c <= RC_DMEM; c++) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                const char *file = c == RC_MISC ? "misc.capacity" : "dmem.capacity";
                if (!(k->controllers & (1u << c)) || asprintf(&path, "%s/%s", m->cgroup_root, file) < 0 ||
                    read_text(path, &text) < 0)
                        continue;
                list_for_each_entry(res, &m->engine->resources, rc_resource, link) {
                        size_t l;
                        uint64_t cap = 0;
                        if (res->controller != c || !cgroupfs_backs(res))
                                continue;
                        const char *line = find_line(text, file, res->name, &l);
                        if (line && !line_value(line, l, &res->counters[0], &cap))
                                continue;
                        capacity_set(m, res, cap);
                }
        }
}

/* misc.capacity and dmem.capacity list what the kernel accounts. */
static void register_listed(Manager *m, const char *file, const char *prefix) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        if (asprintf(&path, "%s/%s", m->cgroup_root, file) < 0 || read_text(path, &text) < 0)
                return;
        for (char *p = text, *e; p && *p; p = e ? e + 1 : NULL) {
                e = strchr(p, '\n');
                if (e)
                        *e = 0;
                char name[256], key[300];
                unsigned long long cap;
                if (sscanf(p, "%255s %llu", name, &cap) != 2)
                        continue;
                snprintf(key, sizeof(key), "%s/%s", prefix, name);
                rc_resource *r;
                if (rc_resource_lookup(m->engine, key, &r, NULL) >= 0)
                        capacity_set(m, r, cap);
                else
                        (void) manager_discovered_add(m, key, cap);
        }
}

/* Brokered charges of a resource the kernel now charges mean nothing. */
static void release_brokered(Manager *m, rc_resource *r) {
        for (unsigned i = 0; i < r->n_counters; i++) {
                rc_counter *c = &r->counters[i];
                while (!list_empty(&c->charges)) {
                        rc_charge *ch = list_entry(c->charges.next, rc_charge, counter_link);
                        log_warning("Charge %" PRIu64 " of %s (%s) released: the kernel charges %s now.", ch->id,
                                    ch->group->name, c->key, r->key);
                        manager_release(m, ch, 0, "resource-removed");
                }
        }
}

static unsigned read_controllers(const char *root) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        unsigned mask = 0;
        if (asprintf(&path, "%s/cgroup.controllers", root) < 0 || read_text(path, &text) < 0)
                return 0;
        for (int c = 0; c < (int) ELEMENTSOF(controller_names); c++)
                if (has_word(text, controller_names[c]))
                        mask |= 1u << c;
        return mask;
}

int cgroupfs_register(Manager *m) {
        if (m->hardware == HARDWARE_DEMO)
                return 0;       /* the demo profile is brokered whatever the kernel has */
        unsigned mask = read_controllers(m->cgroup_root);
        if (!mask) {
                log_debug("No misc, dmem or rdma controller in %s/cgroup.controllers: resctld brokers every resource.",
                          m->cgroup_root);
                return 0;
        }
        Cgroupfs *k = calloc(1, sizeof(*k));
        if (!k)
                return log_oom();
        k->manager = m;
        k->controllers = mask;
        k->inotify_fd = -1;
        m->cgroupfs = k;
        log_info("The kernel has the%s%s%s controller(s) in %s: it charges what they account.",
                 mask & (1u << RC_MISC) ? " misc" : "", mask & (1u << RC_DMEM) ? " dmem" : "",
                 mask & (1u << RC_RDMA) ? " rdma" : "", m->cgroup_root);
        if (mask & (1u << RC_MISC))
                register_listed(m, "misc.capacity", "misc");
        if (mask & (1u << RC_DMEM))
                register_listed(m, "dmem.capacity", "dmem");
        return 0;
}

int cgroupfs_start(Manager *m) {
        Cgroupfs *k = backend(m);
        if (!k)
                return 0;
        k->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (k->inotify_fd < 0)
                return log_error_errno(-errno, "Cannot watch the cgroup tree: %s", strerror(errno));
        int r = sd_event_add_io(m->event, &k->io, k->inotify_fd, EPOLLIN, on_inotify, k);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the cgroup tree: %s", strerror(-r));
        list_for_each_entry(res, &m->engine->resources, rc_resource, link) {
                cgroupfs_classify(m, res);
                if (cgroupfs_backs(res))
                        release_brokered(m, res);
        }
        /* Limits kept from before (unit settings, WriteFile records) go to
         * the kernel now: switching a resource to the kernel keeps them. */
        size_t n = 0;
        _cleanup_free_ char **names = calloc(m->engine->groups.n_entries + 1, sizeof(char *));
        if (!names)
                return log_oom();
        hashmap_for_each(node, &m->engine->groups)
                if (n < m->engine->groups.n_entries)
                        names[n++] = container_of(node, rc_group, node)->name;
        for (size_t i = 0; i < n; i++)
                cgroupfs_sync_group(m, names[i]);
        return 0;
}

void cgroupfs_free(Manager *m) {
        Cgroupfs *k = backend(m);
        if (!k)
                return;
        for (size_t b = 0; b < k->dirs.n_buckets; b++)
                for (HashNode *n = k->dirs.buckets[b], *next; n; n = next) {
                        next = n->next;
                        CgroupDir *d = container_of(n, CgroupDir, node);
                        free(d->events);
                        free(d->events_local);
                        free(d->children);
                        free(d);
                }
        hashmap_done(&k->dirs);
        hashmap_done(&k->wds);
        sd_event_source_disable_unref(k->io);
        if (k->inotify_fd >= 0)
                close(k->inotify_fd);
        free(k);
        m->cgroupfs = NULL;
}
