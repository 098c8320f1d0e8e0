/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Writing drop-ins atomically, the way "systemctl set-property" writes its
 * own: each new text goes to a synced temporary beside its target, and all
 * temporaries of a call exist before the first rename, so that a failed
 * write changes none of them. A backend: the caller (unit-settings.c)
 * decides what happens between writing and renaming (the logs). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropin.h"
#include "log.h"
#include "fileio.h"
#include "macro.h"

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
void dropin_clean_temporaries(const char *const tops[static 2]) {
        for (int runtime = 0; runtime < 2; runtime++) {
                const char *top = tops[runtime];
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

int dropin_batch_open(DropInBatch *b, const char *top, const char *unit, const char **ret_failed) {
        *b = (DropInBatch) { 0 };
        *ret_failed = NULL;
        if (asprintf(&b->dir, "%s/%s.d", top, unit) < 0) {
                b->dir = NULL;
                return -ENOMEM;
        }
        if (!(b->top = strdup(top)))
                return -ENOMEM;
        int r = mkdir_p(b->dir, 0755);
        if (r < 0)
                *ret_failed = b->dir;
        return r;
}

int dropin_batch_write(DropInBatch *b, const UnitConf *work, const bool touched[_UNIT_CONF_PROPERTY_MAX],
                       const char **ret_failed) {
        int r = 0;
        *ret_failed = NULL;
        for (int i = 0; i < _UNIT_CONF_PROPERTY_MAX && r >= 0; i++) {
                if (!touched[i])
                        continue;
                const char *prop = unit_conf_property_to_string((UnitConfProperty) i);
                _cleanup_free_ char *text = unit_conf_format_dropin(work, prop);
                _cleanup_free_ char *name = NULL;
                if (!text || asprintf(&name, DROPIN_PREFIX "%s.conf", prop) < 0)
                        return -ENOMEM;
                DropInFile *f = &b->files[b->n];
                f->prop = (UnitConfProperty) i;
                if (asprintf(&f->path, "%s/%s", b->dir, name) < 0) {
                        f->path = NULL;
                        return -ENOMEM;
                }
                b->n++;
                r = write_temp(b->dir, name, text, &f->tmp);
                if (r < 0)
                        *ret_failed = f->path;
        }
        return r;
}

int dropin_batch_rename(DropInBatch *b, int r, const char *unit, bool *renamed, const char **ret_failed) {
        *ret_failed = NULL;
        for (size_t i = 0; i < b->n; i++) {
                DropInFile *f = &b->files[i];
                if (r >= 0 && rename(f->tmp, f->path) < 0) {
                        r = -errno;
                        *ret_failed = f->path;
                } else if (r >= 0) {
                        *renamed = true;
                        log_info("%s: wrote %s.", unit, f->path);
                }
                if (r < 0 && f->tmp)
                        (void) unlink(f->tmp);
                free(f->tmp);
                f->tmp = NULL;
        }
        return r;
}

int dropin_batch_sync(DropInBatch *b) {
        int r = fsync_path(b->dir);
        if (r >= 0)
                r = fsync_path(b->top);
        return r;
}

void dropin_batch_done(DropInBatch *b) {
        for (size_t i = 0; i < b->n; i++) {
                if (b->files[i].tmp)
                        (void) unlink(b->files[i].tmp);
                free(b->files[i].tmp);
                free(b->files[i].path);
        }
        free(b->dir);
        free(b->top);
        *b = (DropInBatch) { 0 };
}
