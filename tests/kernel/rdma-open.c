/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rdma-open DEV NPD [hold]: open DEV with libibverbs (the rdma controller
 * charges an hca_handle), allocate NPD protection domains (an hca_object
 * each), print one line per step with its errno, then with "hold" keep
 * everything until stdin is closed. Exit 0 when every step worked, 2 when
 * the open failed, 3 when a PD failed. */
#include <errno.h>
#include <infiniband/verbs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
        if (argc < 3) {
                fprintf(stderr, "usage: %s DEV NPD [hold]\n", argv[0]);
                return 64;
        }
        int n = 0, npd = atoi(argv[2]), rc = 0;
        struct ibv_device **list = ibv_get_device_list(&n), *dev = NULL;
        for (int i = 0; list && i < n; i++)
                if (strcmp(ibv_get_device_name(list[i]), argv[1]) == 0)
                        dev = list[i];
        if (!dev) {
                printf("open %s: no such device\n", argv[1]);
                return 1;
        }
        errno = 0;
        struct ibv_context *ctx = ibv_open_device(dev);
        if (!ctx) {
                printf("open %s: %s\n", argv[1], strerrorname_np(errno) ?: "?");
                return 2;
        }
        printf("open %s: ok\n", argv[1]);
        for (int i = 0; i < npd; i++) {
                errno = 0;
                if (!ibv_alloc_pd(ctx)) {
                        printf("pd %d: %s\n", i + 1, strerrorname_np(errno) ?: "?");
                        rc = 3;
                        break;
                }
                printf("pd %d: ok\n", i + 1);
        }
        if (argc > 3 && strcmp(argv[3], "hold") == 0) {
                printf("holding\n");
                fflush(stdout);
                char c;
                while (read(0, &c, 1) > 0)
                        ;
        }
        return rc;
}
