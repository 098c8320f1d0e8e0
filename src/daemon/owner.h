/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* owner.c: processes that own charges, watched through a pidfd (or /proc
 * without pidfds), and the /proc readers the caller checks share. An exit
 * is reported to the manager (OwnerCallbacks), which releases. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "engine.h"
#include "hash.h"

typedef struct OwnerCallbacks {
        /* The process exited: release ch, which it still held. */
        void (*exited)(void *userdata, rc_charge *ch);
        /* An owner of uid was made (+1) or went (-1): its owner quota. */
        void (*counted)(void *userdata, uid_t uid, int delta);
} OwnerCallbacks;

/* Every owner, by (pid, starttime, uid). */
typedef struct Owners {
        Hashmap map;
        sd_event *event;
        rc_engine *engine;              /* read only: which charges are still theirs */
        OwnerCallbacks cb;
        void *userdata;
} Owners;

/* A process that owns charges; found again after a restart by pid, start
 * time and the uid the bus reported when it charged, watched through a pidfd. */
typedef struct Owner {
        HashNode node;
        Owners *owners;
        pid_t pid;
        uint64_t starttime;
        uid_t uid;
        int pidfd;
        sd_event_source *exit_source;
        uint64_t *ids;                  /* charges it took; some may be gone already */
        size_t n_ids, allocated;
} Owner;

void owners_init(Owners *s, sd_event *event, rc_engine *engine, const OwnerCallbacks *cb, void *userdata);
/* Frees every owner (no callback: their charges stay). */
void owners_done(Owners *s);

Owner *owner_find(Owners *s, pid_t pid, uint64_t starttime, uid_t uid);
/* pidfd: the caller's handle on exactly that process (duplicated here), or
 * -EBADF to open one and check the start time (owners found in the logs).
 * -ESRCH: that process does not run. */
int owner_get(Owners *s, pid_t pid, uint64_t starttime, uid_t uid, int pidfd, Owner **ret);
void owner_add_charge(Owner *o, uint64_t id);
Owner *owner_from_charge(const rc_charge *ch);
void owner_free(Owner *o);

int proc_starttime(pid_t pid, uint64_t *ret);
int proc_uids(pid_t pid, uid_t *ret_real, uid_t *ret_effective);
int pidfd_open_pid(pid_t pid);
bool process_alive(int pidfd, pid_t pid, uint64_t starttime);
