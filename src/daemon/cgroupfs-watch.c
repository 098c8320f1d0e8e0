/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* cgroupfs.c's watch on the tree: inotify on each group's directory (its
 * children appearing, its removal) and on its misc.events(.local), which
 * the kernel notifies; changed counts go to the manager as refusals
 * (LimitHit) and events_changed (PropertiesChanged). Kernels before 6.11
 * have no misc.events.local: it is worked out from the children's counts. */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroupfs-internal.h"
#include "kparse.h"
#include "log.h"
#include "macro.h"

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

CgroupDir *cgroupfs_dir_find(Cgroupfs *k, const char *name) {
        HashNode *n = hashmap_get(&k->dirs, hash_string(name), name, dir_name_eq);
        return n ? container_of(n, CgroupDir, node) : NULL;
}

static CgroupDir *dir_get(Cgroupfs *k, const char *name) {
        CgroupDir *d = cgroupfs_dir_find(k, name);
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
        (void) cgroupfs_read_text(p, &d->events);
        if (cgroupfs_read_text(q, &d->events_local) == -ENOENT && d->events)
                derive_local(d, dir, d->events, &d->events_local, reset);
}

/* Watches the event files that exist now; they appear when +misc is
 * enabled above the directory, which can be long after it was made. */
static void events_arm(Cgroupfs *k, CgroupDir *d, const char *dir) {
        if (!(k->controllers & (1u << RC_MISC)) || !cgroupfs_dir_watched(d))
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

void cgroupfs_dir_watch(Cgroupfs *k, const char *name, const char *path) {
        CgroupDir *d = dir_get(k, name);
        if (!d)
                return;
        if (!cgroupfs_dir_watched(d)) {
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

void cgroupfs_events_arm_all(Cgroupfs *k) {
        for (size_t b = 0; b < k->dirs.n_buckets; b++)
                for (HashNode *n = k->dirs.buckets[b]; n; n = n->next) {
                        CgroupDir *d = container_of(n, CgroupDir, node);
                        _cleanup_free_ char *dir = NULL;
                        if (cgroupfs_dir_watched(d) && cgroupfs_group_dir(k, d->name, &dir) >= 0)
                                events_arm(k, d, dir);
                }
}

void cgroupfs_watch_path(Cgroupfs *k, const rc_group *g) {
        for (; g; g = g->parent) {
                _cleanup_free_ char *dir = NULL;
                if (cgroupfs_group_dir(k, g->name, &dir) >= 0)
                        cgroupfs_dir_watch(k, g->name, dir);
        }
}


/* ---- events ---- */

/* A refusal at this level: the kernel does not say the amount asked for;
 * every in-tree user of misc (KVM's SEV ASIDs, TDX keys) charges 1. */
static void emit_limit_hits(Cgroupfs *k, CgroupDir *d, const char *dir, const char *old, const char *new) {
        const rc_group *g = rc_group_find(k->engine, d->name);
        bool refreshed = false;
        for (const char *p = new; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t) (e - p) : strlen(p);
                char name[64], key[80];
                snprintf(name, sizeof(name), "%.*s", (int) MIN(rc_kline_name(p, l, "misc.events"), sizeof(name) - 1), p);
                p = e ? e + 1 : NULL;
                uint64_t before = rc_kevents_count(old, name), now = rc_kevents_count(new, name);
                if (now <= before)
                        continue;
                if (!refreshed)
                        cgroupfs_refresh_capacities(k);         /* the limit named may be the capacity */
                refreshed = true;
                snprintf(key, sizeof(key), "misc/%s", name);
                rc_counter *c = NULL;
                uint64_t limit = UINT64_MAX;
                if (rc_counter_find(k->engine, key, &c, NULL) >= 0) {
                        const rc_pool *pool = g ? rc_group_pool_peek(g, c) : NULL;
                        if (!cgroupfs_dir_value(dir, "misc.max", c, &limit))
                                limit = pool ? pool->max : UINT64_MAX;
                        limit = MIN(limit, c->resource->capacity);
                }
                log_info("%s: the kernel refused %" PRIu64 " charge(s) of %s at this level (limit %" PRIu64 ").",
                         d->name, now - before, key, limit);
                for (uint64_t i = 0; i < MIN(now - before, 64u); i++)
                        k->cb.refused(k->userdata, d->name, key, limit);
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
                    asprintf(&path, "%s/%s/misc.events", dir, de->d_name) < 0 || cgroupfs_read_text(path, &text) < 0)
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

static void events_changed(Cgroupfs *k, CgroupDir *d) {
        _cleanup_free_ char *dir = NULL, *events = NULL, *events_local = NULL, *p = NULL, *q = NULL;
        if (cgroupfs_group_dir(k, d->name, &dir) < 0 || asprintf(&p, "%s/misc.events", dir) < 0 ||
            asprintf(&q, "%s/misc.events.local", dir) < 0)
                return;
        (void) cgroupfs_read_text(p, &events);
        if (!rc_kevents_complete(d->events, events))
                return;
        if (cgroupfs_read_text(q, &events_local) == -ENOENT && events) {
                events_local = strdup(d->events_local ? d->events_local : "");
                derive_local(d, dir, events, &events_local, false);
        }
        if (!rc_kevents_complete(d->events_local, events_local))
                return;
        bool changed = !streq(d->events ? d->events : "", events ? events : "") ||
                       !streq(d->events_local ? d->events_local : "", events_local ? events_local : "");
        emit_limit_hits(k, d, dir, d->events_local, events_local);
        free(d->events);
        free(d->events_local);
        d->events = TAKE_PTR(events);
        d->events_local = TAKE_PTR(events_local);
        if (changed && rc_group_find(k->engine, d->name))
                k->cb.events_changed(k->userdata, d->name);
}

static void child_appeared(Cgroupfs *k, CgroupDir *parent, const char *name) {
        /* Under systemd the manager reads the settings of a unit whose
         * cgroup appears before systemd said it runs. */
        k->cb.cgroup_appeared(k->userdata, parent->name, name);
        rc_group *g = rc_group_find(k->engine, name);
        if (!g || !g->parent || !streq(g->parent->name, parent->name))
                return;
        log_debug("%s: its cgroup appeared.", name);
        cgroupfs_sync_group(k, name);
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
                        events_changed(k, d);
                return;
        }
        if (e->len == 0 || !(e->mask & IN_ISDIR))
                return;
        if (e->mask & (IN_CREATE | IN_MOVED_TO))
                child_appeared(k, d, e->name);
        else if (e->mask & IN_DELETE)
                /* On a kernel without misc.events.local the child's counts
                 * stay in this directory's: take them over now. */
                events_changed(k, d);
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

int cgroupfs_watch_start(Cgroupfs *k, sd_event *event) {
        k->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (k->inotify_fd < 0)
                return log_error_errno(-errno, "Cannot watch the cgroup tree: %s", strerror(errno));
        int r = sd_event_add_io(event, &k->io, k->inotify_fd, EPOLLIN, on_inotify, k);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the cgroup tree: %s", strerror(-r));
        return 0;
}

void cgroupfs_watch_free(Cgroupfs *k) {
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
}
