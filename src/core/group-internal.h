/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the engine's own files, not for callers. The pools are
 * in pool.h. */

#include "engine.h"

void group_free(rc_group *g);
void resource_free(rc_resource *r);
void charge_cache_free(rc_engine *e);
