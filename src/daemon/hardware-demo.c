/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* --hardware=demo: a machine with an EPYC's SEV ASIDs, one GPU and one HCA,
 * so that the daemon is useful (and demonstrable) anywhere. */

#include <stdint.h>

#include "discover.h"
#include "log.h"

static const struct {
        const char *key;
        uint64_t capacity;
} demo[] = {
        { "misc/sev", 400 },
        { "misc/sev_es", 99 },
        { "dmem/drm/0000:c1:00.0/vram0", UINT64_C(16) << 30 },
        { "rdma/mlx5_0", UINT64_MAX },
};

int hardware_demo_register(int (*add)(void *userdata, const char *key, uint64_t capacity, rc_err *err),
                           void *userdata) {
        for (size_t i = 0; i < sizeof(demo) / sizeof(demo[0]); i++) {
                rc_err err = { { 0 } };
                int r = add(userdata, demo[i].key, demo[i].capacity, &err);
                if (r < 0)
                        return log_error_errno(r, "Demo resource %s: %s", demo[i].key, err.msg);
        }
        log_info("Demo hardware registered: misc/sev 400, misc/sev_es 99, dmem/drm/0000:c1:00.0/vram0 16G, rdma/mlx5_0.");
        return 0;
}
