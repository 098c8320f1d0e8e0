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
 *     inotify (cgroupfs-watch.c) and reported to the manager, which
 *     emits LimitHit and PropertiesChanged.
 * A unit whose directory does not exist yet (not started) gets its limits
 * when the directory appears: inotify IN_CREATE on its parent, or systemd
 * announcing the unit. A directory that existed and is gone is an error.
 * The engine is only read here: capacities, registrations and releases go
 * to the manager (CgroupfsCallbacks). The kernel's text is parsed by
 * src/core/kparse.c. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroupfs-internal.h"
#include "fileio.h"
#include "kparse.h"
#include "log.h"
#include "macro.h"

const char *const cgroupfs_controller_names[3] = { [RC_MISC] = "misc", [RC_DMEM] = "dmem", [RC_RDMA] = "rdma" };

/* ---- small file helpers ---- */

/* Interface files are a few lines; 1 MiB bounds one that is not. */
int cgroupfs_read_text(const char *path, char **ret) {
        return read_full_file(path, 1u << 20, ret);
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

/* A value from a kernel line: misc and dmem "name value", rdma
 * "dev hca_handle=V hca_object=V"; "max" is UINT64_MAX. */
static bool line_value(const char *line, size_t len, const rc_counter *c, uint64_t *ret) {
        return rc_kline_value(line, len, c->resource->controller == RC_RDMA ? rc_rdma_kind_to_string(c->kind) : NULL,
                              ret);
}

/* ---- where a group lives ---- */

static bool file_controller(const char *file, rc_controller *ret) {
        for (int c = 0; c < (int) ELEMENTSOF(cgroupfs_controller_names); c++) {
                size_t n = strlen(cgroupfs_controller_names[c]);
                if (strneq(file, cgroupfs_controller_names[c], n) && file[n] == '.') {
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

int cgroupfs_group_dir(Cgroupfs *k, const char *name, char **ret) {
        _cleanup_free_ char *rel = NULL;
        int r;
        if (rc_unit_name_is_slice(name))
                r = slice_path(name, &rel);
        else {
                const rc_group *g = rc_group_find(k->engine, name);
                const char *slice = g && g->parent ? g->parent->name : k->cb.unit_slice(k->userdata, name);
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
        return asprintf(ret, "%s%s%s", k->root, *rel ? "/" : "", rel) < 0 ? -ENOMEM : 0;
}

/* Whether a missing directory is an error: the unit runs (systemd says
 * so), or without systemd, the directory was there and was removed. */
static bool dir_expected(Cgroupfs *k, const char *name) {
        if (streq(name, RC_ROOT_GROUP))
                return true;
        if (k->cb.units_followed(k->userdata))
                return k->cb.unit_live(k->userdata, name);
        CgroupDir *d = cgroupfs_dir_find(k, name);
        return d && (d->gone || cgroupfs_dir_watched(d));   /* watched: its removal is not read yet */
}

/* ---- writing limits ---- */

/* The controller must be on in cgroup.subtree_control of every directory
 * above the unit's for its files to exist there. systemd writes only the
 * controllers it knows, with "+x"/"-x", so it leaves these alone. */
static int enable_controller(Cgroupfs *k, const char *dir, rc_controller c, rc_err *err) {
        const char *ctl = cgroupfs_controller_names[c];
        size_t root_len = strlen(k->root);
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
                int r = cgroupfs_read_text(path, &text);
                if (r >= 0 && rc_ktext_has_word(text, ctl))
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
                        cgroupfs_events_arm_all(k);
        }
        return 0;
}

static int write_line(Cgroupfs *k, const char *group, const char *dir, const char *file, const char *line,
                      size_t len, rc_err *err) {
        rc_controller c;
        if (!file_controller(file, &c))
                return rc_errf(err, ENOENT, "'%s' is not a misc, rdma or dmem interface file", file);
        int r = enable_controller(k, dir, c, err);
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

bool cgroupfs_backs_limit(Cgroupfs *k, const char *file, const char *text) {
        rc_controller c;
        if (!k || !file_controller(file, &c))
                return false;
        const char *p = text + strspn(text, " \t\n");
        size_t n = strcspn(p, " \t\n");
        list_for_each_entry(res, &k->engine->resources, rc_resource, link)
                if (res->controller == c && strlen(res->name) == n && strneq(res->name, p, n))
                        return cgroupfs_backs(res);
        return false;
}

int cgroupfs_check_writable(Cgroupfs *k, const char *group, const char *file, rc_err *err) {
        rc_controller c;
        if (!k || !file_controller(file, &c) || !(k->controllers & (1u << c)))
                return 0;
        _cleanup_free_ char *dir = NULL, *path = NULL;
        if (cgroupfs_group_dir(k, group, &dir) < 0 || asprintf(&path, "%s/%s", dir, file) < 0)
                return rc_errf(err, ENOMEM, "out of memory");
        if (access(dir, F_OK) < 0)
                return dir_expected(k, group)
                               ? rc_errf(err, RC_E_CGROUP_GONE, "%s: its cgroup %s is gone", group, dir)
                               : 0;
        if (access(path, W_OK) < 0 && errno != ENOENT)
                return rc_errf(err, RC_E_KERNEL_REFUSED, "%s: cannot write %s: %s", group, path, strerror(errno));
        return 0;
}

int cgroupfs_write_limit(Cgroupfs *k, const char *group, const char *file, const char *resource, rc_err *err) {
        if (!k)
                return 0;
        rc_group *g = rc_group_find(k->engine, group);
        _cleanup_free_ char *want = NULL, *dir = NULL;
        int r = rc_file_read(k->engine, g, file, &want, err);
        if (r < 0)
                return r;
        size_t len;
        const char *line = rc_ktext_line(want, file, resource, &len);
        if (!line)
                return 0;
        if (cgroupfs_group_dir(k, group, &dir) < 0)
                return rc_errf(err, ENOMEM, "out of memory");
        if (access(dir, F_OK) < 0) {
                if (dir_expected(k, group))
                        return rc_errf(err, RC_E_CGROUP_GONE, "%s: its cgroup %s is gone; %.*s not applied", group,
                                       dir, (int) rc_kline_trim(line, len), line);
                log_debug("%s: %s '%.*s' is written to %s when the unit starts.", group, file,
                         (int) rc_kline_trim(line, len), line, dir);
                /* Its parent tells when it appears. */
                if (g && g->parent)
                        cgroupfs_sync_group(k, g->parent->name);
                return 0;
        }
        r = write_line(k, group, dir, file, line, rc_kline_trim(line, len), err);
        if (r >= 0)
                cgroupfs_watch_path(k, g);
        return r;
}

static const char *const limit_files[] = { "misc.max", "dmem.min", "dmem.low", "dmem.max", "rdma.max" };

/* Writes the limit lines the kernel does not have yet. */
static void sync_limits(Cgroupfs *k, rc_group *g, const char *dir) {
        for (size_t i = 0; i < ELEMENTSOF(limit_files); i++) {
                const char *file = limit_files[i];
                rc_controller c;
                if (!file_controller(file, &c) || !(k->controllers & (1u << c)))
                        continue;
                _cleanup_free_ char *want = NULL, *have = NULL, *path = NULL;
                if (rc_file_read(k->engine, g, file, &want, NULL) < 0 || asprintf(&path, "%s/%s", dir, file) < 0)
                        continue;
                (void) cgroupfs_read_text(path, &have);
                list_for_each_entry(res, &k->engine->resources, rc_resource, link) {
                        size_t wl, hl = 0;
                        const char *w, *h;
                        if (res->controller != c || !cgroupfs_backs(res) || !(w = rc_ktext_line(want, file, res->name, &wl)))
                                continue;
                        wl = rc_kline_trim(w, wl);
                        h = have ? rc_ktext_line(have, file, res->name, &hl) : NULL;
                        if (h ? rc_kline_trim(h, hl) == wl && strneq(h, w, wl) : rc_kline_is_default(file, w, wl))
                                continue;       /* the kernel has it (a line it lacks is at its default) */
                        rc_err err = { { 0 } };
                        if (write_line(k, g->name, dir, file, w, wl, &err) < 0)
                                log_warning("%s", err.msg);
                        else
                                log_info("%s: applied '%.*s' to %s.", g->name, (int) wl, w, path);
                }
        }
}

void cgroupfs_sync_group(Cgroupfs *k, const char *group) {
        _cleanup_free_ char *dir = NULL;
        if (!k || cgroupfs_group_dir(k, group, &dir) < 0 || access(dir, F_OK) < 0)
                return;
        CgroupDir *d = cgroupfs_dir_find(k, group);
        bool was_watched = cgroupfs_dir_watched(d);
        rc_group *g = rc_group_find(k->engine, group);
        if (g)
                cgroupfs_watch_path(k, g);
        else
                cgroupfs_dir_watch(k, group, dir);
        if (g && g != k->engine->root)
                sync_limits(k, g, dir);
        if (was_watched || !g)
                return;
        /* Children made before the watch was (mkdir -p) sent no IN_CREATE. */
        _cleanup_free_ rc_group **children = calloc(g->n_children + 1, sizeof(rc_group *));
        size_t n = 0;
        hashmap_for_each(node, &k->engine->groups) {
                rc_group *c = container_of(node, rc_group, node);
                if (children && c->parent == g && n < g->n_children)
                        children[n++] = c;
        }
        for (size_t i = 0; i < n; i++)
                cgroupfs_sync_group(k, children[i]->name);
}

/* ---- reading the kernel's figures ---- */

static uint64_t sum_children(const char *root, const char *file, const rc_counter *c);

/* misc.current of the root as newer kernels than 6.1 show it: what the
 * top-level cgroups use. */
static char *root_usage_text(Cgroupfs *k) {
        char *out = strdup("");
        list_for_each_entry(res, &k->engine->resources, rc_resource, link) {
                char *n = NULL;
                if (!out || res->controller != RC_MISC || !cgroupfs_backs(res))
                        continue;
                if (asprintf(&n, "%s%s %" PRIu64 "\n", out, res->name,
                             sum_children(k->root, "misc.current", &res->counters[0])) < 0)
                        continue;
                free(out);
                out = n;
        }
        return out;
}

int cgroupfs_read_file(Cgroupfs *k, const char *group, const char *file, char **text) {
        rc_controller c;
        if (!k || !file_controller(file, &c) || !(k->controllers & (1u << c)))
                return 0;
        _cleanup_free_ char *dir = NULL, *path = NULL, *have = NULL;
        if (cgroupfs_group_dir(k, group, &dir) < 0 || asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        if (cgroupfs_read_text(path, &have) < 0) {
                /* Older kernels: the local counts worked out from misc.events
                 * (before 6.11), the root's usage from its children (6.1). */
                const CgroupDir *d = streq(file, "misc.events.local") ? cgroupfs_dir_find(k, group) : NULL;
                if (d && d->events_local)
                        have = strdup(d->events_local);
                else if (streq(group, RC_ROOT_GROUP) && streq(file, "misc.current"))
                        have = root_usage_text(k);
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
                size_t n = rc_kline_name(p, l, file);
                list_for_each_entry(res, &k->engine->resources, rc_resource, link)
                        if (res->controller == c && cgroupfs_backs(res) && strlen(res->name) == n &&
                            strneq(res->name, p, n)) {
                                h = rc_ktext_line(have, file, res->name, &hl);
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

bool cgroupfs_dir_value(const char *dir, const char *file, const rc_counter *c, uint64_t *ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t len;
        const char *line;
        if (asprintf(&path, "%s/%s", dir, file) < 0 || cgroupfs_read_text(path, &text) < 0 ||
            !(line = rc_ktext_line(text, file, c->resource->name, &len)))
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
                if (cgroupfs_dir_value(sub, file, c, &v) && v != UINT64_MAX)
                        sum += v;
        }
        return sum;
}

int cgroupfs_stat(Cgroupfs *k, const rc_group *g, const rc_counter *c, CgroupStat s, uint64_t *ret) {
        if (!k || !cgroupfs_backs(c->resource))
                return 0;
        const char *file = stat_file(c->resource->controller, s);
        bool root = g == k->engine->root;
        _cleanup_free_ char *dir = NULL;
        *ret = s == CGROUP_MAX ? UINT64_MAX : 0;
        if (!file || cgroupfs_group_dir(k, g->name, &dir) < 0)
                return 1;
        if (root && c->resource->controller == RC_RDMA && s == CGROUP_USAGE)
                *ret = sum_children(dir, file, c);
        else if (root && s == CGROUP_USAGE && !cgroupfs_dir_value(dir, file, c, ret))
                *ret = sum_children(dir, file, c);      /* 6.1 has no misc.current on the root */
        else if (!cgroupfs_dir_value(dir, file, c, ret)) {
                /* Before 6.11: the count worked out from misc.events. */
                const CgroupDir *d = s == CGROUP_EVENTS_LOCAL ? cgroupfs_dir_find(k, g->name) : NULL;
                size_t l;
                const char *line = d && d->events_local ? rc_ktext_line(d->events_local, file, c->resource->name, &l)
                                                        : NULL;
                if (!line || !line_value(line, l, c, ret))
                        return 0;       /* not started, or the kernel does not list it: the engine's view */
        }
        return 1;
}

uint64_t cgroupfs_refused(Cgroupfs *k, const rc_counter *c) {
        if (!k || c->resource->controller != RC_MISC)
                return 0;
        return sum_children(k->root, "misc.events", c);
}

/* ---- which resources the kernel accounts ---- */

static bool listed_in(const char *path, const char *file, const char *name) {
        _cleanup_free_ char *text = NULL;
        size_t l;
        return cgroupfs_read_text(path, &text) >= 0 && rc_ktext_line(text, file, name, &l);
}

/* rdma has no root files; every non-root cgroup lists every device. */
static bool rdma_listed(Cgroupfs *k, const char *dev) {
        _cleanup_(closedirp) DIR *d = opendir(k->root);
        for (struct dirent *de; d && (de = readdir(d));) {
                _cleanup_free_ char *path = NULL;
                if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
                    asprintf(&path, "%s/%s/rdma.current", k->root, de->d_name) < 0)
                        continue;
                if (access(path, F_OK) >= 0)
                        return listed_in(path, "rdma.current", dev);
        }
        return false;
}

bool cgroupfs_accounts(Cgroupfs *k, const rc_resource *r) {
        if (!k || !(k->controllers & (1u << r->controller)))
                return false;
        _cleanup_free_ char *path = NULL;
        switch (r->controller) {
        case RC_MISC:
        case RC_DMEM: {
                const char *file = r->controller == RC_MISC ? "misc.capacity" : "dmem.capacity";
                return asprintf(&path, "%s/%s", k->root, file) >= 0 && listed_in(path, file, r->name);
        }
        default:
                /* Hardware discovery finds real devices: the RDMA core registers each. */
                return !(r->tag & RESOURCE_MANUAL) || rdma_listed(k, r->name);
        }
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

/* The kernel's capacity file is the one source of truth of a kernel-backed
 * resource's capacity: drivers change it whenever they like (a module
 * loaded, a device reset) and tell nobody, so it is read again whenever
 * the capacity is shown. A resource it no longer lists has capacity 0. */
void cgroupfs_refresh_capacities(Cgroupfs *k) {
        if (!k)
                return;
        for (rc_controller c = RC_MISC; c <= RC_DMEM; c++) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                const char *file = c == RC_MISC ? "misc.capacity" : "dmem.capacity";
                if (!(k->controllers & (1u << c)) || asprintf(&path, "%s/%s", k->root, file) < 0 ||
                    cgroupfs_read_text(path, &text) < 0)
                        continue;
                list_for_each_entry(res, &k->engine->resources, rc_resource, link) {
                        size_t l;
                        uint64_t cap = 0;
                        if (res->controller != c || !cgroupfs_backs(res))
                                continue;
                        const char *line = rc_ktext_line(text, file, res->name, &l);
                        if (line && !line_value(line, l, &res->counters[0], &cap))
                                continue;
                        if (res->capacity != cap)
                                k->cb.capacity(k->userdata, res->key, cap);
                }
        }
}

/* misc.capacity and dmem.capacity list what the kernel accounts. */
static void register_listed(Cgroupfs *k, const char *file, const char *prefix) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        if (asprintf(&path, "%s/%s", k->root, file) < 0 || cgroupfs_read_text(path, &text) < 0)
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
                k->cb.capacity(k->userdata, key, cap);
        }
}

void cgroupfs_enumerate(Cgroupfs *k) {
        if (k && k->controllers & (1u << RC_MISC))
                register_listed(k, "misc.capacity", "misc");
        if (k && k->controllers & (1u << RC_DMEM))
                register_listed(k, "dmem.capacity", "dmem");
}

static unsigned read_controllers(const char *root) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        unsigned mask = 0;
        if (asprintf(&path, "%s/cgroup.controllers", root) < 0 || cgroupfs_read_text(path, &text) < 0)
                return 0;
        for (int c = 0; c < (int) ELEMENTSOF(cgroupfs_controller_names); c++)
                if (rc_ktext_has_word(text, cgroupfs_controller_names[c]))
                        mask |= 1u << c;
        return mask;
}

int cgroupfs_new(const char *root, rc_engine *engine, const CgroupfsCallbacks *cb, void *userdata, Cgroupfs **ret) {
        *ret = NULL;
        unsigned mask = read_controllers(root);
        if (!mask) {
                log_debug("No misc, dmem or rdma controller in %s/cgroup.controllers: resctld brokers every resource.",
                          root);
                return 0;
        }
        Cgroupfs *k = calloc(1, sizeof(*k));
        if (!k || !(k->root = strdup(root))) {
                free(k);
                return -ENOMEM;
        }
        k->engine = engine;
        k->cb = *cb;
        k->userdata = userdata;
        k->controllers = mask;
        k->inotify_fd = -1;
        log_info("The kernel has the%s%s%s controller(s) in %s: it charges what they account.",
                 mask & (1u << RC_MISC) ? " misc" : "", mask & (1u << RC_DMEM) ? " dmem" : "",
                 mask & (1u << RC_RDMA) ? " rdma" : "", root);
        *ret = k;
        return 0;
}

int cgroupfs_start(Cgroupfs *k, sd_event *event) {
        return k ? cgroupfs_watch_start(k, event) : 0;
}

/* Limits kept from before (unit settings, WriteFile records) go to the
 * kernel now: switching a resource to the kernel keeps them. */
int cgroupfs_sync_all(Cgroupfs *k) {
        if (!k)
                return 0;
        size_t n = 0;
        _cleanup_free_ char **names = calloc(k->engine->groups.n_entries + 1, sizeof(char *));
        if (!names)
                return log_oom();
        hashmap_for_each(node, &k->engine->groups)
                if (n < k->engine->groups.n_entries)
                        names[n++] = container_of(node, rc_group, node)->name;
        for (size_t i = 0; i < n; i++)
                cgroupfs_sync_group(k, names[i]);
        return 0;
}

Cgroupfs *cgroupfs_free(Cgroupfs *k) {
        if (!k)
                return NULL;
        cgroupfs_watch_free(k);
        free(k->root);
        free(k);
        return NULL;
}
