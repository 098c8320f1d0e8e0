/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* resctld.conf(5): config.c */

#include <stdint.h>

#include "quota.h"

#define CONFIG_REPLY_SIZE_MAX_DEFAULT (UINT64_C(16) << 20)      /* half of dbus-daemon's 32 MiB */
#define CONFIG_REPLY_SIZE_MAX_MIN (UINT64_C(4) << 10)
#define CONFIG_REPLY_SIZE_MAX_MAX (UINT64_C(32) << 20)

typedef struct Config {
        uint64_t reply_size_max;        /* bytes a reply may take on the bus */
        uint64_t quota[_QUOTA_MAX];     /* per uid, for callers other than root */
} Config;

void config_defaults(Config *c);
int config_load(Config *c, const char *dir);
