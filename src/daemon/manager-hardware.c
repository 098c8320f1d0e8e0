/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The manager's side of hardware discovery (discover.c) and of the demo
 * profile (hardware-demo.c): what they find is registered here. */

#include <errno.h>

#include "discover.h"
#include "log.h"
#include "manager.h"
#include "unit-charges.h"
#include "unit-lookup.h"
#include "unit-settings.h"

/* The demo resources are registered as the stores are replayed: plainly,
 * like records of the state log. */
static int demo_add(void *userdata, const char *key, uint64_t capacity, rc_err *err) {
        Manager *m = userdata;
        return rc_resource_register(m->engine, key, capacity, NULL, NULL, err);
}

int manager_hardware_demo_register(Manager *m) {
        return hardware_demo_register(demo_add, m);
}

static int on_discovered_add(void *userdata, const char *key, uint64_t capacity) {
        return manager_discovered_add(userdata, key, capacity);
}

static void on_discovered_remove(void *userdata, const char *key) {
        (void) manager_discovered_remove(userdata, key);
}

const DiscoveryCallbacks manager_discovery_callbacks = {
        .added = on_discovered_add,
        .removed = on_discovered_remove,
};

int manager_discovery_enumerate(Manager *m) {
        if (m->discovery)
                return 0;
        int r = discovery_new(m->cgroup_root, &manager_discovery_callbacks, m, &m->discovery);
        if (r < 0)
                return log_oom();
        return discovery_enumerate(m->discovery);
}

int manager_discovery_start(Manager *m) {
        return discovery_start(m->discovery, m->event);
}

void manager_discovery_free(Manager *m) {
        m->discovery = discovery_free(m->discovery);
}
