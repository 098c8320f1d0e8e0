/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the libFuzzer targets in this directory. Each target defines
 * LLVMFuzzerTestOneInput(); with -Dfuzz=true libFuzzer drives it, otherwise
 * fuzz-main.c runs the committed corpus and regressions through it. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A correctness failure (a round trip that does not hold): say what, then
 * abort so that libFuzzer keeps the input as a crash. */
#define FUZZ_ASSERT(cond, ...)                                                          \
        do {                                                                            \
                if (!(cond)) {                                                          \
                        fprintf(stderr, "%s:%d: '%s' does not hold: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                   \
                        fputc('\n', stderr);                                            \
                        abort();                                                        \
                }                                                                       \
        } while (0)

/* The input as a C string (cut at its first NUL); aborts when out of memory. */
static inline char *fuzz_string(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        if (!s)
                abort();
        if (size > 0)
                memcpy(s, data, size);
        s[size] = 0;
        return s;
}

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

static inline char *fuzz_tmp_path(void) {
        static char path[256];
        return path;
}

static inline int fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        (void) remove(path);
        return 0;
}

static inline void fuzz_tmpdir_remove(void) {
        if (fuzz_tmp_path()[0])
                (void) nftw(fuzz_tmp_path(), fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* One scratch directory per process, in $TMPDIR, else on tmpfs when there
 * is one (files are written for every input); removed at exit. */
static inline const char *fuzz_tmpdir(void) {
        char *p = fuzz_tmp_path();
        if (p[0])
                return p;
        const char *base = getenv("TMPDIR");
        if (!base || !*base)
                base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(p, 256, "%s/resctl-fuzz-XXXXXX", base);
        if (!mkdtemp(p)) {
                perror("mkdtemp");
                abort();
        }
        atexit(fuzz_tmpdir_remove);
        return p;
}

/* Writes size bytes to path, replacing it; aborts on failure. */
static inline void fuzz_write_file(const char *path, const void *data, size_t size) {
        FILE *f = fopen(path, "we");
        if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
                perror(path);
                abort();
        }
}

/* mkdir -p for one level below an existing directory; aborts on failure. */
static inline void fuzz_mkdir(const char *path) {
        if (mkdir(path, 0755) < 0 && access(path, F_OK) < 0) {
                perror(path);
                abort();
        }
}
