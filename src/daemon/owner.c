/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Processes that own charges. A pid alone can be reused, so an owner is a
 * (pid, start time, uid) triple: the uid is the one the bus reported for the
 * connection that took the charge, so that no process of another user can
 * ever pass for the owner, whatever pid it got. A pidfd refers to exactly
 * one process, and it becomes readable when that process exits. The
 * manager releases what an exited owner held (OwnerCallbacks.exited). */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "owner.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

int proc_starttime(pid_t pid, uint64_t *ret) {
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return n < 0 ? -errno : -EIO;
        buf[n] = 0;
        /* comm may hold spaces and parentheses: fields start after the last ')'. */
        char *p = strrchr(buf, ')');
        if (!p)
                return -EIO;
        p++;
        /* field 3 (state) is the first after ')'; starttime is field 22. */
        for (int field = 3; field < 22; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EIO;
        }
        errno = 0;
        char *end;
        unsigned long long v = strtoull(p + 1, &end, 10);
        if (errno || end == p + 1)
                return -EIO;
        *ret = v;
        return 0;
}

/* The real and effective uid of a process (/proc/PID/status "Uid:"). */
int proc_uids(pid_t pid, uid_t *ret_real, uid_t *ret_effective) {
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                unsigned long real, eff;
                if (sscanf(line, "Uid: %lu %lu", &real, &eff) == 2) {
                        *ret_real = (uid_t) real;
                        *ret_effective = (uid_t) eff;
                        return 0;
                }
        }
        return -EIO;
}

int pidfd_open_pid(pid_t pid) {
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        return fd < 0 ? -errno : fd;
}

/* Whether the process behind a pidfd (or, without one, pid and start time)
 * still runs: a pidfd is readable once its process has exited. */
bool process_alive(int pidfd, pid_t pid, uint64_t starttime) {
        if (pidfd >= 0) {
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                return poll(&p, 1, 0) == 0;
        }
        uint64_t now;
        return proc_starttime(pid, &now) >= 0 && now == starttime;
}

static uint64_t owner_hash(pid_t pid, uint64_t starttime, uid_t uid) {
        return hash_u64((uint64_t) pid ^ (starttime << 22) ^ ((uint64_t) uid << 40));
}

typedef struct OwnerKey {
        pid_t pid;
        uint64_t starttime;
        uid_t uid;
} OwnerKey;

static bool owner_eq(const HashNode *n, const void *key) {
        const Owner *o = container_of(n, Owner, node);
        const OwnerKey *k = key;
        return o->pid == k->pid && o->starttime == k->starttime && o->uid == k->uid;
}

Owner *owner_from_charge(const rc_charge *ch) {
        return (Owner *) (uintptr_t) ch->owner;
}

void owner_free(Owner *o) {
        if (!o)
                return;
        o->owners->cb.counted(o->owners->userdata, o->uid, -1);
        hashmap_remove(&o->owners->map, &o->node);
        sd_event_source_disable_unref(o->exit_source);
        if (o->pidfd >= 0)
                close(o->pidfd);
        free(o->ids);
        free(o);
}

/* The process is gone: release what it held, each with a signal. */
static int on_owner_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Owner *o = userdata;
        Owners *owners = o->owners;
        log_debug("Process %d exited, releasing its %zu charge record(s).", (int) o->pid, o->n_ids);
        for (size_t i = 0; i < o->n_ids; i++) {
                rc_charge *ch = rc_charge_find(owners->engine, o->ids[i]);
                if (ch && owner_from_charge(ch) == o)
                        owners->cb.exited(owners->userdata, ch);
        }
        owner_free(o);
        return 0;
}

/* Without pidfds (kernels before 5.3, valgrind): look at /proc once a second. */
#define OWNER_POLL_USEC (1000 * 1000)

static int on_owner_poll(sd_event_source *s, uint64_t usec, void *userdata) {
        Owner *o = userdata;
        uint64_t now;
        if (proc_starttime(o->pid, &now) >= 0 && now == o->starttime) {
                (void) sd_event_source_set_time_relative(s, OWNER_POLL_USEC);
                return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        return on_owner_exit(NULL, -1, 0, o);
}

static int owner_watch(Owners *s, Owner *o, int fd) {
        if (fd >= 0)
                return sd_event_add_io(s->event, &o->exit_source, fd, EPOLLIN, on_owner_exit, o);
        return sd_event_add_time_relative(s->event, &o->exit_source, CLOCK_MONOTONIC, OWNER_POLL_USEC, 0,
                                          on_owner_poll, o);
}

void owners_init(Owners *s, sd_event *event, rc_engine *engine, const OwnerCallbacks *cb, void *userdata) {
        *s = (Owners) { .event = event, .engine = engine, .cb = *cb, .userdata = userdata };
}

void owners_done(Owners *s) {
        for (size_t b = 0; b < s->map.n_buckets; b++)
                while (s->map.buckets[b])
                        owner_free(container_of(s->map.buckets[b], Owner, node));
        hashmap_done(&s->map);
}

Owner *owner_find(Owners *s, pid_t pid, uint64_t starttime, uid_t uid) {
        OwnerKey k = { pid, starttime, uid };
        HashNode *n = hashmap_get(&s->map, owner_hash(pid, starttime, uid), &k, owner_eq);
        return n ? container_of(n, Owner, node) : NULL;
}

int owner_get(Owners *s, pid_t pid, uint64_t starttime, uid_t uid, int pidfd, Owner **ret) {
        Owner *found = owner_find(s, pid, starttime, uid);
        if (found) {
                *ret = found;
                return 0;
        }
        if (pid <= 0)
                return -ESRCH;
        _cleanup_close_ int fd = -EBADF;
        if (pidfd >= 0) {
                fd = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return -errno;
        } else {
                fd = pidfd_open_pid(pid);
                if (fd < 0 && fd != -ENOSYS)
                        return fd;
                uint64_t now;
                int r = proc_starttime(pid, &now);
                if (r == -EMFILE || r == -ENFILE)
                        return r;
                if (r < 0 || now != starttime)
                        return -ESRCH;  /* exited, or the pid belongs to someone else now */
        }
        if (!process_alive(fd, pid, starttime))
                return -ESRCH;

        Owner *o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->owners = s;
        o->pid = pid;
        o->starttime = starttime;
        o->uid = uid;
        o->pidfd = -EBADF;
        int r = owner_watch(s, o, fd);
        if (r >= 0)
                r = hashmap_put(&s->map, &o->node, owner_hash(pid, starttime, uid));
        if (r < 0) {
                sd_event_source_disable_unref(o->exit_source);
                free(o);
                return r;
        }
        o->pidfd = TAKE_FD(fd);
        s->cb.counted(s->userdata, uid, +1);
        *ret = o;
        return 0;
}

void owner_add_charge(Owner *o, uint64_t id) {
        if (o->n_ids == o->allocated) {
                /* Drop ids released meanwhile before growing. */
                size_t k = 0;
                for (size_t i = 0; i < o->n_ids; i++) {
                        rc_charge *ch = rc_charge_find(o->owners->engine, o->ids[i]);
                        if (ch && owner_from_charge(ch) == o)
                                o->ids[k++] = o->ids[i];
                }
                o->n_ids = k;
                if (k >= o->allocated / 2) {
                        size_t a = o->allocated ? o->allocated * 2 : 8;
                        uint64_t *ids = realloc(o->ids, a * sizeof(*ids));
                        if (!ids) {
                                log_oom();
                                return;
                        }
                        o->ids = ids;
                        o->allocated = a;
                }
        }
        o->ids[o->n_ids++] = id;
}
