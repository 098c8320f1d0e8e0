/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd.c: the unit tree from systemd (org.freedesktop.systemd1), the
 * one backend that talks to PID 1 on the bus. It follows which units run,
 * under which slice and from which files, and reports to the manager
 * (manager-systemd.c) through SystemdCallbacks; it changes nothing else. */

#include <stdbool.h>
#include <stddef.h>

struct sd_bus;
struct sd_event;

typedef struct Systemd Systemd;

typedef struct SystemdCallbacks {
        /* The unit runs (a new run, or it moved): its group under `slice`
         * (NULL for a slice), its settings from the files systemd loaded it
         * from (fragment may be NULL). was_live: it ran already. <0: it
         * cannot be followed (its group cannot be made). */
        int (*unit_up)(void *userdata, const char *unit, const char *slice, bool was_live, const char *fragment,
                       char *const *dropins, size_t n_dropins);
        /* A unit that ran stopped or went away (R11). */
        void (*unit_down)(void *userdata, const char *unit);
        /* systemd reports the unit inactive, failed or gone (whether it ran
         * or not): its unit charges go. */
        void (*unit_stopped)(void *userdata, const char *unit);
        /* Read a running unit's settings again (same files). */
        int (*load_settings)(void *userdata, const char *unit, const char *fragment, char *const *dropins,
                             size_t n_dropins);
        /* A synchronization with systemd ended; first: the first one. */
        void (*synced)(void *userdata, bool first);
        /* Once: after the first synchronization, at once when systemd is
         * not on the bus, or after a timeout. */
        void (*ready)(void *userdata);
} SystemdCallbacks;

int systemd_new(const SystemdCallbacks *cb, void *userdata, Systemd **ret);
/* Watches systemd on the bus and starts the first synchronization. */
int systemd_start(Systemd *s, struct sd_bus *bus, struct sd_event *event);
Systemd *systemd_free(Systemd *s);

/* Each of these takes NULL (no systemd client) as "not following". */
/* Synchronized with systemd (or synchronizing): unit settings and slices come from it. */
bool systemd_active(Systemd *s);
bool systemd_unit_is_live(Systemd *s, const char *unit);
/* Asks systemd whether a unit the signals did not show running runs; if
 * not, cb.unit_stopped follows (systemd-check.c). */
int systemd_check_unit(Systemd *s, const char *unit);
/* The Slice systemd reports for a running unit; NULL if it does not run or without systemd. */
const char *systemd_unit_slice(Systemd *s, const char *unit);
/* -ENXIO: not following systemd; 0: the unit does not run; 1: the files
 * systemd loaded it from (borrowed; fragment may be NULL). */
int systemd_unit_files(Systemd *s, const char *unit, const char **fragment, char *const **dropins,
                       size_t *n_dropins);
/* Reads the settings of every running unit again (same file lists). */
int systemd_reload_settings(Systemd *s);
