/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* quota.c: per-uid quotas of callers other than root (resctld.conf [Quota]). */

#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "engine.h"

struct Manager;

typedef enum Quota {
        QUOTA_CHARGES,
        QUOTA_OWNERS,
        QUOTA_GROUPS,
        _QUOTA_MAX,
} Quota;

/* config.c: the resctld.conf name of a quota (ChargesPerUser, ...). */
const char *quota_to_string(Quota q);

void quota_add(struct Manager *m, uid_t uid, Quota q, int delta);
int quota_check(struct Manager *m, uid_t uid, Quota q, unsigned add, sd_bus_error *error);
uid_t charge_uid(const rc_charge *ch);
void charge_set_uid(struct Manager *m, rc_charge *ch, uid_t uid);
void charge_forget_uid(struct Manager *m, rc_charge *ch);
int quota_groups_created(struct Manager *m, uid_t uid, rc_group *g, size_t n, sd_bus_error *error);
void quota_group_forgotten(struct Manager *m, rc_group *g);
void quota_free(struct Manager *m);
