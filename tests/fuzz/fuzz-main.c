/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Without libFuzzer (-Dfuzz=false): runs every file given, or every file in
 * every directory given, through LLVMFuzzerTestOneInput() once, each in a
 * buffer of exactly its size so that a sanitizer build sees overreads. The
 * corpus and the crashes found earlier become a plain regression test. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path) {
        FILE *f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        size_t cap = 4096, n = 0;
        uint8_t *buf = malloc(cap);
        for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
                n += k;
                if (n == cap) {
                        uint8_t *b = realloc(buf, cap *= 2);
                        if (!b)
                                free(buf);
                        buf = b;
                }
        }
        int bad = ferror(f);
        fclose(f);
        if (!buf || bad) {
                free(buf);
                fprintf(stderr, "%s: cannot read\n", path);
                return -1;
        }
        /* Exactly n bytes: nothing after the input to read by mistake. */
        uint8_t *exact = malloc(n ? n : 1);
        if (!exact) {
                free(buf);
                return -1;
        }
        if (n)
                memcpy(exact, buf, n);
        free(buf);
        (void) LLVMFuzzerTestOneInput(exact, n);
        free(exact);
        return 0;
}

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int run_dir(const char *dir, unsigned *count) {
        DIR *d = opendir(dir);
        if (!d) {
                fprintf(stderr, "%s: %s\n", dir, strerror(errno));
                return -1;
        }
        char **names = NULL;
        size_t n = 0;
        int r = 0;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.')
                        continue;
                char **v = realloc(names, (n + 1) * sizeof(*v));
                if (!v || !(v[n] = strdup(de->d_name))) {
                        names = v ? v : names;
                        r = -1;
                        break;
                }
                names = v;
                n++;
        }
        closedir(d);
        if (n > 0)
                qsort(names, n, sizeof(*names), cmp_names);
        for (size_t i = 0; i < n; i++) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                if (r >= 0 && run_file(path) < 0)
                        r = -1;
                else if (r >= 0)
                        (*count)++;
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char *argv[]) {
        unsigned count = 0;
        if (argc < 2) {
                fprintf(stderr, "usage: %s FILE|DIRECTORY...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                int r = S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) : run_file(argv[i]);
                if (r < 0)
                        return 1;
                if (!S_ISDIR(st.st_mode))
                        count++;
        }
        if (count == 0) {
                fprintf(stderr, "no inputs found\n");
                return 1;
        }
        printf("%u input(s) ran without a failure\n", count);
        return 0;
}
