/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "fileio.h"
#include "macro.h"
#include "store.h"

#define COMPACT_MIN_BYTES (4u << 20)

struct Store {
        char *dir;
        char *path;
        int fd;
        char *buf;                      /* records not yet written */
        size_t len, cap;
        bool oom;
        bool lost;                      /* records dropped: every commit fails */
        uint64_t log_bytes;             /* bytes in the file */
        uint64_t base_bytes;            /* bytes right after the last compaction */
        uint64_t reserved_bytes;        /* allocated on disk, past log_bytes too */
};

/* The write buffer kept between batches: one larger (a batch at a peak of
 * callers, a compaction's dump of the whole state) is freed once written,
 * or resctld would hold a copy of its largest dump for good. */
#define BUF_KEEP (16u << 10)

/* Space allocated ahead of the log's end, in one go. */
#define RESERVE_AHEAD (256u << 10)

/* RESCTL_COMPACT_MIN_BYTES lowers the threshold, for tests that need a
 * compaction without writing megabytes of records. */
static uint64_t compact_min_bytes(void) {
        static uint64_t v;
        if (v == 0) {
                const char *e = getenv("RESCTL_COMPACT_MIN_BYTES");
                char *end;
                unsigned long long x = e ? strtoull(e, &end, 10) : 0;
                v = e && *e && !*end && x > 0 ? (uint64_t) x : COMPACT_MIN_BYTES;
        }
        return v;
}

static uint32_t crc32_table[256];

static void crc32_init(void) {
        if (crc32_table[1])
                return;
        for (uint32_t i = 0; i < 256; i++) {
                uint32_t c = i;
                for (int k = 0; k < 8; k++)
                        c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
                crc32_table[i] = c;
        }
}

static uint32_t crc32(const char *p, size_t n) {
        uint32_t c = 0xffffffffu;
        for (size_t i = 0; i < n; i++)
                c = crc32_table[(c ^ (unsigned char) p[i]) & 0xff] ^ (c >> 8);
        return c ^ 0xffffffffu;
}

char *hex_encode(const char *s) {
        size_t n = strlen(s);
        char *r = malloc(n * 2 + 2);
        if (!r)
                return NULL;
        /* "-" stands for the empty text so that every field is non-empty. */
        if (n == 0)
                return strcpy(r, "-");
        for (size_t i = 0; i < n; i++)
                sprintf(r + 2 * i, "%02x", (unsigned char) s[i]);
        return r;
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

char *hex_decode(const char *s) {
        if (streq(s, "-"))
                return strdup("");
        size_t n = strlen(s);
        if (n % 2)
                return NULL;
        char *r = malloc(n / 2 + 1);
        if (!r)
                return NULL;
        for (size_t i = 0; i < n / 2; i++) {
                int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
                if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                        free(r);
                        return NULL;
                }
                r[i] = (char) (hi << 4 | lo);
        }
        r[n / 2] = 0;
        return r;
}

/* Verifies and splits one line (without its '\n'); returns the field count
 * or -EBADMSG. */
static int parse_line(char *line, size_t n, char **fields, size_t max) {
        if (n < 10 || line[8] != ' ' || memchr(line, 0, n))
                return -EBADMSG;
        uint32_t want = 0;
        for (size_t i = 0; i < 8; i++) {
                int v = line[i] >= '0' && line[i] <= '9'   ? line[i] - '0'
                        : line[i] >= 'a' && line[i] <= 'f' ? line[i] - 'a' + 10
                        : line[i] >= 'A' && line[i] <= 'F' ? line[i] - 'A' + 10
                                                           : -1;
                if (v < 0)
                        return -EBADMSG;
                want = want << 4 | (uint32_t) v;
        }
        if (crc32(line + 9, n - 9) != want)
                return -EBADMSG;
        size_t k = 0;
        for (char *t = line + 9, *end = line + n; t < end;) {
                if (*t == ' ') {
                        t++;
                        continue;
                }
                if (k == max)
                        return -EBADMSG;
                fields[k++] = t;
                char *sp = memchr(t, ' ', (size_t) (end - t));
                if (!sp)
                        break;
                *sp = 0;
                t = sp + 1;
        }
        return k ? (int) k : -EBADMSG;
}

/* Replays the file, a chunk at a time; a torn last line (crash during a
 * write) is cut off so that new records do not follow garbage. */
#define REPLAY_CHUNK (1u << 20)

static int store_replay(Store *s, store_record_fn fn, void *userdata) {
        size_t cap = REPLAY_CHUNK, have = 0, lineno = 0;
        uint64_t good_end = 0, offset = 0;       /* file offset of data[0] */
        _cleanup_free_ char *data = malloc(cap + 1);
        if (!data)
                return -ENOMEM;
        for (bool eof = false; !eof;) {
                if (cap - have < REPLAY_CHUNK / 2) {
                        /* A line longer than what is left: make room. */
                        char *d = realloc(data, cap * 2 + 1);
                        if (!d)
                                return -ENOMEM;
                        data = d;
                        cap *= 2;
                }
                ssize_t k = read(s->fd, data + have, cap - have);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                eof = k == 0;
                have += (size_t) k;
                size_t off = 0;
                for (;;) {
                        char *nl = memchr(data + off, '\n', have - off);
                        if (!nl)
                                break;
                        lineno++;
                        size_t len = (size_t) (nl - (data + off));
                        *nl = 0;
                        char *line = data + off, *fields[16];
                        int n = parse_line(line, len, fields, ELEMENTSOF(fields));
                        if (n < 0)
                                log_warning("%s:%zu: corrupt record, skipped.", s->path, lineno);
                        else {
                                int r = fn(fields, (size_t) n, userdata);
                                if (r < 0)
                                        log_warning_errno(r, "%s:%zu: record '%s' not applied: %s", s->path, lineno,
                                                          fields[0], strerror(-r));
                        }
                        off += len + 1;
                        good_end = offset + off;
                }
                memmove(data, data + off, have - off);
                offset += off;
                have -= off;
        }
        if (have > 0) {
                log_warning("%s:%zu: torn record at the end (crash during a write), dropped.", s->path, lineno + 1);
                if (ftruncate(s->fd, (off_t) good_end) < 0)
                        return -errno;
        }
        s->log_bytes = s->base_bytes = s->reserved_bytes = good_end;
        return 0;
}

int store_open(const char *dir, const char *name, store_record_fn fn, void *userdata, Store **ret) {
        crc32_init();
        int r = mkdir_p(dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Cannot create %s: %s", dir, strerror(-r));
        Store *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -EBADF;
        s->dir = strdup(dir);
        if (!s->dir || asprintf(&s->path, "%s/%s", dir, name) < 0) {
                s->path = NULL;
                store_free(s);
                return -ENOMEM;
        }
        s->fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC | O_APPEND, 0600);
        if (s->fd < 0) {
                r = -errno;
                log_error_errno(r, "Cannot open %s: %s", s->path, strerror(-r));
                store_free(s);
                return r;
        }
        r = store_replay(s, fn, userdata);
        if (r < 0) {
                log_error_errno(r, "Cannot read %s: %s", s->path, strerror(-r));
                store_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

Store *store_free(Store *s) {
        if (!s)
                return NULL;
        if (s->fd >= 0)
                close(s->fd);
        free(s->buf);
        free(s->path);
        free(s->dir);
        free(s);
        return NULL;
}

const char *store_path(const Store *s) {
        return s->path;
}

void store_append(Store *s, const char *fmt, ...) {
        char rec[4096];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(rec, sizeof(rec), fmt, ap);
        va_end(ap);
        _cleanup_free_ char *big = NULL;
        const char *p = rec;
        if (n < 0) {
                s->oom = true;
                return;
        }
        if ((size_t) n >= sizeof(rec)) {
                big = malloc((size_t) n + 1);
                if (!big) {
                        s->oom = true;
                        return;
                }
                va_start(ap, fmt);
                vsnprintf(big, (size_t) n + 1, fmt, ap);
                va_end(ap);
                p = big;
        }
        size_t need = s->len + (size_t) n + 11;       /* "crc32 " + record + "\n" + NUL */
        if (need > s->cap) {
                size_t cap = MAX(need, s->cap * 2);
                char *b = realloc(s->buf, cap);
                if (!b) {
                        s->oom = true;
                        return;
                }
                s->buf = b;
                s->cap = cap;
        }
        s->len += (size_t) sprintf(s->buf + s->len, "%08x %s\n", crc32(p, (size_t) n), p);
}

static void store_written(Store *s) {
        s->len = 0;
        if (s->cap > BUF_KEEP) {
                free(s->buf);
                s->buf = NULL;
                s->cap = 0;
        }
}

bool store_has_pending(const Store *s) {
        return s->len > 0 || s->oom;
}

size_t store_mark(const Store *s) {
        return s->len;
}

void store_rollback(Store *s, size_t mark) {
        if (mark <= s->len)
                s->len = mark;
}

/* A write that failed half-way leaves bytes after the durable end: cut
 * them off, so that a retry appends to what was durable. */
static int store_cut_back(Store *s) {
        if (ftruncate(s->fd, (off_t) s->log_bytes) < 0)
                return -errno;
        s->reserved_bytes = s->log_bytes;       /* truncation freed the reservation */
        return 0;
}

int store_commit(Store *s) {
        /* Records were dropped: no later commit may make it look as if the
         * batch they belonged to was durable. */
        if (s->lost)
                return -ENOTRECOVERABLE;
        if (s->oom) {
                s->lost = true;
                s->len = 0;
                return -ENOMEM;
        }
        if (s->len == 0)
                return 0;
        /* On failure the batch stays buffered for the next attempt: its
         * callers are answered only once it is durable. */
        int r = write_all(s->fd, s->buf, s->len);
        if (r >= 0 && fdatasync(s->fd) < 0)
                r = -errno;
        if (r < 0) {
                /* After a failed fdatasync() the kernel may have dropped
                 * the dirty pages' error: write the batch again. If the
                 * log cannot be cut back, a retry would follow a partial
                 * copy of the batch: give up on it. */
                if (store_cut_back(s) < 0) {
                        s->lost = true;
                        s->len = 0;
                        return -ENOTRECOVERABLE;
                }
                return r;
        }
        s->log_bytes += s->len;
        store_written(s);
        return 0;
}

/* Room on disk for what is buffered plus `more` bytes, allocated ahead
 * (past the end of the file, which keeps its size), so that a full file
 * system refuses a call before it changes anything rather than at commit. */
int store_reserve(Store *s, size_t more) {
        uint64_t want = s->log_bytes + s->len + more;
        if (want <= s->reserved_bytes)
                return 0;
        uint64_t end = want + RESERVE_AHEAD;
        if (fallocate(s->fd, FALLOC_FL_KEEP_SIZE, (off_t) s->log_bytes, (off_t) (end - s->log_bytes)) < 0) {
                if (errno == EOPNOTSUPP || errno == ENOSYS)
                        return 0;       /* no reservation there: commit finds out */
                return -errno;
        }
        s->reserved_bytes = end;
        return 0;
}

bool store_wants_compaction(const Store *s) {
        return s->log_bytes > compact_min_bytes() && s->log_bytes > 4 * s->base_bytes;
}

/* A log is written only through the descriptor it was created with: after
 * the rename, the descriptor the new log was written through is the log,
 * and nothing needs opening (a reopen can fail, EMFILE, and leave us
 * appending to the replaced file). */
int store_compact(Store *s, store_dump_fn fn, void *userdata) {
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp", s->path) < 0)
                return -ENOMEM;
        /* Anything buffered is part of the state the dump writes; it is
         * put back if the compaction fails. */
        char *saved = s->buf;
        size_t saved_len = s->len, saved_cap = s->cap;
        bool saved_oom = s->oom;
        s->buf = NULL;
        s->len = s->cap = 0;
        s->oom = false;
        int r = fn(s, userdata);
        if (r >= 0 && s->oom)
                r = -ENOMEM;
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        if (r >= 0) {
                dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        r = -errno;
        }
        if (r >= 0) {
                fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0600);
                if (fd < 0)
                        r = -errno;
        }
        if (r >= 0)
                r = write_all(fd, s->buf, s->len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, s->path) < 0)
                r = -errno;
        if (r < 0) {
                if (fd >= 0)
                        (void) unlink(tmp);
                free(s->buf);
                s->buf = saved;
                s->len = saved_len;
                s->cap = saved_cap;
                s->oom = saved_oom;
                return r;
        }
        free(saved);
        close(s->fd);
        s->fd = TAKE_FD(fd);
        s->log_bytes = s->base_bytes = s->reserved_bytes = s->len;
        store_written(s);
        /* The rename is in place for this boot whatever happens; a failed
         * directory sync only weakens it against power loss. */
        if (fsync(dfd) < 0) {
                r = -errno;
                log_warning_errno(r, "Cannot sync %s: %s", s->dir, strerror(-r));
        }
        return 0;
}
