/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* journal.c, journal-replay.c: the record alphabet of the two logs (built
 * on store.c). journal.c writes them, the only caller of store_append();
 * journal-replay.c reads them at start.
 *
 * The state store (state dir) holds registered resources and PERSIST
 * charges; the runtime store (runtime dir, gone at reboot) holds
 * process-owned charges, runtime limits, peaks and event counters.
 *
 * Records:  I next_id | R key capacity | D key
 *           C id group counter amount flags pid starttime [uid] | X id amount | M id group
 *           W group file hextext | w group file resource [hextmp]
 *           P group counter peak events events_local | F counter refused
 *           T unit key kind n group delta... | t unit key kind   (Protect)
 *           N hextmp hexpath                                     (drop-in renames)
 *           (D in the runtime store: forget the stats of that resource)
 *
 * Writing: the journal sink (journal_sink()) turns the manager's events
 * into records; they become durable at manager_commit(), before the
 * replies and signals of the same batch are sent. Reading: the
 * replay at start (journal_replay_*), which manager_load_state() drives.
 * Compaction: journal_maybe_compact() after each commit. */

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "manager-events.h"
#include "store.h"

struct Manager;

/* The sink that turns the manager's events into records
 * (manager-events.h); resctld.c registers it first. */
ManagerSink journal_sink(struct Manager *m);

/* A drop-in rename of a SetUnitProperties call, appended to state.log
 * before the renames start; its caller commits (or rolls back) the batch.
 * A start completes the renames a crash cut short. */
int journal_rename(struct Manager *m, const char *tmp, const char *path);

/* Replay at start: state.log first (resources, charges collected), then,
 * once the unit settings are loaded, runtime.log; then what was collected
 * is applied (runtime limits over the unit settings, charges in id order
 * without limit checks: they were acknowledged under the limits of their
 * time). After the first commit, journal_replay_finish() removes the
 * drop-in temporaries of calls a crash cut short (>= 0: it did, and the
 * unit settings may clean the other temporaries). */
typedef struct JournalReplay JournalReplay;
int journal_replay_state(struct Manager *m, JournalReplay **ret);
int journal_replay_runtime(JournalReplay *l);
void journal_replay_apply(JournalReplay *l);
int journal_replay_finish(JournalReplay *l);
JournalReplay *journal_replay_free(JournalReplay *l);
static inline void journal_replay_freep(JournalReplay **l) {
        journal_replay_free(*l);
}

/* After a commit: rewrites a log that grew enough past its last compaction. */
int journal_maybe_compact(struct Manager *m);
/* Rewrites runtime.log now (the replay's leftovers: journal-replay.c). */
int journal_compact_runtime(struct Manager *m);
/* The compaction dumps (store_dump_fn, userdata the Manager); fuzz-state
 * calls them directly. */
int journal_dump_state(Store *s, void *userdata);
int journal_dump_runtime(Store *s, void *userdata);
