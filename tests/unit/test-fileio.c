/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* src/shared/fileio.c: the helpers resctld and resctl share. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "test.h"

static char dir[] = "/tmp/test-fileio-XXXXXX";

static char *path(const char *name) {
        char *p = NULL;
        CHECK(asprintf(&p, "%s/%s", dir, name) >= 0);
        return p;
}

TEST(test_endswith) {
        CHECK(endswith("a.slice", ".slice"));
        CHECK(endswith(".slice", ".slice"));
        CHECK(endswith("x", ""));
        CHECK(!endswith("slice", ".slice"));
        CHECK(!endswith("a.slice.d", ".slice"));
}

TEST(test_write_read) {
        _cleanup_free_ char *p = path("f"), *s = NULL;
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        size_t n = 100000;
        _cleanup_free_ char *big = malloc(n);
        CHECK(big);
        for (size_t i = 0; i < n; i++)
                big[i] = (char) ('a' + i % 26);
        CHECK_EQ_INT(write_all(fd, big, n), 0);
        CHECK_EQ_INT(close(fd), 0);
        CHECK_EQ_INT(read_full_file(p, 1u << 20, &s), 0);
        CHECK(s && strlen(s) == n && memcmp(s, big, n) == 0);
        CHECK_EQ_INT(read_full_file(p, 16384, &s), -EFBIG);
        CHECK_EQ_INT(write_all(-1, "x", 1), -EBADF);
}

TEST(test_read_special) {
        _cleanup_free_ char *p = path("empty"), *s = NULL, *missing = path("missing");
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        close(fd);
        CHECK_EQ_INT(read_full_file(p, 4096, &s), 0);
        CHECK_EQ_STR(s, "");
        char *t = NULL;
        CHECK_EQ_INT(read_full_file(dir, 4096, &t), -EISDIR);
        CHECK_EQ_INT(read_full_file(missing, 4096, &t), -ENOENT);
        CHECK(!t);
}

TEST(test_mkdir_p) {
        _cleanup_free_ char *p = path("a/b/c"), *q = path("a/b/c/"), *f = path("file"), *under = path("file/x");
        struct stat st;
        CHECK_EQ_INT(mkdir_p(p, 0700), 0);
        CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
        CHECK_EQ_INT(mkdir_p(p, 0700), 0);
        CHECK_EQ_INT(mkdir_p(q, 0700), 0);
        int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        close(fd);
        CHECK_EQ_INT(mkdir_p(under, 0700), -ENOTDIR);
}

int main(void) {
        CHECK(mkdtemp(dir));
        RUN(test_endswith);
        RUN(test_write_read);
        RUN(test_read_special);
        RUN(test_mkdir_p);
        _cleanup_free_ char *cmd = NULL;
        if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0)
                (void) system(cmd);
        return TEST_EXIT();
}
