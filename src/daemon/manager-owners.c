/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The manager's side of owner.c: an owner that exited releases what it
 * held, each with a signal; owners count against their uid's quota. */

#include "manager.h"
#include "unit-charges.h"
#include "unit-lookup.h"
#include "unit-settings.h"
#include "owner.h"

static void on_owner_exited(void *userdata, rc_charge *ch) {
        manager_release(userdata, ch, 0, "owner-exited");
}

static void on_owner_counted(void *userdata, uid_t uid, int delta) {
        quota_add(userdata, uid, QUOTA_OWNERS, delta);
}

static const OwnerCallbacks owner_callbacks = {
        .exited = on_owner_exited,
        .counted = on_owner_counted,
};

void manager_owners_init(Manager *m) {
        owners_init(&m->owners, m->event, m->engine, &owner_callbacks, m);
}
