/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Journal entries about a unit's group, as systemd writes them about
 * units: MESSAGE_ID= (explained by catalog/resctl.catalog under
 * journalctl -x) and OBJECT_SYSTEMD_UNIT=/UNIT= of the group, so that
 * "journalctl -u vm1.service" shows what resctld did to vm1.service. */

#include <stdint.h>

#define MESSAGE_ID_CHARGE_REFUSED "ba1dc5871b08453ba70644c77d5206be"
#define MESSAGE_ID_UNKNOWN_UNIT "9a1cb306335c4a64b4139e3c22efc9e2"
#define MESSAGE_ID_EVICTION_REQUESTED "ac5717870dae413d9f30b55b6f15b0e8"

/* message_id may be NULL; key NULL and charge_id 0 leave their fields out. */
void log_unit_event(int level, const char *message_id, const char *unit, const char *key, uint64_t charge_id,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#define log_refusal(message_id, unit, key, ...) \
        log_unit_event(LOG_NOTICE, (message_id), (unit), (key), 0, __VA_ARGS__)
