/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgwrite CGROUP FILE TEXT: move into the cgroup directory CGROUP ("-":
 * stay where we are), then write TEXT to FILE with one write(2), as the
 * kernel's cgroup files and the misc test module want it. Prints "ok" or
 * the errno's name (EBUSY, EINVAL, ...), then when the write returned
 * (CLOCK_BOOTTIME, the clock of /proc/uptime); exit 0 either way, 1 when
 * the move itself failed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double boottime(void) {
        struct timespec ts;
        clock_gettime(CLOCK_BOOTTIME, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        if (argc != 4) {
                fprintf(stderr, "usage: %s CGROUP FILE TEXT\n", argv[0]);
                return 64;
        }
        if (strcmp(argv[1], "-") != 0) {
                char path[4096], pid[32];
                snprintf(path, sizeof(path), "%s/cgroup.procs", argv[1]);
                int fd = open(path, O_WRONLY | O_CLOEXEC);
                int n = snprintf(pid, sizeof(pid), "%d", getpid());
                if (fd < 0 || write(fd, pid, (size_t) n) != n) {
                        printf("move into %s: %s\n", argv[1], strerrorname_np(errno) ?: "?");
                        return 1;
                }
                close(fd);
        }
        int fd = open(argv[2], O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                printf("%s\n", strerrorname_np(errno) ?: "?");
                return 0;
        }
        size_t len = strlen(argv[3]);
        ssize_t k = write(fd, argv[3], len);
        double t = boottime();
        if (k < 0)
                printf("%s %.3f\n", strerrorname_np(errno) ?: "?", t);
        else
                printf("%s %.3f\n", (size_t) k == len ? "ok" : "short", t);
        return 0;
}
