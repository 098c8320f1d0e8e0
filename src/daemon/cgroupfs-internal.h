/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What cgroupfs.c (where groups live, limits, figures) and cgroupfs-watch.c
 * (inotify on the tree, misc.events) share. Nothing else includes it. */

#include <systemd/sd-event.h>

#include "cgroupfs.h"
#include "hash.h"

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

struct Cgroupfs {
        rc_engine *engine;              /* read only: the manager changes it */
        char *root;                     /* --cgroup-root */
        CgroupfsCallbacks cb;
        void *userdata;
        unsigned controllers;           /* 1 << rc_controller the kernel has */
        int inotify_fd;
        sd_event_source *io;
        Hashmap dirs;
        Hashmap wds;
};

extern const char *const cgroupfs_controller_names[3];

/* cgroupfs.c */
int cgroupfs_read_text(const char *path, char **ret);
int cgroupfs_group_dir(Cgroupfs *k, const char *name, char **ret);
bool cgroupfs_dir_value(const char *dir, const char *file, const rc_counter *c, uint64_t *ret);

/* cgroupfs-watch.c */
CgroupDir *cgroupfs_dir_find(Cgroupfs *k, const char *name);
static inline bool cgroupfs_dir_watched(const CgroupDir *d) {
        return d && d->watches[WATCH_DIR].wd >= 0;
}
/* Watches the directory of a group that exists: events, children, removal. */
void cgroupfs_dir_watch(Cgroupfs *k, const char *name, const char *path);
/* After a controller was enabled somewhere: files appeared below it. */
void cgroupfs_events_arm_all(Cgroupfs *k);
/* The group's directory and those above it: their events and children. */
void cgroupfs_watch_path(Cgroupfs *k, const rc_group *g);
int cgroupfs_watch_start(Cgroupfs *k, sd_event *event);
void cgroupfs_watch_free(Cgroupfs *k);
