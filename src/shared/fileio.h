/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The small file helpers resctld and resctl both want, once. They return
 * 0 or -errno and log nothing: the caller knows what the file was for. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* write(2) until all n bytes are out, past EINTR and short writes. */
int write_all(int fd, const char *p, size_t n);

/* mkdir -p: every missing level with mode; levels that exist are fine. */
int mkdir_p(const char *path, mode_t mode);

bool endswith(const char *s, const char *suffix);

/* The whole file, NUL-terminated (the text may hold NULs of its own).
 * -EISDIR for a directory, -EFBIG when it grows past about max_size. */
int read_full_file(const char *path, size_t max_size, char **ret);
